"""The chain parameters the local node charges by (``chain_parameters.json``, TRON mainnet's,
each with its source), or none of them in free mode: no price on energy or bandwidth, no fee
for creating an account or for a memo."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any, Final

from attrs import evolve, frozen

DATA_FILE: Final = "chain_parameters.json"
SUN_PER_TRX: Final = 1_000_000
BLOCK_MS: Final = 3_000
"""java-tron's ``BLOCK_PRODUCED_INTERVAL``: resources recover by 3-second slots."""
DAY_MS: Final = 24 * 3600 * 1000


@frozen
class ChainParameters:
    """What TRON's committee sets and the node charges by (amounts in sun)."""

    energy_fee: int
    transaction_fee: int
    free_net_limit: int
    total_net_limit: int
    total_energy_limit: int
    create_account_fee: int
    create_account_fee_in_contract: int
    create_account_bandwidth_rate: int
    memo_fee: int
    multi_sign_fee: int
    max_fee_limit: int
    unfreeze_delay_days: int
    max_delegate_lock_period: int
    network_net_weight: int = 0
    """Whole TRX staked for bandwidth by the rest of the network (none in free mode)."""
    network_energy_weight: int = 0

    @property
    def free(self) -> bool:
        """Whether nothing is charged: energy and bandwidth are free."""
        return self.energy_fee == 0

    def as_chain_parameters(self) -> list[tuple[str, int]]:
        """The ``(key, value)`` pairs ``wallet/getchainparameters`` lists, in java-tron's
        names."""
        return [
            ("getCreateAccountFee", self.create_account_fee),
            ("getTransactionFee", self.transaction_fee),
            ("getCreateNewAccountFeeInSystemContract", self.create_account_fee_in_contract),
            ("getCreateNewAccountBandwidthRate", self.create_account_bandwidth_rate),
            ("getEnergyFee", self.energy_fee),
            ("getAllowDelegateResource", 1),
            ("getTotalEnergyLimit", self.total_energy_limit),
            ("getMultiSignFee", self.multi_sign_fee),
            ("getTotalEnergyCurrentLimit", self.total_energy_limit),
            ("getMaxFeeLimit", self.max_fee_limit),
            ("getFreeNetLimit", self.free_net_limit),
            ("getTotalNetLimit", self.total_net_limit),
            ("getMemoFee", self.memo_fee),
            ("getUnfreezeDelayDays", self.unfreeze_delay_days),
            ("getAllowCancelAllUnfreezeV2", 1),
            ("getMaxDelegateLockPeriod", self.max_delegate_lock_period),
        ]


def _value(data: dict[str, Any], key: str) -> int:
    entry = data[key]
    return int(entry["value"])


@cache
def mainnet() -> ChainParameters:
    """TRON mainnet's parameters, read from the data file shipped with the package."""
    text = resources.files("dcmx_devnode").joinpath(DATA_FILE).read_text(encoding="utf-8")
    data = json.loads(text)
    chain, stake = data["parameters"], data["network_stake"]
    return ChainParameters(
        energy_fee=_value(chain, "getEnergyFee"),
        transaction_fee=_value(chain, "getTransactionFee"),
        free_net_limit=_value(chain, "getFreeNetLimit"),
        total_net_limit=_value(chain, "getTotalNetLimit"),
        total_energy_limit=_value(chain, "getTotalEnergyCurrentLimit"),
        create_account_fee=_value(chain, "getCreateAccountFee"),
        create_account_fee_in_contract=_value(chain, "getCreateNewAccountFeeInSystemContract"),
        create_account_bandwidth_rate=_value(chain, "getCreateNewAccountBandwidthRate"),
        memo_fee=_value(chain, "getMemoFee"),
        multi_sign_fee=_value(chain, "getMultiSignFee"),
        max_fee_limit=_value(chain, "getMaxFeeLimit"),
        unfreeze_delay_days=_value(chain, "getUnfreezeDelayDays"),
        max_delegate_lock_period=_value(chain, "getMaxDelegateLockPeriod"),
        network_net_weight=_value(stake, "TotalNetWeight"),
        network_energy_weight=_value(stake, "TotalEnergyWeight"),
    )


def free() -> ChainParameters:
    """Mainnet's limits with nothing charged and no outside stake: the node's free mode."""
    return evolve(
        mainnet(),
        energy_fee=0,
        transaction_fee=0,
        create_account_fee=0,
        create_account_fee_in_contract=0,
        memo_fee=0,
        multi_sign_fee=0,
        network_net_weight=0,
        network_energy_weight=0,
    )
