"""A local TRON node in one process: the chain (blocks, transactions and their infos), the
accounts and contracts (on the TVM, see ``tvm.py``), and java-tron's HTTP API over them
(``request``; the endpoints themselves are in ``api.py``).

A broadcast transaction is checked the way java-tron checks it (duplicate, signature, TaPoS
reference, expiration, the contract's own rules), executed, and mined at once in a block of its
own (inside ``one_block``, packed with the others into one block). Blocks take the node's clock
time (wall clock plus ``warp``), at least 1 ms after the last block ever made, so that blocks
mined after a reorganization get new ids even where their content repeats. The head is
solidified (final) ``solidify_depth`` blocks behind; reorganizations reach only the blocks above
the solidified head, as on TRON.

By default the node charges what TRON mainnet charges (``chain_parameters.json``, rules in
``fees.py``): bandwidth, energy, an account's creation and a memo; accounts stake for
resources with Stake 2.0 (``staking.py``, ``stake_actuators.py``). ``free=True`` charges
nothing.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Final

from attrs import evolve

from dcmx_adapters.crypto import EthCrypto
from dcmx_adapters.tron.refusals import Refused
from dcmx_core.exceptions import OutOfRange
from dcmx_devnode import fees, parameters
from dcmx_devnode.fees import MAX_ENERGY, NetBill, OriginShare, Totals
from dcmx_devnode.parameters import ChainParameters
from dcmx_devnode.protobuf import MalformedMessage, address_bytes, parse_address
from dcmx_devnode.records import Block, Receipt, seal
from dcmx_devnode.stake_actuators import ACTUATORS
from dcmx_devnode.staking import Stakes
from dcmx_devnode.transaction import (
    ZERO_ADDRESS,
    Transaction,
    address_json,
    contract_address,
)
from dcmx_devnode.tvm import Execution, Tvm

SOLIDIFY_DEPTH: Final = 19
TAPOS_WINDOW: Final = 65_536
MAX_EXPIRATION_MS: Final = 24 * 3600 * 1000
_GENESIS_PARENT: Final = hashlib.sha256(b"local tron node genesis").digest()
_WITNESS_KEY: Final = hashlib.sha256(b"local tron node witness").digest()
STAKE_VAULT: Final = b"\x41" + hashlib.sha256(b"local tron node stake").digest()[:20]
"""The TVM account that holds staked TRX, which leaves its owner's balance."""


class LocalTronNode:
    """A TRON full node in memory, with the development operations of a test chain."""

    def __init__(
        self,
        *,
        solidify_depth: int = SOLIDIFY_DEPTH,
        chain_id: int | None = None,
        free: bool = False,
        chain_parameters: ChainParameters | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if solidify_depth < 0:
            raise OutOfRange("solidify_depth", solidify_depth, "0 or more")
        self.solidify_depth = solidify_depth
        self.parameters = chain_parameters or (parameters.free() if free else parameters.mainnet())
        self.stakes = Stakes()
        self._stakes_before: dict[int, Stakes] = {}
        """Block number → the stakes before that block: what a reorganization restores."""
        self._clock = clock
        self._offset_ms = 0
        genesis = seal(0, _GENESIS_PARENT, 0, [], _WITNESS_KEY)
        # As on TRON, the TVM's block.chainid is the genesis block id's last 4 bytes by default.
        self.chain_id = chain_id if chain_id is not None else int.from_bytes(genesis.block_id[-4:])
        self.tvm = Tvm(self.chain_id, lambda number: self._blocks[number].block_id)
        genesis.checkpoint = self.tvm.checkpoint()
        self._blocks: list[Block] = [genesis]
        self._latest_time = 0
        self._latest_before_head = (0, 0)
        """(head number, the latest block time before the head was made): what ``drop_head``
        restores."""
        self._txs: dict[bytes, tuple[int, int]] = {}
        self._accounts: dict[bytes, tuple[int, int]] = {}
        """Address → (block number, time) of the accounts that exist (received TRX or code)."""
        self._contracts: dict[bytes, dict[str, Any]] = {}
        """Contract address → its ``SmartContract`` (hex JSON form)."""
        self._packing: list[Block] | None = None
        """While ``one_block`` is open: the block being filled (empty until the first
        transaction)."""
        self._packed: set[bytes] = set()
        """The ids of the transactions in the block being filled."""

    # --- chain -----------------------------------------------------------------------------

    @property
    def head(self) -> Block:
        return self._blocks[-1]

    @property
    def energy_price(self) -> int:
        """Sun an energy costs (``getEnergyFee``; 0 in free mode)."""
        return self.parameters.energy_fee

    @property
    def free(self) -> bool:
        return self.parameters.free

    @property
    def solid_number(self) -> int:
        return max(0, self.head.number - self.solidify_depth)

    @property
    def witness_key(self) -> bytes:
        return _WITNESS_KEY

    def block(self, number: int) -> Block | None:
        return self._blocks[number] if 0 <= number < len(self._blocks) else None

    def block_by_id(self, block_id: bytes) -> Block | None:
        found = self.block(int.from_bytes(block_id[:8])) if len(block_id) == 32 else None
        return found if found is not None and found.block_id == block_id else None

    def transaction(self, txid: bytes) -> tuple[Block, Transaction, Receipt] | None:
        where = self._txs.get(txid)
        if where is None:
            return None
        block = self._blocks[where[0]]
        tx, receipt = block.entries[where[1]]
        return block, tx, receipt

    def now_ms(self) -> int:
        """The node's clock: wall-clock milliseconds plus what ``warp`` added."""
        return int(self._clock() * 1000) + self._offset_ms

    def next_timestamp(self) -> int:
        return max(self.now_ms(), self._latest_time + 1)

    def call(self, owner: bytes, contract: bytes, data: bytes, value: int = 0) -> Execution:
        """Run a call on the head state and keep nothing of it, with ``value`` sun sent along;
        like java-tron's constant calls it sees the head block's number and time."""
        self.tvm.set_block(self.head.number, self.head.timestamp, self.head.witness_address)
        return self.tvm.call(owner, contract, data, MAX_ENERGY, value)

    # --- accounts and contracts ------------------------------------------------------------

    def account(self, address: bytes) -> tuple[int, int] | None:
        """(block number, time) at which ``address`` came into being, or None."""
        return self._accounts.get(address)

    def balance(self, address: str | bytes) -> int:
        """An account's TRX balance in sun."""
        return self.tvm.balance(_address(address))

    def contract(self, address: bytes) -> dict[str, Any] | None:
        return self._contracts.get(address)

    def totals(self) -> Totals:
        """The network's bandwidth and energy and the stakes that share them."""
        return Totals.of(self.stakes, self.parameters)

    def lock_stake(self, owner: bytes, sun: int) -> None:
        """Take staked TRX out of ``owner``'s balance into the stake vault."""
        self.tvm.transfer(owner, STAKE_VAULT, sun)

    def release_stake(self, owner: bytes, sun: int) -> None:
        """Give unstaked TRX back from the stake vault."""
        self.tvm.transfer(STAKE_VAULT, owner, sun)

    def _activate(self, address: bytes, block: Block) -> None:
        # Keyed by block number: a reorganization forgets the accounts of the blocks it drops
        # (funding between blocks counts as part of the block below it).
        self._accounts.setdefault(address, (block.number, block.timestamp))

    # --- development operations ------------------------------------------------------------

    def fund(self, address: str | bytes, sun: int) -> None:
        """Give ``address`` ``sun`` from the node's faucet (no block is mined)."""
        if sun <= 0:
            raise OutOfRange("sun", sun, "more than 0")
        account = _address(address)
        self.tvm.fund(account, sun)
        self._activate(account, self.head)

    def mine(self, blocks: int = 1) -> None:
        """Mine ``blocks`` empty blocks."""
        if blocks < 0:
            raise OutOfRange("blocks", blocks, "0 or more")
        for _ in range(blocks):
            self._append(self._open_block([]))

    def warp(self, seconds: float) -> None:
        """Move the node's clock forward (later blocks and expiration checks see it)."""
        if seconds < 0:
            raise OutOfRange("seconds", seconds, "0 or more")
        self._offset_ms += round(seconds * 1000)

    def reorganize(self, depth: int) -> None:
        """Drop the newest ``depth`` blocks, their transactions and their state. Solidified
        blocks are final: ``depth`` reaches down to the block above the solidified head."""
        reach = self.head.number - self.solid_number
        if not 1 <= depth <= reach:
            raise OutOfRange("depth", depth, f"1 to {reach} (blocks above the solidified head)")
        dropped = self._blocks[-depth:]
        del self._blocks[-depth:]
        self.tvm.revert(dropped[0].checkpoint, [a for b in dropped for a in b.created])
        self.stakes = self._stakes_before[dropped[0].number]
        for block in dropped:
            del self._stakes_before[block.number]
        for block in dropped:
            for tx, _ in block.entries:
                del self._txs[tx.txid]
            for address in block.created:
                del self._contracts[address]
        head = self.head.number
        self._accounts = {a: when for a, when in self._accounts.items() if when[0] <= head}

    def drop_head(self) -> None:
        """Take the head block off as if it had never been made, its time included (unlike
        ``reorganize``, whose later blocks never repeat a dropped block's time): how a
        refused transaction mines nothing."""
        number, latest = self._latest_before_head
        self.reorganize(1)
        if number == self.head.number + 1:
            self._latest_time = latest

    # --- transactions ----------------------------------------------------------------------

    def broadcast(self, tx: Transaction) -> Receipt:
        """Check, execute and mine ``tx``; a refusal raises ``Refused`` and mines nothing."""
        if tx.txid in self._txs or tx.txid in self._packed:
            raise Refused("DUP_TRANSACTION_ERROR", "Dup transaction.")
        self._check_signature(tx)
        self._check_tapos(tx)
        timestamp = self.next_timestamp()
        if not timestamp < tx.expiration <= timestamp + MAX_EXPIRATION_MS:
            raise Refused(
                "TRANSACTION_EXPIRATION_ERROR",
                f"Transaction expiration, transaction expiration time is {tx.expiration}, "
                f"but headBlockTime is {timestamp}",
            )
        if len(tx.contracts) != 1:
            raise Refused("CONTRACT_VALIDATE_ERROR", "act size should be exactly 1")
        packing = self._packing
        if packing is not None and not packing:
            packing.append(self._open_block([]))
        block = packing[0] if packing else self._open_block([tx])
        checkpoint, stakes = self.tvm.checkpoint(), self.stakes.copy()
        try:
            receipt = self._execute(tx, block)
        except Refused:
            self.tvm.revert(checkpoint, [])
            self.stakes = stakes
            raise
        block.entries.append((tx.stored(), receipt))
        if packing is None:
            self._append(block)
        else:
            self._packed.add(tx.txid)
        return receipt

    def check(self, kind: str, parameter: Mapping[str, Any]) -> None:
        """Run the Stake 2.0 contract ``kind`` on the head state and keep nothing of it: its
        refusal raises ``Refused``, as java-tron's builders validate before they build."""
        checkpoint, stakes = self.tvm.checkpoint(), self.stakes.copy()
        try:
            ACTUATORS[kind](self, parameter, self.next_timestamp())
        finally:
            self.tvm.revert(checkpoint, [])
            self.stakes = stakes

    @contextmanager
    def one_block(self) -> Iterator[None]:
        """Pack every transaction broadcast inside the ``with`` block into one block, mined on
        leaving it, as a node on a busy network does (their infos are found once it is mined)."""
        self.start_block()
        try:
            yield
        finally:
            self.finish_block()

    def start_block(self) -> None:
        """From now on, pack the transactions broadcast into one block (``finish_block``)."""
        if self._packing is not None:
            raise RuntimeError("a block is being packed already")
        self._packing, self._packed = [], set()

    def finish_block(self, *, even_empty: bool = False) -> None:
        """Mine the block being packed, if it received a transaction (an empty one too with
        ``even_empty``: a network makes blocks whether or not anything happens)."""
        packed, self._packing, self._packed = self._packing, None, set()
        if packed:
            self._append(self._resealed(packed[0]))
        elif even_empty:
            self.mine(1)

    def _resealed(self, block: Block) -> Block:
        """``block`` sealed again over the transactions it received (its id covers them)."""
        transactions = [tx for tx, _ in block.entries]
        sealed = seal(block.number, block.parent_id, block.timestamp, transactions, _WITNESS_KEY)
        sealed.entries, sealed.checkpoint, sealed.created = (
            block.entries,
            block.checkpoint,
            block.created,
        )
        return sealed

    def _check_signature(self, tx: Transaction) -> None:
        if not tx.signatures or not tx.contracts:
            raise Refused("SIGERROR", "Validate signature error: miss sig or contract")
        if len(tx.signatures) > 1:
            raise Refused(
                "SIGERROR",
                f"Validate signature error: Signature count is {len(tx.signatures)} more than "
                "key counts of permission : 1",
            )
        signature = tx.signatures[0]
        if len(signature) != 65:
            raise Refused(
                "SIGERROR", f"Validate signature error: Signature size is {len(signature)}"
            )
        signer = tx.signers()[0]
        if signer != tx.owner:
            who = address_json(signer, True) if signer else "no key"
            raise Refused(
                "SIGERROR",
                f"Validate signature error: {signature.hex()} is signed by {who} "
                "but it is not contained of permission.",
            )

    def _check_tapos(self, tx: Transaction) -> None:
        ref = int.from_bytes(tx.ref_block_bytes or b"\x00")
        number = self.head.number - (self.head.number - ref) % TAPOS_WINDOW
        block = self.block(number) if len(tx.ref_block_bytes) == 2 else None
        if block is None:
            raise Refused("TAPOS_ERROR", f"Tapos failed, block not found, ref block {ref}")
        if block.block_id[8:16] != tx.ref_block_hash:
            raise Refused(
                "TAPOS_ERROR",
                f"Tapos failed, different block hash, {ref}, {tx.ref_block_hash.hex()}, "
                f"recent block {block.block_id[8:16].hex()}",
            )

    def _open_block(self, transactions: list[Transaction]) -> Block:
        number = self.head.number + 1
        block = seal(number, self.head.block_id, self.next_timestamp(), transactions, _WITNESS_KEY)
        block.checkpoint = self.tvm.checkpoint()
        self._stakes_before[number] = self.stakes.copy()
        self.tvm.set_block(number, block.timestamp, block.witness_address)
        return block

    def _append(self, block: Block) -> None:
        for index, (tx, _) in enumerate(block.entries):
            self._txs[tx.txid] = (block.number, index)
        self._blocks.append(block)
        self._latest_before_head = (block.number, self._latest_time)
        self._latest_time = max(self._latest_time, block.timestamp)
        # A solidified block is never taken back: its stakes need no keeping.
        self._stakes_before.pop(self.solid_number, None)

    def _execute(self, tx: Transaction, block: Block) -> Receipt:
        kind, parameter, owner = tx.contract_type, tx.parameter, tx.owner
        # As java-tron's Manager.processTransaction: bandwidth and the memo fee first, then
        # the contract's own checks (which see the balance those left).
        bill = self._bill_bandwidth(tx, block) if owner in self._accounts else None
        if kind == "TransferContract":
            return self._transfer(tx, block, parameter, owner, bill)
        actuator = ACTUATORS.get(kind)
        if actuator is not None:
            done = actuator(self, parameter, block.timestamp)
            cancelled = done.cancel_unfreeze
            return self._receipt(
                tx,
                block,
                bill,
                withdraw_expire_amount=done.withdraw_expire_amount,
                cancel_unfreeze=tuple(cancelled.items()) if cancelled is not None else None,
            )
        if owner not in self._accounts or bill is None:
            raise Refused("CONTRACT_VALIDATE_ERROR", f"Validate {kind} error, no OwnerAccount.")
        most = self.parameters.max_fee_limit
        if not 0 <= tx.fee_limit <= most:
            raise Refused("CONTRACT_VALIDATE_ERROR", f"feeLimit must be >= 0 and <= {most}")
        if kind == "TriggerSmartContract":
            target = address_bytes(parameter.get("contract_address", ""))
            if target not in self._contracts:  # java-tron's VMActuator, then MUtil.transfer
                raise Refused("CONTRACT_VALIDATE_ERROR", "No contract or not a smart contract")
            value = int(parameter.get("call_value", 0))
            if value < 0:
                raise Refused("CONTRACT_VALIDATE_ERROR", "callValue must be >= 0")
            if value > self.tvm.balance(owner):
                raise Refused(
                    "CONTRACT_VALIDATE_ERROR",
                    "Validate InternalTransfer error, balance is not sufficient.",
                )
            data = bytes.fromhex(parameter.get("data", ""))
            left, limit = self._energy_limit(owner, tx.fee_limit, value, block)
            share = self._origin_share(target, owner, block)
            extra = share.extra_limit(limit) if share is not None else 0
            outcome = self.tvm.trigger(owner, target, data, value, limit + extra)
            return self._settle(tx, block, outcome, target, bill, left, share)
        return self._create(tx, block, parameter, owner, bill)

    def _bill_bandwidth(self, tx: Transaction, block: Block) -> NetBill:
        """Charge the transaction's bytes (and its memo) to its owner as java-tron's
        ``BandwidthProcessor`` and ``consumeMemoFee`` do."""
        owner, stake = tx.owner, self.stakes.of(tx.owner)
        if self.free:
            return NetBill(tx.bandwidth, 0, stake)
        to = address_bytes(tx.parameter.get("to_address", ""))
        creates = tx.contract_type == "TransferContract" and to not in self._accounts
        bill = fees.bill_bandwidth(
            stake,
            self.tvm.balance(owner),
            tx.bandwidth,
            creates_account=creates,
            totals=self.totals(),
            parameters=self.parameters,
            now=fees.slot(block.timestamp),
        )
        self.stakes.put(owner, bill.stake)
        memo = self.parameters.memo_fee if tx.raw_data.get("data") else 0
        if self.tvm.balance(owner) < bill.fee + memo:
            raise Refused("BANDWITH_ERROR", "Account resource insufficient error.")
        if bill.fee + memo:
            self.tvm.transfer(owner, ZERO_ADDRESS, bill.fee + memo)
        return evolve(bill, memo=memo)

    def _receipt(
        self, tx: Transaction, block: Block, bill: NetBill | None, fee: int = 0, **more: Any
    ) -> Receipt:
        """The receipt of a transaction the TVM does not run, ``fee`` burned by its actuator
        besides its bandwidth and memo."""
        usage, burned = (bill.usage, bill.fee) if bill is not None else (tx.bandwidth, 0)
        memo = bill.memo if bill is not None else 0
        return Receipt(
            tx.txid,
            block.number,
            block.timestamp,
            usage,
            fee=burned + memo + fee,
            net_fee=burned,
            **more,
        )

    def _transfer(
        self,
        tx: Transaction,
        block: Block,
        parameter: Mapping[str, Any],
        owner: bytes,
        bill: NetBill | None,
    ) -> Receipt:
        to = address_bytes(parameter.get("to_address", ""))
        amount = int(parameter.get("amount", 0))
        creation = self.parameters.create_account_fee_in_contract if to not in self._accounts else 0
        # java-tron's TransferActuator.validate, in its order.
        refusal = (
            "Invalid ownerAddress!"
            if not _valid(owner)
            else "Invalid toAddress!"
            if not _valid(to)
            else "Cannot transfer TRX to yourself."
            if to == owner
            else "Validate TransferContract error, no OwnerAccount."
            if owner not in self._accounts
            else "Amount must be greater than 0."
            if amount <= 0
            else "Cannot transfer TRX to a smartContract."
            if to in self._contracts
            else "Validate TransferContract error, balance is not sufficient."
            if self.tvm.balance(owner) < amount + creation
            else ""
        )
        if refusal:
            raise Refused("CONTRACT_VALIDATE_ERROR", refusal)
        if creation:
            self.tvm.transfer(owner, ZERO_ADDRESS, creation)
        self.tvm.transfer(owner, to, amount)
        self._activate(to, block)
        return self._receipt(tx, block, bill, creation)

    def _create(
        self,
        tx: Transaction,
        block: Block,
        parameter: Mapping[str, Any],
        owner: bytes,
        bill: NetBill,
    ) -> Receipt:
        new = dict(parameter.get("new_contract", {}))
        address = contract_address(tx.txid, owner)
        if parse_address(new.get("origin_address", "")) != owner:
            raise Refused("CONTRACT_VALIDATE_ERROR", "OwnerAddress is not equals OriginAddress")
        if not 0 <= int(new.get("consume_user_resource_percent", 0)) <= 100:
            raise Refused("CONTRACT_VALIDATE_ERROR", "percent must be >= 0 and <= 100")
        if address in self._contracts or self.tvm.code(address):
            raise Refused(
                "CONTRACT_VALIDATE_ERROR",
                f"Trying to create a contract with existing contract address: {address.hex()}",
            )
        value = int(new.get("call_value", 0))
        code = bytes.fromhex(new.get("bytecode", ""))
        left, limit = self._energy_limit(owner, tx.fee_limit, value, block)
        outcome = self.tvm.create(owner, address, code, value, limit)
        if outcome.succeeded:
            new |= {"contract_address": address.hex(), "trx_hash": tx.txid.hex()}
            new["code_hash"] = EthCrypto().keccak256(outcome.output).hex()
            self._contracts[address] = new
            block.created.append(address)
            self._activate(address, block)
        return self._settle(tx, block, outcome, address, bill, left)

    def _energy_limit(
        self, owner: bytes, fee_limit: int, value: int, block: Block
    ) -> tuple[int, int]:
        """(staked energy left, the energy limit) of a call or deployment by ``owner``."""
        left = fees.energy_left(self.stakes.of(owner), self.totals(), fees.slot(block.timestamp))
        balance = self.tvm.balance(owner)
        return left, fees.energy_limit(left, balance, fee_limit, value, self.parameters)

    def _origin_share(self, contract: bytes, caller: bytes, block: Block) -> OriginShare | None:
        """What the contract's deployer pays of a call by someone else, when it kept part of
        the energy for itself and staked energy for it."""
        new = self._contracts[contract]
        origin = parse_address(new.get("origin_address", ""))
        user_percent = min(max(int(new.get("consume_user_resource_percent", 0)), 0), 100)
        if self.free or origin == caller or user_percent >= 100:
            return None
        now = fees.slot(block.timestamp)
        left = fees.energy_left(self.stakes.of(origin), self.totals(), now)
        cap = min(left, int(new.get("origin_energy_limit", 0)))
        return OriginShare(origin, 100 - user_percent, cap) if cap > 0 else None

    def _settle(
        self,
        tx: Transaction,
        block: Block,
        outcome: Execution,
        to: bytes,
        bill: NetBill,
        left: int,
        share: OriginShare | None = None,
    ) -> Receipt:
        """Pay for the energy used, the origin's share from its stake, the rest from the
        owner's stake first, then by burning TRX, and write the receipt (a failed run is mined
        too, as on TRON)."""
        now = fees.slot(block.timestamp)
        origin_usage = share.usage(outcome.energy) if share is not None else 0
        if share is not None and origin_usage:
            paid = fees.bill_energy(
                self.stakes.of(share.origin), share.cap, origin_usage, self.parameters, now
            )
            self.stakes.put(share.origin, paid.stake)
        if self.free:
            energy = fees.EnergyBill(0, 0, self.stakes.of(tx.owner))
        else:
            used = outcome.energy - origin_usage
            energy = fees.bill_energy(self.stakes.of(tx.owner), left, used, self.parameters, now)
        self.stakes.put(tx.owner, energy.stake)
        burned = min(energy.fee, self.tvm.balance(tx.owner))
        if burned:
            self.tvm.transfer(tx.owner, ZERO_ADDRESS, burned)
        return Receipt(
            tx.txid,
            block.number,
            block.timestamp,
            bill.usage,
            result=outcome.result,
            output=outcome.output,
            contract_address=to,
            energy=outcome.energy,
            fee=burned + bill.fee + bill.memo,
            logs=outcome.logs,
            message=outcome.message,
            net_fee=bill.fee,
            energy_usage=energy.from_stake,
            energy_fee=burned,
            origin_energy_usage=origin_usage,
        )


def _valid(address: bytes) -> bool:
    """java-tron's ``DecodeUtil.addressValid``: 21 bytes, 0x41 first."""
    return len(address) == 21 and address[0] == 0x41


def _address(address: str | bytes) -> bytes:
    """A TRON address given as base58check, hex (41…, or 0x + 20 bytes) or raw bytes."""
    if isinstance(address, bytes):
        if len(address) == 20:
            return b"\x41" + address
        if len(address) == 21 and address[0] == 0x41:
            return address
        raise MalformedMessage(f"{address.hex()} is not a TRON address")
    if address.startswith("0x") and len(address) == 42:
        return b"\x41" + bytes.fromhex(address[2:])
    return parse_address(address)
