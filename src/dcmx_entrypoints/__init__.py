"""Entrypoints: the composition root, the `dcmx` command and (later) the HTTP API."""
