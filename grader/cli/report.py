"""The instructor report command."""
