"""What a transaction costs on the local node, by java-tron's rules: bandwidth
(``BandwidthProcessor``: staked bandwidth, else the daily free bandwidth, else TRX burned a
byte at a time; an account created by a transfer costs ``getCreateAccountFee`` instead), the
memo fee, and energy (``VMActuator.getAccountEnergyLimitWithFixRatio`` for the limit,
``ReceiptCapsule.payEnergyBill`` for the bill: staked energy first, then TRX burned).

Used resources recover linearly over a 24-hour window of 3-second slots
(``ResourceProcessor.increase``). java-tron's Stake 2.0 stretches an account's window when an
undelegation hands usage back to its owner; this node keeps every window at 24 hours.
"""

from __future__ import annotations

from typing import Final

from attrs import evolve, frozen

from dcmx_adapters.tron.refusals import Refused
from dcmx_devnode.parameters import BLOCK_MS, DAY_MS, SUN_PER_TRX, ChainParameters
from dcmx_devnode.staking import Resource, Stake, Stakes

WINDOW_SLOTS: Final = DAY_MS // BLOCK_MS
PRECISION: Final = 1_000_000
MAX_ENERGY: Final = 150_000_000
"""Energy a transaction may use when energy is free: what the largest fee limit buys at
mainnet's price."""


def slot(timestamp_ms: int) -> int:
    """The 3-second slot a time falls in (java-tron's head slot)."""
    return timestamp_ms // BLOCK_MS


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def _java_round(value: float) -> int:
    """``Math.round``: half up."""
    return int(value + 0.5) if value >= 0 else -int(-value + 0.5)


def increase(last_usage: int, usage: int, last_slot: int, now: int) -> int:
    """Usage after adding ``usage`` at slot ``now`` to ``last_usage`` recorded at
    ``last_slot``, which has recovered linearly since (``ResourceProcessor.increase``)."""
    average_last = _ceil_div(last_usage * PRECISION, WINDOW_SLOTS)
    average_usage = _ceil_div(usage * PRECISION, WINDOW_SLOTS)
    if last_slot != now:
        if last_slot + WINDOW_SLOTS > now:
            decay = (WINDOW_SLOTS - (now - last_slot)) / WINDOW_SLOTS
            average_last = _java_round(average_last * decay)
        else:
            average_last = 0
    return (average_last + average_usage) * WINDOW_SLOTS // PRECISION


def share(stake: int, total_limit: int, total_weight: int) -> int:
    """A stake's part of the network's daily resource (``calculateGlobal…LimitV2``)."""
    if total_weight == 0:
        return 0
    return int(stake / SUN_PER_TRX * (total_limit / total_weight))


@frozen
class Totals:
    """The network's resources and the stakes sharing them (this node's plus the rest of
    the network's, from the data file)."""

    net_limit: int
    net_weight: int
    energy_limit: int
    energy_weight: int
    power_weight: int

    @classmethod
    def of(cls, stakes: Stakes, parameters: ChainParameters) -> Totals:
        return cls(
            parameters.total_net_limit,
            stakes.total_weight("BANDWIDTH") + parameters.network_net_weight,
            parameters.total_energy_limit,
            stakes.total_weight("ENERGY") + parameters.network_energy_weight,
            stakes.total_weight("TRON_POWER"),
        )

    def net_limit_of(self, stake: Stake) -> int:
        return share(stake.serving("BANDWIDTH"), self.net_limit, self.net_weight)

    def energy_limit_of(self, stake: Stake) -> int:
        return share(stake.serving("ENERGY"), self.energy_limit, self.energy_weight)

    def limit_of(self, stake: Stake, resource: Resource) -> int:
        return self.net_limit_of(stake) if resource == "BANDWIDTH" else self.energy_limit_of(stake)


def recovered(stake: Stake, now: int) -> Stake:
    """``stake`` with its usage recovered up to slot ``now`` (``updateUsage``)."""
    return evolve(
        stake,
        net_usage=increase(stake.net_usage, 0, stake.net_slot, now),
        free_net_usage=increase(stake.free_net_usage, 0, stake.free_net_slot, now),
        energy_usage=increase(stake.energy_usage, 0, stake.energy_slot, now),
        net_slot=now,
        free_net_slot=now,
        energy_slot=now,
    )


def energy_left(stake: Stake, totals: Totals, now: int) -> int:
    """Staked energy not used yet (``getAccountLeftEnergyFromFreeze``)."""
    used = increase(stake.energy_usage, 0, stake.energy_slot, now)
    return max(totals.energy_limit_of(stake) - used, 0)


@frozen
class NetBill:
    """What a transaction's bytes cost: ``usage`` bandwidth from stake or the free allowance,
    or ``fee`` sun burned; what it leaves of the owner's stake."""

    usage: int
    fee: int
    stake: Stake
    memo: int = 0
    """Sun burned for the transaction's memo (``getMemoFee``)."""


def bill_bandwidth(
    stake: Stake,
    balance: int,
    size: int,
    *,
    creates_account: bool,
    totals: Totals,
    parameters: ChainParameters,
    now: int,
) -> NetBill:
    """Charge ``size`` bytes as java-tron's ``BandwidthProcessor.consume`` does; refuse as it
    refuses when neither resources nor balance cover them."""
    net_used = increase(stake.net_usage, 0, stake.net_slot, now)
    staked = totals.net_limit_of(stake)
    if creates_account:
        cost = size * parameters.create_account_bandwidth_rate
        if cost <= staked - net_used:
            used = increase(stake.net_usage, cost, stake.net_slot, now)
            return NetBill(cost, 0, evolve(stake, net_usage=used, net_slot=now))
        if balance >= parameters.create_account_fee:
            return NetBill(0, parameters.create_account_fee, stake)
        raise _insufficient()
    if size <= staked - net_used:
        used = increase(stake.net_usage, size, stake.net_slot, now)
        return NetBill(size, 0, evolve(stake, net_usage=used, net_slot=now))
    free_used = increase(stake.free_net_usage, 0, stake.free_net_slot, now)
    if size <= parameters.free_net_limit - free_used:
        used = increase(stake.free_net_usage, size, stake.free_net_slot, now)
        return NetBill(size, 0, evolve(stake, free_net_usage=used, free_net_slot=now))
    fee = size * parameters.transaction_fee
    if balance >= fee:
        return NetBill(0, fee, stake)
    raise _insufficient()


def _insufficient() -> Refused:
    # What java-tron's Wallet.broadcastTransaction answers for
    # AccountResourceInsufficientException.
    return Refused("BANDWITH_ERROR", "Account resource insufficient error.")


def energy_limit(
    stake_left: int, balance: int, fee_limit: int, value: int, parameters: ChainParameters
) -> int:
    """Energy a call or deployment may use: what the owner's staked energy left and balance
    (less the value sent) can pay for, capped by what ``fee_limit`` buys
    (``getAccountEnergyLimitWithFixRatio``)."""
    if parameters.free:
        return MAX_ENERGY
    price = parameters.energy_fee
    available = stake_left + max(balance - value, 0) // price
    return min(available, fee_limit // price)


@frozen
class EnergyBill:
    """Energy taken from stake and the sun burned for the rest (``payEnergyBill``)."""

    from_stake: int
    fee: int
    stake: Stake


def bill_energy(
    stake: Stake, left: int, used: int, parameters: ChainParameters, now: int
) -> EnergyBill:
    """Take ``used`` energy from the ``left`` staked energy first, burn TRX for the rest."""
    from_stake = min(left, used)
    usage = increase(stake.energy_usage, from_stake, stake.energy_slot, now)
    after = evolve(stake, energy_usage=usage, energy_slot=now) if from_stake else stake
    return EnergyBill(from_stake, (used - from_stake) * parameters.energy_fee, after)


@frozen
class OriginShare:
    """The part of a call's energy its contract's deployer (the origin) pays from its staked
    energy: ``percent`` of the energy used (100 less the contract's
    ``consume_user_resource_percent``), at most ``cap`` (its staked energy left, within the
    contract's ``origin_energy_limit``)."""

    origin: bytes
    percent: int
    cap: int

    def extra_limit(self, caller_limit: int) -> int:
        """Energy the origin adds to the call's limit
        (``getTotalEnergyLimitWithFixRatio``)."""
        if self.percent >= 100:
            return self.cap
        return min(caller_limit * self.percent // (100 - self.percent), self.cap)

    def usage(self, used: int) -> int:
        """The origin's part of ``used`` energy (``ReceiptCapsule.getOriginUsage``)."""
        return min(used * self.percent // 100, self.cap)
