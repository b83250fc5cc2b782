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

from dcmx_adapters.blocks import BlockLog
from dcmx_adapters.evm.chain import Log, Reverted, TxResult
from dcmx_adapters.evm.revm_checkpoints import Checkpoints
from dcmx_core.model.values import Address, Hash32
from dcmx_core.ports import Block

REVM_CHAIN_ID = 31_337
_FAUCET = "0x" + "fa" * 20
_OUTPUT = re.compile(r"output: (0x[0-9a-fA-F]*)")


@define
class _Record:
    """What revm keeps of a block: the state checkpoint taken before it, and its logs."""

    checkpoint: Any
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
        self._checkpoints = Checkpoints(self._evm)
        self._blocks: BlockLog[_Record] = BlockLog(genesis_time, _Record(None))
        self._next_timestamp = genesis_time + 1
        self._nonces: dict[Address, int] = {}

    @property
    def chain_id(self) -> int:
        return self._chain_id

    @property
    def is_development(self) -> bool:
        return True

    # --- transactions and views -------------------------------------------------------------

    def send(self, sender: Address, to: Address | None, data: bytes, value: int = 0) -> TxResult:
        number = self.head().number + 1
        timestamp = max(self._next_timestamp, self.head().timestamp + 1)
        self._evm.set_block_env(BlockEnv(number=number, timestamp=timestamp))
        checkpoint = self._checkpoints.take()
        try:
            if to is None:
                created = Address(bytes.fromhex(self._evm.deploy(_hex(sender), data)[2:]))
            else:
                self._evm.message_call(_hex(sender), _hex(to), data, value)
                created = None
        except RuntimeError as error:
            self._checkpoints.revert(checkpoint)
            raise Reverted(_revert_data(error), str(error)) from None
        finally:
            self._evm.reset_transient_storage()
        result = self._evm.result
        nonce = self._nonces.get(sender, 0)
        self._nonces[sender] = nonce + 1
        tx_id = Hash32(
            hashlib.sha256(
                b"%d:%d:%s:%d:%s" % (self._chain_id, self._blocks.branch, sender.raw, nonce, data)
            ).digest()
        )
        record = _Record(checkpoint)
        header = self._blocks.seal(timestamp, tx_id, record)
        logs = []
        for index, raw in enumerate(result.logs if result is not None and to is not None else []):
            topics, payload = raw.data
            logs.append(
                Log(
                    Address(bytes.fromhex(raw.address[2:])),
                    tuple(bytes(t) for t in topics),
                    bytes(payload),
                    header.number,
                    header.hash,
                    tx_id,
                    index,
                )
            )
        record.logs = logs
        gas = result.gas_used if result is not None else 0
        return TxResult(tx_id, header.number, header.hash, tuple(logs), gas, 0, created)

    def call(self, to: Address, data: bytes, sender: Address | None = None) -> bytes:
        checkpoint = self._checkpoints.take()
        try:
            caller = _hex(sender) if sender is not None else _FAUCET
            return bytes(self._evm.message_call(caller, _hex(to), data))
        except RuntimeError as error:
            raise Reverted(_revert_data(error), str(error)) from None
        finally:
            self._checkpoints.revert(checkpoint)
            self._evm.reset_transient_storage()

    # --- blocks and logs --------------------------------------------------------------------

    def head(self) -> Block:
        return self._blocks.head()

    def block(self, number: int) -> Block:
        return self._blocks.block(number)

    def logs(self, from_block: int, to_block: int) -> list[Log]:
        return [log for r in self._blocks.contents(from_block, to_block) for log in r.logs]

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
            self._blocks.seal(timestamp, None, _Record(self._checkpoints.take()))

    def reorganize(self, depth: int) -> None:
        first_dropped = self._blocks.drop(depth)[0]
        self._checkpoints.revert(first_dropped.checkpoint)
