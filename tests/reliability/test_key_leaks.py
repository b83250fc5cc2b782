"""No secret leaks out of a running platform: ``dcmx up`` on the demo cast's known keys, an API
key issued with ``dcmx apikey create``, the API used (writes, refused writes, bad keys, reads)
and the CLI run; then every output (the server's, the commands', every HTTP answer with its
headers) and every file of the data directory is searched for the private keys (hex, with and
without 0x, and raw) and the API key's secret. The one place the secret may appear is the
output of the command that issues it, once."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from attrs import define, field

from dcmx_adapters.crypto import EthCrypto
from dcmx_entrypoints.demo.cast import CAST, person
from tests.e2e.test_operations import Server, dcmx, environment, start

KEY_FORM = re.compile(r"dcmx_[0-9A-Za-z]+_[0-9A-Za-z_-]+")


@define
class Exposure:
    """Everything the platform let out during the run, by where it came from."""

    data_dir: Path
    api_key: str
    outputs: dict[str, bytes] = field(factory=dict)


def keys() -> dict[str, bytes]:
    crypto = EthCrypto()
    return {name: person(name, crypto).key for name in ("operator", *CAST)}


def needles(api_key: str) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for name, key in keys().items():
        found[f"{name}'s key, hex"] = key.hex().encode()
        found[f"{name}'s key, HEX"] = key.hex().upper().encode()
        found[f"{name}'s key, raw"] = key
    secret = api_key.split("_", 2)[2]  # dcmx_<id>_<secret>: the secret may hold "_" itself
    found["the API key"] = api_key.encode()
    found["the API key's secret"] = secret.encode()
    return found


def use_the_api(server: Server, api_key: str) -> dict[str, bytes]:
    """Reads, writes with the key, and requests that fail; every answer with its headers."""
    wrong = api_key[:-4] + ("AAAA" if not api_key.endswith("AAAA") else "BBBB")
    calls: list[tuple[str, str, dict[str, str], object]] = [
        ("GET", "/v1/releases", {}, None),
        ("GET", "/healthz", {}, None),
        ("GET", "/readyz", {}, None),
        ("GET", "/metrics", {}, None),
        ("GET", "/v1/events?limit=5", {}, None),
        ("GET", "/v1/releases/999", {}, None),
        ("GET", "/v1/releases?after=not-a-cursor", {}, None),
        ("POST", "/v1/releases", {"Authorization": f"Bearer {api_key}"}, {"title": "no"}),
        ("POST", "/v1/releases", {"X-API-Key": api_key}, {"title": 1}),
        ("POST", "/v1/releases", {"Authorization": f"Bearer {wrong}"}, {"title": "x"}),
        ("POST", "/v1/releases", {"X-API-Key": api_key + "x"}, {}),
        ("POST", "/v1/releases", {"X-API-Key": "not a key " + api_key[:12]}, {}),
        ("POST", "/v1/releases", {}, {}),
    ]
    answers: dict[str, bytes] = {}
    for n, (method, path, headers, body) in enumerate(calls):
        answer = httpx.request(method, server.url(path), headers=headers, json=body, timeout=10)
        shown = "\n".join(f"{k}: {v}" for k, v in answer.headers.items())
        answers[f"HTTP {n} {method} {path} ({answer.status_code})"] = (
            shown.encode() + b"\n\n" + answer.content
        )
    return answers


@pytest.fixture(scope="module")
def exposure(tmp_path_factory: pytest.TempPathFactory) -> Exposure:
    tmp_path = tmp_path_factory.mktemp("leaks")
    data_dir = tmp_path / "data"
    env = environment(data_dir)
    server = start(tmp_path, "up", "up", env=env)
    outputs: dict[str, bytes] = {}
    try:
        server.wait_until("/readyz")
        issued = dcmx("apikey", "create", "--name", "leak check", "--scope", "admin", env=env)
        assert issued.returncode == 0, issued.stderr
        (api_key,) = set(KEY_FORM.findall(issued.stdout))
        assert issued.stdout.count(api_key) == 1, "the key is printed once"
        outputs["apikey create: stderr"] = issued.stderr.encode()
        outputs.update(use_the_api(server, api_key))
        for arguments in (
            ("apikey", "list"),
            ("apikey", "revoke", "no-such-key"),
            ("status",),
            ("status", "--json"),
        ):
            ran = dcmx(*arguments, env=env)
            outputs[f"dcmx {' '.join(arguments)}: stdout"] = ran.stdout.encode()
            outputs[f"dcmx {' '.join(arguments)}: stderr"] = ran.stderr.encode()
        code, _ = server.terminate()
        assert code == 0
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()
        server.output.close()
    outputs["dcmx up: stdout and stderr"] = Path(server.output.name).read_bytes()
    return Exposure(data_dir, api_key, outputs)


def test_no_output_holds_a_private_key_or_the_api_secret(exposure: Exposure) -> None:
    found = [
        f"{what} in {where}"
        for where, output in exposure.outputs.items()
        for what, needle in needles(exposure.api_key).items()
        if needle in output
    ]
    assert found == []
    assert len(exposure.outputs) > 20


def test_no_file_of_the_data_directory_holds_one(exposure: Exposure) -> None:
    files = [path for path in exposure.data_dir.rglob("*") if path.is_file()]
    assert files, "the data directory holds the database and the chain's journal"
    found = [
        f"{what} in {path.relative_to(exposure.data_dir)}"
        for path in files
        for what, needle in needles(exposure.api_key).items()
        if needle in path.read_bytes()
    ]
    assert found == []
