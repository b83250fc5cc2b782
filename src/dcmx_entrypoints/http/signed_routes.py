"""A user's own requests, signed by the user's wallet, with no API key: submit a reward claim,
buy a listed edition (EIP-191), accept a document and ask for deletion (EIP-712, relayed by
the operator). Each takes a token of the client IP's rate limit before anything is read, and
one of the signing address's once the signature is known to be the user's."""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at run time.

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from dcmx_core.exceptions import UnknownDocument, WrongCurrency, WrongPayment
from dcmx_core.model.enums import DocumentType, Pool, Regime
from dcmx_core.services import compliance, rewards, sales
from dcmx_entrypoints.http.operator_routes import relayed_acceptance
from dcmx_entrypoints.http.problems import problem_responses
from dcmx_entrypoints.http.signed_requests import (
    ETHEREUM_PREFIX,
    HEADER,
    MESSAGE_FORMAT,
    TRON_PREFIX,
    SignedRequests,
)
from dcmx_entrypoints.http.write_schemas import (
    AcceptanceIn,
    AddressIn,
    ClaimIn,
    ClaimOutcome,
    DeletionIn,
    DeletionOutcome,
    DocumentTypeIn,
    ExpiresIn,
    IdIn,
    MessageFormat,
    Outcome,
    PurchaseIn,
    RegimeIn,
    SaleOutcome,
    TypedData,
)
from dcmx_entrypoints.http.writing import Writes, amount, as_ledger, hash32

PROBLEMS = problem_responses(403, 404, 408, 409, 413, 422, 429)

TYPED = """Signed with EIP-712 (`eth_signTypedData_v4`) over the typed data that
`{path}` answers with (domain `DCMX Compliance`, version `1`, the chain's id and the compliance
contract). The compliance contract verifies this signature itself when the operator relays it,
so no one can consent for the user; the API checks it first. `nonce` is the user's next nonce
on the contract (an older one: 409 `nonce-used`); `expiry` must be in the future and at most
the configured bound ahead."""


def _personal(action: str, fields: str) -> str:
    return (
        f"Signed with EIP-191 over the canonical message of action `{action}`, whose fields are, "
        f"in order: {fields}.\n\n{MESSAGE_FORMAT}"
    )


def signed_routes(writes: Writes, signed: SignedRequests) -> APIRouter:
    router = APIRouter(prefix="/v1/signed", tags=["signed by users"])

    def client(request: Request) -> None:
        signed.take_client(request.client.host if request.client else "unknown")

    limited = [Depends(client)]

    def options(summary: str, description: str, status: int = 201) -> dict[str, Any]:
        return {
            "summary": summary,
            "description": description,
            "status_code": status,
            "responses": PROBLEMS,
            "dependencies": limited,
        }

    @router.get(
        "/message-format",
        response_model=MessageFormat,
        **options("How to build the message of a signed request", MESSAGE_FORMAT, 200),
    )
    def message_format() -> MessageFormat:
        prefix = TRON_PREFIX if writes.tron else ETHEREUM_PREFIX
        return MessageFormat(
            header=HEADER,
            chain=writes.chain,
            prefix=prefix.decode(),
            expiry_max=writes.limits.expiry_max,
        )

    @router.post(
        "/claims",
        response_model=ClaimOutcome,
        **options(
            "Submit a reward claim, sent as the user",
            _personal("submit-claim", "`pool`, `amount`, `proof_hash`"),
        ),
    )
    def claim(body: ClaimIn) -> ClaimOutcome:
        user = writes.address(body.user)
        claimed, proof = amount("amount", body.amount), hash32(body.proof_hash)
        signed.check_expiry(body.expires)
        fields = [("pool", body.pool), ("amount", str(claimed)), ("proof_hash", proof.to_hex())]
        message = signed.message("submit-claim", user, fields, body.nonce, body.expires)
        signed.check_personal(user, message, body.signature)
        signed.take_address(user)
        signed.use_nonce(user, body.nonce, body.expires)
        with writes.sending_for_user("/v1/transactions/prepare/claims") as sent:
            claim_id = rewards.submit_claim(
                as_ledger(sent), user, Pool[body.pool.upper()], claimed, proof
            )
        return writes.outcome(sent, ClaimOutcome, claim_id=claim_id)

    @router.post(
        "/purchases",
        response_model=SaleOutcome,
        **options(
            "Buy a listed edition at the price the user signed, sent as the user",
            _personal("buy-edition", "`token_id`, `currency`, `price`")
            + "\n\nThe listing must still ask for the signed currency and price.",
        ),
    )
    def purchase(body: PurchaseIn) -> SaleOutcome:
        user, currency = writes.address(body.user), writes.address(body.currency)
        price = amount("price", body.price)
        signed.check_expiry(body.expires)
        fields = [
            ("token_id", str(body.token_id)),
            ("currency", writes.render.address(currency)),
            ("price", str(price)),
        ]
        message = signed.message("buy-edition", user, fields, body.nonce, body.expires)
        signed.check_personal(user, message, body.signature)
        signed.take_address(user)
        signed.use_nonce(user, body.nonce, body.expires)
        with writes.sending_for_user("/v1/transactions/prepare/purchases") as sent:
            listing = sent.listing(body.token_id)
            if listing is not None and listing.currency != currency:
                raise WrongCurrency(listing.currency, currency)
            if listing is not None and listing.price != price:
                raise WrongPayment(listing.price, price)
            sold = sales.buy_edition(as_ledger(sent), user, body.token_id)
        return writes.outcome(sent, SaleOutcome, settlement_id=sold.settlement_id)

    @router.post(
        "/acceptances",
        response_model=Outcome,
        **options(
            "Accept a registered document version, relayed by the operator",
            TYPED.format(path="GET /v1/signed/acceptances/typed-data"),
        ),
    )
    def accept(body: AcceptanceIn) -> Outcome:
        return relayed_acceptance(writes, signed, body, by_user=True)

    @router.get(
        "/acceptances/typed-data",
        response_model=TypedData,
        **options(
            "The EIP-712 typed data a user signs to accept a document version",
            "With the user's next nonce on the contract and the registered hash.",
            200,
        ),
    )
    def acceptance_to_sign(
        user: Annotated[AddressIn, Query()],
        doc_type: Annotated[DocumentTypeIn, Query()],
        version: Annotated[IdIn, Query()],
        expiry: Annotated[ExpiresIn, Query()],
    ) -> TypedData:
        account, kind = writes.address(user), DocumentType[doc_type.upper()]
        with writes.sending() as sent:
            document_hash = sent.document_hash(kind, version)
            if document_hash is None:
                raise UnknownDocument(kind.name, version)
            nonce = sent.nonce_of(account)
            return signed.acceptance(
                as_ledger(sent), account, kind, version, document_hash, nonce, expiry
            )

    @router.post(
        "/deletion-requests",
        response_model=DeletionOutcome,
        **options(
            "Ask for the deletion of the user's personal data, relayed by the operator",
            TYPED.format(path="GET /v1/signed/deletion-requests/typed-data"),
        ),
    )
    def request_deletion(body: DeletionIn) -> DeletionOutcome:
        user, regime = writes.address(body.user), Regime[body.regime.upper()]
        signed.check_expiry(body.expiry)
        with writes.sending() as sent:
            ledger = as_ledger(sent)
            typed = signed.deletion(ledger, user, regime, body.nonce, body.expiry)
            signed.check_typed(user, bytes.fromhex(typed.digest[2:]), body.signature)
            signed.take_address(user)
            signed.check_contract_nonce(ledger, user, body.nonce)
            signed.use_signature(user, body.signature, body.expiry)
            request_id = compliance.relay_deletion_request(
                ledger,
                writes.operator,
                user,
                regime,
                nonce=body.nonce,
                expiry=body.expiry,
                signature=bytes.fromhex(body.signature[2:]),
            )
        return writes.outcome(sent, DeletionOutcome, request_id=request_id)

    @router.get(
        "/deletion-requests/typed-data",
        response_model=TypedData,
        **options(
            "The EIP-712 typed data a user signs to ask for deletion",
            "With the user's next nonce on the contract.",
            200,
        ),
    )
    def deletion_to_sign(
        user: Annotated[AddressIn, Query()],
        regime: Annotated[RegimeIn, Query()],
        expiry: Annotated[ExpiresIn, Query()],
    ) -> TypedData:
        account = writes.address(user)
        with writes.sending() as sent:
            nonce = sent.nonce_of(account)
            return signed.deletion(as_ledger(sent), account, Regime[regime.upper()], nonce, expiry)

    return router
