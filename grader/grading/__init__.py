"""Grading: run a submission in the sandbox, take its answers out, score them, batch many."""
