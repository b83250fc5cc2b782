"""TRON as the ledger sees it, through tronpy: the ``Chain`` of ``evm/chain.py``, so that the
EVM ledger runs unchanged on TRON.

A transaction is built by tronpy (``TriggerSmartContract``, or ``CreateSmartContract`` for a
deployment), signed with the sender's key, broadcast, and waited for; its info gives the energy,
the bandwidth and the fee. Views are ``triggerconstantcontract`` calls. Events are read by
scanning blocks (``blocks.py``), never through TronGrid's event API.

On a real network a transaction is first tried as a constant call, so that a refusal burns no
energy and mines nothing. On the local node the ledger stamps the blocks (the node's clock
stands where the chain sets it), so a constant call, which sees the head block's time, could
refuse what the next block accepts: there the transaction is broadcast straight away, and if it
fails its block is dropped again, so that a refusal mines nothing there either.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, Protocol

from attrs import frozen
from tronpy import Tron  # type: ignore[import-untyped]
from tronpy import exceptions as tronpy_errors
from tronpy.contract import Contract as TronpyContract  # type: ignore[import-untyped]
from tronpy.tron import TransactionBuilder  # type: ignore[import-untyped]

from dcmx_adapters.evm.chain import Log, NotADevelopmentChain, Reverted, TxResult
from dcmx_adapters.evm.reverts import tron_revert_data
from dcmx_adapters.evm.wallet import MissingKey
from dcmx_adapters.tron import fees
from dcmx_adapters.tron.blocks import BlockScanner, address_from_tron, tron_address_of
from dcmx_adapters.tron.fees import TRX, FeeLimits
from dcmx_adapters.tron.refusals import Refused
from dcmx_core.model.signing import Signer
from dcmx_core.model.values import Address, Hash32
from dcmx_core.ports import Block

DEFAULT_FEE_LIMIT: Final = 150 * TRX
"""The most a call of a function the energy table does not measure may burn (``fees.py`` gives
each measured function its own limit)."""
DEFAULT_DEPLOY_FEE_LIMIT: Final = 2_000 * TRX
"""The most deploying one contract may burn (the NFT, the largest, needs ~5 M energy)."""
EXPIRATION_MS: Final = 60_000
_TRIGGER_URL: Final = "type.googleapis.com/protocol.TriggerSmartContract"
_CALLER: Final = "T9yD14Nj9j7xAB4dbGeiX9h8unkKHxuWwb"
"""The zero address: who asks for a view when nobody in particular does."""


@frozen
class AccountResources:
    """What an account may still spend before TRON burns its TRX for fees: energy (contract
    calls) and bandwidth (transaction bytes: the daily free allowance and the staked part)."""

    energy_left: int
    bandwidth_left: int


def _readable(message: str) -> str:
    """java-tron's refusal message, which it gives hex-encoded unless asked for visible."""
    try:
        return bytes.fromhex(message).decode()
    except (ValueError, UnicodeDecodeError):
        return message


# What tronpy raises for each of java-tron's refusals of a broadcast.
_REFUSAL_CODES: Final = {
    tronpy_errors.BadSignature: "SIGERROR",
    tronpy_errors.TaposError: "TAPOS_ERROR",
    tronpy_errors.TransactionError: "TRANSACTION_EXPIRATION_ERROR",
    tronpy_errors.ValidationError: "CONTRACT_VALIDATE_ERROR",
}


@frozen
class TronTxResult(TxResult):
    """A mined TRON transaction: ``gas_used`` is its energy, ``fee`` the sun it burned."""

    bandwidth: int = 0
    """Bytes of bandwidth the transaction used (java-tron's ``net_usage``)."""


class DevelopmentNode(Protocol):
    """What a development TRON node offers besides java-tron's API (``dcmx_devnode``'s local
    node): its clock stands where the chain sets it, so that blocks carry the ledger's block
    times; it funds, mines, takes blocks back and reorganizes."""

    def set_time(self, seconds: float) -> None:
        """Set the node's clock (seconds since the epoch)."""

    def next_timestamp(self) -> int:
        """The time (ms) the node dates the next transaction it builds at."""

    def head_number(self) -> int: ...
    def head_time(self) -> int:
        """The head block's time, in ms."""

    def solid_number(self) -> int: ...
    def drop_head(self) -> None:
        """Take the head block back (above the solidified head only)."""

    def fund(self, address: bytes, amount: int) -> None:
        """Give the 21-byte TRON ``address`` ``amount`` sun."""

    def mine(self, blocks: int) -> None: ...
    def reorganize(self, depth: int) -> None: ...


def _stamp(builder: TransactionBuilder, timestamp: int) -> None:
    """Date a transaction for the local node at ``timestamp`` (ms), expiring ``EXPIRATION_MS``
    later. tronpy dates it by this machine's clock and offers no setter for that; the id covers
    the date, and a contract's address the id, so a chain rebuilt from its journal gets its
    transactions, contracts and blocks back only when the node's clock dates them."""
    builder._raw_data["timestamp"] = timestamp
    builder._raw_data["expiration"] = timestamp + EXPIRATION_MS


class TronChain:
    """A TRON network reached through tronpy; transactions are signed here by the sender's
    signer (over the txID, as TronLink signs). A call's fee limit is its function's in
    ``fee_limits`` (by default the energy table's at 100 sun an energy and a margin of 1.5),
    ``fee_limit`` for a function the table does not measure."""

    def __init__(
        self,
        client: Tron,
        signers: Iterable[Signer] = (),
        *,
        fee_limit: int = DEFAULT_FEE_LIMIT,
        deploy_fee_limit: int = DEFAULT_DEPLOY_FEE_LIMIT,
        fee_limits: FeeLimits | None = None,
        local: DevelopmentNode | None = None,
        wait_seconds: float = 60.0,
        poll_seconds: float = 1.0,
    ) -> None:
        self._client = client
        self._signers = {signer.address: signer for signer in signers}
        self._fee_limits = fee_limits or fees.fee_limits(default=fee_limit)
        self._deploy_fee_limit = deploy_fee_limit
        self._local = local
        self._wait_seconds = wait_seconds
        self._poll_seconds = poll_seconds
        self._scanner = BlockScanner(client.provider)
        self._next_timestamp = 0
        # As on TRON, block.chainid is the low 4 bytes of the genesis block's id.
        self._chain_id = int.from_bytes(self._scanner.block(0).hash.raw[-4:])

    @property
    def chain_id(self) -> int:
        return self._chain_id

    @property
    def is_development(self) -> bool:
        return self._local is not None

    @property
    def client(self) -> Tron:
        return self._client

    @property
    def fee_limits(self) -> FeeLimits:
        return self._fee_limits

    @property
    def dev(self) -> DevelopmentNode:
        """The development node this chain runs on (development chains only)."""
        return self._dev()

    def add_signer(self, signer: Signer) -> Address:
        """Let ``signer`` send from its account."""
        self._signers[signer.address] = signer
        return signer.address

    def signs_for(self, account: Address) -> bool:
        return account in self._signers

    # --- transactions and views -------------------------------------------------------------

    def send(self, sender: Address, to: Address | None, data: bytes, value: int = 0) -> TxResult:
        block_time = self._next_block_time() if self._local is not None else 0
        signer = self._signers.get(sender)
        if signer is None:
            raise MissingKey(sender.to_base58())
        if to is not None and self._local is None:
            self._simulate(sender, to, data, value)
        if self._local is not None:
            self._local.set_time(block_time)
        tx = self._builder(sender, to, data, value).build()
        # tronpy's ``sign`` refuses a transaction whose expiration has passed on this machine's
        # clock; the local node's clock is the ledger's, which may lie in the past.
        signature = signer.sign_digest(bytes.fromhex(tx.txid))
        tx.set_signature([(signature[:64] + bytes([signature[64] - 27])).hex()])
        info = self._broadcast(tx)
        if info.get("result") == "FAILED":
            self._drop_failed(int(info["blockNumber"]))
            output = tron_revert_data(info)
            message = str(info.get("resMessage", "")) or f"transaction {tx.txid} failed"
            raise Reverted(output, message)
        return self._result(info, tx.txid)

    # --- a user's own transactions, signed in their wallet -----------------------------------

    def prepare(
        self, sender: Address, calls: Sequence[tuple[Address, bytes, int]]
    ) -> list[dict[str, Any]]:
        """Unsigned transactions from ``sender`` for ``calls`` (to, data, value), in order,
        exactly as java-tron's ``wallet/triggersmartcontract`` builds them (``raw_data``,
        ``raw_data_hex``, ``txID``: what TronLink's ``signTransaction`` takes), each with its
        function's fee limit. A first call that reverts raises ``Reverted``."""
        if self._local is not None:
            self._local.set_time(self._next_block_time())
        prepared = []
        for offset, (to, data, value) in enumerate(calls):
            owner = tron_address_of(sender)
            if offset == 0:
                self._constant(to, data, owner, value)
            answer = self._client.provider.make_request(
                "wallet/triggersmartcontract",
                {
                    "owner_address": owner,
                    "contract_address": tron_address_of(to),
                    "data": data.hex(),
                    "call_value": value,
                    "fee_limit": self._fee_limits.for_call(data),
                    "visible": True,
                },
            )
            result = answer.get("result", {})
            if result.get("result") is not True or "transaction" not in answer:
                raise Reverted(b"", f"{result.get('code', 'refused')}: {result.get('message')}")
            prepared.append(dict(answer["transaction"]))
        return prepared

    def broadcast_signed(self, signed: Mapping[str, Any]) -> TronTxResult:
        """Broadcast a transaction a wallet signed (java-tron's JSON with ``signature``) and
        wait for it as for the ledger's own; a failure raises ``Reverted`` with its revert
        data, a refusal at the door ``Refused`` with java-tron's code."""
        if self._local is not None:
            self._local.set_time(self._next_block_time())
        answer = self._client.provider.make_request("wallet/broadcasttransaction", dict(signed))
        txid = str(signed.get("txID", ""))
        if answer.get("result") is not True:
            message = _readable(str(answer.get("message", "")))
            raise Refused(str(answer.get("code", "REFUSED")), message)
        info = self._info(txid)
        if info.get("result") == "FAILED":
            self._drop_failed(int(info["blockNumber"]))
            output = tron_revert_data(info)
            raise Reverted(output, str(info.get("resMessage", "")) or f"transaction {txid} failed")
        return self._result(info, txid)

    def _info(self, txid: str) -> dict[str, Any]:
        deadline = time.monotonic() + self._wait_seconds
        while True:
            info: dict[str, Any] = self._client.provider.make_request(
                "wallet/gettransactioninfobyid", {"value": txid}
            )
            if info:
                return info
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"transaction {txid} was not mined within {self._wait_seconds} s"
                )
            time.sleep(self._poll_seconds)

    def _builder(
        self, sender: Address, to: Address | None, data: bytes, value: int
    ) -> TransactionBuilder:
        owner = tron_address_of(sender)
        if to is None:
            if value:
                raise ValueError("a contract is deployed here without TRX")
            contract = TronpyContract(bytecode=data, name="", abi=[])
            builder = self._client.trx.deploy_contract(owner, contract)
            builder.fee_limit(self._deploy_fee_limit)
        else:
            trigger = {
                "owner_address": "41" + sender.raw.hex(),
                "contract_address": "41" + to.raw.hex(),
                "data": data.hex(),
                "call_value": value,
            }
            inner = {
                "parameter": {"value": trigger, "type_url": _TRIGGER_URL},
                "type": "TriggerSmartContract",
            }
            limit = self._fee_limits.for_call(data)
            builder = TransactionBuilder(inner, client=self._client).fee_limit(limit)
        if self._local is not None:
            _stamp(builder, self._local.next_timestamp())
        return builder

    def _broadcast(self, tx: Any) -> dict[str, Any]:
        try:
            sent = tx.broadcast()
        except (tronpy_errors.ApiError, tronpy_errors.UnknownError) as error:
            code = error.args[1] if len(error.args) > 1 else type(error).__name__
            raise Refused(str(code), str(error.args[0] if error.args else error)) from error
        except tuple(_REFUSAL_CODES) as error:
            raise Refused(_REFUSAL_CODES[type(error)], str(error)) from error
        try:
            info: dict[str, Any] = sent.wait(
                timeout=self._wait_seconds, interval=self._poll_seconds
            )
        except tronpy_errors.TransactionNotFound as error:
            raise TimeoutError(
                f"transaction {tx.txid} was not mined within {self._wait_seconds} s"
            ) from error
        return info

    def _drop_failed(self, block_number: int) -> None:
        """On the local node, take a failed transaction's block off the chain again (a block
        already solidified stays, as a failed transaction does on a real network)."""
        if self._local is None:
            return
        node = self._local
        if node.head_number() == block_number > node.solid_number():
            node.drop_head()

    def _result(self, info: dict[str, Any], txid: str) -> TronTxResult:
        block, logs = self._scanner.block_logs(int(info["blockNumber"]))
        receipt = info.get("receipt", {})
        created = info.get("contract_address")
        return TronTxResult(
            Hash32(bytes.fromhex(txid)),
            block.number,
            block.hash,
            tuple(log for log in logs if log.tx_id.raw.hex() == txid),
            int(receipt.get("energy_usage_total", 0)),
            int(info.get("fee", 0)),
            address_from_tron(created) if created else None,
            bandwidth=int(receipt.get("net_usage", 0)),
        )

    def _simulate(self, sender: Address, to: Address, data: bytes, value: int) -> None:
        self._constant(to, data, tron_address_of(sender), value)

    def call(self, to: Address, data: bytes, sender: Address | None = None) -> bytes:
        return self._constant(to, data, tron_address_of(sender) if sender else _CALLER, 0)

    def _constant(self, to: Address, data: bytes, owner: str, value: int) -> bytes:
        answer = self._client.provider.make_request(
            "wallet/triggerconstantcontract",
            {
                "owner_address": owner,
                "contract_address": tron_address_of(to),
                "data": data.hex(),
                "call_value": value,
                "visible": True,
            },
        )
        result = answer.get("result", {})
        output = bytes.fromhex((answer.get("constant_result") or [""])[0])
        if "code" in result:  # refused before running: no such contract, a bad argument
            raise Reverted(b"", f"{result['code']}: {result.get('message', '')}")
        if "message" in result:
            raise Reverted(output, str(result["message"]))
        return output

    # --- blocks and logs --------------------------------------------------------------------

    def head(self) -> Block:
        return self._scanner.head()

    def solidified_head(self) -> Block:
        """The newest solidified (final) block."""
        return self._scanner.head(solidified=True)

    def block(self, number: int) -> Block:
        return self._scanner.block(number)

    def solidified_block(self, number: int) -> Block:
        """Block ``number``, refused unless it is solidified."""
        return self._scanner.block(number, solidified=True)

    def logs(self, from_block: int, to_block: int, *, solidified: bool = False) -> list[Log]:
        return self._scanner.logs(from_block, to_block, solidified=solidified)

    def balance(self, account: Address) -> int:
        found = self._client.provider.make_request(
            "wallet/getaccount", {"address": tron_address_of(account), "visible": True}
        )
        return int(found.get("balance", 0))

    def resources(self, account: Address) -> AccountResources:
        """``account``'s energy and bandwidth left (``getaccountresource``; an account the
        chain does not know has none)."""
        found = self._client.provider.make_request(
            "wallet/getaccountresource", {"address": tron_address_of(account), "visible": True}
        )

        def left(limit: str, used: str) -> int:
            return max(int(found.get(limit, 0)) - int(found.get(used, 0)), 0)

        return AccountResources(
            energy_left=left("EnergyLimit", "EnergyUsed"),
            bandwidth_left=left("freeNetLimit", "freeNetUsed") + left("NetLimit", "NetUsed"),
        )

    def code(self, account: Address) -> bytes:
        found = self._client.provider.make_request(
            "wallet/getcontractinfo", {"value": tron_address_of(account), "visible": True}
        )
        return bytes.fromhex(found.get("runtimecode", ""))

    # --- development operations (the local node) --------------------------------------------

    def _dev(self) -> DevelopmentNode:
        if self._local is None:
            raise NotADevelopmentChain("a TRON network is not the local node")
        return self._local

    def _next_block_time(self) -> int:
        """The next block's time in seconds: the one set for it (used up by it, as on an EVM
        development chain), else a second after the head."""
        head = self._dev().head_time() // 1000
        chosen, self._next_timestamp = self._next_timestamp, 0
        return max(chosen, head + 1)

    def fund(self, account: Address, amount: int) -> None:
        self._dev().fund(b"\x41" + account.raw, amount)

    def set_next_timestamp(self, timestamp: int) -> None:
        self._next_timestamp = timestamp

    def mine(self, blocks: int = 1) -> None:
        local = self._dev()
        for _ in range(blocks):
            local.set_time(self._next_block_time())
            local.mine(1)

    def reorganize(self, depth: int) -> None:
        self._dev().reorganize(depth)
