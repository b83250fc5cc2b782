"""Every refusal of the domain reads as people write it, wherever it is told: in the CLI (a
verb's refusal, or any command's) and in a problem document. Addresses in the chain's form
(EIP-55 on EVM, base58check on TRON), hashes and bytes in hex, amounts with their unit, and no
Python repr anywhere. The classes are found in ``dcmx_core.exceptions``: a new one is covered
as soon as it exists."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from fastapi import FastAPI

from dcmx_adapters.crypto import EthCrypto
from dcmx_core import exceptions
from dcmx_core.exceptions import DcmxError
from dcmx_core.model.enums import ClaimStatus, DocumentType, Pool
from dcmx_core.model.values import Address, Hash32
from dcmx_entrypoints import cli
from dcmx_entrypoints.http.problems import install_problem_handlers
from dcmx_entrypoints.http.schemas import AddressText
from tests.http.client import ApiClient, api_client

KECCAK = EthCrypto().keccak256
SOMEONE = Address(bytes.fromhex("8a6b3e1991760b73c2ec5154933b6a801d0b3c3f"))
TOKEN = Address(bytes.fromhex("c6bac552a92b4b55a8918f810bc2d2e8686bf933"))
HASH = Hash32.of(b"midnight-static.flac")
HEX_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}(?![0-9a-fA-F])")
REPRS = [
    re.compile(r"""\bb['"]"""),  # bytes
    re.compile(r"\b(Address|Hash32|[A-Z][A-Za-z]+Type|Pool|ClaimStatus|Regime)[(.]"),
    re.compile(r"<[A-Za-z_.]+[ :]"),  # <object at ...>, <Pool.LISTENING: 1>
    re.compile(r"\b(None|True|False)\b"),
]
AMOUNT_NAMES = {"needed", "available", "requested", "headroom", "paid", "received", "expected"}


def _argument(name: str, annotation: str, kind: type[DcmxError]) -> Any:
    """A representative value of a constructor's argument, by its name and type."""
    if name in ("account", "spender", "user", "receiver", "claimed", "recipient"):
        return SOMEONE
    if name in ("currency", "given") or (kind is exceptions.WrongCurrency and name == "expected"):
        return TOKEN
    if name in ("content_hash", "proof_hash"):
        return HASH
    if name == "doc_type":
        return DocumentType.TERMS_OF_SERVICE
    if name == "status":
        return ClaimStatus.REJECTED
    if name == "pool":
        return Pool.LISTENING
    if name in ("text", "value"):
        return b"\x01\x02\xfe"  # what a value's check was handed: raw bytes
    if annotation == "int":
        return 1_000_000_000_000_000_000 if name in AMOUNT_NAMES else 7
    return {"contract": "token", "chain": "evm:31337"}.get(name, f"the {name}")


def _refusals() -> Iterator[Any]:
    for kind in vars(exceptions).values():
        if not (isinstance(kind, type) and issubclass(kind, DcmxError)):
            continue
        if kind.__init__ is DcmxError.__init__:
            continue  # a branch, or a class whose raiser writes the whole message
        parameters = list(inspect.signature(kind.__init__).parameters.values())[1:]
        arguments = [_argument(p.name, str(p.annotation), kind) for p in parameters]
        yield pytest.param(kind(*arguments), id=kind.__name__)


REFUSALS = list(_refusals())


Detail = Callable[[DcmxError, bool], str]


def _app(refusals: dict[str, DcmxError], *, tron: bool) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.state.addresses = AddressText(KECCAK, base58=tron)

    @app.get("/refused/{name}")
    def refused(name: str) -> None:
        raise refusals[name]

    return app


@pytest.fixture(scope="module")
def problem_detail() -> Iterator[Detail]:
    """The ``detail`` of the problem document an API (on EVM, or on TRON) answers with."""
    refusals: dict[str, DcmxError] = {}
    with ExitStack() as stack:
        clients: dict[bool, ApiClient] = {
            tron: stack.enter_context(api_client(_app(refusals, tron=tron)))
            for tron in (False, True)
        }

        def detail(error: DcmxError, tron: bool) -> str:
            refusals[type(error).__name__] = error
            answer = clients[tron].get(f"/refused/{type(error).__name__}")
            return str(answer.json()["detail"])

        yield detail


def _renderings(error: DcmxError, problem_detail: Detail) -> dict[str, str]:
    failure = cli.expected_failure(error)
    assert failure is not None
    return {
        "cli": failure[1],
        "cli verb (EVM)": AddressText(KECCAK).in_text(str(error)),
        "cli verb (TRON)": AddressText(KECCAK, base58=True).in_text(str(error)),
        "problem (EVM)": problem_detail(error, False),
        "problem (TRON)": problem_detail(error, True),
    }


def test_every_refusal_with_a_message_of_its_own_is_covered() -> None:
    names = {param.id for param in REFUSALS}
    assert {"InsufficientBalance", "InvalidAddress", "UnknownDocument", "ClaimNotPending"} <= names
    assert len(names) > 40


@pytest.mark.parametrize("error", REFUSALS)
def test_a_refusal_reads_as_people_write_it(error: DcmxError, problem_detail: Detail) -> None:
    for where, said in _renderings(error, problem_detail).items():
        for pattern in REPRS:
            assert not pattern.search(said), f"{where}: {said}"
        assert "\n" not in said, f"{where}: {said}"
        for address in HEX_ADDRESS.findall(said):
            assert "TRON" not in where, f"{where}: {said}"
            parsed = Address(bytes.fromhex(address[2:]))
            assert address == parsed.to_checksum_hex(KECCAK), f"{where}: {said}"
        if "TRON" in where and SOMEONE.to_hex() in str(error):
            assert SOMEONE.to_base58() in said, f"{where}: {said}"


@pytest.mark.parametrize("error", REFUSALS)
def test_an_amount_in_a_refusal_says_its_unit(error: DcmxError) -> None:
    if isinstance(error, exceptions.WrongNonce):
        return  # its numbers are nonces, not amounts
    if any(isinstance(v, int) for k, v in error.details.items() if k in AMOUNT_NAMES):
        assert "base units" in str(error), str(error)
