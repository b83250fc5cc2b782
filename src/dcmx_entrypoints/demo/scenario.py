"""The demo: one scripted day on DCMX, run through the use cases on any ledger.

An artist publishes a track with a three-way split; editions sell (in the native coin and in a
USDT-like token) and resell; an outside marketplace pays royalties in; everyone withdraws;
listeners claim rewards; users accept the terms (one of them by a signature someone else
relays); a user's deletion request is carried out. The scenario returns what happened and who
holds what, for the CLI to print. Run with a recorded ``Progress``, a day cut short is finished
by running it again (``demo.progress``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from attrs import define, field, frozen

from dcmx_adapters.crypto import EthCrypto
from dcmx_core.commands import AddVerifier
from dcmx_core.model.distributor import NATIVE
from dcmx_core.model.enums import DocumentType, Pool, Regime
from dcmx_core.model.royalties import Split
from dcmx_core.model.values import Address, Hash32
from dcmx_core.ports import Clock, DevLedger, ProfileRepository
from dcmx_core.read_models import UserProfile
from dcmx_core.services import catalog, compliance, rewards, sales
from dcmx_entrypoints.demo.cast import CAST, Person, person
from dcmx_entrypoints.demo.progress import EveryStep, Progress, once, once_address, once_int
from dcmx_entrypoints.units import format_units

ETH = 10**18
USDT = 10**6
DCMX = 10**18


@frozen
class Step:
    """One thing that happened: in which block, and in words."""

    block: int
    what: str


@frozen
class Holding:
    name: str
    address: Address
    native: int
    usdt: int
    dcmx: int
    editions: int
    pending_native: int
    pending_usdt: int


@define
class DemoResult:
    steps: list[Step] = field(factory=list)
    holdings: list[Holding] = field(factory=list)
    usdt: Address | None = None
    total_supply: int = 0


def run_demo(
    ledger: DevLedger,
    crypto: EthCrypto,
    clock: Clock,
    profiles: ProfileRepository,
    operator: Person,
    progress: Progress | None = None,
) -> DemoResult:
    """Run the scenario; ``operator`` must administer all five contracts on ``ledger``. With
    ``progress``, the steps it holds as done are skipped (their values taken from it), and
    each step done is recorded in it."""
    done = EveryStep() if progress is None else progress
    people = {n: person(n, crypto) for n in CAST}
    ayla, bo, cy, dee, eli, mkt, vera = people.values()
    result = DemoResult()

    def step(what: str) -> None:
        result.steps.append(Step(ledger.head().number, what))

    for someone in (*people.values(), operator):
        once(done, f"fund {someone.name}", partial(ledger.fund, someone.address, 10 * ETH))
    usdt = once_address(done, "usdt", lambda: ledger.deploy_payment_token("USDT"))
    result.usdt = usdt
    for buyer in (dee, eli):
        mint = partial(ledger.mint_payment_token, usdt, buyer.address, 2_000 * USDT)
        once(done, f"usdt to {buyer.name}", mint)
    step("funded everyone with 10 coin; Dee and Eli hold 2,000 USDT each")

    _terms(ledger, done, crypto, operator, ayla, dee, step)
    release_id, first, second = _publish(ledger, done, operator, ayla, bo, cy, step)
    _trade(ledger, done, (ayla, dee, eli, mkt), usdt, (release_id, first, second), step)
    _withdraw_all(ledger, done, (ayla, bo, cy, dee, operator), usdt, step)
    _rewards(ledger, done, operator, vera, dee, eli, step)
    _deletion(ledger, done, crypto, clock, profiles, operator, eli, step)

    result.total_supply = ledger.total_supply()
    for someone in (*people.values(), operator):
        result.holdings.append(_holding(ledger, someone, usdt))
    return result


def _terms(
    ledger: DevLedger,
    done: Progress,
    crypto: EthCrypto,
    operator: Person,
    ayla: Person,
    dee: Person,
    step: Callable[[str], None],
) -> None:
    for doc_type in (DocumentType.TERMS_OF_SERVICE, DocumentType.ARTIST_AGREEMENT):
        text = f"DCMX {doc_type.name} v1".encode()
        register = partial(
            compliance.register_document, ledger, operator.address, doc_type, 1, text
        )
        once(done, f"register {doc_type.name}", register)
    step("registered the terms of service v1 and the artist agreement v1 by their hashes")
    accept = partial(
        compliance.accept_document, ledger, ayla.address, DocumentType.ARTIST_AGREEMENT, 1
    )
    once(done, "Ayla accepts", accept)
    step("Ayla accepted the artist agreement v1 herself")

    def relay() -> None:
        expiry = ledger.head().timestamp + 3_600  # the chain's time decides, not ours
        digest, nonce = compliance.acceptance_to_sign(
            ledger, crypto, dee.address, DocumentType.TERMS_OF_SERVICE, 1, expiry
        )
        compliance.relay_acceptance(
            ledger,
            operator.address,
            dee.address,
            DocumentType.TERMS_OF_SERVICE,
            1,
            nonce=nonce,
            expiry=expiry,
            signature=crypto.sign_digest(dee.key, digest),
        )

    once(done, "Dee accepts", relay)
    step("Dee signed the terms of service v1; the operator relayed her signature")


def _publish(
    ledger: DevLedger,
    done: Progress,
    operator: Person,
    ayla: Person,
    bo: Person,
    cy: Person,
    step: Callable[[str], None],
) -> tuple[int, int, int]:
    publish = partial(
        catalog.publish_release,
        ledger,
        operator.address,
        artist=ayla.address,
        title="Midnight Static",
        artist_name="Ayla & the Wires",
        content_hash=Hash32.of(b"midnight-static.flac"),
        max_editions=100,
        royalty_bps=1_000,
        split=Split((ayla.address, bo.address, cy.address), (5_000, 3_000, 2_000)),
    )
    release_id = once_int(done, "release", publish)
    step(
        f"published release {release_id} 'Midnight Static': 100 editions, 10% royalty, "
        "split Ayla 50% / Bo 30% / Cy 20%"
    )
    mint = partial(catalog.mint_edition, ledger, operator.address, release_id, ayla.address)
    first = once_int(done, "edition 1", mint)
    second = once_int(done, "edition 2", mint)
    step(f"minted editions 1 and 2 (tokens {first} and {second}) to Ayla")
    return release_id, first, second


def _trade(
    ledger: DevLedger,
    done: Progress,
    people: tuple[Person, Person, Person, Person],
    usdt: Address,
    minted: tuple[int, int, int],
    step: Callable[[str], None],
) -> None:
    ayla, dee, eli, mkt = people
    release_id, first, second = minted

    def sale(
        name: str, seller: Person, buyer: Person, token: int, currency: Address, price: int
    ) -> None:
        offer = partial(sales.offer_edition, ledger, seller.address, token, currency, price)
        once(done, f"{name} offered", offer)
        once(done, f"{name} bought", partial(sales.buy_edition, ledger, buyer.address, token))

    sale("first sale", ayla, dee, first, NATIVE, 1 * ETH)
    step("Dee bought edition 1 from Ayla for 1 coin (primary sale: all but the fee to the split)")
    sale("second sale", ayla, eli, second, usdt, 500 * USDT)
    step("Eli bought edition 2 from Ayla for 500 USDT (primary sale)")
    sale("resale", dee, eli, first, NATIVE, 2 * ETH)
    step("Eli bought edition 1 from Dee for 2 coin (resale: 10% royalty to the split)")
    once(done, "fund Mkt again", partial(ledger.fund, mkt.address, 1 * ETH))
    pay = partial(sales.pay_royalties, ledger, mkt.address, release_id, NATIVE, 3 * ETH // 10)
    once(done, "royalties paid in", pay)
    step("an outside marketplace paid 0.3 coin of royalties in for the release")


def _withdraw_all(
    ledger: DevLedger,
    done: Progress,
    people: tuple[Person, ...],
    usdt: Address,
    step: Callable[[str], None],
) -> None:
    for someone in people:
        for currency, unit in ((NATIVE, "coin"), (usdt, "USDT")):
            if ledger.payout(someone.address, currency):
                withdraw = partial(sales.withdraw, ledger, someone.address, currency)
                amount = once_int(done, f"{someone.name} withdraws {unit}", withdraw)
                decimals = 18 if currency == NATIVE else 6
                step(f"{someone.name} withdrew {format_units(amount, decimals)} {unit}")


def _rewards(
    ledger: DevLedger,
    done: Progress,
    operator: Person,
    vera: Person,
    dee: Person,
    eli: Person,
    step: Callable[[str], None],
) -> None:
    fund = partial(
        rewards.fund_pool,
        ledger,
        operator.address,
        Pool.LISTENING,
        1_000_000 * DCMX,
        daily_limit=100 * DCMX,
    )
    once(done, "listening pool", fund)
    once(
        done, "Vera verifies", partial(ledger.execute, operator.address, AddVerifier(vera.address))
    )
    step("funded the listening pool with 1,000,000 DCMX (100 DCMX a user a day); Vera verifies")
    proof = Hash32.of(b"dee listened 6h")
    claim = partial(rewards.submit_claim, ledger, dee.address, Pool.LISTENING, 60 * DCMX, proof)
    good = once_int(done, "Dee claims", claim)
    once(
        done,
        "Dee's claim reviewed",
        partial(rewards.review_claim, ledger, vera.address, good, approved=True),
    )
    once(done, "Dee's claim paid", partial(rewards.pay_claim, ledger, dee.address, good))
    step(f"Dee's claim {good} for 60 DCMX was verified and paid by minting")
    proof = Hash32.of(b"eli: bot traffic")
    claim = partial(rewards.submit_claim, ledger, eli.address, Pool.LISTENING, 90 * DCMX, proof)
    bad = once_int(done, "Eli claims", claim)
    reject = partial(rewards.review_claim, ledger, vera.address, bad, approved=False)
    once(done, "Eli's claim reviewed", reject)
    step(f"Eli's claim {bad} for 90 DCMX was rejected; it can never be paid")


def _deletion(
    ledger: DevLedger,
    done: Progress,
    crypto: EthCrypto,
    clock: Clock,
    profiles: ProfileRepository,
    operator: Person,
    eli: Person,
    step: Callable[[str], None],
) -> None:
    def request() -> int:
        profile = UserProfile(eli.address, "Eli", email="eli@example.org", country="DE")
        profiles.save_profile(profile)
        expiry = ledger.head().timestamp + 3_600  # the chain's time decides, not ours
        digest, nonce = compliance.deletion_to_sign(
            ledger, crypto, eli.address, Regime.GDPR, expiry
        )
        return compliance.relay_deletion_request(
            ledger,
            operator.address,
            eli.address,
            Regime.GDPR,
            nonce=nonce,
            expiry=expiry,
            signature=crypto.sign_digest(eli.key, digest),
        )

    request_id = once_int(done, "Eli's deletion request", request)
    step(f"Eli signed a GDPR deletion request ({request_id}); the operator relayed it")
    process = partial(
        compliance.process_deletion, ledger, operator.address, profiles, clock, request_id
    )
    once(done, "Eli's deletion processed", process)
    gone = profiles.get_profile(eli.address) is None
    step(f"request {request_id} processed: Eli's profile erased ({gone}), erasure recorded")


def _holding(ledger: DevLedger, someone: Person, usdt: Address) -> Holding:
    return Holding(
        someone.name,
        someone.address,
        ledger.native_balance(someone.address),
        ledger.balance_in(usdt, someone.address),
        ledger.token_balance(someone.address),
        ledger.nft_balance(someone.address),
        ledger.payout(someone.address, NATIVE),
        ledger.payout(someone.address, usdt),
    )
