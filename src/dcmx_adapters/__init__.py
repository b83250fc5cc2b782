"""Adapters: the technologies behind the core's ports, one sub-package or module each."""
