"""Gas per operation of the DCMX contracts, beside plain OpenZeppelin 5 yardsticks, and the
energy each would use on TRON.

Run with ``nox -s gas``: prints the table and, with ``--write``, stores it as the snapshot
(benchmarks/gas-snapshot.json) that tests/evm/test_gas_snapshot.py holds the contracts to
(no operation may cost more than its snapshot plus 2 %, in gas or in energy) and writes the
TRON fee limits per contract function (src/dcmx_adapters/tron/fee_limits.json). Gas comes from
eth-tester receipts (py-evm), never from revm, whose warm/cold accounting is not exact. Energy
comes from the receipts of the same operations on the local TRON node, which meters every run
by the TVM's schedule (``dcmx_devnode.energy``): the figures a node charges, without TRON's
dynamic energy factor (which popular contracts pay on top).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path

from attrs import frozen

from dcmx_adapters.clock import ManualClock
from dcmx_adapters.crypto import EthCrypto
from dcmx_adapters.evm.abi import to_abi
from dcmx_adapters.evm.chain import TxResult, Web3Chain
from dcmx_adapters.evm.deploy import deploy_contract
from dcmx_adapters.evm.ledger import EvmLedger, local_evm_ledger
from dcmx_adapters.evm.translate import ARTIFACT_OF, abi_of
from dcmx_adapters.signing import KeySigner
from dcmx_adapters.tron import fees
from dcmx_core import commands as c
from dcmx_core.model.distributor import NATIVE
from dcmx_core.model.enums import Contract, DocumentType, Pool
from dcmx_core.model.nft import token_id_of
from dcmx_core.model.signing import acceptance_digest, domain_separator
from dcmx_core.model.values import Address, Hash32
from dcmx_core.ports import Receipt
from dcmx_devnode.energy import energy_of_transaction
from dcmx_devnode.local import local_node_of, local_tron_ledger

SNAPSHOT = Path(__file__).with_name("gas-snapshot.json")
TOLERANCE = 0.02
CRYPTO = EthCrypto()
KEYS = [hashlib.sha256(b"gas %d" % i).digest() for i in range(4)]
PEOPLE = [CRYPTO.address_of(k) for k in KEYS]
ADMIN, ALICE, BOB, CAROL = PEOPLE[:4]
UNIT = 10**18
ENERGY_PRICE = fees.DEFAULT_ENERGY_PRICE
"""Sun per energy the table prices TRX at (TRON mainnet's price)."""


@frozen
class Figures:
    """What the gas table measures: gas and TRON energy per operation, and for each of the
    platform's operations the contract function it calls (for the fee limits)."""

    gas: dict[str, int]
    energy: dict[str, int]
    functions: dict[str, fees.FunctionEnergy]
    schedule: dict[str, int]
    """The energy of each operation run again on eth-tester's own py-evm state at the TVM's
    prices: what the node must charge (its metering reads its own state)."""


class Meter(ABC):
    """Runs operations on a fresh ledger and records what each used, as its receipt says: gas
    on the EVM, energy on TRON. ``functions`` notes which function of the platform's contracts
    each recorded operation called."""

    def __init__(self, ledger: EvmLedger) -> None:
        self.ledger = ledger
        for person in PEOPLE[1:]:
            ledger.fund(person, 100 * UNIT)
        self.used: dict[str, int] = {}
        self.functions: dict[str, fees.FunctionEnergy] = {}
        self._names = {ledger.deployment.address_of(k): ARTIFACT_OF[k] for k in Contract}

    def run(self, sender: Address, command: c.Command) -> int:
        return self.ledger.execute(sender, command).gas_used

    def record(self, label: str, sender: Address, command: c.Command) -> int:
        receipt: Receipt = self.ledger.execute(sender, command)
        self._note(label, receipt.gas_used, receipt.tx_id.raw)
        return receipt.gas_used

    def raw(
        self, label: str, sender: Address, to: Address, name: str, fn: str, *args: object
    ) -> None:
        function = abi_of(name).function(fn, len(args))
        result: TxResult = self.ledger.chain.send(sender, to, function.encode(to_abi(args)))
        self._note(label, result.gas_used, result.tx_id.raw)

    def forget(self, label: str) -> None:
        """Drop a row that was only set-up."""
        for figures in (self.used, self.functions):
            figures.pop(label, None)

    def _note(self, label: str, used: int, tx_id: bytes) -> None:
        self.used[label] = used
        to, data = self.call_of(tx_id)
        name = self._names.get(to)
        if name is None:  # a yardstick, not one of the platform's contracts
            return
        selector = data[:4]
        function = next(
            f for fs in abi_of(name).functions.values() for f in fs if f.selector == selector
        )
        signature = f"{function.name}({','.join(function.inputs)})"
        self.functions[label] = fees.FunctionEnergy(selector, (f"{name}.{signature}",), used)

    @abstractmethod
    def call_of(self, tx_id: bytes) -> tuple[Address, bytes]:
        """The contract a mined transaction called, and its call data."""


class EvmMeter(Meter):
    """Gas, on eth-tester (py-evm); and each operation's energy by the TVM's schedule, run
    again on py-evm's own state (``schedule``)."""

    def __init__(self) -> None:
        ledger = local_evm_ledger(ADMIN, ManualClock(0), signers=[KeySigner(k) for k in KEYS])
        chain = ledger.chain
        assert isinstance(chain, Web3Chain)
        self._py_evm = chain.w3.provider.ethereum_tester.backend.chain  # type: ignore[union-attr]
        self.schedule: dict[str, int] = {}
        super().__init__(ledger)

    def _note(self, label: str, used: int, tx_id: bytes) -> None:
        super()._note(label, used, tx_id)
        self.schedule[label] = energy_of_transaction(self._py_evm, tx_id)

    def forget(self, label: str) -> None:
        super().forget(label)
        self.schedule.pop(label, None)

    def call_of(self, tx_id: bytes) -> tuple[Address, bytes]:
        tx = self._py_evm.get_canonical_transaction(tx_id)
        return Address(bytes(tx.to)), bytes(tx.data)


class TronMeter(Meter):
    """Energy, on the local TRON node: what its receipts say, metered by the TVM's schedule
    (``dcmx_devnode.metering``)."""

    def __init__(self) -> None:
        ledger = local_tron_ledger(ADMIN, ManualClock(0), signers=[KeySigner(k) for k in KEYS])
        self.node = local_node_of(ledger)
        super().__init__(ledger)

    def call_of(self, tx_id: bytes) -> tuple[Address, bytes]:
        found = self.node.transaction(tx_id)
        assert found is not None
        parameter = found[1].parameter
        return (
            Address(bytes.fromhex(parameter["contract_address"])[-20:]),
            bytes.fromhex(parameter.get("data", "")),
        )


def token_rows(meter: Meter) -> None:
    m = meter
    m.run(ADMIN, c.AddMinter(ADMIN))
    m.record("DCMX mint to a new holder", ADMIN, c.Mint(ALICE, 10 * UNIT))
    m.run(ADMIN, c.Mint(BOB, UNIT))
    m.record("DCMX transfer to an existing holder", ALICE, c.Transfer(BOB, UNIT))
    m.record("DCMX transfer to a new holder", ALICE, c.Transfer(CAROL, UNIT))
    m.record("DCMX approve", ALICE, c.Approve(BOB, 5 * UNIT))
    m.record("DCMX transferFrom", BOB, c.TransferFrom(ALICE, CAROL, UNIT))

    chain = m.ledger.chain
    plain = deploy_contract(chain, ADMIN, "PlainERC20")
    m.raw("OZ ERC20 mint to a new holder", ADMIN, plain, "PlainERC20", "mint", ALICE, 10 * UNIT)
    m.raw("OZ ERC20 mint to a holder", ADMIN, plain, "PlainERC20", "mint", BOB, UNIT)
    m.raw(
        "OZ ERC20 transfer to an existing holder", ALICE, plain, "PlainERC20", "transfer", BOB, UNIT
    )
    m.raw("OZ ERC20 transfer to a new holder", ALICE, plain, "PlainERC20", "transfer", CAROL, UNIT)
    m.raw("OZ ERC20 approve", ALICE, plain, "PlainERC20", "approve", BOB, 5 * UNIT)
    m.raw("OZ ERC20 transferFrom", BOB, plain, "PlainERC20", "transferFrom", ALICE, CAROL, UNIT)


def nft_rows(meter: Meter) -> None:
    m = meter
    m.run(
        ADMIN,
        c.CreateRelease(ALICE, "Gas", "Meter", Hash32.of(b"gas"), 100, 1_000, (ALICE,), (10_000,)),
    )
    m.record("NFT edition mint", ADMIN, c.MintEdition(1, ALICE))
    m.run(ADMIN, c.MintEdition(1, ALICE))
    m.run(ADMIN, c.MintEdition(1, ALICE))
    m.record(
        "NFT transferFrom to a new owner", ALICE, c.TransferEdition(ALICE, BOB, token_id_of(1, 1))
    )
    m.record(
        "NFT safeTransferFrom to a new owner",
        ALICE,
        c.TransferEdition(ALICE, CAROL, token_id_of(1, 2), safe=True),
    )
    nft = m.ledger.deployment.music_nft
    m.raw(
        "NFT royaltyInfo (as a transaction)",
        ALICE,
        nft,
        "MusicNFT",
        "royaltyInfo",
        token_id_of(1, 3),
        UNIT,
    )

    chain = m.ledger.chain
    plain = deploy_contract(chain, ADMIN, "PlainERC721")
    # The same holdings as on the music NFT: three tokens, so the owner keeps one at the end.
    for token in (1, 2, 3):
        m.raw(
            "OZ ERC721 mint to a new owner" if token == 1 else "_",
            ADMIN,
            plain,
            "PlainERC721",
            "mint",
            ALICE,
            token,
        )
    m.forget("_")
    m.raw(
        "OZ ERC721 transferFrom to a new owner",
        ALICE,
        plain,
        "PlainERC721",
        "transferFrom",
        ALICE,
        BOB,
        1,
    )
    m.raw(
        "OZ ERC721 safeTransferFrom to a new owner",
        ALICE,
        plain,
        "PlainERC721",
        "safeTransferFrom",
        ALICE,
        CAROL,
        2,
    )


def sale_rows(meter: Meter) -> None:
    """A resale in the native coin with 2, 5 and 20 split recipients, on warm payout slots
    (each recipient has been credited before), and a first sale on cold slots."""
    m = meter
    distributor = m.ledger.deployment.royalties
    # A warm-up sale each way, so that the seller's, the buyer's and the treasury's payout
    # slots are no longer empty: the rows below then differ only in the split.
    m.run(
        ADMIN,
        c.CreateRelease(ALICE, "Warm", "Up", Hash32.of(b"warm"), 1, 1_000, (ALICE,), (10_000,)),
    )
    warm_release = m.ledger.release_count()
    m.run(ADMIN, c.MintEdition(warm_release, BOB))
    for seller, buyer in ((BOB, CAROL), (CAROL, BOB)):
        m.run(seller, c.SetOperator(distributor, True))
        m.run(seller, c.ListEdition(token_id_of(warm_release, 1), NATIVE, UNIT))
        m.run(buyer, c.BuyEdition(token_id_of(warm_release, 1), NATIVE, UNIT, value=UNIT))
    for count in (2, 5, 20):
        # Recipients of their own for each release, so that "cold" means never credited.
        recipients = tuple(
            Address(hashlib.sha256(b"recipient %d of %d" % (i, count)).digest()[:20])
            for i in range(count)
        )
        shares = [10_000 // count] * count
        shares[0] += 10_000 - sum(shares)
        m.run(
            ADMIN,
            c.CreateRelease(
                ALICE,
                "Split",
                "Meter",
                Hash32.of(b"split %d" % count),
                10,
                1_000,
                recipients,
                tuple(shares),
            ),
        )
        release = m.ledger.release_count()
        token = token_id_of(release, 1)
        m.run(ADMIN, c.MintEdition(release, BOB))
        for seller, buyer, label in (
            (BOB, CAROL, f"sale, {count} recipients, cold payout slots"),
            (CAROL, BOB, f"sale, {count} recipients, warm payout slots"),
        ):
            m.run(seller, c.SetOperator(distributor, True))
            m.run(seller, c.ListEdition(token, NATIVE, UNIT))
            m.record(label, buyer, c.BuyEdition(token, NATIVE, UNIT, value=UNIT))


def reward_rows(meter: Meter) -> None:
    m = meter
    m.run(ADMIN, c.ConfigurePool(Pool.LISTENING, 100 * UNIT))
    m.run(ADMIN, c.AllocatePool(Pool.LISTENING, 1_000 * UNIT))
    m.run(ADMIN, c.AddVerifier(BOB))
    m.record("claim submit", ALICE, c.SubmitClaim(Pool.LISTENING, UNIT, Hash32.of(b"proof")))
    m.record("claim verify", BOB, c.VerifyClaim(1, True))
    m.record("claim pay (mints)", ALICE, c.PayClaim(1))


def compliance_rows(meter: Meter) -> None:
    m = meter
    terms = Hash32.of(b"terms v1")
    m.run(ADMIN, c.RegisterDocument(DocumentType.TERMS_OF_SERVICE, 1, terms))
    m.record(
        "acceptance by the user", ALICE, c.AcceptDocument(DocumentType.TERMS_OF_SERVICE, 1, terms)
    )
    deployment = m.ledger.deployment
    separator = domain_separator(CRYPTO, deployment.chain_id, deployment.compliance)
    expiry = m.ledger.head().timestamp + 3_600
    digest = acceptance_digest(
        CRYPTO,
        separator,
        user=BOB,
        doc_type=DocumentType.TERMS_OF_SERVICE,
        version=1,
        document_hash=terms,
        nonce=0,
        expiry=expiry,
    )
    m.record(
        "acceptance relayed with the user's signature",
        ADMIN,
        c.RelayAcceptance(
            BOB,
            DocumentType.TERMS_OF_SERVICE,
            1,
            terms,
            0,
            expiry,
            CRYPTO.sign_digest(KEYS[2], digest),
        ),
    )


SECTIONS: list[Callable[[Meter], None]] = [
    token_rows,
    nft_rows,
    sale_rows,
    reward_rows,
    compliance_rows,
]

YARDSTICKS = {
    "DCMX mint to a new holder": "OZ ERC20 mint to a new holder",
    "DCMX transfer to an existing holder": "OZ ERC20 transfer to an existing holder",
    "DCMX transfer to a new holder": "OZ ERC20 transfer to a new holder",
    "DCMX approve": "OZ ERC20 approve",
    "DCMX transferFrom": "OZ ERC20 transferFrom",
    "NFT edition mint": "OZ ERC721 mint to a new owner",
    "NFT transferFrom to a new owner": "OZ ERC721 transferFrom to a new owner",
    "NFT safeTransferFrom to a new owner": "OZ ERC721 safeTransferFrom to a new owner",
}


def measure() -> Figures:
    """Every row on the EVM (gas) and on the local TRON node (energy)."""
    evm, tron = EvmMeter(), TronMeter()
    for section in SECTIONS:
        section(evm)
        section(tron)
    return Figures(evm.used, tron.used, tron.functions, evm.schedule)


def trx(energy: int, price: int = ENERGY_PRICE) -> str:
    """The TRX burned for ``energy`` at ``price`` sun an energy, as text."""
    return f"{energy * price / fees.TRX:,.2f}"


def marginal(gas: dict[str, int], slots: str) -> tuple[float, float]:
    """Extra gas per extra split recipient: from 2 to 5, and from 5 to 20 recipients."""
    two, five, twenty = (gas[f"sale, {n} recipients, {slots} payout slots"] for n in (2, 5, 20))
    return (five - two) / 3, (twenty - five) / 15


def table(figures: Figures) -> str:
    from io import StringIO

    from rich.console import Console
    from rich.table import Table

    gas, energy = figures.gas, figures.energy
    rows = Table(title="Gas per operation (eth-tester, solc 0.8.30, cancun, optimizer 200)")
    for name in (
        "operation",
        "gas",
        "plain OpenZeppelin 5",
        "difference",
        "TRON energy (est.)",
        f"TRX at {ENERGY_PRICE} sun (est.)",
    ):
        rows.add_column(name, justify="left" if name == "operation" else "right")
    for label, used in gas.items():
        if label.startswith("OZ "):
            continue
        tron = (f"{energy[label]:,}", trx(energy[label]))
        yardstick = YARDSTICKS.get(label)
        if yardstick:
            base = gas[yardstick]
            rows.add_row(label, f"{used:,}", f"{base:,}", f"{(used - base) / base:+.1%}", *tron)
        else:
            rows.add_row(label, f"{used:,}", "", "", *tron)
    out = StringIO()
    console = Console(file=out, width=150)
    console.print(rows)
    plain = "OZ ERC20 transfer to an existing holder"
    console.print(
        f"plain OpenZeppelin ERC-20 transfer on TRON: {energy[plain]:,} energy "
        f"({trx(energy[plain])} TRX); estimates, before TRON's dynamic energy factor"
    )
    for slots in ("warm", "cold"):
        low, high = marginal(gas, slots)
        console.print(
            f"marginal gas per extra recipient ({slots} payout slots): "
            f"{low:,.0f} (2→5), {high:,.0f} (5→20)"
        )
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="store the figures as the snapshot")
    args = parser.parse_args()
    figures = measure()
    sys.stdout.write(table(figures))
    if args.write:
        snapshot = {"gas": figures.gas, "energy": figures.energy}
        SNAPSHOT.write_text(json.dumps(snapshot, indent=1) + "\n")
        print(f"wrote {SNAPSHOT}")
        fees.write_energy_table(fees.energy_table(figures.functions.values()))
        print(f"wrote {fees.ENERGY_TABLE}")


if __name__ == "__main__":
    main()
