"""Corpora: where the course's text comes from (filled in by the corpora module)."""
