"""The resumable deployment on a TRON chain (the local node through tronpy): every step is
recorded as it is done, a stopped run resumes without deploying anything twice, a complete file
means nothing to do, and deployed code is checked against the artifacts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dcmx_adapters.deployment import (
    CodeMismatch,
    Confirmation,
    Deployer,
    DeploymentRefused,
    NotConfirmed,
    Outcome,
    load,
    matches_artifact,
)
from dcmx_adapters.evm.artifacts import artifact
from dcmx_adapters.evm.deploy import platform_steps
from dcmx_adapters.tron.chain import TronChain
from dcmx_core.model.values import Address
from dcmx_devnode.local import local_chain as fresh_local_chain
from tests.factories import ADMIN, signers

STEPS = tuple(step.key for step in platform_steps(ADMIN))


def local_chain(solidify_depth: int = 0) -> TronChain:
    chain = fresh_local_chain(signers(0), solidify_depth=solidify_depth)
    chain.fund(ADMIN, 10**15)
    return chain


def deployer(chain: Any, path: Path, *, timeout: float = 5.0) -> Deployer:
    confirmation = Confirmation(chain.solidified_head, 0, timeout, poll=0.0, sleep=lambda _: None)
    return Deployer(
        chain, ADMIN, path, chain_kind="tron", network="local", confirmation=confirmation
    )


def contracts_created(chain: TronChain) -> int:
    node = chain.dev.node
    return sum(len(node.block(n).created) for n in range(node.head.number + 1))  # type: ignore[union-attr]


class FailingChain:
    """The chain, but the ``fail_at``-th transaction fails as a node that went away would."""

    def __init__(self, chain: TronChain, fail_at: int) -> None:
        self._chain = chain
        self._left = fail_at

    def send(self, *args: Any, **kwargs: Any) -> Any:
        self._left -= 1
        if self._left == 0:
            raise ConnectionError("the node went away")
        return self._chain.send(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._chain, name)


def test_a_deployment_deploys_wires_and_records_every_step(tmp_path: Path) -> None:
    chain = local_chain()
    path = tmp_path / "tron-local.json"
    outcome = deployer(chain, path).run()
    assert outcome.ran == STEPS
    assert outcome.deployment is not None
    record = load(path)
    assert record.complete
    assert [r.step for r in record.steps] == list(STEPS)
    assert all(r.confirmed for r in record.steps)
    document = json.loads(path.read_text())
    addresses = outcome.deployment.addresses
    assert [Address.parse(document[k]) for k in STEPS[:5]] == list(addresses)
    assert document["token"].startswith("T")
    assert contracts_created(chain) == 5


def test_an_interrupted_deployment_resumes_without_deploying_twice(tmp_path: Path) -> None:
    chain = local_chain()
    path = tmp_path / "tron-local.json"
    with pytest.raises(ConnectionError):
        deployer(FailingChain(chain, fail_at=4), path).run()
    stopped = load(path)
    assert [r.step for r in stopped.steps] == list(STEPS[:3])
    assert not stopped.complete
    outcome = deployer(chain, path).run()
    assert outcome.ran == STEPS[3:]
    assert outcome.deployment is not None
    assert outcome.deployment.addresses[:3] == tuple(stopped.addresses[k] for k in STEPS[:3])
    assert contracts_created(chain) == 5


def test_a_step_left_unconfirmed_is_confirmed_on_the_next_run_not_redone(tmp_path: Path) -> None:
    chain = local_chain(solidify_depth=3)
    path = tmp_path / "tron-local.json"
    with pytest.raises(NotConfirmed):
        deployer(chain, path, timeout=0.0).run()
    [pending] = load(path).steps
    assert (pending.step, pending.confirmed) == ("token", False)
    chain.mine(3)
    solid = Confirmation(chain.solidified_head, 0, 5.0, poll=0.0, sleep=lambda _: chain.mine(1))
    outcome = Deployer(
        chain, ADMIN, path, chain_kind="tron", network="local", confirmation=solid
    ).run()
    assert outcome.ran == STEPS[1:]
    assert outcome.deployment is not None
    assert outcome.deployment.token == pending.address
    assert contracts_created(chain) == 5


def test_a_complete_file_means_nothing_to_do(tmp_path: Path) -> None:
    chain = local_chain()
    path = tmp_path / "tron-local.json"
    first = deployer(chain, path).run()
    head = chain.head()
    again = deployer(chain, path).run()
    assert again == Outcome((), first.deployment, path)
    assert chain.head() == head


def test_redeploy_starts_again_and_keeps_the_earlier_file(tmp_path: Path) -> None:
    chain = local_chain()
    path = tmp_path / "tron-local.json"
    first = deployer(chain, path).run()
    second = deployer(chain, path).run(redeploy=True)
    assert second.ran == STEPS
    assert first.deployment is not None
    assert second.deployment is not None
    assert set(first.deployment.addresses).isdisjoint(second.deployment.addresses)
    assert len(list(tmp_path.glob("tron-local.replaced-*.json"))) == 1


def test_a_file_whose_contracts_the_node_lacks_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tron-local.json"
    deployer(local_chain(), path).run()
    with pytest.raises(DeploymentRefused, match="where the node has no contract"):
        deployer(local_chain(), path).run()  # a fresh node: the same chain, reset


def test_a_file_of_another_chain_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tron-local.json"
    chain = local_chain()
    deployer(chain, path).run()
    document = json.loads(path.read_text())
    path.write_text(json.dumps(document | {"chain_id": document["chain_id"] + 1}))
    with pytest.raises(DeploymentRefused, match="records a deployment on tron chain"):
        deployer(chain, path).run()


class TamperedCode:
    def __init__(self, chain: TronChain) -> None:
        self._chain = chain

    def code(self, address: Address) -> bytes:
        code = bytearray(self._chain.code(address))
        code[0] ^= 0xFF
        return bytes(code)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._chain, name)


def test_deployed_code_that_is_not_the_artifacts_stops_the_deployment(tmp_path: Path) -> None:
    path = tmp_path / "tron-local.json"
    with pytest.raises(CodeMismatch, match="token"):
        deployer(TamperedCode(local_chain()), path).run()
    [token] = load(path).steps
    assert not token.confirmed


def test_immutables_are_the_only_difference_allowed() -> None:
    expected = artifact("RewardVault").deployed_bytecode
    start = expected.index(bytes(32))
    with_immutable = expected[:start] + b"\x41" * 32 + expected[start + 32 :]
    assert matches_artifact(with_immutable, expected)
    changed = bytearray(expected)
    changed[0] ^= 1
    assert not matches_artifact(bytes(changed), expected)
    assert not matches_artifact(expected + b"\x00", expected)
