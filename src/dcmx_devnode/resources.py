"""An account's bandwidth, energy and stakes as java-tron reports them: ``getaccountnet``,
``getaccountresource`` (TronWeb's ``getBandwidth`` and ``getAccountResources``, tronpy's
``get_bandwidth`` and ``get_energy``), the Stake 2.0 part of ``getaccount``, and the Stake 2.0
queries (``getdelegatedresourcev2``, ``getdelegatedresourceaccountindexv2``,
``getcanwithdrawunfreezeamount``, ``getcandelegatedmaxsize``, ``getavailableunfreezecount``).

Usage is shown recovered up to the head block, as java-tron's ``updateUsage`` does before it
answers. As java-tron's ``JsonFormat`` prints proto3 messages, zero fields are left out, and an
unknown account is ``{}``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dcmx_devnode.fees import recovered, slot
from dcmx_devnode.parameters import SUN_PER_TRX
from dcmx_devnode.protobuf import parse_address
from dcmx_devnode.stake_actuators import delegatable
from dcmx_devnode.staking import RESOURCES, UNFREEZE_MAX_TIMES, Stake
from dcmx_devnode.transaction import address_json

if TYPE_CHECKING:
    from dcmx_devnode.node import LocalTronNode

Json = dict[str, Any]


def _visible(params: Json) -> bool:
    return params.get("visible") in (True, "true")


def _nonzero(fields: Json) -> Json:
    return {name: value for name, value in fields.items() if value}


def _account(node: LocalTronNode, params: Json, key: str) -> bytes | None:
    """The address ``params[key]`` names, if that account exists."""
    text = params.get(key)
    if not text:
        return None
    address = parse_address(str(text))
    return address if node.account(address) is not None else None


def _now(node: LocalTronNode) -> int:
    return node.head.timestamp


def _current(node: LocalTronNode, address: bytes) -> Stake:
    return recovered(node.stakes.of(address), slot(_now(node)))


def get_account_net(node: LocalTronNode, params: Json) -> Json:
    """``AccountNetMessage``: free and staked bandwidth, used and available."""
    address = _account(node, params, "address")
    if address is None:
        return {}
    stake, totals = _current(node, address), node.totals()
    return _nonzero(
        {
            "freeNetUsed": stake.free_net_usage,
            "freeNetLimit": node.parameters.free_net_limit,
            "NetUsed": stake.net_usage,
            "NetLimit": totals.net_limit_of(stake),
            "TotalNetLimit": totals.net_limit,
            "TotalNetWeight": totals.net_weight,
        }
    )


def get_account_resource(node: LocalTronNode, params: Json) -> Json:
    """``AccountResourceMessage``: the bandwidth above, energy, and TRON power."""
    address = _account(node, params, "address")
    if address is None:
        return {}
    stake, totals = _current(node, address), node.totals()
    power = sum(stake.frozen) + sum(stake.delegated)
    return get_account_net(node, params) | _nonzero(
        {
            "TotalTronPowerWeight": totals.power_weight,
            "tronPowerLimit": power // SUN_PER_TRX,
            "EnergyUsed": stake.energy_usage,
            "EnergyLimit": totals.energy_limit_of(stake),
            "TotalEnergyLimit": totals.energy_limit,
            "TotalEnergyWeight": totals.energy_weight,
        }
    )


def account_stake(node: LocalTronNode, address: bytes) -> Json:
    """The Stake 2.0 fields of ``getaccount``: ``frozenV2`` (every resource listed, the
    default one, bandwidth, without its type), ``unfrozenV2``, delegated and acquired stake,
    and used resources with the slots of their last use."""
    stake = node.stakes.of(address)
    frozen = [
        _nonzero({"type": name if name != "BANDWIDTH" else "", "amount": amount})
        for name, amount in zip(RESOURCES, stake.frozen, strict=True)
    ]
    out: Json = {"frozenV2": frozen}
    if stake.unfrozen:
        out["unfrozenV2"] = [
            _nonzero(
                {
                    "type": entry.resource if entry.resource != "BANDWIDTH" else "",
                    "unfreeze_amount": entry.amount,
                    "unfreeze_expire_time": entry.expire_time,
                }
            )
            for entry in stake.unfrozen
        ]
    out |= _nonzero(
        {
            "net_usage": stake.net_usage,
            "free_net_usage": stake.free_net_usage,
            "latest_consume_time": stake.net_slot if stake.net_usage else 0,
            "latest_consume_free_time": stake.free_net_slot if stake.free_net_usage else 0,
            "delegated_frozenV2_balance_for_bandwidth": stake.delegated[0],
            "acquired_delegated_frozenV2_balance_for_bandwidth": stake.acquired[0],
        }
    )
    resource = _nonzero(
        {
            "energy_usage": stake.energy_usage,
            "latest_consume_time_for_energy": stake.energy_slot if stake.energy_usage else 0,
            "delegated_frozenV2_balance_for_energy": stake.delegated[1],
            "acquired_delegated_frozenV2_balance_for_energy": stake.acquired[1],
        }
    )
    if resource:
        out["account_resource"] = resource
    return out


def get_delegated_resource_v2(node: LocalTronNode, params: Json) -> Json:
    """``DelegatedResourceList``: what ``fromAddress`` delegates to ``toAddress``, unlocked
    first, then locked."""
    owner = parse_address(str(params.get("fromAddress", "")))
    receiver = parse_address(str(params.get("toAddress", "")))
    visible = _visible(params)
    found = []
    for locked in (False, True):
        delegation = node.stakes.delegation(owner, receiver, locked)
        if delegation is None or delegation.empty:
            continue
        found.append(
            {"from": address_json(owner, visible), "to": address_json(receiver, visible)}
            | _nonzero(
                {
                    "frozen_balance_for_bandwidth": delegation.bandwidth,
                    "frozen_balance_for_energy": delegation.energy,
                    "expire_time_for_bandwidth": delegation.bandwidth_expire,
                    "expire_time_for_energy": delegation.energy_expire,
                }
            )
        )
    return {"delegatedResource": found} if found else {}


def get_delegated_resource_account_index_v2(node: LocalTronNode, params: Json) -> Json:
    """``DelegatedResourceAccountIndex``: whom an account delegates to and receives from."""
    address = parse_address(str(params.get("value", "")))
    visible = _visible(params)
    to = [address_json(a, visible) for a in node.stakes.counterparts(address, receivers=True)]
    came = [address_json(a, visible) for a in node.stakes.counterparts(address, receivers=False)]
    if not to and not came:
        return {}
    out: Json = {"account": address_json(address, visible)}
    if came:
        out["fromAccounts"] = came
    if to:
        out["toAccounts"] = to
    return out


def get_can_withdraw_unfreeze_amount(node: LocalTronNode, params: Json) -> Json:
    """``CanWithdrawUnfreezeAmountResponseMessage``: unstaked TRX withdrawable at
    ``timestamp`` (the head block's time without one)."""
    address = _account(node, params, "owner_address")
    timestamp = int(params.get("timestamp", 0) or 0)
    if address is None or timestamp < 0:
        return {}
    amount = node.stakes.of(address).withdrawable(timestamp or _now(node))
    return _nonzero({"amount": amount})


def get_can_delegated_max_size(node: LocalTronNode, params: Json) -> Json:
    """``CanDelegatedMaxSizeResponseMessage``: the most sun of stake the account may delegate
    (``type`` 0 bandwidth, 1 energy); under 1 TRX reads 0."""
    address = _account(node, params, "owner_address")
    kind = int(params.get("type", 0) or 0)
    if address is None or kind not in (0, 1):
        return {}
    resource = RESOURCES[kind]
    size = max(delegatable(node.stakes.of(address), resource, node.totals(), slot(_now(node))), 0)
    return _nonzero({"max_size": size if size >= SUN_PER_TRX else 0})


def get_available_unfreeze_count(node: LocalTronNode, params: Json) -> Json:
    """``GetAvailableUnfreezeCountResponseMessage``: unstakings the account may still start
    (32 may run at once)."""
    address = _account(node, params, "owner_address")
    if address is None:
        return {}
    running = node.stakes.of(address).unfreezing_count(_now(node))
    return _nonzero({"count": UNFREEZE_MAX_TIMES - running})
