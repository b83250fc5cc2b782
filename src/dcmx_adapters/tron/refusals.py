"""java-tron's refusals of a transaction, by the ``response_code`` name it gives them."""

from __future__ import annotations


class Refused(Exception):
    """java-tron refused a transaction: ``code`` is its ``response_code`` name."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
