"""How fast the reference rules run: commands per second on the in-memory ledger.

Run with ``nox -s bench``. Each row runs one kind of command N times on a fresh ledger and
prints the rate; the numbers bound how large a property-test run can be.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from rich.console import Console
from rich.table import Table

from dcmx_adapters.clock import ManualClock
from dcmx_adapters.crypto import EthCrypto
from dcmx_adapters.memory.ledger import MemoryLedger
from dcmx_core import commands as c
from dcmx_core.model.distributor import NATIVE
from dcmx_core.model.enums import DocumentType, Pool
from dcmx_core.model.nft import token_id_of
from dcmx_core.model.signing import acceptance_digest, domain_separator
from dcmx_core.model.values import Hash32

CRYPTO = EthCrypto()
KEYS = [hashlib.sha256(b"bench %d" % i).digest() for i in range(3)]
ADMIN, ALICE, BOB = (CRYPTO.address_of(k) for k in KEYS)
UNIT = 10**18
N = 2_000


def fresh() -> MemoryLedger:
    ledger = MemoryLedger(admin=ADMIN, crypto=CRYPTO, clock=ManualClock(1_767_225_600))
    ledger.execute(ADMIN, c.AddMinter(ADMIN))
    ledger.execute(ADMIN, c.Mint(ALICE, N * UNIT))
    for who in (ALICE, BOB):
        ledger.fund(who, 10**30)
    return ledger


def transfers(ledger: MemoryLedger) -> Callable[[int], None]:
    def transfer(_i: int) -> None:
        ledger.execute(ALICE, c.Transfer(BOB, UNIT))

    return transfer


def sales(ledger: MemoryLedger) -> Callable[[int], None]:
    ledger.execute(
        ADMIN,
        c.CreateRelease(
            ALICE, "Bench", "Bench", Hash32.of(b"b"), 1, 1_000, (ALICE, BOB), (5_000, 5_000)
        ),
    )
    ledger.execute(ADMIN, c.MintEdition(1, ALICE))
    for who in (ALICE, BOB):
        ledger.execute(who, c.SetOperator(ledger.deployment.royalties, True))
    token = token_id_of(1, 1)
    sellers = [ALICE, BOB]

    def sell(i: int) -> None:
        seller, buyer = sellers[i % 2], sellers[(i + 1) % 2]
        ledger.execute(seller, c.ListEdition(token, NATIVE, UNIT))
        ledger.execute(buyer, c.BuyEdition(token, NATIVE, UNIT, value=UNIT))

    return sell


def claims(ledger: MemoryLedger) -> Callable[[int], None]:
    ledger.execute(ADMIN, c.ConfigurePool(Pool.LISTENING, 10**30))
    ledger.execute(ADMIN, c.AllocatePool(Pool.LISTENING, 10**27))
    ledger.execute(ADMIN, c.AddVerifier(ADMIN))

    def claim(i: int) -> None:
        ledger.execute(ALICE, c.SubmitClaim(Pool.LISTENING, UNIT, Hash32.of(b"%d" % i)))
        ledger.execute(ADMIN, c.VerifyClaim(i + 1, True))
        ledger.execute(BOB, c.PayClaim(i + 1))

    return claim


def relayed_acceptances(ledger: MemoryLedger) -> Callable[[int], None]:
    separator = domain_separator(CRYPTO, ledger.deployment.chain_id, ledger.deployment.compliance)

    def accept(i: int) -> None:
        version, document = i + 1, Hash32.of(b"terms %d" % i)
        ledger.execute(ADMIN, c.RegisterDocument(DocumentType.TERMS_OF_SERVICE, version, document))
        digest = acceptance_digest(
            CRYPTO,
            separator,
            user=ALICE,
            doc_type=DocumentType.TERMS_OF_SERVICE,
            version=version,
            document_hash=document,
            nonce=i,
            expiry=2**40,
        )
        signature = CRYPTO.sign_digest(KEYS[1], digest)
        ledger.execute(
            BOB,
            c.RelayAcceptance(
                ALICE, DocumentType.TERMS_OF_SERVICE, version, document, i, 2**40, signature
            ),
        )

    return accept


CASES: list[tuple[str, int, Callable[[MemoryLedger], Callable[[int], None]]]] = [
    ("DCMX transfer", 1, transfers),
    ("edition sale (list + buy)", 2, sales),
    ("claim (submit + verify + pay)", 3, claims),
    ("relayed acceptance (register + sign + relay)", 2, relayed_acceptances),
]


def main() -> None:
    table = Table(title=f"In-memory ledger, {N:,} rounds a row")
    for name in ("operation", "transactions", "seconds", "transactions/s"):
        table.add_column(name, justify="left" if name == "operation" else "right")
    for name, per_round, setup in CASES:
        step = setup(fresh())
        began = time.perf_counter()
        for i in range(N):
            step(i)
        elapsed = time.perf_counter() - began
        transactions = N * per_round
        table.add_row(name, f"{transactions:,}", f"{elapsed:.3f}", f"{transactions / elapsed:,.0f}")
    Console().print(table)


if __name__ == "__main__":
    main()
