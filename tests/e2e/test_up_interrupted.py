"""Ctrl-C while the first ``dcmx up`` seeds the demo day leaves a data directory that says what
happened and starts again: ``dcmx up`` names ``--reset`` in one line, ``dcmx up --reset`` sets
the partial chain and its database aside and seeds a whole demo day."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

from tests.e2e.test_operations import dcmx, dcmx_script, environment, free_port, start


def _interrupted_while_seeding(tmp_path: Path, env: dict[str, str]) -> None:
    journal = Path(env["DCMX_DATA_DIR"]) / "chain.jsonl"
    with (tmp_path / "first.out").open("w") as output:
        process = subprocess.Popen(
            [dcmx_script(), "up", "--port", str(free_port())],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:  # the demo day has begun and sent a transaction or more
                text = journal.read_text() if journal.exists() else ""
                started = text.find('"demo started"')
                if started >= 0 and '"op":"execute"' in text[started:]:
                    break
                assert process.poll() is None, (tmp_path / "first.out").read_text()
                assert time.monotonic() < deadline, "the demo day never began"
                time.sleep(0.02)
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert '"demo"' not in journal.read_text().replace('"demo started"', ""), "it finished"


def test_an_interrupted_demo_day_is_told_and_reset_starts_over(tmp_path: Path) -> None:
    env = environment(tmp_path / "data")
    _interrupted_while_seeding(tmp_path, env)

    again = dcmx("up", "--port", str(free_port()), env=env)
    assert again.returncode != 0
    said = (again.stdout + again.stderr).strip()
    assert len(said.splitlines()) == 1, said
    assert "cut short" in said
    assert "--reset" in said

    server = start(tmp_path, "reset", "up", "--reset", env=env)
    try:
        server.wait_until("/readyz")
        assert [r["title"] for r in server.get("/v1/releases")["items"]] == ["Midnight Static"]
        assert server.terminate()[0] == 0
        assert "kept aside" in server.printed()
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()
        server.output.close()
    assert list((tmp_path / "data").glob("chain.jsonl.*"))  # the partial chain, set aside
