"""Amounts as people read them."""

from __future__ import annotations


def format_units(amount: int, decimals: int) -> str:
    """An integer amount of base units as a decimal string, exactly (no floats)."""
    whole, fraction = divmod(amount, 10**decimals)
    text = f"{whole:,}"
    digits = f"{fraction:0{decimals}d}".rstrip("0")
    return f"{text}.{digits}" if digits else text
