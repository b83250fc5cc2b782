"""DCMX bound to an EVM node nobody here wrote (Hardhat Network), used as an operator and its
users would: ``dcmx deploy`` with the operator's keystore; every operator verb and operator
HTTP write signed by that keystore; a user's purchase and claim prepared by the API, signed
outside the server with eth-account from the user's own key, and relayed; ``dcmx index
--follow`` into PostgreSQL, the API's reads agreeing with the node; a chain rewound on the
node (``evm_snapshot`` / ``evm_revert``, then new blocks) rolled back by the indexer; and the
bad inputs, each told in one line.

The tests of this module share one deployment and run in order, as one operator's day."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from attrs import frozen
from eth_account import Account
from web3 import Web3
from web3.types import RPCEndpoint

from dcmx_core.model.values import Hash32
from tests.e2e.test_operations import Server, dcmx, dcmx_script, environment, start
from tests.hardhat_node import HardhatNode, hardhat_node

pytestmark = pytest.mark.skipif(
    os.environ.get("DCMX_HARDHAT") != "1",
    reason="starts Hardhat Network (from npm): run `nox -s hardhat`, or set DCMX_HARDHAT=1",
)

PASSWORD = "operator's passphrase"
ETH = 10**18
FOLLOW_SECONDS = 60


@frozen
class Platform:
    """The deployment on the node, and the settings that bind DCMX to it."""

    node: HardhatNode
    env: dict[str, str]
    folder: Path
    release_id: int

    def account(self, number: int) -> str:
        return self.node.accounts[number][0]

    def key(self, number: int) -> bytes:
        return self.node.accounts[number][1]


def keystore(folder: Path, key: bytes, name: str, password: str = PASSWORD) -> Path:
    path = folder / f"{name}.json"
    # pbkdf2 with few rounds: the format geth and eth-account write, opened in milliseconds.
    path.write_text(json.dumps(Account.encrypt(key, password, kdf="pbkdf2", iterations=1_000)))
    return path


def ok(*arguments: str, env: dict[str, str], stdin: str | None = None) -> dict[str, Any]:
    done = run(*arguments, env=env, stdin=stdin)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.lstrip().startswith("{") else {}


def run(*arguments: str, env: dict[str, str], stdin: str | None = None) -> Any:
    if stdin is None:
        return dcmx(*arguments, env=env)
    return subprocess.run(
        [*_script(), *arguments], env=env, input=stdin, capture_output=True, text=True, timeout=120
    )


def _script() -> list[str]:
    return [dcmx_script()]


def one_line_failure(done: Any, code: int = 1) -> str:
    """What a failed command printed: one line on stderr, no traceback."""
    assert done.returncode == code, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    return str(lines[0])


class Node:
    """The node's own answers, read with web3.py from the deployment file's addresses."""

    def __init__(self, platform: Platform) -> None:
        self.w3 = Web3(Web3.HTTPProvider(platform.node.url))
        deployed = json.loads(Path(platform.env["DCMX_EVM_DEPLOYMENT"]).read_text())
        self._nft = Web3.to_checksum_address(deployed["music_nft"])
        self._token = Web3.to_checksum_address(deployed["token"])

    def _call(self, to: str, signature: str, argument: int | str) -> str:
        selector = Web3.keccak(text=signature)[:4]
        word = (int(argument, 16) if isinstance(argument, str) else argument).to_bytes(32)
        return bytes(self.w3.eth.call({"to": to, "data": selector + word})).hex()

    def owner_of(self, token_id: int) -> str:
        return Web3.to_checksum_address(
            "0x" + self._call(self._nft, "ownerOf(uint256)", token_id)[24:]
        )

    def dcmx_balance(self, account: str) -> int:
        return int(self._call(self._token, "balanceOf(address)", account), 16)


def rpc(node: HardhatNode, method: str, *params: Any) -> Any:
    w3 = Web3(Web3.HTTPProvider(node.url))
    return w3.provider.make_request(RPCEndpoint(method), list(params))["result"]


@pytest.fixture(scope="module")
def node() -> Iterator[HardhatNode]:
    with hardhat_node() as started:
        yield started


@pytest.fixture(scope="module")
def platform(
    node: HardhatNode, postgresql_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Platform:
    folder = tmp_path_factory.mktemp("operator")
    operator = keystore(folder, node.accounts[0][1], "operator")
    deployer = environment(
        folder / "data", DCMX_KEYSTORE=str(operator), DCMX_KEYSTORE_PASSWORD=PASSWORD
    )
    deployed = dcmx("deploy", "--chain", "evm", "--rpc", node.url, env=deployer)
    assert deployed.returncode == 0, deployed.stderr
    [setting] = re.findall(r"^DCMX_EVM_DEPLOYMENT=(.+)$", deployed.stdout, re.MULTILINE)
    env = deployer | {
        "DCMX_LEDGER": "evm",
        "DCMX_EVM_RPC_URL": node.url,
        "DCMX_EVM_DEPLOYMENT": setting,
        "DCMX_DATABASE_URL": postgresql_url,
    }
    content = folder / "first-light.flac"
    content.write_bytes(b"\x66\x4c\x61\x43 first light")
    first, second = node.accounts[1][0], node.accounts[2][0]
    created = ok(
        *("release", "create", "--artist", first, "--title", "First Light"),
        *("--artist-name", "Hardhat Ensemble", "--content-file", str(content)),
        *("--max-editions", "10", "--royalty-bps", "500"),
        *("--split", f"{first}=7000", "--split", f"{second}=3000", "--json"),
        env=env,
    )
    return Platform(node, env, folder, int(created["result"]["release_id"]))


def test_the_operator_runs_the_operator_verbs_with_the_deployers_keystore(
    platform: Platform,
) -> None:
    env, release = platform.env, str(platform.release_id)
    seller = platform.account(1)
    minted = ok("edition", "mint", release, "--to", seller, "--json", env=env)
    assert minted["result"]["token_id"] == platform.release_id * 1_000_000 + 1
    own = ok("edition", "mint", release, "--to", "operator", "--json", env=env)
    token = str(own["result"]["token_id"])
    ok("edition", "list", token, "--price", "0.01", "--units", "--json", env=env)
    ok("royalty", "deposit", release, "0.001", "--units", "--json", env=env)
    allocated = ok(
        *("reward", "allocate", "listening", "1000", "--units"),
        *("--daily-limit", "100", "--json"),
        env=env,
    )
    assert allocated["result"]["pool"] == "listening"
    ok("reward", "add-verifier", "operator", "--json", env=env)
    document = platform.folder / "terms-v1.txt"
    document.write_text("DCMX terms of service, version 1")
    registered = ok(
        *("doc", "register", "terms_of_service", "1", "--file", str(document), "--json"), env=env
    )
    assert registered["result"]["hash"] == Hash32.of(document.read_bytes()).to_hex()
    balance = ok("token", "balance", "operator", "--json", env=env)
    assert balance["result"]["balance"] == "0"


def test_a_refusal_of_the_contract_is_the_rule_by_name(platform: Platform) -> None:
    user = keystore(platform.folder, platform.key(4), "user4", "user's password")
    done = run(
        *("edition", "mint", str(platform.release_id), "--to", platform.account(4)),
        *("--keystore", str(user), "--as", platform.account(4)),
        env=platform.env,
        stdin="user's password\n",
    )
    line = one_line_failure(done)
    assert line.startswith("dcmx: refused: NotAdmin: ")


def test_a_user_signs_in_their_wallet_what_the_cli_prepares_and_it_is_relayed(
    platform: Platform,
) -> None:
    env, user = platform.env, platform.account(5)
    prepared = ok("deletion", "request", "--as", user, "--regime", "gdpr", "--prepare", env=env)
    [tx] = prepared["transactions"]
    assert (tx["from"], int(tx["chainId"], 16)) == (user, 31337)
    signed = Account.sign_transaction(tx, platform.key(5)).raw_transaction
    signed_file = platform.folder / "deletion.signed"
    signed_file.write_text("0x" + bytes(signed).hex())
    relayed = ok("tx", "send", str(signed_file), "--json", env=env)
    [receipt] = relayed["transactions"]
    [event] = receipt["events"]
    assert event["kind"] == "DeletionRequested"
    processed = ok("deletion", "process", str(event["data"]["request_id"]), "--json", env=env)
    assert processed["result"]["user"] == user


@pytest.fixture(scope="module")
def api(platform: Platform, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("api")
    server = start(folder, "serve", "serve", env=platform.env)
    try:
        server.wait_until("/healthz")
        yield server
    finally:
        server.process.terminate()
        server.process.wait(10)
        server.output.close()


@pytest.fixture(scope="module")
def admin_key(platform: Platform) -> str:
    issued = dcmx("apikey", "create", "--name", "desk", "--scope", "admin", env=platform.env)
    assert issued.returncode == 0, issued.stderr
    return str(issued.stdout.splitlines()[0])


def post(api: Server, path: str, body: dict[str, Any], key: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.post(api.url(path), json=body, headers=headers, timeout=60)


def test_the_api_sends_the_operators_writes_with_the_configured_keystore(
    platform: Platform, api: Server, admin_key: str
) -> None:
    minted = post(
        api,
        f"/v1/releases/{platform.release_id}/editions",
        {"recipient": platform.account(1)},
        admin_key,
    )
    assert minted.status_code == 201, minted.text
    funded = post(api, "/v1/reward-pools/listening/funding", {"amount": str(10 * ETH)}, admin_key)
    assert funded.status_code == 200, funded.text
    # Ready or not (the indexer may not have started yet), the write side is on.
    assert httpx.get(api.url("/readyz"), timeout=5).json()["writes"] == "ok"


def relay(api: Server, node_key: bytes, transactions: list[dict[str, Any]]) -> list[Any]:
    answers = []
    for tx in transactions:
        raw = "0x" + bytes(Account.sign_transaction(tx, node_key).raw_transaction).hex()
        answer = post(api, "/v1/transactions", {"signed": raw})
        assert answer.status_code == 201, answer.text
        answers.append(answer.json())
    return answers


def test_a_users_purchase_and_claim_are_prepared_by_the_api_signed_and_relayed(
    platform: Platform, api: Server
) -> None:
    seller, buyer = platform.account(1), platform.account(3)
    token = platform.release_id * 1_000_000 + 1  # minted to the seller by the operator
    listing = post(
        api,
        "/v1/transactions/prepare/listings",
        {"user": seller, "token_id": token, "currency": "0x" + "00" * 20, "price": str(ETH // 50)},
    )
    assert listing.status_code == 200, listing.text
    relay(api, platform.key(1), listing.json()["transactions"])

    purchase = post(api, "/v1/transactions/prepare/purchases", {"user": buyer, "token_id": token})
    [sold] = relay(api, platform.key(3), purchase.json()["transactions"])
    assert "EditionSold" in [event["kind"] for event in sold["events"]]

    claim = post(
        api,
        "/v1/transactions/prepare/claims",
        {
            "user": buyer,
            "pool": "listening",
            "amount": str(5 * ETH),
            "proof_hash": Hash32.of(b"three hours of First Light").to_hex(),
        },
    )
    [submitted] = relay(api, platform.key(3), claim.json()["transactions"])
    [event] = submitted["events"]
    claim_id = str(event["data"]["claim_id"])
    ok("reward", "verify", claim_id, "--json", env=platform.env)
    paid = ok("reward", "pay", claim_id, "--json", env=platform.env)
    assert paid["result"]["amount"] == str(5 * ETH)
    ok(
        "payout",
        "withdraw",
        "--keystore",
        str(keystore(platform.folder, platform.key(1), "s")),
        "--json",
        env=platform.env,
        stdin=PASSWORD + "\n",
    )


@pytest.fixture(scope="module")
def follower(platform: Platform, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    folder = tmp_path_factory.mktemp("index")
    log = (folder / "index.out").open("w")
    process = subprocess.Popen(
        [*_script(), "index", "--follow", "--quiet"],
        env=platform.env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield process
    finally:
        process.terminate()
        process.wait(15)
        log.close()


def indexed_to_head(platform: Platform) -> dict[str, Any]:
    deadline = time.monotonic() + FOLLOW_SECONDS
    while True:
        status = ok("status", "--json", env=platform.env)
        if status["lag"] == 0 or time.monotonic() > deadline:
            return status
        time.sleep(0.5)


def test_the_indexer_follows_the_node_into_postgresql_and_the_api_agrees(
    platform: Platform, api: Server, follower: Any
) -> None:
    status = indexed_to_head(platform)
    assert status["lag"] == 0, status
    assert status["chain"] == "evm:31337"
    release = api.get(f"/v1/releases/{platform.release_id}")
    assert release["release"]["title"] == "First Light"
    sales = api.get(f"/v1/releases/{platform.release_id}/sales")["items"]
    assert {sale["buyer"] for sale in sales} >= {platform.account(3)}
    node = Node(platform)
    editions = api.get(f"/v1/releases/{platform.release_id}/editions")["items"]
    assert len(editions) == release["release"]["minted"] == 3
    for edition in editions:
        assert edition["owner"] == node.owner_of(edition["token_id"])
    buyer = platform.account(3)
    balance = api.get(f"/v1/accounts/{buyer}/balance")
    assert int(balance["amount"]) == node.dcmx_balance(buyer) == 5 * ETH
    assert node.w3.eth.block_number == status["head"]


def edition_ids(api: Server, release_id: int) -> set[int]:
    page = api.get(f"/v1/releases/{release_id}/editions")
    return {edition["token_id"] for edition in page["items"]}


def test_a_chain_rewound_on_the_node_is_rolled_back_by_the_indexer(
    platform: Platform, api: Server, follower: Any
) -> None:
    node = platform.node
    snapshot = rpc(node, "evm_snapshot")
    minted = ok(
        "edition", "mint", str(platform.release_id), "--to", "operator", "--json", env=platform.env
    )
    token = minted["result"]["token_id"]
    assert indexed_to_head(platform)["lag"] == 0
    assert token in edition_ids(api, platform.release_id)

    assert rpc(node, "evm_revert", snapshot) is True
    for _ in range(3):
        rpc(node, "evm_mine")
    status = indexed_to_head(platform)
    assert status["lag"] == 0
    assert token not in edition_ids(api, platform.release_id)


def test_a_demo_name_is_refused_on_a_network(platform: Platform) -> None:
    done = run("edition", "buy", "1000001", "--as", "Ayla", env=platform.env)
    line = one_line_failure(done, code=2)
    assert "is a demo account, which exists on local chains only" in line


def test_without_a_key_reads_work_and_a_write_names_the_setting(platform: Platform) -> None:
    env = {k: v for k, v in platform.env.items() if not k.startswith("DCMX_KEYSTORE")}
    read = ok("token", "balance", platform.account(3), "--json", env=env)
    assert read["result"]["balance"] == str(5 * ETH)  # the paid claim, read without a key
    done = run("edition", "mint", str(platform.release_id), "--to", platform.account(1), env=env)
    line = one_line_failure(done)
    assert "set DCMX_KEYSTORE (with DCMX_KEYSTORE_PASSWORD) or DCMX_PRIVATE_KEY" in line


def test_a_wrong_keystore_password_is_named_never_shown(platform: Platform) -> None:
    env = platform.env | {"DCMX_KEYSTORE_PASSWORD": "not the passphrase"}
    done = run("edition", "mint", str(platform.release_id), "--to", "operator", env=env)
    line = one_line_failure(done, code=2)
    assert line.startswith("dcmx: DCMX_KEYSTORE_PASSWORD must be")
    assert "not the passphrase" not in line
    assert PASSWORD not in line


def test_a_key_without_coin_for_gas_is_named_not_shown(platform: Platform) -> None:
    poor = bytes.fromhex("5e" * 32)
    wallet = keystore(platform.folder, poor, "poor", "poor password")
    address = Account.from_key(poor).address
    done = run(
        *("reward", "submit", "--pool", "listening", "--amount", "1", "--proof", "nothing"),
        *("--keystore", str(wallet), "--as", address),
        env=platform.env,
        stdin="poor password\n",
    )
    line = one_line_failure(done)
    assert f"{address} has not enough coin to pay for the transaction's gas" in line
    assert poor.hex() not in line


def test_an_unreachable_node_is_one_line(platform: Platform) -> None:
    env = platform.env | {"DCMX_EVM_RPC_URL": "http://127.0.0.1:9"}
    line = one_line_failure(run("status", env=env))
    assert line.startswith("dcmx: the node at http://127.0.0.1:9")
    assert "cannot be reached" in line
