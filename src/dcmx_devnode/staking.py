"""Stake 2.0 on the local node: what each account has staked, delegated, acquired and is
unstaking, the resources it has used, and java-tron's six Stake 2.0 actuators
(``FreezeBalanceV2Actuator``, ``UnfreezeBalanceV2Actuator``, ``DelegateResourceActuator``,
``UnDelegateResourceActuator``, ``WithdrawExpireUnfreezeActuator``,
``CancelAllUnfreezeV2Actuator``) with their validation texts.

Staked TRX leaves the account's balance: the node keeps it in a vault account on the TVM, so
that a reorganization gives it back with the rest of the state. Amounts are in sun; a stake's
weight is its whole TRX.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final, Literal

from attrs import define, evolve, field, frozen

from dcmx_adapters.tron.refusals import Refused
from dcmx_devnode.parameters import BLOCK_MS, DAY_MS, SUN_PER_TRX, ChainParameters

Resource = Literal["BANDWIDTH", "ENERGY", "TRON_POWER"]
RESOURCES: Final[tuple[Resource, ...]] = ("BANDWIDTH", "ENERGY", "TRON_POWER")
UNFREEZE_MAX_TIMES: Final = 32
DELEGATE_LOCK_BLOCKS: Final = 3 * DAY_MS // BLOCK_MS
"""A locked delegation's default lock: 3 days of blocks (java-tron's ``DELEGATE_PERIOD``)."""


@frozen
class Unfreezing:
    """TRX on its way back from a stake: withdrawable from ``expire_time`` (ms) on."""

    resource: Resource
    amount: int
    expire_time: int


@frozen
class Stake:
    """One account's resources (java-tron's ``frozenV2``, ``unfrozenV2``, delegations, usage
    and the slots of their last use)."""

    frozen: tuple[int, int, int] = (0, 0, 0)
    """Staked and kept for itself: bandwidth, energy, TRON power."""
    delegated: tuple[int, int] = (0, 0)
    """Staked and delegated to others: bandwidth, energy."""
    acquired: tuple[int, int] = (0, 0)
    """Delegated to this account by others: bandwidth, energy."""
    unfrozen: tuple[Unfreezing, ...] = ()
    net_usage: int = 0
    net_slot: int = 0
    free_net_usage: int = 0
    free_net_slot: int = 0
    energy_usage: int = 0
    energy_slot: int = 0

    def frozen_for(self, resource: Resource) -> int:
        return self.frozen[RESOURCES.index(resource)]

    def with_frozen(self, resource: Resource, change: int) -> Stake:
        amounts = list(self.frozen)
        amounts[RESOURCES.index(resource)] += change
        return evolve(self, frozen=(amounts[0], amounts[1], amounts[2]))

    def weight(self, resource: Resource) -> int:
        """Whole TRX this account's stake adds to the network's total for ``resource``
        (``getFrozenV2BalanceWithDelegated`` / 1 TRX)."""
        index = RESOURCES.index(resource)
        delegated = self.delegated[index] if index < 2 else 0
        return (self.frozen[index] + delegated) // SUN_PER_TRX

    def serving(self, resource: Resource) -> int:
        """Sun of stake whose resource this account uses: its own and what it acquired."""
        index = RESOURCES.index(resource)
        return self.frozen[index] + self.acquired[index]

    def unfreezing_count(self, now: int) -> int:
        return sum(1 for entry in self.unfrozen if entry.expire_time > now)

    def withdrawable(self, now: int) -> int:
        return sum(entry.amount for entry in self.unfrozen if entry.expire_time <= now)

    @property
    def locked(self) -> int:
        """Sun held by the stake vault for this account: staked, delegated, unstaking."""
        return sum(self.frozen) + sum(self.delegated) + sum(e.amount for e in self.unfrozen)


@frozen
class Delegation:
    """What ``owner`` delegated to ``receiver``, locked or not (java-tron's
    ``DelegatedResource`` under ``createDbKeyV2``)."""

    bandwidth: int = 0
    energy: int = 0
    bandwidth_expire: int = 0
    energy_expire: int = 0

    def amount(self, resource: Resource) -> int:
        return self.bandwidth if resource == "BANDWIDTH" else self.energy

    def expire(self, resource: Resource) -> int:
        return self.bandwidth_expire if resource == "BANDWIDTH" else self.energy_expire

    def added(self, resource: Resource, amount: int, expire: int) -> Delegation:
        if resource == "BANDWIDTH":
            return evolve(self, bandwidth=self.bandwidth + amount, bandwidth_expire=expire)
        return evolve(self, energy=self.energy + amount, energy_expire=expire)

    @property
    def empty(self) -> bool:
        return not (self.bandwidth or self.energy or self.bandwidth_expire or self.energy_expire)


DelegationKey = tuple[bytes, bytes, bool]
"""(owner, receiver, locked)."""


@define
class Stakes:
    """Every account's stake and every delegation; copied whole before each block so that a
    reorganization or a refusal can put it back (its values are immutable)."""

    accounts: dict[bytes, Stake] = field(factory=dict)
    delegations: dict[DelegationKey, Delegation] = field(factory=dict)
    weights: tuple[int, int, int] = (0, 0, 0)
    """Every account's ``Stake.weight`` added up, by resource: kept up to date as stakes are
    put, since each transaction's fees need them and few transactions change them."""

    def copy(self) -> Stakes:
        return Stakes(dict(self.accounts), dict(self.delegations), self.weights)

    def of(self, address: bytes) -> Stake:
        return self.accounts.get(address, Stake())

    def put(self, address: bytes, stake: Stake) -> None:
        before = self.accounts.get(address, Stake())
        self.accounts[address] = stake
        # Usage changes leave the staked amounts (the same tuples): the weights stand.
        if before.frozen is not stake.frozen or before.delegated is not stake.delegated:
            bandwidth, energy, power = (
                total + stake.weight(resource) - before.weight(resource)
                for total, resource in zip(self.weights, RESOURCES, strict=True)
            )
            self.weights = (bandwidth, energy, power)

    def total_weight(self, resource: Resource) -> int:
        """Whole TRX staked for ``resource`` on this node (java-tron's ``TotalNetWeight``,
        ``TotalEnergyWeight``, ``TotalTronPowerWeight`` less the rest of the network)."""
        return self.weights[RESOURCES.index(resource)]

    def delegation(self, owner: bytes, receiver: bytes, locked: bool) -> Delegation | None:
        return self.delegations.get((owner, receiver, locked))

    def set_delegation(self, key: DelegationKey, delegation: Delegation) -> None:
        if delegation.empty:
            self.delegations.pop(key, None)
        else:
            self.delegations[key] = delegation

    def unlock_expired(self, owner: bytes, receiver: bytes, now: int) -> None:
        """Move what a locked delegation no longer locks to the unlocked one
        (``DelegatedResourceStore.unLockExpireResource``)."""
        locked = self.delegation(owner, receiver, True)
        if locked is None:
            return
        unlocked = self.delegation(owner, receiver, False) or Delegation()
        for resource in ("BANDWIDTH", "ENERGY"):
            if locked.amount(resource) and locked.expire(resource) < now:
                unlocked = unlocked.added(resource, locked.amount(resource), 0)
                locked = locked.added(resource, -locked.amount(resource), 0)
        self.set_delegation((owner, receiver, True), locked)
        self.set_delegation((owner, receiver, False), unlocked)

    def counterparts(self, address: bytes, *, receivers: bool) -> Iterator[bytes]:
        """Accounts ``address`` delegates to (``receivers``) or receives from, in the order
        the delegations were first made."""
        seen: set[bytes] = set()
        for owner, receiver, _ in self.delegations:
            mine, other = (owner, receiver) if receivers else (receiver, owner)
            if mine == address and other not in seen:
                seen.add(other)
                yield other


def refuse(message: str) -> Refused:
    return Refused("CONTRACT_VALIDATE_ERROR", message)


def resource_named(value: object, valid: tuple[Resource, ...], message: str) -> Resource:
    """The ``ResourceCode`` a contract names (by name or number), or java-tron's refusal."""
    names: dict[object, Resource] = {"BANDWIDTH": "BANDWIDTH", 0: "BANDWIDTH", None: "BANDWIDTH"}
    names |= {"ENERGY": "ENERGY", 1: "ENERGY", "TRON_POWER": "TRON_POWER", 2: "TRON_POWER"}
    found = names.get(value if not isinstance(value, str) else value.upper())
    if found is None or found not in valid:
        raise refuse(message)
    return found


def unfreeze_expire_time(parameters: ChainParameters, now: int) -> int:
    return now + parameters.unfreeze_delay_days * DAY_MS
