"""Sending a transaction to a real EVM node the way a wallet does.

Fees come from the node: EIP-1559 (the next block's base fee from ``eth_feeHistory``, the tip
from ``eth_maxPriorityFeePerGas``, else the median of recent tips) or, where the node has no
base fee, the legacy ``eth_gasPrice``. Gas comes from ``eth_estimateGas`` with a margin; the
nonce is the account's pending one. The transaction is signed by a ``Signer`` (the key never
leaves it) and sent raw. What a node refuses at the door is sorted into a reason: a nonce
another sender took first (signed again with the next one), a fee under the base fee (priced
again), too little coin for the gas (refused, naming the account). A transaction is never sent
twice: only the same signed bytes are ever sent again, and a nonce is given up only once the
node says another transaction took it.
"""

from __future__ import annotations

import statistics
import time
from fractions import Fraction
from typing import Any, Final

from attrs import frozen

from dcmx_core.model.signing import Signer
from dcmx_core.model.values import Address

DEFAULT_TIP: Final = 10**9
"""1 gwei: the tip when the node suggests none."""
GAS_MARGIN: Final = Fraction(6, 5)
"""Gas limit = the node's estimate × this (state may move between estimate and inclusion)."""
FEE_HISTORY_BLOCKS: Final = 5


class SendRefused(RuntimeError):
    """The node will not take the transaction; the message says why in one line."""


class MissingKey(LookupError):
    """No signer for the sender: the ledger cannot send for this account."""

    def __init__(self, account: str) -> None:
        super().__init__(f"no key for {account}: the ledger cannot sign for it")
        self.account = account


def sign_transaction(signer: Signer, tx: dict[str, Any]) -> bytes:
    """The raw signed transaction (typed, or legacy with EIP-155's chain id) for ``tx``,
    signed by ``signer`` over its signing digest."""
    # eth-account (and web3 below) load here, not with the module: a chain on revm never
    # signs a transaction, and loading them costs a command about a second.
    from eth_account._utils.legacy_transactions import (
        encode_transaction,
        serializable_unsigned_transaction_from_dict,
    )
    from eth_account.typed_transactions.typed_transaction import TypedTransaction

    unsigned = serializable_unsigned_transaction_from_dict(tx)
    signature = signer.sign_digest(bytes(unsigned.hash()))
    r, s = int.from_bytes(signature[:32]), int.from_bytes(signature[32:64])
    recovery = signature[64] - 27
    if isinstance(unsigned, TypedTransaction):
        v = recovery
    else:
        v = recovery + 35 + 2 * int(tx["chainId"])
    return bytes(encode_transaction(unsigned, (v, r, s)))


def fee_fields(w3: Any) -> dict[str, int]:
    """What the node asks for gas now: ``maxFeePerGas`` and ``maxPriorityFeePerGas`` (room
    for the base fee to double), or ``gasPrice`` on a node without EIP-1559."""
    try:
        history = w3.eth.fee_history(FEE_HISTORY_BLOCKS, "latest", [50])
        next_base = int(history["baseFeePerGas"][-1])
    except Exception:  # a node without eth_feeHistory (or without a base fee): legacy pricing
        return {"gasPrice": int(w3.eth.gas_price)}
    if not next_base and not history.get("reward"):
        return {"gasPrice": int(w3.eth.gas_price)}
    tip = _suggested_tip(w3, history)
    return {"maxFeePerGas": 2 * next_base + tip, "maxPriorityFeePerGas": tip}


def _suggested_tip(w3: Any, history: Any) -> int:
    try:
        return int(w3.manager.request_blocking("eth_maxPriorityFeePerGas", []), 0)
    except Exception:  # not every node has it; recent blocks' median tip then
        tips = [int(reward[0]) for reward in history.get("reward") or [] if reward]
        return int(statistics.median(tips)) if tips and statistics.median(tips) else DEFAULT_TIP


def gas_limit(estimate: int) -> int:
    """The gas limit for a transaction the node estimated at ``estimate``."""
    return int(estimate * GAS_MARGIN) + 1


# What nodes say when they refuse a raw transaction (geth, Hardhat, anvil, Nethermind, Erigon).
_NONCE_TAKEN: Final = ("nonce too low", "nonce has already been used", "noncetoolow", "old nonce")
_ALREADY_KNOWN: Final = ("already known", "known transaction", "already imported")
_FEE_TOO_LOW: Final = (
    "underpriced",
    "fee too low",
    "less than block base fee",
    "max fee per gas less than",
    "feecap",
    "maxfeepergas",
)
_NO_FUNDS: Final = ("insufficient funds", "sender doesn't have enough funds", "not enough funds")


def refusal_kind(message: str) -> str | None:
    """Why a node refused a raw transaction: ``nonce-taken``, ``already-known``,
    ``fee-too-low``, ``no-funds``, or None when the message says none of those."""
    text = message.lower()
    for kind, phrases in (
        ("already-known", _ALREADY_KNOWN),
        ("nonce-taken", _NONCE_TAKEN),
        ("no-funds", _NO_FUNDS),
        ("fee-too-low", _FEE_TOO_LOW),
    ):
        if any(phrase in text for phrase in phrases):
            return kind
    return None


ATTEMPTS: Final = 3
"""How often a transaction is signed again after a nonce taken or a fee too low."""


def _said(error: Exception) -> str:
    """What a node said in refusing, from any of web3.py's shapes of it."""
    response = getattr(error, "rpc_response", None)
    if isinstance(response, dict) and isinstance(response.get("error"), dict):
        return str(response["error"].get("message", ""))
    first = error.args[0] if error.args else ""
    if isinstance(first, dict):
        return str(first.get("message", ""))
    return str(first)


def _mined_anyway(error: Exception) -> bytes | None:
    """The hash of a transaction a node mined although it answered with an error (Hardhat
    puts it in ``data.txHash`` when the transaction reverted), else None."""
    response = getattr(error, "rpc_response", None)
    found = response.get("error") if isinstance(response, dict) else None
    data = found.get("data") if isinstance(found, dict) else None
    tx_hash = data.get("txHash") if isinstance(data, dict) else None
    if not isinstance(tx_hash, str) or len(tx_hash) != 66:
        return None
    try:
        return bytes.fromhex(tx_hash[2:])
    except ValueError:
        return None


class Retry(SendRefused):
    """A refusal that a transaction signed again (with a fresh nonce or fees) may get past."""


class Broadcast:
    """Sends raw signed transactions of one account to a real node and waits for them."""

    def __init__(self, w3: Any, account: Address, timeout: float, poll_seconds: float) -> None:
        self._w3 = w3
        self._timeout = timeout
        self._poll = poll_seconds
        self.shown = w3.to_checksum_address(account.raw)

    def send(self, raw: bytes, nonce: int) -> Any:
        """The receipt of ``raw`` (whose nonce is ``nonce``) once mined; ``Retry`` when the
        nonce was taken or the fee is under the base fee."""
        try:
            tx_hash = bytes(self._w3.eth.send_raw_transaction(raw))
        except Exception as error:  # the node's refusal, sorted by what it said
            said = _said(error)
            kind = refusal_kind(said)
            mined = _mined_anyway(error)
            if mined is not None:  # Hardhat mines a failing transaction, then refuses it
                tx_hash = mined
            elif kind == "already-known":  # these very bytes are in its pool already
                tx_hash = bytes(self._w3.keccak(raw))
            elif kind == "nonce-taken":
                raise Retry(f"nonce {nonce} of {self.shown} was used already") from None
            elif kind == "fee-too-low":
                raise Retry(f"the fee is too low for the next block ({said})") from None
            elif kind == "no-funds":
                raise SendRefused(
                    f"{self.shown} has not enough coin to pay for the transaction's gas"
                ) from None
            elif kind is not None or getattr(error, "rpc_response", None) is not None:
                # The node answered, and said no: its words (a transport error goes on up).
                raise SendRefused(f"the node refused the transaction: {said}") from None
            else:
                raise
        return self._mined(tx_hash, nonce, raw)

    def _mined(self, tx_hash: bytes, nonce: int, raw: bytes) -> Any:
        """The receipt of ``tx_hash``. If the account's nonce moves past ``nonce`` without it,
        another transaction took its place; if the node forgets it, the same bytes are sent
        again (the same transaction: it can be mined once at most)."""
        deadline = time.monotonic() + self._timeout
        shown = "0x" + tx_hash.hex()
        while True:
            receipt = self._receipt(tx_hash)
            if receipt is not None:
                return receipt
            if int(self._w3.eth.get_transaction_count(self.shown, "latest")) > nonce:
                receipt = self._receipt(tx_hash)
                if receipt is not None:
                    return receipt
                raise SendRefused(
                    f"transaction {shown} was replaced: another transaction of {self.shown} "
                    f"took its nonce {nonce}; it was not mined"
                )
            if not self._known(tx_hash):
                try:
                    self._w3.eth.send_raw_transaction(raw)
                except Exception as error:  # in the pool again, or mined since: look again
                    if refusal_kind(_said(error)) not in ("already-known", "nonce-taken"):
                        raise
            if time.monotonic() > deadline:
                raise SendRefused(
                    f"transaction {shown} was not mined within {self._timeout:g} s "
                    "(it may still be: look it up before sending again)"
                )
            time.sleep(self._poll)

    def _receipt(self, tx_hash: bytes) -> Any:
        from web3.exceptions import TransactionNotFound

        try:
            return self._w3.eth.get_transaction_receipt(tx_hash)
        except TransactionNotFound:
            return None

    def _known(self, tx_hash: bytes) -> bool:
        from web3.exceptions import TransactionNotFound

        try:
            self._w3.eth.get_transaction(tx_hash)
        except TransactionNotFound:
            return False
        return True


class Sender:
    """Signs and sends one transaction from ``signer``'s account to a real node, waiting for
    it; a nonce taken or a fee too low is signed again, up to ``ATTEMPTS`` times."""

    def __init__(self, w3: Any, signer: Signer, timeout: float, poll_seconds: float) -> None:
        self._w3 = w3
        self._signer = signer
        self._broadcast = Broadcast(w3, signer.address, timeout, poll_seconds)

    def send(self, tx: dict[str, Any], gas: int) -> Any:
        """Sign and send ``tx`` (without ``from``) with ``gas`` and the node's fees; the
        receipt once it is mined."""
        tx = tx | {"chainId": int(self._w3.eth.chain_id), "gas": gas}
        for attempt in range(1, ATTEMPTS + 1):
            nonce = int(self._w3.eth.get_transaction_count(self._broadcast.shown, "pending"))
            raw = sign_transaction(self._signer, tx | fee_fields(self._w3) | {"nonce": nonce})
            try:
                return self._broadcast.send(raw, nonce)
            except Retry:
                if attempt == ATTEMPTS:
                    raise
        raise AssertionError("the last attempt returns or raises")


class RelayRefused(ValueError):
    """A signed transaction the platform will not relay; the message says why."""


class NotATransaction(RelayRefused):
    """Bytes that are no signed EVM transaction (or whose signature has no signer)."""


@frozen
class SignedTransaction:
    """What a signed transaction says: who signed it, on which chain, to what, with what."""

    sender: Address
    chain_id: int | None
    nonce: int
    to: Address | None
    data: bytes
    value: int


def read_signed(raw: bytes) -> SignedTransaction:
    """The fields of the raw signed transaction ``raw`` (typed, or legacy with or without
    EIP-155's chain id), and its signer."""
    import rlp  # type: ignore[import-untyped]
    from eth_account import Account
    from eth_account._utils.legacy_transactions import Transaction
    from eth_account.typed_transactions.typed_transaction import TypedTransaction
    from hexbytes import HexBytes

    try:
        sender = Address(bytes.fromhex(Account.recover_transaction(raw)[2:]))
        if raw[:1] and raw[0] <= 0x7F:
            fields = TypedTransaction.from_bytes(HexBytes(raw)).as_dict()
            chain_id: int | None = int(fields["chainId"])
        else:
            fields = rlp.decode(raw, Transaction).as_dict()
            v = int(fields["v"])
            chain_id = (v - 35) // 2 if v >= 35 else None
    except Exception:  # any malformed encoding or signature
        raise NotATransaction("not a signed EVM transaction (RLP, typed or legacy)") from None
    to = bytes(fields.get("to") or b"")
    return SignedTransaction(
        sender,
        chain_id,
        int(fields["nonce"]),
        Address(to) if to else None,
        bytes(fields.get("data") or b""),
        int(fields.get("value") or 0),
    )


DEPENDENT_GAS: Final = 1_500_000
"""The gas limit of a prepared transaction that cannot be estimated before the one prepared
ahead of it is mined (a purchase behind its approval): a ceiling, not a charge; a wallet may
estimate again once the first is in."""


def unsigned_json(fields: dict[str, Any]) -> dict[str, Any]:
    """An unsigned transaction as wallets take it (``eth_signTransaction``,
    ``eth_sendTransaction``): quantities as 0x hex, data as 0x hex."""
    shown: dict[str, Any] = {}
    for name, value in fields.items():
        if isinstance(value, bytes):
            shown[name] = "0x" + value.hex()
        elif isinstance(value, int) and not isinstance(value, bool):
            shown[name] = hex(value)
        else:
            shown[name] = value
    return shown
