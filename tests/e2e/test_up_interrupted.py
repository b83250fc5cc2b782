"""Ctrl-C at any moment of the first ``dcmx up`` (while it seeds the demo day included) leaves
a data directory that the next ``dcmx up`` finishes: the demo day ends whole, the same as one
never interrupted, with no step done twice. ``dcmx up --reset`` always starts over; a chain cut
short by a version that did not mark its steps is told, in one line, to start over."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from attrs import define

from dcmx_adapters.crypto import EthCrypto
from dcmx_entrypoints.demo.cast import CAST, person
from tests.e2e.test_operations import Server, dcmx, dcmx_script, environment, free_port, start

STEPS = '"demo step '
ALL_STEPS = 44
"""How many steps the demo day marks (a test below holds the count to the day)."""
LONG = bool(os.environ.get("DCMX_LONG_RELIABILITY"))
POINTS = 8 if LONG else 2
CRYPTO = EthCrypto()
TIMES = re.compile(r"time|_at$|hash|tx_id|expiry|nonce|signature")


def _journal(env: dict[str, str]) -> Path:
    return Path(env["DCMX_DATA_DIR"]) / "chain.jsonl"


def _steps_marked(env: dict[str, str]) -> int:
    journal = _journal(env)
    return journal.read_text().count(STEPS) if journal.exists() else 0


def _interrupt_after(tmp_path: Path, env: dict[str, str], steps: int, name: str) -> str:
    """Start ``dcmx up``, send SIGINT once ``steps`` steps of the demo day are marked (or
    at once, when ``steps`` is 0), and answer what it printed; it must exit 130."""
    output = tmp_path / f"{name}.out"
    with output.open("w") as out:
        process = subprocess.Popen(
            [dcmx_script(), "up", "--port", str(free_port())],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while _steps_marked(env) < steps and process.poll() is None:
                assert time.monotonic() < deadline, "the demo day never got that far"
                time.sleep(0.001)
            process.send_signal(signal.SIGINT)
            code = process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    printed = output.read_text()
    assert code == 130, printed
    assert printed.splitlines()[-1] == "dcmx: interrupted", printed
    return printed


def _without_times(value: Any) -> Any:
    """What a read shows, less what depends on when it ran (times, hashes, signatures)."""
    if isinstance(value, dict):
        return {k: _without_times(v) for k, v in value.items() if not TIMES.search(k)}
    if isinstance(value, list):
        return [_without_times(v) for v in value]
    return value


def _day(server: Server) -> dict[str, Any]:
    """The demo day as the API shows it."""
    server.wait_until("/readyz")
    holders = server.get("/v1/token/holders")["items"]
    day: dict[str, Any] = {
        "releases": server.get("/v1/releases")["items"],
        "editions": server.every_item("/v1/releases/1/editions"),
        "sales": server.every_item("/v1/releases/1/sales"),
        "stats": server.get("/v1/stats"),
        "holders": holders,
        "events": [[e["kind"], e.get("data")] for e in server.every_item("/v1/events")],
    }
    for name in (*CAST, "operator"):
        address = person(name, CRYPTO).address.to_hex()
        day[name] = {
            "balance": server.get(f"/v1/accounts/{address}/balance"),
            "editions": server.every_item(f"/v1/accounts/{address}/editions"),
            "payouts": server.get(f"/v1/accounts/{address}/payouts"),
        }
    return _without_times(day)


@define
class Day:
    """A demo day as the API served it, and the data directory that holds it."""

    shown: dict[str, Any]
    env: dict[str, str]
    printed: str


def _served_day(tmp_path: Path, env: dict[str, str], name: str, *more: str) -> Day:
    server = start(tmp_path, name, "up", *more, env=env)
    try:
        shown = _day(server)
        assert server.terminate()[0] == 0
        return Day(shown, env, server.printed())
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()
        server.output.close()


@pytest.fixture(scope="module")
def whole_day(tmp_path_factory: pytest.TempPathFactory) -> Day:
    tmp_path = tmp_path_factory.mktemp("whole")
    day = _served_day(tmp_path, environment(tmp_path / "data"), "whole")
    assert _steps_marked(day.env) == ALL_STEPS
    return day


def test_a_demo_day_interrupted_at_random_points_is_finished_by_the_next_up(
    tmp_path: Path, whole_day: Day
) -> None:
    env = environment(tmp_path / "data")
    seed = random.randrange(2**32)
    points = sorted(random.Random(seed).sample(range(ALL_STEPS), POINTS))
    reached = []
    for n, point in enumerate(points):
        printed = _interrupt_after(tmp_path, env, point, f"cut{n}")
        reached.append(_steps_marked(env))
        assert reached[-1] >= point, (seed, points, reached)
        if n and reached[-2]:
            assert "finishing the demo day cut short" in printed, printed
    marks = re.findall(r'"name":"(demo step [^"]*)"', _journal(env).read_text())
    assert len(marks) == len(set(marks)), f"a step done twice (seed {seed}, at {points})"

    day = _served_day(tmp_path, env, "finished")
    where = f"seed {seed}, cut at {points}, steps then marked: {reached}"
    assert day.shown == whole_day.shown, where
    assert _steps_marked(env) == ALL_STEPS
    if reached[-1] < ALL_STEPS:
        assert f"finishing the demo day cut short ({reached[-1]} steps in)" in day.printed


def test_a_day_cut_short_by_an_earlier_version_is_told_and_reset_starts_over(
    tmp_path: Path, whole_day: Day
) -> None:
    """A seeding that marked no step (an earlier version's) leaves a part of the day that
    cannot be told: the next ``dcmx up`` names ``--reset`` in one line; ``--reset`` sets the
    partial chain aside and seeds a whole day."""
    env = environment(tmp_path / "data")
    _journal(env).parent.mkdir(parents=True)
    lines = _journal(whole_day.env).read_text().splitlines()
    first_execute = next(n for n, line in enumerate(lines) if '"op":"execute"' in line)
    partial = [
        line
        for line in lines[: first_execute + 10]
        if '"name":"demo step' not in line and '"name":"demo steps' not in line
    ]
    _journal(env).write_text("\n".join(partial) + "\n")

    again = dcmx("up", "--port", str(free_port()), env=env)
    assert again.returncode != 0
    said = (again.stdout + again.stderr).strip()
    assert len(said.splitlines()) == 1, said
    assert "cut short" in said
    assert "--reset" in said

    day = _served_day(tmp_path, env, "reset", "--reset")
    assert day.shown == whole_day.shown
    assert "kept aside" in day.printed
    assert list((tmp_path / "data").glob("chain.jsonl.*"))  # the partial chain, set aside
