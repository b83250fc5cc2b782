"""Deploying the platform to a real network, one recorded step at a time.

``Deployer`` runs ``platform_steps`` (five contracts, two wiring calls) on any ``Chain`` (TRON
through ``TronChain``, an EVM node through ``Web3Chain``). After each step it waits until the
step's block is confirmed (solidified, on TRON), checks that a deployed contract's runtime code
is the artifact's, and writes the deployment file again, so that the file always says what has
been done. The file is the JSON the settings read (``DCMX_TRON_DEPLOYMENT``,
``DCMX_EVM_DEPLOYMENT``: the five addresses by name) with the network, the deployer and the
steps beside it. A run that stops half way (a failed transaction, a node that goes away, a
confirmation that takes too long) leaves the steps done in the file, and the next run goes on
from there instead of deploying them again; a run on a complete file does nothing.

A step is recorded once its transaction is mined; a process killed between the node mining it
and the file being written would deploy that one contract again on the next run (the first one
is then left unused).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from attrs import define, field, frozen

from dcmx_adapters.evm.artifacts import artifact
from dcmx_adapters.evm.chain import Chain, TxResult
from dcmx_adapters.evm.deploy import (
    CONTRACTS,
    DEFAULT_BASE_URI,
    DeployStep,
    WireStep,
    platform_steps,
)
from dcmx_core.exceptions import OutOfRange
from dcmx_core.model.platform import Deployment
from dcmx_core.model.values import Address
from dcmx_core.ports import Block

FORMAT: Final = 1
IMMUTABLE_WORD: Final = 32


class DeploymentRefused(RuntimeError):
    """The deployment file and the chain do not go together, or a deployed contract is not the
    one that was meant; the message says why and what to do."""


class CodeMismatch(DeploymentRefused):
    """A deployed contract's runtime code is not its artifact's."""

    def __init__(self, key: str, address: str) -> None:
        super().__init__(
            f"the code at {address} ({key}) is not the compiled contract's runtime code"
        )
        self.key = key


class NotConfirmed(TimeoutError):
    """A step's block was not confirmed in time (the step is recorded; run again)."""


@frozen
class StepRecord:
    """A step done: its transaction, its block, the contract it made (a deployment), and
    whether its block has been confirmed and the contract's code checked."""

    step: str
    tx: str
    block: int
    block_hash: str
    address: Address | None = None
    confirmed: bool = False


@define
class DeploymentFile:
    """What a deployment file holds."""

    chain: str
    network: str
    chain_id: int
    deployer: Address
    steps: list[StepRecord] = field(factory=list)

    def done(self, step: str) -> StepRecord | None:
        return next((record for record in self.steps if record.step == step), None)

    @property
    def addresses(self) -> dict[str, Address]:
        return {r.step: r.address for r in self.steps if r.address is not None}

    @property
    def complete(self) -> bool:
        return all(
            (found := self.done(step.key)) is not None and found.confirmed
            for step in platform_steps(self.deployer)
        )


def render(address: Address, chain: str) -> str:
    """An address as the file gives it: ``T…`` on TRON, lower-case ``0x`` hex elsewhere (what
    the settings read without a checksum to check)."""
    return address.to_base58() if chain == "tron" else address.to_hex()


def save(record: DeploymentFile, path: Path) -> None:
    """Write the file whole or not at all (a new file renamed over the old, synced)."""
    document: dict[str, Any] = {
        "format": FORMAT,
        "chain": record.chain,
        "network": record.network,
        "chain_id": record.chain_id,
        "deployer": render(record.deployer, record.chain),
        "complete": record.complete,
        **{key: render(a, record.chain) for key, a in record.addresses.items()},
        "steps": [
            {
                "step": r.step,
                "tx": r.tx,
                "block": r.block,
                "block_hash": r.block_hash,
                **({"address": render(r.address, record.chain)} if r.address else {}),
                "confirmed": r.confirmed,
            }
            for r in record.steps
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("w", encoding="utf-8") as out:
        out.write(json.dumps(document, indent=1) + "\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)


def load(path: Path) -> DeploymentFile:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        return DeploymentFile(
            chain=str(document["chain"]),
            network=str(document["network"]),
            chain_id=int(document["chain_id"]),
            deployer=Address.parse(document["deployer"]),
            steps=[
                StepRecord(
                    step=str(s["step"]),
                    tx=str(s["tx"]),
                    block=int(s["block"]),
                    block_hash=str(s["block_hash"]),
                    address=Address.parse(s["address"]) if s.get("address") else None,
                    confirmed=bool(s["confirmed"]),
                )
                for s in document["steps"]
            ],
        )
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise DeploymentRefused(
            f"{path} is not a deployment file this version reads ({type(error).__name__}); "
            "move it away or deploy again with --redeploy"
        ) from None


def matches_artifact(code: bytes, expected: bytes) -> bool:
    """Whether ``code`` is ``expected`` but for immutables: the compiler leaves each as 32 zero
    bytes in the artifact and the constructor writes its value there."""
    if len(code) != len(expected):
        return False
    differing = [i for i, (a, b) in enumerate(zip(code, expected, strict=True)) if a != b]
    zeros = bytes(IMMUTABLE_WORD)
    return all(
        any(
            expected[start : start + IMMUTABLE_WORD] == zeros
            for start in range(max(0, i - IMMUTABLE_WORD + 1), i + 1)
        )
        for i in differing
    )


@frozen
class Confirmation:
    """When a block counts as confirmed: once ``head()`` (the solidified head on TRON) is
    ``depth`` blocks past it; waited for up to ``timeout`` seconds, asking every ``poll``."""

    head: Callable[[], Block]
    depth: int = 0
    timeout: float = 180.0
    poll: float = 1.0
    sleep: Callable[[float], None] = time.sleep

    def wait(self, block: int) -> None:
        deadline = time.monotonic() + self.timeout
        while self.head().number < block + self.depth:
            if time.monotonic() >= deadline:
                raise NotConfirmed(
                    f"block {block} was not confirmed within {self.timeout:g} s; "
                    "the step is recorded: run the deployment again to go on"
                )
            self.sleep(self.poll)


@frozen
class Outcome:
    """What a run did: the steps it carried out (none when the file was complete), and the
    deployment the file now describes (None while it is incomplete)."""

    ran: tuple[str, ...]
    deployment: Deployment | None
    path: Path


class Deployer:
    """Deploys the platform on ``chain`` as ``deployer`` (who signs, pays and administers),
    recording every step in the file at ``path``."""

    def __init__(
        self,
        chain: Chain,
        deployer: Address,
        path: Path,
        *,
        chain_kind: str,
        network: str,
        confirmation: Confirmation,
        base_uri: str = DEFAULT_BASE_URI,
        report: Callable[[str], None] = lambda _: None,
    ) -> None:
        self._chain = chain
        self._deployer = deployer
        self._path = path
        self._kind = chain_kind
        self._network = network
        self._confirmation = confirmation
        self._steps = platform_steps(deployer, base_uri=base_uri, tron=chain_kind == "tron")
        self._report = report

    def run(self, *, redeploy: bool = False) -> Outcome:
        """Carry out the steps the file does not record as done (all of them with
        ``redeploy``, the old file being kept beside the new one)."""
        record = self._start(redeploy)
        if record.complete:
            self._report(f"{self._path} records a complete deployment: nothing to do")
            return Outcome((), self._deployment(record), self._path)
        ran: list[str] = []
        for step in self._steps:
            found = record.done(step.key)
            if found is not None and found.confirmed:
                continue
            if found is None or not self._still_there(found):
                record.steps = [r for r in record.steps if r.step != step.key]
                found = self._carry_out(step, record)
                ran.append(step.key)
            self._confirm(step, found, record)
        return Outcome(tuple(ran), self._deployment(record), self._path)

    def _start(self, redeploy: bool) -> DeploymentFile:
        if self._path.exists() and redeploy:
            kept = self._path.with_name(f"{self._path.stem}.replaced-{time.time_ns()}.json")
            self._path.rename(kept)
            self._report(f"kept the earlier deployment file as {kept}")
        if not self._path.exists():
            fresh = DeploymentFile(self._kind, self._network, self._chain.chain_id, self._deployer)
            save(fresh, self._path)
            return fresh
        record = load(self._path)
        if (record.chain, record.chain_id) != (self._kind, self._chain.chain_id):
            raise DeploymentRefused(
                f"{self._path} records a deployment on {record.chain} chain {record.chain_id}, "
                f"but the node is {self._kind} chain {self._chain.chain_id}; "
                "deploy with --redeploy to start again"
            )
        if record.deployer != self._deployer and not record.complete:
            raise DeploymentRefused(
                f"{self._path} records a deployment by "
                f"{render(record.deployer, record.chain)}: resume it with that key"
            )
        for key, address in record.addresses.items():
            if not self._chain.code(address):
                raise DeploymentRefused(
                    f"{self._path} records {key} at {render(address, record.chain)}, where "
                    "the node has no contract (a reset chain?): deploy with --redeploy"
                )
        return record

    def _still_there(self, found: StepRecord) -> bool:
        """Whether a step recorded but not yet confirmed is still on the chain (its block was
        not reorganized away)."""
        try:
            return self._chain.block(found.block).hash.raw.hex() == found.block_hash
        except OutOfRange:  # the chain is no longer that long
            return False

    def _carry_out(self, step: DeployStep | WireStep, record: DeploymentFile) -> StepRecord:
        result: TxResult = step.run(self._chain, self._deployer, record.addresses)
        done = StepRecord(
            step.key,
            result.tx_id.raw.hex(),
            result.block_number,
            result.block_hash.raw.hex(),
            result.contract_address if isinstance(step, DeployStep) else None,
        )
        record.steps.append(done)
        save(record, self._path)
        where = f" at {render(done.address, self._kind)}" if done.address else ""
        self._report(f"{step.key}: mined in block {done.block}{where} (tx {done.tx})")
        return done

    def _confirm(
        self, step: DeployStep | WireStep, found: StepRecord, record: DeploymentFile
    ) -> None:
        self._confirmation.wait(found.block)
        if isinstance(step, DeployStep):
            assert found.address is not None
            code = self._chain.code(found.address)
            if not matches_artifact(code, artifact(step.artifact).deployed_bytecode):
                raise CodeMismatch(step.key, render(found.address, self._kind))
        confirmed = StepRecord(
            found.step, found.tx, found.block, found.block_hash, found.address, confirmed=True
        )
        record.steps = [confirmed if r.step == found.step else r for r in record.steps]
        save(record, self._path)
        self._report(f"{step.key}: confirmed" + (", code verified" if found.address else ""))

    def _deployment(self, record: DeploymentFile) -> Deployment | None:
        if not record.complete:
            return None
        addresses = record.addresses
        return Deployment(record.chain_id, *(addresses[key] for key in CONTRACTS))
