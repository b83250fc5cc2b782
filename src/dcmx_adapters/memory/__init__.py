"""In-memory adapters: the ledger that runs the rules directly, and the repositories."""
