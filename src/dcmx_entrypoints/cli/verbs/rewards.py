"""Verbs of rewards: fund a pool, and take a claim from submission to payment
(``dcmx_core.services.rewards``). Reward amounts are DCMX: 18 decimals with ``--units``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dcmx_core.commands import AddVerifier, SubmitClaim
from dcmx_core.model.enums import Pool
from dcmx_core.model.values import Hash32
from dcmx_core.services import rewards
from dcmx_entrypoints.cli.verbs.chain import (
    DCMX_DECIMALS,
    OpenChain,
    Outcome,
    VerbOptions,
    known_accounts,
    run_verb,
)
from dcmx_entrypoints.cli.verbs.inputs import OPERATOR, parse_amount, parse_choice
from dcmx_entrypoints.cli.verbs.options import (
    JsonOption,
    KeystoreOption,
    LocalChainOption,
    SenderOption,
    UnitsOption,
)
from dcmx_entrypoints.cli.verbs.wallet import PrepareOption, run_prepare
from dcmx_entrypoints.units import format_units

reward = typer.Typer(help="Reward pools and claims, paid in DCMX.", no_args_is_help=True)

POOLS = ", ".join(p.name.lower() for p in Pool)
ClaimArgument = Annotated[int, typer.Argument(metavar="CLAIM", help="The claim's id.")]


def _dcmx(amount: int) -> str:
    return f"{format_units(amount, DCMX_DECIMALS)} DCMX"


@reward.command("allocate")
def allocate(
    pool: Annotated[str, typer.Argument(help=f"The pool: {POOLS}.")],
    amount: Annotated[str, typer.Argument(help="How much to add to the pool's allocation.")],
    daily_limit: Annotated[
        str | None,
        typer.Option(help="Also set what one user may claim from the pool in a UTC day."),
    ] = None,
    units: UnitsOption = False,
    sender: SenderOption = OPERATOR,
    keystore: KeystoreOption = None,
    local_chain: LocalChainOption = False,
    as_json: JsonOption = False,
) -> None:
    """Raise a pool's allocation, and set its per-user daily limit when given (the admin of
    the reward vault). A pool whose daily limit was never set pays nobody."""
    accounts = known_accounts(local_chain, keystore)
    admin = accounts.sender(sender)
    which = parse_choice(pool, Pool, "POOL")
    added = parse_amount(amount, "AMOUNT", units=units, decimals=DCMX_DECIMALS)
    limit = (
        None
        if daily_limit is None
        else parse_amount(daily_limit, "--daily-limit", units=units, decimals=DCMX_DECIMALS)
    )

    def act(chain: OpenChain) -> Outcome:
        rewards.fund_pool(chain.ledger, admin.address, which, added, daily_limit=limit)
        state = chain.ledger.pool(which)
        return Outcome(
            f"the {which.name.lower()} pool now holds {_dcmx(state.allocation)} "
            f"({_dcmx(state.daily_limit)} a user a day)",
            {
                "pool": which.name.lower(),
                "allocation": str(state.allocation),
                "daily_limit": str(state.daily_limit),
            },
        )

    run_verb(VerbOptions("reward allocate", local_chain, as_json), act, accounts)


@reward.command("add-verifier")
def add_verifier(
    account: Annotated[
        str, typer.Argument(metavar="ACCOUNT", help="Who may verify claims: a name or an address.")
    ],
    sender: SenderOption = OPERATOR,
    keystore: KeystoreOption = None,
    local_chain: LocalChainOption = False,
    as_json: JsonOption = False,
) -> None:
    """Let ACCOUNT verify and reject claims (the reward vault's admin)."""
    accounts = known_accounts(local_chain, keystore)
    admin = accounts.sender(sender)
    verifier = accounts.address(account, "ACCOUNT")

    def act(chain: OpenChain) -> Outcome:
        chain.ledger.execute(admin.address, AddVerifier(verifier))
        return Outcome(
            f"{accounts.label(verifier)} may verify claims",
            {"verifier": chain.render.address(verifier)},
        )

    run_verb(VerbOptions("reward add-verifier", local_chain, as_json), act, accounts)


@reward.command("submit")
def submit(
    pool: Annotated[str, typer.Option(help=f"The pool: {POOLS}.")],
    amount: Annotated[str, typer.Option(help="How much the user claims.")],
    proof: Annotated[
        str,
        typer.Option(help="The proof of the contribution; its SHA-256 goes on chain, once."),
    ],
    units: UnitsOption = False,
    sender: SenderOption = OPERATOR,
    keystore: KeystoreOption = None,
    local_chain: LocalChainOption = False,
    as_json: JsonOption = False,
    prepare: PrepareOption = False,
) -> None:
    """Claim a reward for a proven contribution (the user sends it)."""
    which = parse_choice(pool, Pool, "--pool")
    claimed = parse_amount(amount, "--amount", units=units, decimals=DCMX_DECIMALS)
    proof_hash = Hash32.of(proof.encode())
    if prepare:
        command = SubmitClaim(which, claimed, proof_hash)
        run_prepare("reward submit", sender, lambda _c, _u: [command], local_chain=local_chain)
        return
    accounts = known_accounts(local_chain, keystore)
    user = accounts.sender(sender)

    def act(chain: OpenChain) -> Outcome:
        claim_id = rewards.submit_claim(chain.ledger, user.address, which, claimed, proof_hash)
        return Outcome(
            f"{user.name} claimed {_dcmx(claimed)} from the {which.name.lower()} pool: "
            f"claim {claim_id}",
            {"claim_id": claim_id, "proof_hash": proof_hash.to_hex()},
        )

    run_verb(VerbOptions("reward submit", local_chain, as_json), act, accounts)


def _review(
    claim_id: int, approved: bool, sender: str, keystore: Path | None, options: VerbOptions
) -> None:
    accounts = known_accounts(options.local_chain, keystore)
    verifier = accounts.sender(sender)

    def act(chain: OpenChain) -> Outcome:
        rewards.review_claim(chain.ledger, verifier.address, claim_id, approved=approved)
        done = "verified" if approved else "rejected"
        return Outcome(
            f"{verifier.name} {done} claim {claim_id}",
            {"claim_id": claim_id, "status": done},
        )

    run_verb(options, act, accounts)


@reward.command("verify")
def verify(
    claim_id: ClaimArgument,
    sender: SenderOption = OPERATOR,
    keystore: KeystoreOption = None,
    local_chain: LocalChainOption = False,
    as_json: JsonOption = False,
) -> None:
    """Approve a pending claim, reserving its amount in the pool (a verifier)."""
    _review(claim_id, True, sender, keystore, VerbOptions("reward verify", local_chain, as_json))


@reward.command("reject")
def reject(
    claim_id: ClaimArgument,
    sender: SenderOption = OPERATOR,
    keystore: KeystoreOption = None,
    local_chain: LocalChainOption = False,
    as_json: JsonOption = False,
) -> None:
    """Reject a pending claim for good; its amount goes back to the user's day (a verifier)."""
    _review(claim_id, False, sender, keystore, VerbOptions("reward reject", local_chain, as_json))


@reward.command("pay")
def pay(
    claim_id: ClaimArgument,
    sender: SenderOption = OPERATOR,
    keystore: KeystoreOption = None,
    local_chain: LocalChainOption = False,
    as_json: JsonOption = False,
) -> None:
    """Pay a verified claim to its user by minting DCMX (anyone may send it)."""
    accounts = known_accounts(local_chain, keystore)
    payer = accounts.sender(sender)

    def act(chain: OpenChain) -> Outcome:
        amount = rewards.pay_claim(chain.ledger, payer.address, claim_id)
        user = chain.accounts.label(chain.ledger.claim(claim_id).user)
        return Outcome(
            f"claim {claim_id} paid: {_dcmx(amount)} minted to {user}",
            {"claim_id": claim_id, "amount": str(amount)},
        )

    run_verb(VerbOptions("reward pay", local_chain, as_json), act, accounts)


def register(app: typer.Typer) -> None:
    """Add ``dcmx reward`` to the ``dcmx`` command."""
    app.add_typer(reward, name="reward")
