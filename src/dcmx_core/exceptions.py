"""One error tree for the whole domain.

Every refusal of a rule has its own class, raised where the rule lives. The class name is also
the name of the matching Solidity custom error, so that an adapter can translate a revert into
the same class (`error_class_named`). The branches say what kind of refusal it is, so that the
edges can translate them broadly (an HTTP status, a CLI exit code).
"""

from __future__ import annotations

from enum import Enum
from typing import Any


def _said(value: object) -> str:
    """A value as a message writes it for people: bytes in hex, a member of a closed set by its
    name, text in quotes, anything else as itself (an address or a hash in hex, which the edges
    then write in the chain's own form)."""
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, str):
        return repr(value)
    return str(value)


def _currency(value: object) -> str:
    """A currency as a message writes it: the native coin (the zero address) by that name."""
    return "the native coin" if str(value) == _NATIVE else str(value)


_NATIVE = "0x" + "00" * 20


def _named(value: object) -> str:
    """A member of a closed set (or its name) as a message writes it."""
    return value.name if isinstance(value, Enum) else str(value)


class DcmxError(Exception):
    """Root of every error DCMX Core raises on purpose."""

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


# --- branches: the kinds of refusal -------------------------------------------------------


class InvalidArgument(DcmxError, ValueError):
    """An argument is malformed or out of its allowed range."""


class Unauthorized(DcmxError, PermissionError):
    """The sender may not do this."""


class InsufficientFunds(DcmxError):
    """A balance or allowance is smaller than what is asked of it."""


class CapExceeded(DcmxError):
    """The token's supply cap would be exceeded."""


class UnknownId(DcmxError, LookupError):
    """Nothing exists under this id."""


class Duplicate(DcmxError):
    """The thing exists already, and may exist only once."""


class LimitExceeded(DcmxError):
    """A count or amount limit would be exceeded."""


class StateConflict(DcmxError):
    """The thing exists but is not in a state that allows this."""


# --- values ---------------------------------------------------------------------------------


class InvalidAddress(InvalidArgument):
    def __init__(self, text: object, reason: str) -> None:
        super().__init__(f"invalid address {_said(text)}: {reason}", text=text, reason=reason)


class InvalidHash(InvalidArgument):
    def __init__(self, text: object, reason: str) -> None:
        super().__init__(f"invalid 32-byte hash {_said(text)}: {reason}", text=text, reason=reason)


class OutOfRange(InvalidArgument):
    def __init__(self, name: str, value: object, allowed: str) -> None:
        super().__init__(
            f"{name} = {_said(value)} is out of range: allowed {allowed}",
            name=name,
            value=value,
            allowed=allowed,
        )


class EmptyHash(InvalidArgument):
    def __init__(self, name: str) -> None:
        super().__init__(f"the {name} may not be the zero hash", name=name)


class ZeroAddress(InvalidArgument):
    def __init__(self, role: str) -> None:
        super().__init__(f"the {role} may not be the zero address", role=role)


# --- administration -------------------------------------------------------------------------


class NotAdmin(Unauthorized):
    def __init__(self, account: object, contract: str) -> None:
        super().__init__(
            f"{account} is not the admin of the {contract}", account=account, contract=contract
        )


class NotPendingAdmin(Unauthorized):
    def __init__(self, account: object, contract: str) -> None:
        super().__init__(
            f"{account} is not the proposed admin of the {contract}",
            account=account,
            contract=contract,
        )


# --- token ----------------------------------------------------------------------------------


class InsufficientBalance(InsufficientFunds):
    def __init__(self, account: object, needed: int, available: int) -> None:
        super().__init__(
            f"{account} has {available} base units but {needed} are needed",
            account=account,
            needed=needed,
            available=available,
        )


class InsufficientAllowance(InsufficientFunds):
    def __init__(self, spender: object, needed: int, available: int) -> None:
        super().__init__(
            f"{spender} may spend {available} base units but {needed} are needed",
            spender=spender,
            needed=needed,
            available=available,
        )


class SupplyCapExceeded(CapExceeded):
    def __init__(self, requested: int, headroom: int) -> None:
        super().__init__(
            f"minting {requested} base units exceeds the supply cap: {headroom} can still be "
            "minted",
            requested=requested,
            headroom=headroom,
        )


class NotMinter(Unauthorized):
    def __init__(self, account: object) -> None:
        super().__init__(f"{account} is not an authorized minter", account=account)


class AlreadyMinter(Duplicate):
    def __init__(self, account: object) -> None:
        super().__init__(f"{account} is a minter already", account=account)


class UnknownMinter(UnknownId):
    def __init__(self, account: object) -> None:
        super().__init__(f"{account} is not a minter", account=account)


class MintingIsFinished(StateConflict):
    def __init__(self) -> None:
        super().__init__("minting has been finished for good")


# --- music NFT ------------------------------------------------------------------------------


class UnknownRelease(UnknownId):
    def __init__(self, release_id: int) -> None:
        super().__init__(f"no release {release_id}", release_id=release_id)


class DuplicateRelease(Duplicate):
    def __init__(self, content_hash: object, release_id: int) -> None:
        super().__init__(
            f"content {content_hash} is release {release_id} already",
            content_hash=content_hash,
            release_id=release_id,
        )


class UnknownToken(UnknownId):
    def __init__(self, token_id: int) -> None:
        super().__init__(f"no token {token_id}", token_id=token_id)


class EditionsExhausted(LimitExceeded):
    def __init__(self, release_id: int, max_editions: int) -> None:
        super().__init__(
            f"release {release_id} has minted all of its {max_editions} editions",
            release_id=release_id,
            max_editions=max_editions,
        )


class NotOwnerNorApproved(Unauthorized):
    def __init__(self, account: object, token_id: int) -> None:
        super().__init__(
            f"{account} is neither the owner of token {token_id} nor approved for it",
            account=account,
            token_id=token_id,
        )


class WrongOwner(InvalidArgument):
    def __init__(self, claimed: object, token_id: int) -> None:
        super().__init__(
            f"{claimed} does not own token {token_id}", claimed=claimed, token_id=token_id
        )


class ReceiverRejected(InvalidArgument):
    def __init__(self, receiver: object) -> None:
        super().__init__(
            f"{receiver} does not accept NFTs through a safe transfer", receiver=receiver
        )


class InvalidSplit(InvalidArgument):
    def __init__(self, reason: str) -> None:
        super().__init__(f"invalid split: {reason}", reason=reason)


# --- royalties and sales --------------------------------------------------------------------


class NotListed(UnknownId):
    def __init__(self, token_id: int) -> None:
        super().__init__(f"token {token_id} is not listed for sale", token_id=token_id)


class BuyerIsSeller(StateConflict):
    """The seller of a listing may not buy it: a sale changes hands, keeping sales honest."""

    def __init__(self, buyer: object, token_id: int) -> None:
        super().__init__(
            f"{buyer} is the seller of token {token_id} and may not buy it",
            buyer=buyer,
            token_id=token_id,
        )


class WrongPayment(InvalidArgument):
    def __init__(self, expected: int, paid: int) -> None:
        super().__init__(
            f"the price is {expected} base units but {paid} were paid", expected=expected, paid=paid
        )


class WrongCurrency(InvalidArgument):
    def __init__(self, expected: object, given: object) -> None:
        super().__init__(
            f"the listing asks for {_currency(expected)}, not {_currency(given)}",
            expected=expected,
            given=given,
        )


class UnsupportedCurrency(InvalidArgument):
    def __init__(self, currency: object) -> None:
        super().__init__(
            f"{currency} is neither the native coin nor a token contract", currency=currency
        )


class PaymentFailed(StateConflict):
    """A payout could not be paid: the recipient refused the native coin, or the token did not
    move the amount. The payout stays owed."""

    def __init__(self, recipient: object) -> None:
        super().__init__(f"paying {recipient} failed; the payout stays owed", recipient=recipient)


class NothingToWithdraw(InsufficientFunds):
    def __init__(self, account: object, currency: object) -> None:
        super().__init__(
            f"{account} has no payout in {_currency(currency)}", account=account, currency=currency
        )


class PaymentNotReceived(InsufficientFunds):
    def __init__(self, expected: int, received: int) -> None:
        super().__init__(
            f"{expected} base units were due but only {received} arrived",
            expected=expected,
            received=received,
        )


# --- rewards --------------------------------------------------------------------------------


class NotVerifier(Unauthorized):
    def __init__(self, account: object) -> None:
        super().__init__(f"{account} is not a claim verifier", account=account)


class AlreadyVerifier(Duplicate):
    def __init__(self, account: object) -> None:
        super().__init__(f"{account} is a verifier already", account=account)


class UnknownVerifier(UnknownId):
    def __init__(self, account: object) -> None:
        super().__init__(f"{account} is not a verifier", account=account)


class UnknownClaim(UnknownId):
    def __init__(self, claim_id: int) -> None:
        super().__init__(f"no claim {claim_id}", claim_id=claim_id)


class ProofAlreadyUsed(Duplicate):
    def __init__(self, proof_hash: object) -> None:
        super().__init__(f"proof {proof_hash} backs another claim", proof_hash=proof_hash)


class ClaimNotPending(StateConflict):
    def __init__(self, claim_id: int, status: object) -> None:
        super().__init__(
            f"claim {claim_id} is {_named(status)}, not pending", claim_id=claim_id, status=status
        )


class ClaimNotVerified(StateConflict):
    def __init__(self, claim_id: int, status: object) -> None:
        super().__init__(
            f"claim {claim_id} is {_named(status)}, not verified", claim_id=claim_id, status=status
        )


class PoolExhausted(LimitExceeded):
    def __init__(self, pool: object, requested: int, available: int) -> None:
        super().__init__(
            f"pool {_named(pool)} has {available} base units left but {requested} are asked",
            pool=pool,
            requested=requested,
            available=available,
        )


class DailyLimitExceeded(LimitExceeded):
    def __init__(self, pool: object, requested: int, available: int) -> None:
        super().__init__(
            f"the daily limit of pool {_named(pool)} leaves {available} base units for today but "
            f"{requested} are asked",
            pool=pool,
            requested=requested,
            available=available,
        )


# --- compliance -----------------------------------------------------------------------------


class UnknownDocument(UnknownId):
    def __init__(self, doc_type: object, version: int) -> None:
        super().__init__(
            f"no {_named(doc_type)} version {version} is registered",
            doc_type=doc_type,
            version=version,
        )


class DocumentAlreadyRegistered(Duplicate):
    def __init__(self, doc_type: object, version: int) -> None:
        super().__init__(
            f"{_named(doc_type)} version {version} is registered already",
            doc_type=doc_type,
            version=version,
        )


class DocumentHashMismatch(InvalidArgument):
    def __init__(self, doc_type: object, version: int) -> None:
        super().__init__(
            f"the hash given is not the registered hash of {_named(doc_type)} version {version}",
            doc_type=doc_type,
            version=version,
        )


class AlreadyAccepted(Duplicate):
    def __init__(self, user: object, doc_type: object, version: int) -> None:
        super().__init__(
            f"{user} has accepted {_named(doc_type)} version {version} already",
            user=user,
            doc_type=doc_type,
            version=version,
        )


class InvalidSignature(Unauthorized):
    def __init__(self, user: object) -> None:
        super().__init__(f"the signature is not {user}'s", user=user)


class SignatureExpired(InvalidArgument):
    def __init__(self, expiry: int, now: int) -> None:
        super().__init__(f"the signature expired at {expiry}; it is {now}", expiry=expiry, now=now)


class WrongNonce(InvalidArgument):
    def __init__(self, user: object, expected: int, given: int) -> None:
        super().__init__(
            f"the next nonce of {user} is {expected}, not {given}",
            user=user,
            expected=expected,
            given=given,
        )


class DeletionAlreadyRequested(Duplicate):
    def __init__(self, user: object) -> None:
        super().__init__(f"{user} has an open deletion request already", user=user)


class UnknownDeletionRequest(UnknownId):
    def __init__(self, request_id: int) -> None:
        super().__init__(f"no deletion request {request_id}", request_id=request_id)


class DeletionAlreadyProcessed(StateConflict):
    def __init__(self, request_id: int) -> None:
        super().__init__(
            f"deletion request {request_id} is processed already", request_id=request_id
        )


class ReorgTooDeep(StateConflict):
    """The chain forked further back than the indexer may roll back: it stops, unchanged."""

    def __init__(self, chain: str, block_number: int, window: int) -> None:
        super().__init__(
            f"{chain}: the chain forked before block {block_number - window}, deeper than the "
            f"rollback window of {window} blocks; nothing was changed",
            chain=chain,
            block_number=block_number,
            window=window,
        )


class IndexCorrupted(StateConflict):
    """The read models do not hold what the indexer wrote into them: they need a rebuild."""

    def __init__(self, chain: str, detail: str) -> None:
        super().__init__(f"{chain}: {detail}; the read models need a rebuild", chain=chain)


class WriterLeaseLost(StateConflict):
    """This indexer no longer holds its chain's writer lease (its lease's connection died, or
    another indexer took the lease since): its batch is not written, and it stops writing."""

    def __init__(self, chain: str, detail: str) -> None:
        super().__init__(f"{chain}: the writer lease was lost ({detail})", chain=chain)


class RangeTooLarge(LimitExceeded):
    """A ledger refused to read so many blocks at once (a node's range or result limit)."""

    def __init__(self, first: int, last: int, detail: str = "") -> None:
        reason = f": {detail}" if detail else ""
        super().__init__(
            f"blocks {first}-{last} are too many to read at once{reason}", first=first, last=last
        )


class TransactionReverted(DcmxError):
    """A contract reverted for a reason no domain rule names (a panic, an empty revert)."""


def error_class_named(name: str) -> type[DcmxError] | None:
    """The error class whose name is ``name`` (a contract's custom error), if there is one."""
    found = globals().get(name)
    if isinstance(found, type) and issubclass(found, DcmxError):
        return found
    return None


def reverted(name: str, message: str) -> DcmxError:
    """An instance of the error class ``name`` for a refusal that arrived as a contract's revert
    (its data is in ``message``, not in the class's own fields)."""
    kind = error_class_named(name) or TransactionReverted
    error = kind.__new__(kind)
    DcmxError.__init__(error, message, reverted=True)
    return error
