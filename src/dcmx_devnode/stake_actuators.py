"""java-tron's Stake 2.0 actuators on the local node: each checks a contract as java-tron's
``validate`` does, in its order and with its texts, and then changes balances, stakes and
delegations as its ``execute`` does. Staked TRX moves between the owner and the stake vault on
the TVM; the rest of the bookkeeping is in ``staking.Stakes``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final, Literal

from attrs import evolve, frozen

from dcmx_devnode.fees import Totals, increase, recovered, slot
from dcmx_devnode.parameters import BLOCK_MS, SUN_PER_TRX
from dcmx_devnode.protobuf import address_bytes
from dcmx_devnode.staking import (
    DELEGATE_LOCK_BLOCKS,
    RESOURCES,
    UNFREEZE_MAX_TIMES,
    Delegation,
    Resource,
    Stake,
    Unfreezing,
    refuse,
    resource_named,
    unfreeze_expire_time,
)

if TYPE_CHECKING:
    from dcmx_devnode.node import LocalTronNode

Json = Mapping[str, Any]


@frozen
class Actuated:
    """What a Stake 2.0 transaction's info reports beyond its fee."""

    withdraw_expire_amount: int = 0
    cancel_unfreeze: Mapping[str, int] | None = None


def _owner(node: LocalTronNode, parameter: Json, missing: str) -> bytes:
    owner = address_bytes(str(parameter.get("owner_address", "")))
    if not _valid(owner):
        raise refuse("Invalid address")
    if node.account(owner) is None:
        raise refuse(f"Account[{owner.hex()}]{missing}")
    return owner


def _valid(address: bytes) -> bool:
    return len(address) == 21 and address[0] == 0x41


def _amount(parameter: Json, key: str) -> int:
    return int(parameter.get(key, 0))


def freeze(node: LocalTronNode, parameter: Json, now: int) -> Actuated:
    """``FreezeBalanceV2``: stake TRX for bandwidth, energy or TRON power."""
    owner = _owner(node, parameter, "] not exists")
    amount = _amount(parameter, "frozen_balance")
    if amount <= 0:
        raise refuse("frozenBalance must be positive")
    if amount < SUN_PER_TRX:
        raise refuse("frozenBalance must be greater than or equal to 1 TRX")
    if amount > node.balance(owner):
        raise refuse("frozenBalance must be less than or equal to accountBalance")
    resource = resource_named(
        parameter.get("resource"),
        RESOURCES,
        "ResourceCode error, valid ResourceCode[BANDWIDTH、ENERGY、TRON_POWER]",
    )
    node.lock_stake(owner, amount)
    node.stakes.put(owner, node.stakes.of(owner).with_frozen(resource, amount))
    return Actuated()


def unfreeze(node: LocalTronNode, parameter: Json, now: int) -> Actuated:
    """``UnfreezeBalanceV2``: start unstaking; the TRX is withdrawable after the delay (what
    an earlier unstaking made withdrawable returns to the balance at once)."""
    owner = _owner(node, parameter, "] does not exist")
    stake = node.stakes.of(owner)
    missing = {"BANDWIDTH": "BANDWIDTH", "ENERGY": "Energy", "TRON_POWER": "TronPower"}
    resource = resource_named(
        parameter.get("resource"),
        RESOURCES,
        "ResourceCode error.valid ResourceCode[BANDWIDTH、Energy、TRON_POWER]",
    )
    if stake.frozen_for(resource) <= 0:
        raise refuse(f"no frozenBalance({missing[resource]})")
    amount = _amount(parameter, "unfreeze_balance")
    if not 0 < amount <= stake.frozen_for(resource):
        raise refuse(f"Invalid unfreeze_balance, [{amount}] is error")
    if stake.unfreezing_count(now) >= UNFREEZE_MAX_TIMES:
        raise refuse("Invalid unfreeze operation, unfreezing times is over limit")
    withdrawn = _withdraw_expired(node, owner, now)
    stake = node.stakes.of(owner)
    due = Unfreezing(resource, amount, unfreeze_expire_time(node.parameters, now))
    stake = evolve(stake.with_frozen(resource, -amount), unfrozen=(*stake.unfrozen, due))
    node.stakes.put(owner, stake)
    return Actuated(withdraw_expire_amount=withdrawn)


def _withdraw_expired(node: LocalTronNode, owner: bytes, now: int) -> int:
    stake = node.stakes.of(owner)
    amount = stake.withdrawable(now)
    if amount:
        node.release_stake(owner, amount)
        remaining = tuple(entry for entry in stake.unfrozen if entry.expire_time > now)
        node.stakes.put(owner, evolve(stake, unfrozen=remaining))
    return amount


def withdraw(node: LocalTronNode, parameter: Json, now: int) -> Actuated:
    """``WithdrawExpireUnfreeze``: the unstaked TRX whose delay is over back to the balance."""
    owner = _owner(node, parameter, "] not exists")
    if node.stakes.of(owner).withdrawable(now) <= 0:
        raise refuse("no unFreeze balance to withdraw ")
    return Actuated(withdraw_expire_amount=_withdraw_expired(node, owner, now))


def cancel_all(node: LocalTronNode, parameter: Json, now: int) -> Actuated:
    """``CancelAllUnfreezeV2``: stake again what is still unstaking; withdraw what is due."""
    owner = _owner(node, parameter, "] not exists")
    stake = node.stakes.of(owner)
    if not stake.unfrozen:
        raise refuse("No unfreezeV2 list to cancel")
    cancelled: dict[str, int] = dict.fromkeys(RESOURCES, 0)
    for entry in stake.unfrozen:
        if entry.expire_time > now:
            cancelled[entry.resource] += entry.amount
            stake = stake.with_frozen(entry.resource, entry.amount)
    node.stakes.put(owner, stake)
    withdrawn = _withdraw_expired(node, owner, now)
    node.stakes.put(owner, evolve(node.stakes.of(owner), unfrozen=()))
    return Actuated(withdraw_expire_amount=withdrawn, cancel_unfreeze=cancelled)


def delegatable(stake: Stake, resource: Resource, totals: Totals, now: int) -> int:
    """Sun of ``resource`` stake the owner may delegate: its own stake less what its usage
    takes up (``calcCanDelegated…MaxSize``, without the transaction's own bytes)."""
    current = recovered(stake, now)
    if resource == "BANDWIDTH":
        usage, limit, weight = current.net_usage, totals.net_limit, totals.net_weight
        acquired = stake.acquired[0]
    else:
        usage, limit, weight = current.energy_usage, totals.energy_limit, totals.energy_weight
        acquired = stake.acquired[1]
    in_sun = int(usage * SUN_PER_TRX * (weight / limit))
    return stake.frozen_for(resource) - max(in_sun - acquired, 0)


def delegate(node: LocalTronNode, parameter: Json, now: int) -> Actuated:
    """``DelegateResource``: lend staked bandwidth or energy to another account, locked for
    a while or not."""
    owner = _owner(node, parameter, "] not exists")
    amount = _amount(parameter, "balance")
    if amount < SUN_PER_TRX:
        raise refuse("delegateBalance must be greater than or equal to 1 TRX")
    valid: tuple[Resource, ...] = ("BANDWIDTH", "ENERGY")
    text = "ResourceCode error, valid ResourceCode[BANDWIDTH、ENERGY]"
    resource = resource_named(parameter.get("resource"), valid, text)
    stake = node.stakes.of(owner)
    if delegatable(stake, resource, node.totals(), slot(now)) < amount:
        kind = "Bandwidth" if resource == "BANDWIDTH" else "Energy"
        raise refuse(
            f"delegateBalance must be less than or equal to available Freeze{kind}V2 balance"
        )
    receiver = address_bytes(str(parameter.get("receiver_address", "")))
    if not _valid(receiver):
        raise refuse("Invalid receiverAddress")
    if receiver == owner:
        raise refuse("receiverAddress must not be the same as ownerAddress")
    if node.account(receiver) is None:
        raise refuse(f"Account[{receiver.hex()}] not exists")
    lock = parameter.get("lock") in (True, "true")
    blocks = _amount(parameter, "lock_period") or DELEGATE_LOCK_BLOCKS
    if lock:
        _check_lock(node, owner, receiver, resource, blocks, now)
    if node.contract(receiver) is not None:
        raise refuse("Do not allow delegate resources to contract addresses")
    stakes = node.stakes
    stakes.unlock_expired(owner, receiver, now)
    key = (owner, receiver, lock)
    delegation = stakes.delegation(*key) or Delegation()
    stakes.set_delegation(
        key, delegation.added(resource, amount, now + blocks * BLOCK_MS if lock else 0)
    )
    index = RESOURCES.index(resource)
    stakes.put(receiver, _shifted(stakes.of(receiver), "acquired", index, amount))
    owned = _shifted(stakes.of(owner), "delegated", index, amount)
    stakes.put(owner, owned.with_frozen(resource, -amount))
    return Actuated()


def _check_lock(
    node: LocalTronNode, owner: bytes, receiver: bytes, resource: Resource, blocks: int, now: int
) -> None:
    most = node.parameters.max_delegate_lock_period
    if not 0 <= blocks <= most:
        raise refuse(
            f"The lock period of delegate resource cannot be less than 0 and cannot exceed {most}!"
        )
    locked = node.stakes.delegation(owner, receiver, True)
    remaining = locked.expire(resource) - now if locked is not None else 0
    if locked is not None and blocks * BLOCK_MS < remaining:
        raise refuse(
            f"The lock period for {resource} this time cannot be less than the remaining "
            f"time[{remaining}ms] of the last lock period for {resource}!"
        )


def _shifted(
    stake: Stake, name: Literal["delegated", "acquired"], index: int, change: int
) -> Stake:
    """``stake`` with ``change`` sun more delegated or acquired of resource ``index``."""
    amounts = list(stake.delegated if name == "delegated" else stake.acquired)
    amounts[index] += change
    pair = (amounts[0], amounts[1])
    return evolve(stake, delegated=pair) if name == "delegated" else evolve(stake, acquired=pair)


def undelegate(node: LocalTronNode, parameter: Json, now: int) -> Actuated:
    """``UnDelegateResource``: take back lent stake (what is no longer locked); the receiver's
    usage of it goes back to the owner."""
    owner = _owner(node, parameter, "] does not exist")
    receiver = address_bytes(str(parameter.get("receiver_address", "")))
    if not _valid(receiver):
        raise refuse("Invalid receiverAddress")
    if receiver == owner:
        raise refuse("receiverAddress must not be the same as ownerAddress")
    stakes = node.stakes
    unlocked, locked = (
        stakes.delegation(owner, receiver, False),
        stakes.delegation(owner, receiver, True),
    )
    if unlocked is None and locked is None:
        raise refuse("delegated Resource does not exist")
    amount = _amount(parameter, "balance")
    if amount <= 0:
        raise refuse("unDelegateBalance must be more than 0 TRX")
    valid: tuple[Resource, ...] = ("BANDWIDTH", "ENERGY")
    text = "ResourceCode error.valid ResourceCode[BANDWIDTH、Energy]"
    resource = resource_named(parameter.get("resource"), valid, text)
    free = unlocked.amount(resource) if unlocked is not None else 0
    if locked is not None and locked.expire(resource) < now:
        free += locked.amount(resource)
    if free < amount:
        said = (
            "delegatedFrozenBalance(BANDWIDTH)"
            if resource == "BANDWIDTH"
            else "delegateFrozenBalance(Energy)"
        )
        raise refuse(f"insufficient {said}, request={amount}, unlock_balance={free}")
    handed_back = _release_receiver(node, receiver, resource, amount, slot(now))
    stakes.unlock_expired(owner, receiver, now)
    key = (owner, receiver, False)
    stakes.set_delegation(
        key, (stakes.delegation(*key) or Delegation()).added(resource, -amount, 0)
    )
    index = RESOURCES.index(resource)
    owned = _shifted(stakes.of(owner), "delegated", index, -amount).with_frozen(resource, amount)
    stakes.put(owner, _take_usage(owned, resource, handed_back, slot(now)))
    return Actuated()


def _release_receiver(
    node: LocalTronNode, receiver: bytes, resource: Resource, amount: int, now: int
) -> int:
    """Take ``amount`` of acquired stake from the receiver, with its part of the receiver's
    usage (java-tron's ``transferUsage``), which is returned."""
    stakes = node.stakes
    if node.account(receiver) is None:
        return 0
    current = recovered(stakes.of(receiver), now)
    index = RESOURCES.index(resource)
    if current.acquired[index] < amount:
        stakes.put(receiver, _shifted(current, "acquired", index, -current.acquired[index]))
        return 0
    totals = node.totals()
    usage = current.net_usage if index == 0 else current.energy_usage
    limit, weight = (
        (totals.net_limit, totals.net_weight)
        if index == 0
        else (totals.energy_limit, totals.energy_weight)
    )
    most = int(amount / SUN_PER_TRX * (limit / weight)) if weight else 0
    moved = min(most, int(usage * (amount / current.serving(resource))))
    after = _shifted(current, "acquired", index, -amount)
    if index == 0:
        stakes.put(receiver, evolve(after, net_usage=usage - moved))
    else:
        stakes.put(receiver, evolve(after, energy_usage=usage - moved))
    return moved


def _take_usage(stake: Stake, resource: Resource, usage: int, now: int) -> Stake:
    if resource == "BANDWIDTH":
        total = increase(stake.net_usage, 0, stake.net_slot, now) + usage
        return evolve(stake, net_usage=total, net_slot=now)
    total = increase(stake.energy_usage, 0, stake.energy_slot, now) + usage
    return evolve(stake, energy_usage=total, energy_slot=now)


ACTUATORS: Final[Mapping[str, Callable[[LocalTronNode, Json, int], Actuated]]] = {
    "FreezeBalanceV2Contract": freeze,
    "UnfreezeBalanceV2Contract": unfreeze,
    "WithdrawExpireUnfreezeContract": withdraw,
    "DelegateResourceContract": delegate,
    "UnDelegateResourceContract": undelegate,
    "CancelAllUnfreezeV2Contract": cancel_all,
}
"""The Stake 2.0 contract types and the actuator of each."""
