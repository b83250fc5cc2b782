"""A user's own transactions, signed in the user's own wallet: the API prepares them unsigned
(``POST /v1/transactions/prepare/...``) and relays them once signed (``POST
/v1/transactions``). The server never holds a user's key, and needs none: what the user signs
is the transaction itself, which the chain checks.

On an EVM chain a prepared transaction is what ``eth_signTransaction`` and
``eth_sendTransaction`` take; on TRON it is java-tron's ``triggersmartcontract`` answer
(``raw_data``, ``raw_data_hex``, ``txID``), what TronLink's ``signTransaction`` takes. Only a
call of one of the platform's contracts is relayed (or a payment token's approval of the
distributor, ahead of a purchase). No API key is needed: each request takes a token of the
client IP's rate limit.
"""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at run time.

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from fastapi import APIRouter, Depends, Request

from dcmx_adapters.evm.ledger import WalletsUnsupported
from dcmx_adapters.evm.wallet import RelayRefused, SendRefused
from dcmx_adapters.tron.refusals import Refused
from dcmx_core.commands import Approve, Command, RequestDeletion, SubmitClaim, Transfer, Withdraw
from dcmx_core.model.enums import DocumentType, Pool, Regime
from dcmx_core.model.values import Address
from dcmx_core.ports import Ledger, WalletLedger
from dcmx_core.services import compliance, sales
from dcmx_entrypoints.http.problems import ApiRefusal, problem_responses
from dcmx_entrypoints.http.signed_requests import SignedRequests
from dcmx_entrypoints.http.wallet_schemas import (
    AcceptancePrepareIn,
    ApprovalPrepareIn,
    ClaimPrepareIn,
    DeletionPrepareIn,
    ListingPrepareIn,
    Prepared,
    PurchasePrepareIn,
    SignedIn,
    TransferPrepareIn,
    WithdrawalPrepareIn,
)
from dcmx_entrypoints.http.write_schemas import Transaction
from dcmx_entrypoints.http.writing import Writes, amount, as_ledger, hash32

PROBLEMS = problem_responses(404, 408, 409, 413, 422, 429, 501)

PREPARE_PATH = "/v1/transactions/prepare"


def wallet_routes(writes: Writes, signed: SignedRequests) -> APIRouter:
    router = APIRouter(prefix="/v1/transactions", tags=["signed in wallets"])

    def client(request: Request) -> None:
        signed.take_client(request.client.host if request.client else "unknown")

    def options(summary: str, description: str, status: int = 200) -> dict[str, Any]:
        return {
            "summary": summary,
            "description": description,
            "status_code": status,
            "responses": PROBLEMS,
            "dependencies": [Depends(client)],
        }

    def prepare(user_text: str, plan: Callable[[Ledger, Address], Sequence[Command]]) -> Prepared:
        user = writes.address(user_text)
        with writes.sending() as sent, _wallet_ledger(writes) as ledger:
            transactions = ledger.prepare(user, plan(as_ledger(sent), user))
        return Prepared(
            chain=writes.chain, user=writes.render.address(user), transactions=transactions
        )

    @router.post(
        "/prepare/purchases",
        response_model=Prepared,
        **options(
            "Prepare a purchase at the listed price, for the buyer's wallet",
            "An approval of the payment token first where the buyer's allowance falls short, "
            "then the purchase: sign and relay them in order.",
        ),
    )
    def purchase(body: PurchasePrepareIn) -> Prepared:
        return prepare(body.user, lambda ledger, user: sales.purchase(ledger, user, body.token_id))

    @router.post(
        "/prepare/listings",
        response_model=Prepared,
        **options(
            "Prepare a listing of the user's edition, for the seller's wallet",
            "Letting the distributor move the seller's editions first, unless it may already.",
        ),
    )
    def listing(body: ListingPrepareIn) -> Prepared:
        currency, price = writes.address(body.currency), amount("price", body.price)
        return prepare(
            body.user,
            lambda ledger, user: sales.listing(ledger, user, body.token_id, currency, price),
        )

    @router.post(
        "/prepare/claims",
        response_model=Prepared,
        **options("Prepare a reward claim, for the user's wallet", "One transaction."),
    )
    def claim(body: ClaimPrepareIn) -> Prepared:
        command = SubmitClaim(
            Pool[body.pool.upper()], amount("amount", body.amount), hash32(body.proof_hash)
        )
        return prepare(body.user, lambda _ledger, _user: [command])

    @router.post(
        "/prepare/withdrawals",
        response_model=Prepared,
        **options("Prepare a withdrawal of what the user is owed", "One transaction."),
    )
    def withdrawal(body: WithdrawalPrepareIn) -> Prepared:
        command = Withdraw(writes.address(body.currency))
        return prepare(body.user, lambda _ledger, _user: [command])

    @router.post(
        "/prepare/transfers",
        response_model=Prepared,
        **options("Prepare a transfer of DCMX from the user", "One transaction."),
    )
    def transfer(body: TransferPrepareIn) -> Prepared:
        command = Transfer(writes.address(body.to), amount("amount", body.amount))
        return prepare(body.user, lambda _ledger, _user: [command])

    @router.post(
        "/prepare/approvals",
        response_model=Prepared,
        **options("Prepare an approval of DCMX for a spender", "One transaction."),
    )
    def approval(body: ApprovalPrepareIn) -> Prepared:
        command = Approve(writes.address(body.spender), amount("amount", body.amount))
        return prepare(body.user, lambda _ledger, _user: [command])

    @router.post(
        "/prepare/acceptances",
        response_model=Prepared,
        **options(
            "Prepare the user's acceptance of a registered document version",
            "Accepted by its registered hash, sent by the user (no relayer needed).",
        ),
    )
    def acceptance(body: AcceptancePrepareIn) -> Prepared:
        kind = DocumentType[body.doc_type.upper()]
        return prepare(
            body.user, lambda ledger, _user: [compliance.acceptance(ledger, kind, body.version)]
        )

    @router.post(
        "/prepare/deletion-requests",
        response_model=Prepared,
        **options("Prepare the user's request to delete their personal data", "One transaction."),
    )
    def deletion(body: DeletionPrepareIn) -> Prepared:
        command = RequestDeletion(Regime[body.regime.upper()])
        return prepare(body.user, lambda _ledger, _user: [command])

    @router.post(
        "",
        response_model=Transaction,
        **options(
            "Relay a transaction the user's wallet signed",
            "`signed` is the raw signed transaction as 0x hex on an EVM chain, or java-tron's "
            "JSON of the signed transaction (with `signature`) on TRON. Only a call of one of "
            "the platform's contracts is relayed. Answers with its receipt and events, or with "
            "the refusal of the rule that reverted it.",
            201,
        ),
    )
    def relay(body: SignedIn) -> Transaction:
        with writes.sending(), _wallet_ledger(writes) as ledger:
            try:
                receipt = ledger.relay(body.signed)
            except RelayRefused as refused:
                raise ApiRefusal("transaction-refused", str(refused)) from None
            except (SendRefused, Refused) as refused:
                raise ApiRefusal("transaction-not-sent", str(refused)) from None
        return writes.transaction(receipt)

    return router


@contextmanager
def _wallet_ledger(writes: Writes) -> Iterator[WalletLedger]:
    """The ledger, if its users can sign in their own wallets on it."""
    ledger = writes.ledger
    if not isinstance(ledger, WalletLedger):
        raise ApiRefusal("wallets-unsupported", _LOCAL)
    try:
        yield ledger
    except WalletsUnsupported:
        raise ApiRefusal("wallets-unsupported", _LOCAL) from None


_LOCAL = (
    "this chain signs for its own accounts (a local chain): use the /v1/signed/... routes, "
    "which send as the user"
)
