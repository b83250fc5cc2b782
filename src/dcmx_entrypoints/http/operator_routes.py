"""The operator's write endpoints: each runs one use case of the core on the ledger, sent by the
operator, for a caller holding an API key with the endpoint's scope."""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at run time,
# and the key dependencies are values local to the function that builds the routes.

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from dcmx_core.commands import AddVerifier
from dcmx_core.exceptions import UnknownDocument
from dcmx_core.model.access import ApiKey, Scope
from dcmx_core.model.enums import DocumentType, Pool
from dcmx_core.model.royalties import Split
from dcmx_core.services import catalog, compliance, rewards, sales
from dcmx_entrypoints.http.access import KeyCheck
from dcmx_entrypoints.http.problems import problem_responses
from dcmx_entrypoints.http.signed_requests import SignedRequests
from dcmx_entrypoints.http.write_schemas import (
    DOCUMENT_TYPES,
    MAX_ID,
    POOLS,
    AcceptanceIn,
    AmountOutcome,
    DocumentIn,
    DocumentOutcome,
    EditionOutcome,
    ErasureOutcome,
    ListingIn,
    MintIn,
    Outcome,
    PoolFundingIn,
    ReleaseIn,
    ReleaseOutcome,
    ReviewIn,
    RoyaltyIn,
    SaleOutcome,
    StrictDigits,
    VerifierIn,
    WithdrawalIn,
)
from dcmx_entrypoints.http.writing import Writes, amount, as_ledger, hash32
from dcmx_entrypoints.running import CommittedProfiles

PROBLEMS = problem_responses(401, 403, 404, 408, 409, 413, 422, 429)

Id = Annotated[int, Path(ge=1, le=MAX_ID), StrictDigits]
PoolName = Annotated[str, Path(pattern="^(" + "|".join(POOLS) + ")$")]
DocumentTypeName = Annotated[str, Path(pattern="^(" + "|".join(DOCUMENT_TYPES) + ")$")]


def _options(summary: str, scope: Scope, status: int = 200, **more: Any) -> dict[str, Any]:
    return {
        "summary": summary,
        "description": f"Sent by the operator. Needs an API key with the scope `{scope.value}` "
        "(or `admin`). " + more.pop("description", ""),
        "status_code": status,
        "responses": PROBLEMS,
        **more,
    }


def operator_routes(writes: Writes, keys: KeyCheck, signed: SignedRequests) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["operator"])
    releases_key = Depends(keys.requiring(Scope.RELEASES_WRITE))
    sales_key = Depends(keys.requiring(Scope.SALES_WRITE))
    rewards_key = Depends(keys.requiring(Scope.REWARDS_WRITE))
    compliance_key = Depends(keys.requiring(Scope.COMPLIANCE_WRITE))
    admin_key = Depends(keys.requiring(Scope.ADMIN))

    @router.post(
        "/releases",
        response_model=ReleaseOutcome,
        **_options("Publish a release with its split", Scope.RELEASES_WRITE, 201),
    )
    def publish(body: ReleaseIn, _key: ApiKey = releases_key) -> ReleaseOutcome:
        split = Split(
            tuple(writes.address(s.recipient) for s in body.split),
            tuple(s.share_bps for s in body.split),
        )
        artist, content_hash = writes.address(body.artist), hash32(body.content_hash)
        with writes.sending() as sent:
            release_id = catalog.publish_release(
                as_ledger(sent),
                writes.operator,
                artist=artist,
                title=body.title,
                artist_name=body.artist_name,
                content_hash=content_hash,
                max_editions=body.max_editions,
                royalty_bps=body.royalty_bps,
                split=split,
            )
        return writes.outcome(sent, ReleaseOutcome, release_id=release_id)

    @router.post(
        "/releases/{release_id}/editions",
        response_model=EditionOutcome,
        **_options("Mint the release's next edition to a recipient", Scope.RELEASES_WRITE, 201),
    )
    def mint(release_id: Id, body: MintIn, _key: ApiKey = releases_key) -> EditionOutcome:
        recipient = writes.address(body.recipient)
        with writes.sending() as sent:
            token_id = catalog.mint_edition(as_ledger(sent), writes.operator, release_id, recipient)
        return writes.outcome(sent, EditionOutcome, token_id=token_id)

    @router.post(
        "/editions/{token_id}/listing",
        response_model=Outcome,
        **_options(
            "List an edition the operator owns for sale",
            Scope.SALES_WRITE,
            description="Lets the royalty distributor move the operator's editions first, if "
            "it may not yet (in `prepared`).",
        ),
    )
    def list_edition(token_id: Id, body: ListingIn, _key: ApiKey = sales_key) -> Outcome:
        currency, price = writes.address(body.currency), amount("price", body.price)
        with writes.sending() as sent:
            sales.offer_edition(as_ledger(sent), writes.operator, token_id, currency, price)
        return writes.outcome(sent, Outcome)

    @router.post(
        "/editions/{token_id}/purchase",
        response_model=SaleOutcome,
        **_options(
            "Buy a listed edition for the operator, at its listed price",
            Scope.SALES_WRITE,
            description="Approves a token payment first where needed (in `prepared`).",
        ),
    )
    def buy(token_id: Id, _key: ApiKey = sales_key) -> SaleOutcome:
        with writes.sending() as sent:
            sold = sales.buy_edition(as_ledger(sent), writes.operator, token_id)
        return writes.outcome(sent, SaleOutcome, settlement_id=sold.settlement_id)

    @router.post(
        "/releases/{release_id}/royalties",
        response_model=Outcome,
        **_options("Pay royalties in for a release, shared by its split", Scope.SALES_WRITE),
    )
    def royalties(release_id: Id, body: RoyaltyIn, _key: ApiKey = sales_key) -> Outcome:
        currency, paid = writes.address(body.currency), amount("amount", body.amount)
        with writes.sending() as sent:
            sales.pay_royalties(as_ledger(sent), writes.operator, release_id, currency, paid)
        return writes.outcome(sent, Outcome)

    @router.post(
        "/payouts/withdrawals",
        response_model=AmountOutcome,
        **_options("Withdraw what the operator is owed in a currency", Scope.SALES_WRITE),
    )
    def withdraw(body: WithdrawalIn, _key: ApiKey = sales_key) -> AmountOutcome:
        currency = writes.address(body.currency)
        with writes.sending() as sent:
            paid = sales.withdraw(as_ledger(sent), writes.operator, currency)
        return writes.outcome(sent, AmountOutcome, amount=str(paid))

    @router.post(
        "/reward-pools/{pool}/funding",
        response_model=Outcome,
        **_options(
            "Raise a reward pool's allocation (and set its daily limit)", Scope.REWARDS_WRITE
        ),
    )
    def fund(pool: PoolName, body: PoolFundingIn, _key: ApiKey = rewards_key) -> Outcome:
        added = amount("amount", body.amount)
        limit = None if body.daily_limit is None else amount("daily_limit", body.daily_limit)
        with writes.sending() as sent:
            rewards.fund_pool(
                as_ledger(sent), writes.operator, Pool[pool.upper()], added, daily_limit=limit
            )
        return writes.outcome(sent, Outcome)

    @router.post(
        "/verifiers",
        response_model=Outcome,
        **_options("Make an account a claim verifier", Scope.ADMIN, 201),
    )
    def add_verifier(body: VerifierIn, _key: ApiKey = admin_key) -> Outcome:
        account = writes.address(body.account)
        with writes.sending() as sent:
            sent.execute(writes.operator, AddVerifier(account))
        return writes.outcome(sent, Outcome)

    @router.post(
        "/claims/{claim_id}/review",
        response_model=Outcome,
        **_options(
            "Verify (reserving the amount) or reject a pending claim",
            Scope.REWARDS_WRITE,
            description="The operator must be a verifier (`POST /v1/verifiers`).",
        ),
    )
    def review(claim_id: Id, body: ReviewIn, _key: ApiKey = rewards_key) -> Outcome:
        with writes.sending() as sent:
            rewards.review_claim(as_ledger(sent), writes.operator, claim_id, approved=body.approved)
        return writes.outcome(sent, Outcome)

    @router.post(
        "/claims/{claim_id}/payment",
        response_model=AmountOutcome,
        **_options("Pay a verified claim to its user by minting", Scope.REWARDS_WRITE),
    )
    def pay(claim_id: Id, _key: ApiKey = rewards_key) -> AmountOutcome:
        with writes.sending() as sent:
            paid = rewards.pay_claim(as_ledger(sent), writes.operator, claim_id)
        return writes.outcome(sent, AmountOutcome, amount=str(paid))

    @router.post(
        "/documents/{doc_type}/versions",
        response_model=DocumentOutcome,
        **_options(
            "Register a version of a legal document by the SHA-256 of its text",
            Scope.COMPLIANCE_WRITE,
            201,
        ),
    )
    def register(
        doc_type: DocumentTypeName, body: DocumentIn, _key: ApiKey = compliance_key
    ) -> DocumentOutcome:
        kind = DocumentType[doc_type.upper()]
        with writes.sending() as sent:
            registered = compliance.register_document(
                as_ledger(sent), writes.operator, kind, body.version, body.text.encode()
            )
        return writes.outcome(sent, DocumentOutcome, document_hash=registered.to_hex())

    @router.post(
        "/acceptances",
        response_model=Outcome,
        **_options(
            "Relay an acceptance the user signed (EIP-712)",
            Scope.COMPLIANCE_WRITE,
            201,
            description="The compliance contract verifies the user's signature; the API checks "
            "it first (signer, expiry, the user's nonce on the contract).",
        ),
    )
    def relay_acceptance(body: AcceptanceIn, _key: ApiKey = compliance_key) -> Outcome:
        return relayed_acceptance(writes, signed, body, by_user=False)

    @router.post(
        "/deletion-requests/{request_id}/processing",
        response_model=ErasureOutcome,
        **_options(
            "Carry out a deletion request: erase the profile, then record it on chain",
            Scope.COMPLIANCE_WRITE,
        ),
    )
    def process(request_id: Id, _key: ApiKey = compliance_key) -> ErasureOutcome:
        profiles = CommittedProfiles(writes.unit_of_work)
        with writes.sending() as sent:
            erased = compliance.process_deletion(
                as_ledger(sent), writes.operator, profiles, writes.clock, request_id
            )
        return writes.outcome(
            sent,
            ErasureOutcome,
            user=writes.render.address(erased.address),
            erased_at=erased.erased_at,
        )

    return router


def relayed_acceptance(
    writes: Writes, signed: SignedRequests, body: AcceptanceIn, *, by_user: bool
) -> Outcome:
    """Check a user's EIP-712 acceptance, then relay it as the operator. Sent by the user
    (``by_user``), its expiry is bounded and it counts against the user's rate limit."""
    user = writes.address(body.user)
    kind = DocumentType[body.doc_type.upper()]
    signed.check_expiry(body.expiry, bounded=by_user)
    with writes.sending() as sent:
        ledger = as_ledger(sent)
        document_hash = ledger.document_hash(kind, body.version)
        if document_hash is None:
            raise UnknownDocument(kind.name, body.version)
        typed = signed.acceptance(
            ledger, user, kind, body.version, document_hash, body.nonce, body.expiry
        )
        signed.check_typed(user, bytes.fromhex(typed.digest[2:]), body.signature)
        if by_user:
            signed.take_address(user)
        signed.check_contract_nonce(ledger, user, body.nonce)
        signed.use_signature(user, body.signature, body.expiry)
        compliance.relay_acceptance(
            ledger,
            writes.operator,
            user,
            kind,
            body.version,
            nonce=body.nonce,
            expiry=body.expiry,
            signature=bytes.fromhex(body.signature[2:]),
        )
    return writes.outcome(sent, Outcome)
