"""Who may call the operator's write endpoints: an API key with the endpoint's scope, given as
``Authorization: Bearer <key>`` or ``X-API-Key: <key>``. Every call takes a token of the key's
rate limit. No answer and no log line ever carries the key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from attrs import frozen
from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from dcmx_core.model.access import ApiKey, Scope, parse_token
from dcmx_core.ports import UnitOfWork
from dcmx_entrypoints.http.limits import RateLimiter
from dcmx_entrypoints.http.problems import ApiRefusal

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="dcmx"'}

_bearer = HTTPBearer(auto_error=False, description="An API key: `dcmx_<id>_<secret>`.")
_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="The same API key, in a header of its own."
)


def _refuse(kind: str, detail: str) -> ApiRefusal:
    return ApiRefusal(kind, detail, headers=CHALLENGE)


@frozen
class KeyCheck:
    """Looks a presented key up and checks it."""

    unit_of_work: Callable[[], UnitOfWork]
    limiter: RateLimiter

    def key(self, token: str | None) -> ApiKey:
        if not token:
            raise _refuse("api-key-missing", "no API key was given")
        parsed = parse_token(token.strip())
        if parsed is None:
            raise _refuse("api-key-invalid", "the API key is not of the form dcmx_<id>_<secret>")
        key_id, secret = parsed
        uow = self.unit_of_work()
        with uow:
            key = uow.api_keys.get_key(key_id)
        if key is None or not key.matches(secret):
            raise _refuse("api-key-invalid", "the API key is not one this API issued")
        if not key.active:
            raise _refuse("api-key-revoked", f"API key {key.key_id} was revoked")
        return key

    def requiring(self, scope: Scope) -> Callable[..., ApiKey]:
        """A dependency that answers with the caller's key when it allows ``scope``."""

        def operator_key(
            bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
            header: Annotated[str | None, Depends(_header)],
        ) -> ApiKey:
            return allowed(bearer.credentials if bearer is not None else header)

        def before_body(request: Request) -> None:
            allowed(presented(request))

        def allowed(token: str | None) -> ApiKey:
            key = self.key(token)
            if not key.allows(scope):
                raise ApiRefusal(
                    "scope-missing",
                    f"API key {key.key_id} lacks the scope {scope.value}",
                    scope=scope.value,
                )
            self.limiter.take(("key", key.key_id), f"API key {key.key_id}")
            return key

        # A body that cannot be read is refused before the dependencies run: the problem
        # handler asks this first, so that a caller without a key learns that, not the shape
        # of the body (``problems.KEY_CHECK``).
        operator_key.before_body = before_body  # type: ignore[attr-defined]
        return operator_key


def presented(request: Request) -> str | None:
    """The key a request presents, as the dependencies read it: a bearer token, else
    ``X-API-Key``."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return request.headers.get("x-api-key")
