"""Commands on graded results: feedback, export, manual export/import."""
