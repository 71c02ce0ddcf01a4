"""Notebooks: build them for students (nbgrader format), read submissions, run them, take answers out."""
