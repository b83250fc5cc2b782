"""Who a verb's ``--as`` (and its other account options) may name, by where it runs.

On a local chain (``--local-chain``, or a configured ledger of this process) the accounts are
the demo's cast, whose keys derive from their names. On a network they are the operator (the
configured key: ``DCMX_KEYSTORE`` or ``DCMX_PRIVATE_KEY``) and the account whose keystore
``--keystore`` gives; a demo name there is refused, since anyone can derive those keys. Keys
are opened only when a verb sends as them, so a verb that only reads asks for no password.
"""

from __future__ import annotations

import sys
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from attrs import frozen

from dcmx_entrypoints.cli.verbs.inputs import bad
from dcmx_entrypoints.demo.cast import CAST, OPERATOR, Person
from dcmx_entrypoints.failures import CommandFailed

if TYPE_CHECKING:  # the domain, the container and the API's schemas load when a verb runs
    from dcmx_core.model.signing import Signer
    from dcmx_core.model.values import Address, Keccak
    from dcmx_entrypoints.container import Container
    from dcmx_entrypoints.http.schemas import AddressText


@frozen
class Account:
    """An account a verb can send as: its name for people, its address, its signer."""

    name: str
    address: Address
    signer: Signer


class Accounts(Protocol):
    def sender(self, text: str, option: str = "--as") -> Account:
        """The account ``text`` names, which this chain can sign for."""

    def address(self, text: str, option: str) -> Address:
        """Any address ``text`` gives (or names)."""

    def label(self, address: Address) -> str:
        """How people read ``address``: a name where it has one."""

    def signers(self) -> tuple[Signer, ...]:
        """Every key opened for this command, the operator's first when it was."""


class DemoAccounts:
    """The operator and the demo's cast, on a local chain."""

    def __init__(self, people: tuple[Person, ...], keccak: Keccak) -> None:
        self._people = people
        self._keccak = keccak

    def names(self) -> str:
        return ", ".join(someone.name for someone in self._people)

    def _named(self, text: str) -> Person | None:
        wanted = text.strip().casefold()
        return next((p for p in self._people if p.name.casefold() == wanted), None)

    def sender(self, text: str, option: str = "--as") -> Account:
        found = self._named(text)
        if found is None:
            from dcmx_core.exceptions import InvalidAddress
            from dcmx_core.model.values import Address

            try:
                address = Address.parse(text.strip(), self._keccak)
            except InvalidAddress:
                address = None
            found = next((p for p in self._people if p.address == address), None)
        if found is None:
            raise bad(
                option,
                f"{text!r} is not an account whose key this chain knows: one of {self.names()}, "
                "or one of their addresses",
            )
        return Account(found.name, found.address, found.signer)

    def address(self, text: str, option: str) -> Address:
        found = self._named(text)
        if found is not None:
            return found.address
        text = text.strip()
        from dcmx_core.exceptions import InvalidAddress
        from dcmx_core.model.values import Address

        try:
            return Address.parse(text, self._keccak)
        except InvalidAddress as error:
            if text.startswith(("0x", "0X", "T")):
                raise bad(option, error.message) from None
        raise bad(
            option,
            f"{text!r} is neither an account name ({self.names()}) nor an address (0x… or T…)",
        )

    def label(self, address: Address) -> str:
        found = next((p for p in self._people if p.address == address), None)
        return found.name if found is not None else address.to_checksum_hex(self._keccak)

    def signers(self) -> tuple[Signer, ...]:
        return tuple(someone.signer for someone in self._people)


def _demo_name(text: str) -> bool:
    return text.strip().casefold() in {name.casefold() for name in CAST}


def keystore_password(path: Path) -> str:
    """The password of the keystore ``--keystore`` gives: asked on a terminal, else the first
    line of standard input (so a script can pipe it in)."""
    from dcmx_entrypoints.container import terminal_password

    asked = terminal_password(f"password of the keystore {path.name}: ")
    if asked is not None:
        return asked
    line = sys.stdin.readline()
    if not line:
        raise bad("--keystore", f"no password for {path.name}: type it, or give it on stdin")
    return line.rstrip("\r\n")


class NetworkAccounts:
    """The operator's configured key (the container's, which its ledger signs with) and the
    keystore ``--keystore`` gives, on a network."""

    def __init__(self, container: Container, keystore: Path | None, addresses: AddressText) -> None:
        self.container = container
        self._keystore = keystore
        self._addresses = addresses

    @cached_property
    def _operator(self) -> Signer | None:
        return self.container.operator_signer()

    @cached_property
    def _given(self) -> Signer | None:
        if self._keystore is None:
            return None
        from dcmx_adapters.signing import KeyRefused, open_keystore

        try:
            return open_keystore(self._keystore, keystore_password(self._keystore))
        except KeyRefused as refused:
            raise bad("--keystore", str(refused)) from None

    def _operator_account(self, option: str) -> Account:
        from dcmx_entrypoints.container import OPERATOR_KEY_SETTINGS

        signer = self._operator
        if signer is None:
            raise CommandFailed(
                f"{option} operator needs the operator's key: set {OPERATOR_KEY_SETTINGS}"
            )
        return Account(OPERATOR, signer.address, signer)

    def sender(self, text: str, option: str = "--as") -> Account:
        wanted = text.strip()
        if wanted.casefold() == OPERATOR:
            # --as left at operator with a keystore given: the keystore's account sends.
            if option == "--as" and self._given is not None:
                return Account(self._shown(self._given.address), self._given.address, self._given)
            return self._operator_account(option)
        if _demo_name(wanted):
            raise bad(option, _NO_DEMO.format(text=wanted))
        address = self._parse(wanted, option)
        if self._given is not None and self._given.address == address:
            return Account(self._shown(address), address, self._given)
        if self._operator_matches(address):
            return self._operator_account(option)
        raise bad(
            option,
            f"no key for {self._shown(address)} here: give its keystore with --keystore FILE",
        )

    def _operator_matches(self, address: Address) -> bool:
        from dcmx_entrypoints.settings import SettingsError

        try:
            signer = self._operator
        except SettingsError:
            return False
        return signer is not None and signer.address == address

    def address(self, text: str, option: str) -> Address:
        wanted = text.strip()
        if wanted.casefold() == OPERATOR:
            return self._operator_account(option).address
        if _demo_name(wanted):
            raise bad(option, _NO_DEMO.format(text=wanted))
        return self._parse(wanted, option)

    def _parse(self, text: str, option: str) -> Address:
        from dcmx_core.exceptions import InvalidAddress

        try:
            return self._addresses.parse(text)
        except InvalidAddress as error:
            raise bad(option, error.message) from None

    def _shown(self, address: Address) -> str:
        return self._addresses.render(address)

    def label(self, address: Address) -> str:
        opened = self.__dict__.get("_operator")
        if opened is not None and opened.address == address:
            return OPERATOR
        return self._shown(address)

    def signers(self) -> tuple[Signer, ...]:
        opened = (self.__dict__.get("_operator"), self.__dict__.get("_given"))
        return tuple(signer for signer in opened if signer is not None)

    def others(self) -> tuple[Signer, ...]:
        """The keystore ``--keystore`` gave, once opened: who the ledger signs for besides the
        operator."""
        given = self.__dict__.get("_given")
        return () if given is None else (given,)


_NO_DEMO = (
    "{text!r} is a demo account, which exists on local chains only (anyone can derive its "
    "key): on a network, name operator or the address of a keystore given with --keystore"
)
