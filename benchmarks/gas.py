"""Gas per operation of the DCMX contracts, beside plain OpenZeppelin 5 yardsticks.

Run with ``nox -s gas``: prints the table and, with ``--write``, stores it as the snapshot
(benchmarks/gas-snapshot.json) that tests/evm/test_gas_snapshot.py holds the contracts to
(no operation may cost more than its snapshot plus 2 %). Figures come from eth-tester receipts
(py-evm), never from revm, whose warm/cold accounting is not exact.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Callable
from pathlib import Path

from dcmx_adapters.clock import ManualClock
from dcmx_adapters.crypto import EthCrypto
from dcmx_adapters.evm.abi import to_abi
from dcmx_adapters.evm.deploy import deploy_contract
from dcmx_adapters.evm.ledger import EvmLedger, local_evm_ledger
from dcmx_adapters.evm.translate import abi_of
from dcmx_core import commands as c
from dcmx_core.model.distributor import NATIVE
from dcmx_core.model.enums import DocumentType, Pool
from dcmx_core.model.nft import token_id_of
from dcmx_core.model.signing import acceptance_digest, domain_separator
from dcmx_core.model.values import Address, Hash32

SNAPSHOT = Path(__file__).with_name("gas-snapshot.json")
TOLERANCE = 0.02
CRYPTO = EthCrypto()
KEYS = [hashlib.sha256(b"gas %d" % i).digest() for i in range(4)]
PEOPLE = [CRYPTO.address_of(k) for k in KEYS]
ADMIN, ALICE, BOB, CAROL = PEOPLE[:4]
UNIT = 10**18


class Meter:
    """Runs operations on a fresh eth-tester chain and records the gas of each."""

    def __init__(self) -> None:
        self.ledger: EvmLedger = local_evm_ledger(
            ADMIN, ManualClock(0), keys=dict(zip(PEOPLE, KEYS, strict=True))
        )
        for person in PEOPLE[1:]:
            self.ledger.fund(person, 100 * UNIT)
        self.gas: dict[str, int] = {}

    def run(self, sender: Address, command: c.Command) -> int:
        return self.ledger.execute(sender, command).gas_used

    def record(self, label: str, sender: Address, command: c.Command) -> int:
        self.gas[label] = self.run(sender, command)
        return self.gas[label]

    def raw(
        self, label: str, sender: Address, to: Address, name: str, fn: str, *args: object
    ) -> None:
        function = abi_of(name).function(fn, len(args))
        data = function.encode(to_abi(args))
        self.gas[label] = self.ledger.chain.send(sender, to, data).gas_used


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
    m.gas.pop("_")
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


def measure() -> dict[str, int]:
    meter = Meter()
    for section in SECTIONS:
        section(meter)
    return meter.gas


def marginal(gas: dict[str, int], slots: str) -> tuple[float, float]:
    """Extra gas per extra split recipient: from 2 to 5, and from 5 to 20 recipients."""
    two, five, twenty = (gas[f"sale, {n} recipients, {slots} payout slots"] for n in (2, 5, 20))
    return (five - two) / 3, (twenty - five) / 15


def table(gas: dict[str, int]) -> str:
    from io import StringIO

    from rich.console import Console
    from rich.table import Table

    rows = Table(title="Gas per operation (eth-tester, solc 0.8.30, cancun, optimizer 200)")
    for name in ("operation", "gas", "plain OpenZeppelin 5", "difference"):
        rows.add_column(name, justify="left" if name == "operation" else "right")
    for label, used in gas.items():
        if label.startswith("OZ "):
            continue
        yardstick = YARDSTICKS.get(label)
        if yardstick:
            base = gas[yardstick]
            rows.add_row(label, f"{used:,}", f"{base:,}", f"{(used - base) / base:+.1%}")
        else:
            rows.add_row(label, f"{used:,}", "", "")
    out = StringIO()
    console = Console(file=out, width=110)
    console.print(rows)
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
    gas = measure()
    sys.stdout.write(table(gas))
    if args.write:
        SNAPSHOT.write_text(json.dumps(gas, indent=1) + "\n")
        print(f"wrote {SNAPSHOT}")


if __name__ == "__main__":
    main()
