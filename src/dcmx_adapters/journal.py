"""A development chain that survives a restart: every transaction and development operation it
executes is appended to a journal file, and the chain is rebuilt by replaying the journal into a
fresh chain.

The journal is JSON lines. The first line describes the chain (whatever its builder needs) and
every line carries the clock readings the chain took while executing it, so that a replay, fed
the same readings, stamps the same blocks and gets the same hashes. A line is written and
fsynced before the operation returns, and the chain's blocks are not shown to readers on other
threads until then, so no reader ever sees a block the journal could lose. A refused command
changed nothing on the chain and is not journaled. A torn last line (a crash while writing it)
is ignored with a warning and cut off before the next line is appended.

A chain opened to be read follows its journal: ``follow_journal`` replays the lines other
processes appended since (a line still being written waits for the rest), and refuses a journal
that no longer extends what it replayed (set aside and started over, by ``dcmx up --reset``).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from enum import IntEnum
from pathlib import Path
from typing import IO, Any, Final

import attrs

from dcmx_core import commands
from dcmx_core.commands import Command
from dcmx_core.events import DomainEvent
from dcmx_core.model.platform import Deployment
from dcmx_core.model.values import Address, Hash32
from dcmx_core.ports import (
    Block,
    ChainQueries,
    Clock,
    DevLedger,
    EventBatch,
    EventSource,
    Receipt,
)

Json = Any
ChainBuilder = Callable[[Mapping[str, Json], Clock], DevLedger]
"""Builds a fresh chain from the journal's first line, reading time from the given clock."""

log = logging.getLogger("dcmx.journal")

GENESIS: Final = "genesis"
MARK: Final = "mark"
_QUERIES: Final = frozenset(name for name in vars(ChainQueries) if not name.startswith("_"))
COMMANDS: Final[Mapping[str, type[Command]]] = {
    cls.__name__: cls
    for cls in vars(commands).values()
    if isinstance(cls, type) and issubclass(cls, Command) and cls is not Command
}


class JournalError(RuntimeError):
    """The journal cannot be read or replayed into the chain it describes."""

    def __init__(self, path: Path, line: int, reason: str) -> None:
        super().__init__(f"{path}, line {line}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason


class JournalReplaced(JournalError):
    """The journal no longer extends what a reader replayed of it: it was set aside and started
    over (``dcmx up --reset``), or rewritten."""

    def __init__(self, path: Path, how: str) -> None:
        RuntimeError.__init__(
            self,
            f"{path} {how}: it no longer extends the chain this process replayed "
            "(dcmx up --reset starts a new one); start this process again to read it",
        )
        self.path = path
        self.line = 0
        self.reason = how


# --- the clock ------------------------------------------------------------------------------


class JournalClock:
    """A clock that remembers what it told the chain, and during a replay tells it what it
    told it the first time (then the live clock's time again)."""

    def __init__(self, live: Clock) -> None:
        self._live = live
        self._script: list[int] = []
        self._read: list[int] = []

    def now(self) -> int:
        value = self._script.pop(0) if self._script else self._live.now()
        self._read.append(value)
        return value

    def play(self, readings: list[int]) -> None:
        """The next readings come from ``readings``, in order."""
        self._script = list(readings)
        self._read = []

    def taken(self) -> tuple[list[int], list[int]]:
        """The readings taken since the last ``play`` or ``taken``, and the scripted ones left
        untaken (a replay that took fewer readings than the original did has diverged)."""
        taken, left = self._read, self._script
        self._read, self._script = [], []
        return taken, left


# --- commands as JSON -----------------------------------------------------------------------


def encode_command(command: Command) -> dict[str, Json]:
    """The command as JSON: its class name under ``type``, its fields by name."""
    cls = type(command)
    hints = _hints(cls)
    data = {f.name: _encode(hints[f.name], getattr(command, f.name)) for f in attrs.fields(cls)}
    return {"type": cls.__name__, **data}


def decode_command(data: Mapping[str, Json]) -> Command:
    """The command ``encode_command`` wrote."""
    cls = COMMANDS.get(data.get("type", ""))
    if cls is None:
        raise ValueError(f"no command is called {data.get('type')!r}")
    hints = _hints(cls)
    names = {f.name for f in attrs.fields(cls)}
    if set(data) - {"type"} != names:
        raise ValueError(f"{cls.__name__} has the fields {sorted(names)}")
    return cls(**{name: _decode(hints[name], data[name]) for name in names})


_HINTS: dict[str, dict[str, Any]] = {}


def _hints(cls: type[Command]) -> dict[str, Any]:
    """The command class's field types. Resolved once a class: resolving them (the module's
    annotations are strings) took a replay of the journal a seventh of its time."""
    name = f"{cls.__module__}.{cls.__qualname__}"
    found = _HINTS.get(name)
    if found is None:
        found = _HINTS[name] = typing.get_type_hints(cls)
    return found


def _encode(hint: Any, value: Any) -> Json:
    if value is None:
        return None
    if isinstance(value, Address | Hash32):
        return value.to_hex()
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, IntEnum):
        return int(value)
    if isinstance(value, tuple):
        (item,) = {arg for arg in typing.get_args(hint) if arg is not Ellipsis}
        return [_encode(item, part) for part in value]
    if isinstance(value, bool | int | str):
        return value
    raise TypeError(f"no JSON form for {value!r}")


def _decode(hint: Any, data: Json) -> Any:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if data is None:
            return None
        (present,) = [arg for arg in args if arg is not type(None)]
        return _decode(present, data)
    if origin is tuple:
        return tuple(_decode(args[0], item) for item in data)
    if hint is Address:
        return Address.from_hex(data)
    if hint is Hash32:
        return Hash32.from_hex(data)
    if hint is bytes:
        return bytes.fromhex(data.removeprefix("0x"))
    if isinstance(hint, type) and issubclass(hint, IntEnum):
        return hint(data)
    if hint in (bool, int, str) and type(data) is hint:
        return data
    raise ValueError(f"{data!r} is not a {hint}")


# --- the file -------------------------------------------------------------------------------


class JournalFile:
    """The journal on disk: whole lines appended, each one fsynced before ``append`` returns."""

    def __init__(self, path: Path, *, good_length: int | None = None) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[bytes] = path.open("ab")
        if good_length is not None and self._file.tell() > good_length:
            self._file.truncate(good_length)  # a torn last line: the next one starts clean
            self._file.seek(good_length)

    def append(self, entry: Mapping[str, Json]) -> None:
        line = json.dumps(entry, separators=(",", ":"), sort_keys=True).encode() + b"\n"
        self._file.write(line)
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()


def first_entry(path: Path) -> dict[str, Json] | None:
    """The journal's first line (the chain's description), or None when there is none yet."""
    if not path.exists():
        return None
    with path.open("rb") as file:
        line = file.readline()
    if not line.endswith(b"\n"):
        return None  # a crash while the first line was written: no chain was journaled
    try:
        entry = json.loads(line)
    except ValueError:
        raise JournalError(path, 1, "not a JSON line") from None
    if not isinstance(entry, dict) or entry.get("op") != GENESIS:
        raise JournalError(path, 1, "the first line must describe the chain (op: genesis)")
    return entry


@attrs.frozen
class JournalEnd:
    """How far a reader has read a journal: the file it read (device and inode), the length of
    its whole lines, how many there were, and the last of them (to tell that a file of the same
    name still holds it)."""

    device: int
    inode: int
    length: int
    lines: int
    last_line: bytes


def read_entries(path: Path) -> tuple[list[dict[str, Json]], int]:
    """The journal's entries, and the length of the file up to the end of its last whole line.
    A torn last line is left out with a warning; a bad line before it is an error."""
    entries, end = read_journal(path)
    return entries, end.length


def read_journal(path: Path) -> tuple[list[dict[str, Json]], JournalEnd]:
    """The journal's entries, and how far they reach; a torn last line is left out with a
    warning, a bad line before it is an error."""
    with path.open("rb") as file:
        status = os.fstat(file.fileno())
        content = file.read()
    lines, torn = _whole_lines(content)
    entries = [_entry(path, number, line) for number, line in enumerate(lines, start=1)]
    if torn:
        log.warning(
            "journal_torn_line path=%s line=%d bytes=%d: ignored",
            path,
            len(lines) + 1,
            len(torn),
        )
    last = lines[-1] + b"\n" if lines else b""
    end = JournalEnd(status.st_dev, status.st_ino, len(content) - len(torn), len(lines), last)
    return entries, end


def read_since(path: Path, end: JournalEnd) -> tuple[list[tuple[int, dict[str, Json]]], JournalEnd]:
    """The whole lines appended to the journal after ``end``, numbered, and how far they reach;
    a line still being written is left for the next read. ``JournalReplaced`` when the file at
    ``path`` is another one, or no longer holds what was read up to ``end``."""
    try:
        file = path.open("rb")
    except FileNotFoundError:
        raise JournalReplaced(path, "is gone") from None
    with file:
        status = os.fstat(file.fileno())
        if (status.st_dev, status.st_ino) != (end.device, end.inode):
            raise JournalReplaced(path, "is another file now")
        if status.st_size < end.length:
            raise JournalReplaced(path, "was cut short")
        if status.st_size == end.length:
            return [], end  # nothing new: the common case, one fstat and no read
        file.seek(end.length - len(end.last_line))
        content = file.read()
    if not content.startswith(end.last_line):
        raise JournalReplaced(path, "was rewritten")
    lines, _ = _whole_lines(content[len(end.last_line) :])
    if not lines:
        return [], end
    first = end.lines + 1
    entries = [(n, _entry(path, n, line)) for n, line in enumerate(lines, start=first)]
    grown = sum(len(line) + 1 for line in lines)
    last = lines[-1] + b"\n"
    return entries, attrs.evolve(
        end, length=end.length + grown, lines=end.lines + len(lines), last_line=last
    )


def _whole_lines(content: bytes) -> tuple[list[bytes], bytes]:
    """The whole lines of ``content`` (without their newlines), and what follows the last one
    (empty unless a line is torn, or still being written)."""
    lines = content.split(b"\n")
    torn = lines.pop()
    return lines, torn


def _entry(path: Path, number: int, line: bytes) -> dict[str, Json]:
    try:
        entry = json.loads(line)
    except ValueError:
        raise JournalError(path, number, "not a JSON line") from None
    if not isinstance(entry, dict) or "op" not in entry:
        raise JournalError(path, number, "not a journal entry")
    return entry


# --- the journaled ledger -------------------------------------------------------------------


class JournaledLedger:
    """A ``DevLedger`` that journals what changes its chain; queries pass straight through."""

    def __init__(self, ledger: DevLedger, clock: JournalClock, journal: JournalFile | None) -> None:
        self._ledger = ledger
        self._clock = clock
        self._journal = journal
        self._lock = threading.RLock()
        self.marks: set[str] = set()
        self.torn_bytes = 0
        """How much of a torn last line the replay ignored (0: none)."""
        self._followed: tuple[Path, JournalEnd] | None = None
        """The journal a chain opened to be read was replayed from, and how far."""

    @property
    def journal_path(self) -> Path | None:
        return None if self._journal is None else self._journal.path

    def follow_journal(self) -> int:
        """Replay what other processes appended to the journal since this chain, opened to be
        read, last read it; how many lines that was (0: nothing new, or a chain that is not
        following a journal). ``JournalReplaced`` when the journal no longer extends it."""
        with self._lock:
            if self._followed is None:
                return 0
            path, end = self._followed
            entries, reached = read_since(path, end)
            for number, entry in entries:
                try:
                    _replay_entry(path, number, self, entry)
                except JournalError:
                    self._followed = None  # the chain is not the journal's now: stop here
                    raise
            self._followed = (path, reached)
            return len(entries)

    def __getattr__(self, name: str) -> Any:
        if name in _QUERIES:
            return getattr(self._ledger, name)
        raise AttributeError(name)

    @property
    def deployment(self) -> Deployment:
        return self._ledger.deployment

    # --- blocks, shown only once journaled --------------------------------------------------

    def head(self) -> Block:
        with self._lock:
            return self._ledger.head()

    def block(self, number: int) -> Block:
        with self._lock:
            return self._ledger.block(number)

    def events(self, from_block: int, to_block: int) -> list[DomainEvent]:
        with self._lock:
            return self._ledger.events(from_block, to_block)

    def read(self, from_block: int, to_block: int) -> EventBatch:
        with self._lock:
            return self._ledger.read(from_block, to_block)

    def solidified(self) -> EventSource:
        """The final part of the chain (a TRON chain's solidified blocks) as an event source,
        shown only once journaled like the rest; refused on a chain that has no such part."""
        solidified = getattr(self._ledger, "solidified", None)
        if solidified is None:
            raise AttributeError(f"a {type(self._ledger).__name__} has no solidified blocks")
        return _Locked(solidified(), self._lock)

    # --- what changes the chain -------------------------------------------------------------

    def execute(self, sender: Address, command: Command) -> Receipt:
        entry = {"op": "execute", "sender": sender.to_hex(), "command": encode_command(command)}
        with self._journaling(entry):
            return self._ledger.execute(sender, command)

    def fund(self, account: Address, amount: int) -> None:
        with self._journaling({"op": "fund", "account": account.to_hex(), "amount": amount}):
            self._ledger.fund(account, amount)

    def deploy_payment_token(self, symbol: str, *, returns_false: bool = False) -> Address:
        entry = {"op": "deploy_payment_token", "symbol": symbol, "returns_false": returns_false}
        with self._journaling(entry):
            return self._ledger.deploy_payment_token(symbol, returns_false=returns_false)

    def mint_payment_token(self, token: Address, account: Address, amount: int) -> None:
        entry = {
            "op": "mint_payment_token",
            "token": token.to_hex(),
            "account": account.to_hex(),
            "amount": amount,
        }
        with self._journaling(entry):
            self._ledger.mint_payment_token(token, account, amount)

    def deploy_receiver(self, accepts: bool) -> Address:
        with self._journaling({"op": "deploy_receiver", "accepts": accepts}):
            return self._ledger.deploy_receiver(accepts)

    def mine(self, blocks: int = 1) -> None:
        with self._journaling({"op": "mine", "blocks": blocks}):
            self._ledger.mine(blocks)

    def warp(self, seconds: int) -> None:
        with self._journaling({"op": "warp", "seconds": seconds}):
            self._ledger.warp(seconds)

    def reorganize(self, depth: int) -> None:
        with self._journaling({"op": "reorganize", "depth": depth}):
            self._ledger.reorganize(depth)

    def mark(self, name: str) -> None:
        """Record that something happened to this chain (``"demo"``: the demo data is in)."""
        with self._lock:
            if self._journal is not None:
                self._journal.append({"op": MARK, "name": name})
            self.marks.add(name)

    def close(self) -> None:
        if self._journal is not None:
            self._journal.close()

    @contextmanager
    def _journaling(self, entry: dict[str, Json]) -> Iterator[None]:
        with self._lock:
            if self._journal is None:
                raise PermissionError("this chain was opened to be read, not changed")
            self._clock.taken()
            try:
                yield
            except BaseException:
                self._clock.taken()  # a refusal changed nothing: nothing to replay
                raise
            head = self._ledger.head()
            readings, _ = self._clock.taken()
            self._journal.append({**entry, "clock": readings, "head": _head(head)})


class _Locked:
    """An event source read under the journaled ledger's lock."""

    def __init__(self, source: EventSource, lock: threading.RLock) -> None:
        self._source = source
        self._lock = lock

    def head(self) -> Block:
        with self._lock:
            return self._source.head()

    def block(self, number: int) -> Block:
        with self._lock:
            return self._source.block(number)

    def read(self, from_block: int, to_block: int) -> EventBatch:
        with self._lock:
            return self._source.read(from_block, to_block)


def _head(block: Block) -> list[Json]:
    return [block.number, block.hash.to_hex()]


# --- starting and replaying -----------------------------------------------------------------


def start(
    path: Path, genesis: Mapping[str, Json], build: ChainBuilder, live: Clock
) -> JournaledLedger:
    """A fresh chain built from ``genesis``, journaled in a new file at ``path``."""
    if first_entry(path) is not None:
        raise FileExistsError(f"{path} already holds a journal")
    clock = JournalClock(live)
    ledger = build(genesis, clock)
    readings, _ = clock.taken()
    journal = JournalFile(path, good_length=0)  # drops a first line torn by a crash
    journal.append({**genesis, "op": GENESIS, "clock": readings, "head": _head(ledger.head())})
    return JournaledLedger(ledger, clock, journal)


def replay(
    path: Path, build: ChainBuilder, live: Clock, *, writable: bool = True
) -> JournaledLedger:
    """The chain the journal at ``path`` describes, rebuilt in a fresh chain that stamps every
    block as the first run did; further changes are journaled when ``writable``."""
    entries, end = read_journal(path)
    if not entries or entries[0].get("op") != GENESIS:
        raise JournalError(path, 1, "the first line must describe the chain (op: genesis)")
    clock = JournalClock(live)
    genesis = entries[0]
    clock.play(_readings(path, 1, genesis))
    ledger = build({k: v for k, v in genesis.items() if k not in ("op", "clock", "head")}, clock)
    _check(path, 1, clock, ledger, genesis)
    replayed = JournaledLedger(ledger, clock, None)
    for number, entry in enumerate(entries[1:], start=2):
        _replay_entry(path, number, replayed, entry)
    replayed.torn_bytes = path.stat().st_size - end.length
    if writable:
        replayed._journal = JournalFile(path, good_length=end.length)
    else:
        replayed._followed = (path, end)
    return replayed


def _replay_entry(path: Path, number: int, replayed: JournaledLedger, entry: Json) -> None:
    """Make the change the journal's line ``number`` records, as the first run made it."""
    if entry["op"] == MARK:
        replayed.marks.add(str(entry.get("name")))
        return
    ledger, clock = replayed._ledger, replayed._clock
    clock.play(_readings(path, number, entry))
    try:
        _apply(ledger, entry)
    except (KeyError, TypeError, ValueError) as error:
        raise JournalError(path, number, f"cannot read it: {error}") from None
    except Exception as error:
        reason = f"the chain refused it on replay: {type(error).__name__}: {error}"
        raise JournalError(path, number, reason) from None
    _check(path, number, clock, ledger, entry)


def _readings(path: Path, line: int, entry: Mapping[str, Json]) -> list[int]:
    readings = entry.get("clock", [])
    if not isinstance(readings, list) or not all(type(r) is int for r in readings):
        raise JournalError(path, line, "its clock readings are not a list of integers")
    return readings


def _check(
    path: Path, line: int, clock: JournalClock, ledger: DevLedger, entry: Mapping[str, Json]
) -> None:
    """The replayed operation read the clock as often as the first run, and left the head
    block the first run left."""
    _, left = clock.taken()
    if left:
        raise JournalError(path, line, f"the replay read the clock {len(left)} times less")
    expected = entry.get("head")
    if expected is not None and _head(ledger.head()) != expected:
        raise JournalError(
            path,
            line,
            f"the replay's head block is {_head(ledger.head())}, the journal says {expected}",
        )


def _apply(ledger: DevLedger, entry: Mapping[str, Json]) -> None:
    op = entry["op"]
    if op == "execute":
        ledger.execute(Address.from_hex(entry["sender"]), decode_command(entry["command"]))
    elif op == "fund":
        ledger.fund(Address.from_hex(entry["account"]), _int(entry["amount"]))
    elif op == "deploy_payment_token":
        ledger.deploy_payment_token(entry["symbol"], returns_false=entry["returns_false"])
    elif op == "mint_payment_token":
        ledger.mint_payment_token(
            Address.from_hex(entry["token"]),
            Address.from_hex(entry["account"]),
            _int(entry["amount"]),
        )
    elif op == "deploy_receiver":
        ledger.deploy_receiver(bool(entry["accepts"]))
    elif op == "mine":
        ledger.mine(_int(entry["blocks"]))
    elif op == "warp":
        ledger.warp(_int(entry["seconds"]))
    elif op == "reorganize":
        ledger.reorganize(_int(entry["depth"]))
    else:
        raise ValueError(f"no operation is called {op!r}")


def _int(value: Json) -> int:
    if type(value) is not int:
        raise TypeError(f"expected an integer, got {value!r}")
    return value
