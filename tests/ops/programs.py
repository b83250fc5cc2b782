"""The programs of a deployment on several machines, run from the configuration files shipped in
deploy/ with this machine's free ports in place of the guide's: HAProxy in front of the API
processes, and Prometheus scraping them. They run when ``DCMX_MACHINES`` is set, as
``nox -s machines`` sets it after installing the programs, and then a program that is missing
fails them; a bare pytest skips them with the reason, so the ``tests`` session does not run them
a second time."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

import httpx
import pytest
from attrs import define, frozen

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
HAPROXY_CONFIG = DEPLOY / "haproxy" / "haproxy.cfg"
PROMETHEUS_CONFIG = DEPLOY / "prometheus" / "prometheus.yml"
ALERT_RULES = DEPLOY / "prometheus" / "alerts.yml"
REQUIRED_VARIABLE = "DCMX_MACHINES"
API_NAMES = ("api-1", "api-2", "api-3")
STOP_SECONDS = 10.0


def program(name: str) -> str:
    """The path of ``name``; skips the test unless ``DCMX_MACHINES`` is set, and then fails it
    where ``name`` is not installed."""
    if not os.environ.get(REQUIRED_VARIABLE):
        pytest.skip(f"the several-machines tests run under nox -s machines ({REQUIRED_VARIABLE}=1)")
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    if found is None:
        message = f"{name} is not installed: nox -s machines installs it with apt-get"
        pytest.fail(message, pytrace=False)
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@frozen
class Ports:
    """This machine's ports for what the guide puts on 8000 (the balancer), 8001-8003 (the API
    processes), 8404 (the balancer's own page) and 9090 (Prometheus)."""

    balancer: int
    apis: tuple[int, int, int]
    stats: int
    prometheus: int

    @classmethod
    def free(cls) -> Ports:
        apis = (free_port(), free_port(), free_port())
        return cls(free_port(), apis, free_port(), free_port())

    def substitutions(self) -> dict[str, str]:
        """The guide's addresses, and this machine's for them."""
        guide = {
            "127.0.0.1:8000": self.balancer,
            "127.0.0.1:8001": self.apis[0],
            "127.0.0.1:8002": self.apis[1],
            "127.0.0.1:8003": self.apis[2],
            "127.0.0.1:8404": self.stats,
            "127.0.0.1:9090": self.prometheus,
        }
        return {old: f"127.0.0.1:{new}" for old, new in guide.items()}


def rendered(shipped: Path, substitutions: Mapping[str, str]) -> str:
    """The shipped file with the substitutions made, each of those it names."""
    text = shipped.read_text(encoding="utf-8")
    for old, new in substitutions.items():
        if old in text:
            text = text.replace(old, new)
    return text


@define
class Program:
    """A program running in a process group of its own, its output in ``log``."""

    process: subprocess.Popen[bytes]
    log: Path

    @classmethod
    def start(cls, command: list[str], log: Path, env: Mapping[str, str] | None = None) -> Program:
        with log.open("ab") as sink:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                env=None if env is None else dict(env),
                cwd=log.parent,
                start_new_session=True,
            )
        return cls(process, log)

    def printed(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_until_answers(self, url: str, seconds: float = 60.0) -> None:
        """Until ``url`` answers 200 (fails if the program ends first)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"it ended: {self.printed()[-2000:]}"
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"{url} did not answer 200 in {seconds} s: {self.printed()[-2000:]}")

    def kill(self) -> None:
        """SIGKILL: the machine's process dies without a word."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(STOP_SECONDS)

    def stop(self) -> None:
        """SIGINT, as Ctrl-C; SIGKILL if it does not end."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.kill()


def start_haproxy(workdir: Path, ports: Ports, text: str | None = None) -> Program:
    """HAProxy from deploy/haproxy/haproxy.cfg (or ``text``, that file changed), listening and
    routing to ``ports``."""
    config = workdir / "haproxy.cfg"
    config.write_text(text or rendered(HAPROXY_CONFIG, ports.substitutions()), encoding="utf-8")
    checked = subprocess.run(
        [program("haproxy"), "-c", "-q", "-f", str(config)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    balancer = Program.start([program("haproxy"), "-f", str(config)], workdir / "haproxy.log")
    balancer.wait_until_answers(f"http://127.0.0.1:{ports.stats}/stats", seconds=10)
    return balancer


def start_prometheus(workdir: Path, ports: Ports, scrape_interval: str = "1s") -> Program:
    """Prometheus from deploy/prometheus/prometheus.yml (its alert rules beside it), scraping
    ``ports`` every ``scrape_interval``."""
    directory = workdir / "prometheus"
    directory.mkdir()
    substitutions = {
        **ports.substitutions(),
        "scrape_interval: 15s": f"scrape_interval: {scrape_interval}",
        "evaluation_interval: 15s": f"evaluation_interval: {scrape_interval}",
    }
    config = directory / "prometheus.yml"
    config.write_text(rendered(PROMETHEUS_CONFIG, substitutions), encoding="utf-8")
    shutil.copy(ALERT_RULES, directory / "alerts.yml")
    command = [
        program("prometheus"),
        f"--config.file={config}",
        f"--storage.tsdb.path={directory / 'data'}",
        f"--web.listen-address=127.0.0.1:{ports.prometheus}",
    ]
    server = Program.start(command, workdir / "prometheus.log")
    server.wait_until_answers(f"http://127.0.0.1:{ports.prometheus}/-/ready", seconds=30)
    return server


def server_states(stats_port: int, backend: str = "dcmx_api") -> dict[str, str]:
    """What HAProxy's page says of each API process of ``backend``: UP, DOWN, ..."""
    csv = httpx.get(f"http://127.0.0.1:{stats_port}/stats;csv", timeout=5).text
    header, *rows = csv.splitlines()
    columns = header.removeprefix("# ").split(",")
    states = {}
    for row in rows:
        fields = dict(zip(columns, row.split(","), strict=False))
        if fields["pxname"] == backend and fields["svname"] in API_NAMES:
            states[fields["svname"]] = fields["status"]
    return states


def wait_for_states(stats_port: int, wanted: Mapping[str, str], seconds: float = 15.0) -> float:
    """Seconds until HAProxy says what ``wanted`` says of the processes it names."""
    began = time.monotonic()
    while True:
        states = server_states(stats_port)
        if all(states.get(name) == state for name, state in wanted.items()):
            return time.monotonic() - began
        assert time.monotonic() - began < seconds, f"after {seconds} s HAProxy says {states}"
        time.sleep(0.2)
