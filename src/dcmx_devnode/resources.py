"""An account's bandwidth and energy as java-tron reports them (``wallet/getaccountnet``,
``wallet/getaccountresource``), which TronWeb's ``getBandwidth`` and ``getAccountResources``
read.

The local node stakes nothing and charges no bandwidth: every account has the network's free
daily bandwidth and nothing used, no staked bandwidth or energy, and the network totals are
mainnet's limits with no stake behind them. As java-tron's ``JsonFormat`` prints proto3
messages, zero fields are left out, and an unknown account is ``{}``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from dcmx_devnode.protobuf import parse_address

if TYPE_CHECKING:
    from dcmx_devnode.node import LocalTronNode

Json = dict[str, Any]

FREE_NET_LIMIT: Final = 600
"""Free bandwidth a day for every account (mainnet's ``getFreeNetLimit``)."""
TOTAL_NET_LIMIT: Final = 43_200_000_000
TOTAL_ENERGY_LIMIT: Final = 180_000_000_000
"""The network's bandwidth and energy to share among stakes (mainnet's)."""


def _known(node: LocalTronNode, params: Json) -> bool:
    return node.account(parse_address(str(params["address"]))) is not None


def _nonzero(fields: Json) -> Json:
    return {name: value for name, value in fields.items() if value}


def get_account_net(node: LocalTronNode, params: Json) -> Json:
    """``AccountNetMessage``: free bandwidth, none used, no stake."""
    if not _known(node, params):
        return {}
    return _nonzero(
        {
            "freeNetUsed": 0,
            "freeNetLimit": FREE_NET_LIMIT,
            "NetUsed": 0,
            "NetLimit": 0,
            "TotalNetLimit": TOTAL_NET_LIMIT,
            "TotalNetWeight": 0,
        }
    )


def get_account_resource(node: LocalTronNode, params: Json) -> Json:
    """``AccountResourceMessage``: the bandwidth above, and no energy staked."""
    if not _known(node, params):
        return {}
    return get_account_net(node, params) | _nonzero(
        {
            "TotalTronPowerWeight": 0,
            "tronPowerUsed": 0,
            "tronPowerLimit": 0,
            "EnergyUsed": 0,
            "EnergyLimit": 0,
            "TotalEnergyLimit": TOTAL_ENERGY_LIMIT,
            "TotalEnergyWeight": 0,
            "storageUsed": 0,
            "storageLimit": 0,
        }
    )
