"""Translation between the domain and the contracts: commands to calls, logs to domain events,
revert data to domain errors. No rule lives here; only names and types are mapped."""

from __future__ import annotations

import enum
import typing
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

import attrs
from attrs import frozen
from eth_abi.abi import decode
from eth_abi.exceptions import DecodingError, EncodingError

from dcmx_adapters.evm.abi import ContractAbi, Event, Function, address_from_abi, to_abi
from dcmx_adapters.evm.artifacts import artifact
from dcmx_adapters.evm.chain import Log
from dcmx_core import commands as c
from dcmx_core import events as e
from dcmx_core.exceptions import (
    DcmxError,
    InsufficientAllowance,
    InsufficientBalance,
    NotOwnerNorApproved,
    OutOfRange,
    UnknownToken,
    WrongOwner,
    ZeroAddress,
    error_class_named,
    reverted,
)
from dcmx_core.model.enums import Contract
from dcmx_core.model.platform import Deployment
from dcmx_core.model.values import Address, Hash32
from dcmx_core.ports import EventBatch, Undecodable

ARTIFACT_OF = {
    Contract.TOKEN: "DCMXToken",
    Contract.MUSIC_NFT: "MusicNFT",
    Contract.COMPLIANCE: "ComplianceRegistry",
    Contract.REWARDS: "RewardVault",
    Contract.ROYALTIES: "RoyaltyDistributor",
}

# OpenZeppelin's standard errors, by the domain rule each one enforces.
STANDARD_ERRORS: dict[str, type[DcmxError]] = {
    "ERC20InsufficientBalance": InsufficientBalance,
    "ERC20InsufficientAllowance": InsufficientAllowance,
    "ERC20InvalidSender": ZeroAddress,
    "ERC20InvalidReceiver": ZeroAddress,
    "ERC20InvalidApprover": ZeroAddress,
    "ERC20InvalidSpender": ZeroAddress,
    "ERC721NonexistentToken": UnknownToken,
    "ERC721InsufficientApproval": NotOwnerNorApproved,
    "ERC721IncorrectOwner": WrongOwner,
    "ERC721InvalidApprover": NotOwnerNorApproved,
    "ERC721InvalidOperator": ZeroAddress,
    "ERC721InvalidReceiver": ZeroAddress,
    "ERC721InvalidOwner": ZeroAddress,
}

# Solidity event names that differ from the domain's (per contract); others are the same name.
RENAMED_EVENTS: dict[tuple[Contract, str], type[e.DomainEvent]] = {
    (Contract.TOKEN, "Transfer"): e.TokensTransferred,
    (Contract.TOKEN, "Approval"): e.AllowanceApproved,
    (Contract.MUSIC_NFT, "Transfer"): e.EditionTransferred,
    (Contract.MUSIC_NFT, "Approval"): e.EditionApproved,
    (Contract.MUSIC_NFT, "ApprovalForAll"): e.OperatorSet,
}


@cache
def abi_of(name: str) -> ContractAbi:
    return ContractAbi(artifact(name).abi)


@frozen
class Call:
    """One contract function call: where, what, with which arguments and native value."""

    to: Address
    function: Function
    args: tuple[Any, ...]
    value: int = 0

    def data(self) -> bytes:
        try:
            return self.function.encode([to_abi(arg) for arg in self.args])
        except (EncodingError, OverflowError, TypeError) as error:
            raise OutOfRange(self.function.name, self.args, "what the contract's types hold") from (
                error
            )


def _call(
    deployment: Deployment, contract: Contract, name: str, *args: Any, value: int = 0
) -> Call:
    function = abi_of(ARTIFACT_OF[contract]).function(name, len(args))
    return Call(deployment.address_of(contract), function, args, value)


T, N, K, R, V = (
    Contract.TOKEN,
    Contract.MUSIC_NFT,
    Contract.COMPLIANCE,
    Contract.ROYALTIES,
    Contract.REWARDS,
)

_CALLS: dict[type[c.Command], Callable[[Any, Deployment], Call]] = {
    c.ProposeAdmin: lambda x, d: _call(d, x.contract, "proposeAdmin", x.proposed),
    c.AcceptAdmin: lambda x, d: _call(d, x.contract, "acceptAdmin"),
    c.Transfer: lambda x, d: _call(d, T, "transfer", x.recipient, x.amount),
    c.TransferFrom: lambda x, d: _call(d, T, "transferFrom", x.owner, x.recipient, x.amount),
    c.Burn: lambda x, d: _call(d, T, "burn", x.amount),
    c.BurnFrom: lambda x, d: _call(d, T, "burnFrom", x.owner, x.amount),
    c.Mint: lambda x, d: _call(d, T, "mint", x.recipient, x.amount),
    c.AddMinter: lambda x, d: _call(d, T, "addMinter", x.account),
    c.RemoveMinter: lambda x, d: _call(d, T, "removeMinter", x.account),
    c.FinishMinting: lambda x, d: _call(d, T, "finishMinting"),
    c.CreateRelease: lambda x, d: _call(
        d,
        N,
        "createRelease",
        x.artist,
        x.title,
        x.artist_name,
        x.content_hash,
        x.max_editions,
        x.royalty_bps,
        x.recipients,
        x.shares_bps,
    ),
    c.SetRoyaltyReceiver: lambda x, d: _call(d, N, "setRoyaltyReceiver", x.receiver),
    c.MintEdition: lambda x, d: _call(d, N, "mintEdition", x.release_id, x.recipient),
    c.ApproveEdition: lambda x, d: _call(d, N, "approve", x.approved, x.token_id),
    c.SetOperator: lambda x, d: _call(d, N, "setApprovalForAll", x.operator, x.approved),
    c.SetPlatformFee: lambda x, d: _call(d, R, "setPlatformFee", x.fee_bps, x.treasury),
    c.ListEdition: lambda x, d: _call(d, R, "listEdition", x.token_id, x.currency, x.price),
    c.CancelListing: lambda x, d: _call(d, R, "cancelListing", x.token_id),
    c.BuyEdition: lambda x, d: _call(
        d, R, "buyEdition", x.token_id, x.currency, x.price, value=x.value
    ),
    c.PayRoyalty: lambda x, d: _call(
        d, R, "payRoyalty", x.release_id, x.currency, x.amount, value=x.value
    ),
    c.Withdraw: lambda x, d: _call(d, R, "withdraw", x.currency),
    c.AddVerifier: lambda x, d: _call(d, V, "addVerifier", x.account),
    c.RemoveVerifier: lambda x, d: _call(d, V, "removeVerifier", x.account),
    c.ConfigurePool: lambda x, d: _call(d, V, "configurePool", x.pool, x.daily_limit),
    c.AllocatePool: lambda x, d: _call(d, V, "allocatePool", x.pool, x.amount),
    c.SubmitClaim: lambda x, d: _call(d, V, "submitClaim", x.pool, x.amount, x.proof_hash),
    c.VerifyClaim: lambda x, d: _call(d, V, "verifyClaim", x.claim_id, x.approved),
    c.PayClaim: lambda x, d: _call(d, V, "payClaim", x.claim_id),
    c.RegisterDocument: lambda x, d: _call(
        d, K, "registerDocument", x.doc_type, x.version, x.document_hash
    ),
    c.AcceptDocument: lambda x, d: _call(
        d, K, "acceptDocument", x.doc_type, x.version, x.document_hash
    ),
    c.RelayAcceptance: lambda x, d: _call(
        d,
        K,
        "relayAcceptance",
        x.user,
        x.doc_type,
        x.version,
        x.document_hash,
        x.nonce,
        x.expiry,
        x.signature,
    ),
    c.RequestDeletion: lambda x, d: _call(d, K, "requestDeletion", x.regime),
    c.RelayDeletionRequest: lambda x, d: _call(
        d, K, "relayDeletionRequest", x.user, x.regime, x.nonce, x.expiry, x.signature
    ),
    c.ProcessDeletion: lambda x, d: _call(d, K, "processDeletion", x.request_id),
}


def call_for(command: c.Command, deployment: Deployment) -> Call:
    """The contract call that carries out ``command``."""
    if isinstance(command, c.Approve):
        if command.token is None:
            return _call(deployment, T, "approve", command.spender, command.amount)
        function = abi_of("DCMXToken").function("approve", 2)
        return Call(command.token, function, (command.spender, command.amount))
    if isinstance(command, c.TransferEdition):
        if command.safe:
            return _call(
                deployment,
                N,
                "safeTransferFrom",
                command.owner,
                command.recipient,
                command.token_id,
                command.data,
            )
        return _call(
            deployment, N, "transferFrom", command.owner, command.recipient, command.token_id
        )
    return _CALLS[type(command)](command, deployment)


# --- logs to events -------------------------------------------------------------------------


class EventDecoder:
    """Decodes the five contracts' logs into domain events; other contracts' logs are skipped.

    What a log of a given contract and topic becomes (its event type, how each argument turns
    into the field's type) is worked out once, the first time such a log comes."""

    def __init__(self, deployment: Deployment) -> None:
        # Keyed by the address's bytes: hashing bytes is the interpreter's, an Address's is
        # Python code.
        self._contracts = {deployment.address_of(k).raw: k for k in Contract}
        self._readers: dict[tuple[Contract, bytes], _LogReader] = {}

    def decode(self, logs: Iterable[Log]) -> EventBatch:
        """The domain events among ``logs``; a log of ours that cannot be read (an unknown
        topic, malformed data) comes back as ``Undecodable`` with the reason."""
        decoded: list[e.DomainEvent] = []
        undecodable: list[Undecodable] = []
        contracts, readers = self._contracts, self._readers
        for log in logs:
            contract = contracts.get(log.address.raw)
            if contract is None:
                continue
            position = e.LogPosition(log.block_number, log.block_hash, log.tx_id, log.log_index)
            try:
                topic = log.topics[0] if log.topics else b""
                reader = readers.get((contract, topic)) or self._reader(contract, log)
                decoded.append(reader.read(log, position))
            except (LookupError, DecodingError, ValueError, TypeError) as error:
                raw = b"".join(log.topics) + log.data
                undecodable.append(Undecodable(position, f"{contract.name}: {error}", raw))
        return EventBatch(tuple(decoded), tuple(undecodable))

    def _reader(self, contract: Contract, log: Log) -> _LogReader:
        if not log.topics:
            raise LookupError("a log without topics")
        event = abi_of(ARTIFACT_OF[contract]).events.get(log.topics[0])
        if event is None:
            raise LookupError(f"unknown topic 0x{log.topics[0].hex()}")
        reader = _LogReader(event, _domain_event(contract, event.name), contract)
        self._readers[(contract, log.topics[0])] = reader
        return reader


class _LogReader:
    """Turns the logs of one event of one contract into its domain event."""

    def __init__(self, event: Event, kind: type[e.DomainEvent], contract: Contract) -> None:
        fields = _fields(kind)
        self._prefix: tuple[Any, ...] = ()
        if fields and fields[0][0] == "contract":
            self._prefix, fields = (contract,), fields[1:]
        if len(fields) != len(event.types):
            raise LookupError(
                f"{kind.__name__} has {len(fields) + len(self._prefix)} fields; "
                f"the log has {len(event.types)}"
            )
        self._event, self._kind = event, kind
        self._converters = tuple(convert for _, convert in fields)

    def read(self, log: Log, position: e.LogPosition) -> e.DomainEvent:
        values = self._event.decode(log.topics, log.data)
        converted = [convert(v) for convert, v in zip(self._converters, values, strict=True)]
        return self._kind(*self._prefix, *converted, position=position)


def _domain_event(contract: Contract, name: str) -> type[e.DomainEvent]:
    renamed = RENAMED_EVENTS.get((contract, name))
    if renamed is not None:
        return renamed
    kind = getattr(e, name, None)
    if not (isinstance(kind, type) and issubclass(kind, e.DomainEvent)):
        raise LookupError(f"the {contract.name} contract emits {name}, which is no domain event")
    return kind


_FIELDS: dict[type[e.DomainEvent], tuple[tuple[str, Callable[[Any], Any]], ...]] = {}


def _fields(kind: type[e.DomainEvent]) -> tuple[tuple[str, Callable[[Any], Any]], ...]:
    """Each field's name and how to turn an ABI value into the field's type (cached)."""
    if kind not in _FIELDS:
        hints = typing.get_type_hints(kind)
        _FIELDS[kind] = tuple(
            (field.name, _converter(hints[field.name]))
            for field in attrs.fields(kind)
            if field.name != "position"
        )
    return _FIELDS[kind]


def _converter(hint: Any) -> Callable[[Any], Any]:
    if hint is Address:
        return address_from_abi
    if hint is Hash32:
        return lambda v: Hash32(bytes(v))
    if isinstance(hint, type) and issubclass(hint, enum.IntEnum):
        return lambda v: v if isinstance(v, hint) else hint(v)
    if typing.get_origin(hint) is tuple:
        inner = _converter(typing.get_args(hint)[0])
        return lambda v: tuple(inner(x) for x in v)
    return lambda v: v


# --- revert data to errors ------------------------------------------------------------------


@cache
def _known_errors() -> dict[bytes, tuple[str, tuple[str, ...]]]:
    known = {}
    for name in (*ARTIFACT_OF.values(),):
        for selector, error in abi_of(name).errors.items():
            known[selector] = (error.name, error.types)
    return known


def _shown(abi_type: str, value: Any) -> str:
    """A revert's argument as text: an address as ``0x`` and its 40 hex digits (as the domain's
    own messages write it), bytes as ``0x`` hex, anything else as it reads."""
    if abi_type == "address":
        return str(address_from_abi(value))
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return str(value)


def error_from_revert(data: bytes, message: str = "") -> DcmxError:
    """The domain error a contract's revert data stands for."""
    found = _known_errors().get(data[:4])
    if found is None:
        return reverted("TransactionReverted", message or f"reverted with 0x{data.hex()}")
    name, types = found
    args = decode(list(types), data[4:])
    text = f"{name}({', '.join(_shown(t, a) for t, a in zip(types, args, strict=True))})"
    kind = STANDARD_ERRORS.get(name) or error_class_named(name)
    if kind is None:
        return reverted("TransactionReverted", text)
    return reverted(kind.__name__, text)
