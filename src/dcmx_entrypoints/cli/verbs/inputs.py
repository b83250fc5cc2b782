"""Reading the verbs' arguments: accounts, addresses, amounts, hashes, splits and the names of
the domain's closed sets. A reader refuses a value with ``typer.BadParameter`` naming the option
it came from, so the command fails with one line that says which option was wrong.

Amounts are integers of base units by default. With ``--units`` they are decimal numbers of
whole units (``1.5`` coin is 1,500,000,000,000,000,000 base units at 18 decimals), read exactly
from the text: never through a float, and never rounded (more decimal places than the currency
has is refused).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Final, TypeVar

import typer

if TYPE_CHECKING:  # the domain loads when a verb runs, not when dcmx reads its options
    from dcmx_core.model.values import Address, Hash32
    from dcmx_entrypoints.cli.verbs.accounts import Accounts

E = TypeVar("E", bound=IntEnum)

OPERATOR: Final = "operator"
_WHOLE: Final = re.compile(r"[0-9]+")
_DECIMAL: Final = re.compile(r"([0-9]+)(?:\.([0-9]+))?")


def bad(option: str, reason: str) -> typer.BadParameter:
    """The refusal of a value given to ``option`` (``--price``, or ``AMOUNT`` for an argument)."""
    return typer.BadParameter(reason, param_hint=f"'{option}'")


def parse_amount(text: str, option: str, *, units: bool, decimals: int | None) -> int:
    """An amount in base units: ``text`` is an integer of base units, or with ``units`` a
    decimal number of whole units of a currency with ``decimals`` decimals."""
    text = text.strip()
    if text.startswith("-"):
        raise bad(option, f"{text} is negative: an amount is 0 or more")
    if not units:
        if not _WHOLE.fullmatch(text):
            hint = " (give --units for a decimal number of whole units)" if "." in text else ""
            raise bad(option, f"{text!r} is not a whole number of base units{hint}")
        return _in_range(option, text, int(text))
    if decimals is None:
        raise bad(option, "--units needs the currency's decimals: give --decimals")
    match = _DECIMAL.fullmatch(text)
    if match is None:
        raise bad(option, f"{text!r} is not a decimal number of whole units (such as 1.5)")
    whole, fraction = match.group(1), match.group(2) or ""
    if len(fraction) > decimals:
        raise bad(
            option,
            f"{text!r} has {len(fraction)} decimal places; the currency has {decimals}",
        )
    return _in_range(
        option, text, int(whole) * 10**decimals + int(fraction.ljust(decimals, "0") or 0)
    )


def _in_range(option: str, text: str, amount: int) -> int:
    from dcmx_core.model.values import UINT256_MAX

    if amount > UINT256_MAX:
        raise bad(option, f"{text} is more than an amount can be (2**256 - 1 base units)")
    return amount


def parse_choice(text: str, kind: type[E], option: str) -> E:
    """A member of one of the domain's closed sets by its lower-case name (``listening``,
    ``terms_of_service``; a hyphen reads as an underscore)."""
    name = text.strip().upper().replace("-", "_")
    if name in kind.__members__:
        return kind[name]
    choices = ", ".join(member.name.lower() for member in kind)
    raise bad(option, f"{text!r} is not one of {choices}")


def parse_hash(text: str, option: str) -> Hash32:
    from dcmx_core.exceptions import InvalidHash
    from dcmx_core.model.values import Hash32

    """A 32-byte hash written as 64 hex digits, with or without ``0x``."""
    try:
        return Hash32.from_hex(text.strip())
    except InvalidHash:
        raise bad(option, f"{text!r} is not a 32-byte hash (64 hex digits)") from None


def hash_of_file(path: Path, option: str) -> Hash32:
    from dcmx_core.model.values import Hash32

    """The SHA-256 of a file's bytes: how content and documents are fingerprinted."""
    try:
        return Hash32.of(path.read_bytes())
    except OSError as error:
        raise bad(option, f"cannot read {path}: {error.strerror}") from None


def one_hash(given: str | None, file: Path | None, *, hash_option: str, file_option: str) -> Hash32:
    """The hash given, or the hash of the file given: exactly one of them."""
    if (given is None) == (file is None):
        raise bad(f"{hash_option}/{file_option}", f"give either {hash_option} or {file_option}")
    if given is not None:
        return parse_hash(given, hash_option)
    assert file is not None
    return hash_of_file(file, file_option)


def parse_split(
    parts: Sequence[str], accounts: Accounts, option: str = "--split"
) -> tuple[tuple[Address, ...], tuple[int, ...]]:
    """Recipients and their basis points from ``RECIPIENT=BPS`` parts, in the order given (the
    first recipient takes the rounding remainder). Whether they make a valid split is the
    domain's rule, checked where it lives."""
    if not parts:
        raise bad(option, "give at least one RECIPIENT=BPS")
    recipients: list[Address] = []
    shares: list[int] = []
    for part in parts:
        who, sign, bps = part.rpartition("=")
        if not sign or not who.strip() or not _WHOLE.fullmatch(bps.strip()):
            raise bad(option, f"{part!r} is not RECIPIENT=BPS (such as Ayla=5000)")
        recipients.append(accounts.address(who, option))
        shares.append(int(bps.strip()))
    return tuple(recipients), tuple(shares)
