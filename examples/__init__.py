"""Runnable examples of using DCMX Core as a library."""
