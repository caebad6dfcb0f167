"""Transcription of call recordings (R-23 quality checks): speech engine behind an interface."""
