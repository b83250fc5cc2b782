"""Use cases, written against the ports only: one plain function per thing a user does."""
