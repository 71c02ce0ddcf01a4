"""What the gradebook becomes: feedback pages, exports, manual-grading sheets and the instructor report."""
