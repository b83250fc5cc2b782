"""A runnable example of embedding dcmx_core with an adapter of one's own."""
