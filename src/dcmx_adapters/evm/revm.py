"""A fast in-process EVM on revm (pyrevm), with the ``Chain`` surface of ``Web3Chain``.

revm executes contract calls hundreds of times faster than py-evm, which makes property runs
of tens of thousands of transactions practical. Blocks here are a thin record kept beside the
EVM state: one per transaction, chained by parent hash, each with a journal checkpoint so that a
reorganization can revert the state to any block. Gas figures from revm are not exact on warm
state (it never resets warm/cold access between calls): take gas tables from eth-tester.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from attrs import define, field
from pyrevm import EVM, BlockEnv, CfgEnv, Env

from dcmx_adapters.evm.chain import Log, Reverted, TxResult
from dcmx_core.exceptions import OutOfRange
from dcmx_core.model.values import ZERO_HASH, Address, Hash32
from dcmx_core.ports import Block

REVM_CHAIN_ID = 31_337
_FAUCET = "0x" + "fa" * 20
_OUTPUT = re.compile(r"output: (0x[0-9a-fA-F]*)")


@define
class _Block:
    header: Block
    checkpoint: Any  # the journal checkpoint taken before this block's transaction
    logs: list[Log] = field(factory=list)


def _hex(address: Address) -> str:
    return "0x" + address.raw.hex()


def _revert_data(error: Exception) -> bytes:
    found = _OUTPUT.search(str(error))
    return bytes.fromhex(found.group(1)[2:]) if found else b""


class RevmChain:
    """An in-memory EVM chain on revm; every account may send (no keys needed)."""

    def __init__(self, *, chain_id: int = REVM_CHAIN_ID, genesis_time: int = 0) -> None:
        self._chain_id = chain_id
        self._evm = EVM(env=Env(cfg=CfgEnv(chain_id=chain_id)), spec_id="Cancun")
        self._evm.set_balance(_FAUCET, 2**200)
        genesis = Block(0, self._hash(b"genesis", ZERO_HASH, 0), ZERO_HASH, genesis_time)
        self._blocks: list[_Block] = [_Block(genesis, None)]
        self._branch = 0
        self._next_timestamp = genesis_time + 1
        self._nonces: dict[Address, int] = {}

    @property
    def chain_id(self) -> int:
        return self._chain_id

    # --- transactions and views -------------------------------------------------------------

    def send(self, sender: Address, to: Address | None, data: bytes, value: int = 0) -> TxResult:
        number = len(self._blocks)
        timestamp = max(self._next_timestamp, self.head().timestamp + 1)
        self._evm.set_block_env(BlockEnv(number=number, timestamp=timestamp))
        checkpoint = self._evm.snapshot()
        try:
            if to is None:
                created = Address(bytes.fromhex(self._evm.deploy(_hex(sender), data)[2:]))
            else:
                self._evm.message_call(_hex(sender), _hex(to), data, value)
                created = None
        except RuntimeError as error:
            self._evm.revert(checkpoint)
            raise Reverted(_revert_data(error), str(error)) from None
        finally:
            self._evm.reset_transient_storage()
        result = self._evm.result
        nonce = self._nonces.get(sender, 0)
        self._nonces[sender] = nonce + 1
        tx_id = Hash32(
            hashlib.sha256(
                b"%d:%d:%s:%d:%s" % (self._chain_id, self._branch, sender.raw, nonce, data)
            ).digest()
        )
        block = self._seal(timestamp, checkpoint, tx_id)
        logs = []
        for index, raw in enumerate(result.logs if result is not None and to is not None else []):
            topics, payload = raw.data
            logs.append(
                Log(
                    Address(bytes.fromhex(raw.address[2:])),
                    tuple(bytes(t) for t in topics),
                    bytes(payload),
                    block.header.number,
                    block.header.hash,
                    tx_id,
                    index,
                )
            )
        block.logs = logs
        gas = result.gas_used if result is not None else 0
        return TxResult(tx_id, block.header.number, block.header.hash, tuple(logs), gas, 0, created)

    def call(self, to: Address, data: bytes, sender: Address | None = None) -> bytes:
        checkpoint = self._evm.snapshot()
        try:
            caller = _hex(sender) if sender is not None else _FAUCET
            return bytes(self._evm.message_call(caller, _hex(to), data))
        except RuntimeError as error:
            raise Reverted(_revert_data(error), str(error)) from None
        finally:
            self._evm.revert(checkpoint)
            self._evm.reset_transient_storage()

    # --- blocks and logs --------------------------------------------------------------------

    def head(self) -> Block:
        return self._blocks[-1].header

    def block(self, number: int) -> Block:
        if not 0 <= number < len(self._blocks):
            raise OutOfRange("block number", number, f"0 to {len(self._blocks) - 1}")
        return self._blocks[number].header

    def logs(self, from_block: int, to_block: int) -> list[Log]:
        last = min(to_block, len(self._blocks) - 1)
        return [log for b in self._blocks[max(from_block, 0) : last + 1] for log in b.logs]

    def balance(self, account: Address) -> int:
        return int(self._evm.get_balance(_hex(account)))

    def code(self, account: Address) -> bytes:
        return bytes(self._evm.basic(_hex(account)).code or b"")

    # --- development operations -------------------------------------------------------------

    def fund(self, account: Address, amount: int) -> None:
        # A transfer from the faucet, not set_balance: a reorganization must be able to undo it.
        self._evm.message_call(_FAUCET, _hex(account), b"", amount)

    def set_next_timestamp(self, timestamp: int) -> None:
        self._next_timestamp = timestamp

    def mine(self, blocks: int = 1) -> None:
        for _ in range(blocks):
            timestamp = max(self._next_timestamp, self.head().timestamp + 1)
            self._seal(timestamp, self._evm.snapshot(), None)

    def reorganize(self, depth: int) -> None:
        if not 1 <= depth < len(self._blocks):
            raise OutOfRange("depth", depth, f"1 to {len(self._blocks) - 1}")
        first_dropped = self._blocks[-depth]
        self._evm.revert(first_dropped.checkpoint)
        del self._blocks[-depth:]
        self._branch += 1

    # --- internals --------------------------------------------------------------------------

    def _seal(self, timestamp: int, checkpoint: Any, tx_id: Hash32 | None) -> _Block:
        parent = self.head()
        number = parent.number + 1
        payload = b"%d:%d:%s" % (self._branch, timestamp, tx_id.raw if tx_id else b"")
        header = Block(number, self._hash(payload, parent.hash, number), parent.hash, timestamp)
        block = _Block(header, checkpoint)
        self._blocks.append(block)
        return block

    def _hash(self, payload: bytes, parent: Hash32, number: int) -> Hash32:
        return Hash32(hashlib.sha256(b"block:%d:%s:%s" % (number, parent.raw, payload)).digest())
