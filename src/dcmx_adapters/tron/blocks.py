"""Blocks and their logs, read off a TRON node's HTTP API.

Events come from scanning blocks: a page of blocks by ``getblockbylimitnext``, then the infos of
each block that holds transactions by ``gettransactioninfobyblocknum`` (``walletsolidity/`` for
the solidified variant), which hold every log. TronGrid's event API is not used: its pages stop
at 200 events with a cursor that has been seen to vanish mid-scan.

TRON numbers logs per transaction; here they are numbered across the whole block, as on the
EVM, so that ``(block, log_index)`` is unique and a reader paging by it skips nothing.
"""

from __future__ import annotations

from typing import Any, Final

from dcmx_adapters.evm.chain import Log
from dcmx_core.exceptions import OutOfRange
from dcmx_core.model.values import Address, Hash32
from dcmx_core.ports import Block

BLOCKS_A_PAGE: Final = 50
"""Blocks asked for at once (java-tron answers at most 100; a busy network's are large)."""
_READS: Final = 3
"""How often a block that changed while it was read (a reorganization) is read again."""


class BlockChanged(RuntimeError):
    """A block's transactions and their infos kept disagreeing: the chain is reorganizing."""

    def __init__(self, number: int) -> None:
        super().__init__(f"block {number} changed while it was read; read it again later")
        self.number = number


def tron_address_of(account: Address) -> str:
    """``account`` as java-tron's ``visible`` JSON writes it: base58check."""
    return account.to_base58()


def address_from_tron(text: str) -> Address:
    """An address as java-tron prints it: base58check (``visible``), hex with 41, or a log's
    20 bytes of hex."""
    if text.startswith("T"):
        return Address.from_base58(text)
    raw = bytes.fromhex(text.removeprefix("0x"))
    return Address(raw[1:] if len(raw) == 21 and raw[0] == 0x41 else raw)


def block_of(raw: dict[str, Any]) -> Block:
    """A block's header as the port's ``Block`` (TRON stamps blocks in milliseconds)."""
    header = raw["block_header"]["raw_data"]
    return Block(
        int(header.get("number", 0)),
        Hash32(bytes.fromhex(raw["blockID"])),
        Hash32(bytes.fromhex(header["parentHash"])),
        int(header.get("timestamp", 0)) // 1000,
    )


class BlockScanner:
    """Reads blocks and logs through a tronpy provider (``make_request``)."""

    def __init__(self, provider: Any) -> None:
        self._provider = provider

    def _ask(self, method: str, params: dict[str, Any]) -> Any:
        return self._provider.make_request(method, params | {"visible": True})

    def head(self, *, solidified: bool = False) -> Block:
        wallet = "walletsolidity" if solidified else "wallet"
        return block_of(self._ask(f"{wallet}/getnowblock", {}))

    def block(self, number: int, *, solidified: bool = False) -> Block:
        wallet = "walletsolidity" if solidified else "wallet"
        raw = self._ask(f"{wallet}/getblockbynum", {"num": number}) if number >= 0 else {}
        if not raw or "blockID" not in raw:
            head = self.head(solidified=solidified).number
            raise OutOfRange("block number", number, f"0 to {head}")
        return block_of(raw)

    def logs(self, from_block: int, to_block: int, *, solidified: bool = False) -> list[Log]:
        """The logs of blocks ``from_block..to_block`` (as far as the chain, or its solidified
        part, reaches), in chain order."""
        if solidified:
            to_block = min(to_block, self.head(solidified=True).number)
        found: list[Log] = []
        for raw in self._pages(max(from_block, 0), to_block):
            if raw.get("transactions"):
                found += self._logs_of(raw, solidified)
        return found

    def block_logs(self, number: int) -> tuple[Block, list[Log]]:
        """Block ``number`` and its logs."""
        raw = self._ask("wallet/getblockbynum", {"num": number})
        if not raw:
            raise OutOfRange("block number", number, f"0 to {self.head().number}")
        return block_of(raw), self._logs_of(raw, solidified=False)

    def _pages(self, first: int, last: int) -> list[dict[str, Any]]:
        blocks: list[dict[str, Any]] = []
        start = first
        while start <= last:
            end = min(start + BLOCKS_A_PAGE, last + 1)
            page = self._ask("wallet/getblockbylimitnext", {"startNum": start, "endNum": end})
            got = sorted(page.get("block", []), key=lambda b: block_of(b).number)
            blocks += got
            if len(got) < end - start:  # the chain ends here
                break
            start = end
        return blocks

    def _logs_of(self, raw: dict[str, Any], solidified: bool) -> list[Log]:
        wallet = "walletsolidity" if solidified else "wallet"
        number = block_of(raw).number
        for _ in range(_READS):
            ids = [tx["txID"] for tx in raw.get("transactions", [])]
            infos = self._ask(f"{wallet}/gettransactioninfobyblocknum", {"num": number})
            if [info.get("id") for info in infos] == ids:
                return _numbered(block_of(raw), infos)
            raw = self._ask("wallet/getblockbynum", {"num": number})
        raise BlockChanged(number)


def _numbered(block: Block, infos: list[dict[str, Any]]) -> list[Log]:
    """The logs of a block's transaction infos, numbered across the block."""
    logs: list[Log] = []
    for info in infos:
        tx_id = Hash32(bytes.fromhex(info["id"]))
        for entry in info.get("log", []):
            logs.append(
                Log(
                    address_from_tron(entry["address"]),
                    tuple(bytes.fromhex(topic) for topic in entry.get("topics", [])),
                    bytes.fromhex(entry.get("data", "")),
                    block.number,
                    block.hash,
                    tx_id,
                    len(logs),
                )
            )
    return logs
