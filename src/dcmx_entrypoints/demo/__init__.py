"""The demo: its cast, its scripted day, and the ledgers it runs on (local chains only)."""
