"""A corpus of realistic answers, each with the verdict a careful grader gives (see ``cases.py``)."""
