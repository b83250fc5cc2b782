"""Errors as RFC 9457 problem details (`application/problem+json`).

Every kind of error has a stable `type`: `/problems/<kind>`, relative to the API, where a
client can read what the kind means. A domain refusal's kind is its class name in kebab case
(`UnknownRelease` → `unknown-release`) and its status follows its branch of the error tree;
the API's own kinds (bad input, unknown route, not ready) are listed in `API_PROBLEMS`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, Final

from attrs import frozen
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DBAPIError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from dcmx_core import exceptions
from dcmx_core.exceptions import DcmxError

MEDIA_TYPE: Final = "application/problem+json"
PREFIX: Final = "/problems/"


class Problem(BaseModel):
    """An RFC 9457 problem: what went wrong, in a form a program can branch on (`type`)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="The kind of problem: a URI reference, stable per kind.")
    title: str = Field(description="A short summary of the kind of problem.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong this time.")
    instance: str = Field(description="The path of the request that met the problem.")


class ProblemDescription(BaseModel):
    """What a kind of problem means (the document a problem's `type` points to)."""

    type: str
    title: str
    status: int
    description: str


@frozen
class ProblemKind:
    name: str
    title: str
    status: int
    description: str

    @property
    def type(self) -> str:
        return PREFIX + self.name


API_PROBLEMS: Final[Mapping[str, ProblemKind]] = {
    kind.name: kind
    for kind in (
        ProblemKind(
            "validation-error",
            "Invalid request",
            422,
            "A path or query parameter is missing, malformed or out of its range (a page limit "
            "above the maximum, an unknown document type or event kind); `errors` says which.",
        ),
        ProblemKind(
            "invalid-cursor",
            "Invalid cursor",
            422,
            "The `after` cursor was not given out by this list; start again without it.",
        ),
        ProblemKind("not-found", "Not found", 404, "No resource lives at this path."),
        ProblemKind(
            "method-not-allowed", "Method not allowed", 405, "The resource does not offer it."
        ),
        ProblemKind(
            "not-ready",
            "Not ready",
            503,
            "A readiness check failed: the database, the ledger or the indexer's lag; "
            "`checks` says which.",
        ),
        ProblemKind(
            "database-unavailable",
            "Database unavailable",
            503,
            "The read models' database did not answer or refused the query.",
        ),
        ProblemKind("internal-error", "Internal error", 500, "Something failed on our side."),
        ProblemKind(
            "api-key-missing",
            "API key missing",
            401,
            "The endpoint needs an API key: `Authorization: Bearer <key>` or `X-API-Key: <key>`.",
        ),
        ProblemKind(
            "api-key-invalid",
            "API key invalid",
            401,
            "The key given is not one this API issued (malformed, unknown, or a wrong secret).",
        ),
        ProblemKind("api-key-revoked", "API key revoked", 401, "The key given was revoked."),
        ProblemKind(
            "scope-missing",
            "Scope missing",
            403,
            "The API key lacks the scope the endpoint needs; `scope` names it.",
        ),
        ProblemKind(
            "signature-invalid",
            "Signature invalid",
            403,
            "The signature is not the user's over the request: for a signed message, `message` "
            "is the text the API expected to be signed; for typed data, `digest` is the EIP-712 "
            "digest.",
        ),
        ProblemKind(
            "nonce-used",
            "Nonce used",
            409,
            "The signed request's nonce was used already by this address: a replay, refused. "
            "Sign the request again with a fresh nonce.",
        ),
        ProblemKind(
            "request-too-large",
            "Request too large",
            413,
            "The request's body is larger than the API accepts; `limit` says how many bytes.",
        ),
        ProblemKind(
            "request-timeout",
            "Request timeout",
            408,
            "The request's body did not all arrive in time; `seconds` says how long the API "
            "waits (DCMX_REQUEST_BODY_SECONDS). The connection is closed.",
        ),
        ProblemKind(
            "rate-limited",
            "Too many requests",
            429,
            "Too many requests from this API key, client or signing address; retry after the "
            "number of seconds in the `Retry-After` header.",
        ),
        ProblemKind(
            "operator-key-missing",
            "No operator key",
            503,
            "The server holds no operator key, so it cannot send the operator's transactions; "
            "reads still work. Its operator sets DCMX_KEYSTORE (with DCMX_KEYSTORE_PASSWORD) or "
            "DCMX_PRIVATE_KEY.",
        ),
        ProblemKind(
            "wallets-unsupported",
            "No wallet transactions on this chain",
            501,
            "This chain signs for its own accounts (a local chain): it prepares and relays no "
            "transactions signed in users' wallets. The /v1/signed/... routes send as the user.",
        ),
        ProblemKind(
            "transaction-refused",
            "Transaction refused",
            422,
            "The signed transaction is not one the API relays: malformed, for another chain, "
            "or calling no contract of the platform. `detail` says which.",
        ),
        ProblemKind(
            "transaction-not-sent",
            "Transaction not sent",
            409,
            "The node did not take the signed transaction, or it was not mined in time: its "
            "nonce was used, its fee is too low, its sender cannot pay for gas, or it is still "
            "pending. `detail` says which; prepare it again where it says so.",
        ),
        ProblemKind(
            "sender-unsupported",
            "Cannot send for this account",
            501,
            "The server holds no key for the account the transaction must come from: the user "
            "sends it from their own wallet. `prepare` names the route that prepares it; sign "
            "it in the wallet and relay it with POST /v1/transactions.",
        ),
    )
}

_BRANCH_STATUS: Final[tuple[tuple[type[DcmxError], int], ...]] = (
    (exceptions.InvalidArgument, 422),
    (exceptions.UnknownId, 404),
    (exceptions.Unauthorized, 403),
    (exceptions.InsufficientFunds, 409),
    (exceptions.CapExceeded, 409),
    (exceptions.Duplicate, 409),
    (exceptions.LimitExceeded, 409),
    (exceptions.StateConflict, 409),
)


class ApiRefusal(Exception):
    """A refusal of the API's own (not a domain rule's): a kind of ``API_PROBLEMS``, what went
    wrong, extra members of the problem and headers of the answer. The detail never carries a
    secret."""

    def __init__(
        self,
        kind: str,
        detail: str,
        *,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.kind = API_PROBLEMS[kind]
        self.detail = detail
        self.headers = dict(headers or {})
        self.extra = extra


class InvalidCursor(ValueError):
    """An `after` cursor this list did not give out."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"invalid cursor: {reason}")


def kebab(name: str) -> str:
    """`UnknownRelease` → `unknown-release`."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def domain_problem(kind: type[DcmxError]) -> ProblemKind:
    """The problem kind of a domain refusal: named after its class, status by its branch."""
    status = next((code for branch, code in _BRANCH_STATUS if issubclass(kind, branch)), 500)
    words = kebab(kind.__name__).replace("-", " ")
    # A class's docstring is its own (never inherited): many refusals need none.
    paragraph = (kind.__doc__ or "").strip().split("\n\n")[0]
    description = " ".join(paragraph.split()) or words.capitalize()
    return ProblemKind(kebab(kind.__name__), words.capitalize(), status, description)


def _domain_errors() -> Iterator[type[DcmxError]]:
    stack: list[type[DcmxError]] = [DcmxError]
    while stack:
        kind = stack.pop()
        yield kind
        stack.extend(kind.__subclasses__())


def known_problems() -> dict[str, ProblemKind]:
    """Every problem kind the API can answer with."""
    found = {kind.name: kind for kind in map(domain_problem, _domain_errors())}
    return {**found, **API_PROBLEMS}


def problem_response(
    request: Request, kind: ProblemKind, detail: str, **extra: Any
) -> JSONResponse:
    body = Problem(
        type=kind.type,
        title=kind.title,
        status=kind.status,
        detail=detail,
        instance=request.url.path,
        **extra,
    )
    return JSONResponse(
        jsonable_encoder(body.model_dump()), status_code=kind.status, media_type=MEDIA_TYPE
    )


def _http_kind(status: int) -> ProblemKind:
    if status == 404:
        return API_PROBLEMS["not-found"]
    if status == 405:
        return API_PROBLEMS["method-not-allowed"]
    return ProblemKind(f"http-{status}", f"HTTP {status}", status, "An HTTP-level refusal.")


async def _on_domain_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DcmxError)
    addresses = getattr(request.app.state, "addresses", None)
    said = addresses.in_text(error.message) if addresses is not None else error.message
    return problem_response(request, domain_problem(type(error)), said)


KEY_CHECK: Final = "before_body"
"""The attribute of a route's key dependency that checks a request's key by its headers alone
(``access.KeyCheck.requiring``)."""


async def _on_validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    refused = await _key_refusal(request)
    if refused is not None:
        return refused
    errors = [
        {"loc": list(item["loc"]), "msg": item["msg"], "type": item["type"]}
        for item in error.errors()
    ]
    detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors)
    return problem_response(request, API_PROBLEMS["validation-error"], detail, errors=errors)


async def _key_refusal(request: Request) -> JSONResponse | None:
    """The key's refusal on a keyed route (None: the key is good, or the route needs none).
    FastAPI reads the body before a route's dependencies: without this, a body that is not
    JSON would tell a caller without a key about the body instead of about the key."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    for dependency in getattr(dependant, "dependencies", ()):
        check = getattr(dependency.call, KEY_CHECK, None)
        if check is None:
            continue
        try:
            await run_in_threadpool(check, request)  # it looks the key up in the database
        except ApiRefusal as refusal:
            return await _on_refusal(request, refusal)
    return None


async def _on_refusal(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ApiRefusal)
    response = problem_response(request, error.kind, error.detail, **error.extra)
    response.headers.update(error.headers)
    return response


async def _on_invalid_cursor(request: Request, error: Exception) -> JSONResponse:
    return problem_response(request, API_PROBLEMS["invalid-cursor"], str(error))


async def _on_http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    response = problem_response(request, _http_kind(error.status_code), str(error.detail))
    if error.headers:
        response.headers.update(error.headers)
    return response


async def _on_database_error(request: Request, error: Exception) -> JSONResponse:
    # The driver's message may name hosts and users: say only which kind of failure it was.
    detail = f"the database failed: {type(error).__name__}"
    return problem_response(request, API_PROBLEMS["database-unavailable"], detail)


async def _on_anything_else(request: Request, error: Exception) -> JSONResponse:
    return problem_response(request, API_PROBLEMS["internal-error"], "an unexpected error")


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error with a problem document."""
    app.add_exception_handler(DcmxError, _on_domain_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(InvalidCursor, _on_invalid_cursor)
    app.add_exception_handler(ApiRefusal, _on_refusal)
    app.add_exception_handler(HTTPException, _on_http_error)
    app.add_exception_handler(DBAPIError, _on_database_error)
    app.add_exception_handler(Exception, _on_anything_else)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI description of the problems a route may answer with."""
    descriptions = {
        401: "No API key, or one that is unknown or revoked.",
        403: "The API key lacks the scope, or the signature is not the user's.",
        404: "The resource does not exist.",
        408: "The request's body did not all arrive in time; the connection is closed.",
        409: "The ledger refused: the state does not allow it, or the nonce was used.",
        413: "The request's body is too large.",
        422: "A parameter is invalid (a malformed address, a bad cursor, a limit too high).",
        429: "Too many requests; retry after `Retry-After` seconds.",
        503: "Not ready, or the database is unavailable.",
    }
    return {
        status: {
            "model": Problem,
            "description": descriptions.get(status, "A problem."),
            "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
