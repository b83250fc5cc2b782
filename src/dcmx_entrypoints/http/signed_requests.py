"""Requests a user signs with their wallet instead of an API key, and how they are checked.

Two kinds of signature:

- **EIP-191** (``personal_sign``) over a canonical message, for a claim and a purchase: the
  API checks the signer, the expiry and that the nonce is fresh (used nonces are kept in the
  database, so a replay is refused in every process), then sends the transaction as the user.
  On TRON the message carries TRON's prefix (``"\\x19TRON Signed Message:\\n"``), as TronLink's
  ``signMessageV2`` signs it.
- **EIP-712** (``eth_signTypedData_v4``) for an acceptance and a deletion request: the
  compliance contract itself verifies this signature when the operator relays it, so the user's
  signature is what the chain checks; the API checks it first (the signer, the expiry, the
  user's nonce on the contract, a signature seen before) so that a bad one costs no transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, Final

from attrs import frozen

from dcmx_core.exceptions import OutOfRange, SignatureExpired, WrongNonce
from dcmx_core.model.signing import (
    DOMAIN_NAME,
    DOMAIN_VERSION,
    acceptance_digest,
    deletion_digest,
    domain_separator,
    signer_of,
)
from dcmx_core.model.values import Address, Hash32
from dcmx_core.ports import Ledger
from dcmx_entrypoints.http.limits import RateLimiter
from dcmx_entrypoints.http.problems import ApiRefusal
from dcmx_entrypoints.http.write_schemas import TypedData
from dcmx_entrypoints.http.writing import Writes

HEADER: Final = "DCMX signed request"
ETHEREUM_PREFIX: Final = b"\x19Ethereum Signed Message:\n"
TRON_PREFIX: Final = b"\x19TRON Signed Message:\n"
FORGET_AFTER: Final = 3_600
"""Used nonces are kept this long past their request's expiry (clocks of processes differ)."""

MESSAGE_FORMAT: Final = """The signed message (EIP-191 `personal_sign`; on TRON, TronLink's
`signMessageV2` with the prefix `"\\x19TRON Signed Message:\\n"`) is these lines, joined by
`\\n` (LF), no trailing newline, UTF-8:

```
DCMX signed request
action: <action>
chain: <the API's chain name, e.g. evm:1337>
user: <the user's address as the API renders it: EIP-55 hex, or base58 T… on TRON>
<field>: <value>            (the action's fields, in the order listed)
nonce: <the nonce>
expires: <unix seconds>
```

Values are written as the API renders them: amounts and ids as decimal integers, hashes as
lower-case `0x` hex, addresses in the chain's rendering, pools in lower case. `expires` must be
in the future and at most the configured bound (600 s by default) ahead; a nonce is 8 to 64
letters and digits that the user never used before. A request whose signature does not match
is refused with `/problems/signature-invalid`, whose `message` member is the text the API
expected to be signed."""


def canonical_message(
    action: str,
    chain: str,
    user: str,
    fields: Sequence[tuple[str, str]],
    nonce: str,
    expires: int,
) -> str:
    """The text a user signs for ``action`` (see ``MESSAGE_FORMAT``)."""
    lines = [HEADER, f"action: {action}", f"chain: {chain}", f"user: {user}"]
    lines += [f"{name}: {value}" for name, value in fields]
    lines += [f"nonce: {nonce}", f"expires: {expires}"]
    return "\n".join(lines)


@frozen
class SignedRequests:
    """Checks the signed requests of one API."""

    writes: Writes
    by_client: RateLimiter
    by_address: RateLimiter

    # --- what every signed request goes through ---------------------------------------------

    def check_expiry(self, expires: int, *, bounded: bool = True) -> None:
        now = self.writes.clock.now()
        if expires <= now:
            raise SignatureExpired(expires, now)
        limit = self.writes.limits.expiry_max
        if bounded and expires > now + limit:
            raise OutOfRange("expires", expires, f"at most {limit} seconds after now ({now})")

    def take_client(self, client: str) -> None:
        self.by_client.take(("client", client), "client")

    def take_address(self, user: Address) -> None:
        self.by_address.take(("address", user), "signing address")

    def use_nonce(self, user: Address, nonce: str, expires: int) -> None:
        """Record the nonce as used by ``user``, or refuse the request as a replay."""
        uow = self.writes.unit_of_work()
        with uow:
            uow.nonces.forget_nonces(self.writes.clock.now() - FORGET_AFTER)
            fresh = uow.nonces.use_nonce(user, nonce, expires)
            uow.commit()
        if not fresh:
            raise ApiRefusal("nonce-used", f"the nonce {nonce} was used already by this address")

    # --- EIP-191 ------------------------------------------------------------------------------

    def personal_digest(self, message: str) -> bytes:
        data = message.encode()
        prefix = TRON_PREFIX if self.writes.tron else ETHEREUM_PREFIX
        return self.writes.crypto.keccak256(prefix + str(len(data)).encode() + data)

    def check_personal(self, user: Address, message: str, signature: str) -> None:
        """The signature must be ``user``'s over ``message``."""
        signer = signer_of(
            self.writes.crypto, self.personal_digest(message), bytes.fromhex(signature[2:])
        )
        if signer != user:
            raise ApiRefusal(
                "signature-invalid",
                "the signature is not the user's over the request's message",
                message=message,
            )

    def message(
        self, action: str, user: Address, fields: Sequence[tuple[str, str]], nonce: str, exp: int
    ) -> str:
        rendered = self.writes.render.address(user)
        return canonical_message(action, self.writes.chain, rendered, fields, nonce, exp)

    # --- EIP-712 ------------------------------------------------------------------------------

    def check_typed(self, user: Address, digest: bytes, signature: str) -> None:
        """The signature must be ``user``'s over the typed data's ``digest``."""
        if signer_of(self.writes.crypto, digest, bytes.fromhex(signature[2:])) != user:
            raise ApiRefusal(
                "signature-invalid",
                "the signature is not the user's over the typed data",
                digest="0x" + digest.hex(),
            )

    def check_contract_nonce(self, ledger: Ledger, user: Address, nonce: int) -> None:
        """The nonce must be the user's next on the contract: an older one is a replay."""
        expected = ledger.nonce_of(user)
        if nonce < expected:
            raise ApiRefusal("nonce-used", f"nonce {nonce} was used already by this address")
        if nonce > expected:
            raise WrongNonce(user, expected, nonce)

    def use_signature(self, user: Address, signature: str, expiry: int) -> None:
        """Refuse a signature seen before, in this process or another, while it is valid."""
        seen = "sig:" + hashlib.sha256(bytes.fromhex(signature[2:])).hexdigest()[:40]
        self.use_nonce(user, seen, expiry)

    def acceptance(
        self,
        ledger: Ledger,
        user: Address,
        doc_type: int,
        version: int,
        document_hash: Hash32,
        nonce: int,
        expiry: int,
    ) -> TypedData:
        message = {
            "user": self._hex(user),
            "docType": doc_type,
            "version": version,
            "documentHash": document_hash.to_hex(),
            "nonce": nonce,
            "expiry": expiry,
        }
        digest = acceptance_digest(
            self.writes.crypto,
            self._separator(ledger),
            user=user,
            doc_type=doc_type,
            version=version,
            document_hash=document_hash,
            nonce=nonce,
            expiry=expiry,
        )
        fields = [
            ("user", "address"),
            ("docType", "uint8"),
            ("version", "uint32"),
            ("documentHash", "bytes32"),
            ("nonce", "uint256"),
            ("expiry", "uint256"),
        ]
        return self._typed(ledger, "Acceptance", fields, message, digest)

    def deletion(
        self, ledger: Ledger, user: Address, regime: int, nonce: int, expiry: int
    ) -> TypedData:
        message = {"user": self._hex(user), "regime": regime, "nonce": nonce, "expiry": expiry}
        digest = deletion_digest(
            self.writes.crypto,
            self._separator(ledger),
            user=user,
            regime=regime,
            nonce=nonce,
            expiry=expiry,
        )
        fields = [
            ("user", "address"),
            ("regime", "uint8"),
            ("nonce", "uint256"),
            ("expiry", "uint256"),
        ]
        return self._typed(ledger, "DeletionRequest", fields, message, digest)

    def _typed(
        self,
        ledger: Ledger,
        primary: str,
        fields: list[tuple[str, str]],
        message: dict[str, Any],
        digest: bytes,
    ) -> TypedData:
        deployment = ledger.deployment
        return TypedData(
            domain={
                "name": DOMAIN_NAME,
                "version": DOMAIN_VERSION,
                "chainId": deployment.chain_id,
                "verifyingContract": self._hex(deployment.compliance),
            },
            types={
                "EIP712Domain": [
                    {"name": "name", "type": "string"},
                    {"name": "version", "type": "string"},
                    {"name": "chainId", "type": "uint256"},
                    {"name": "verifyingContract", "type": "address"},
                ],
                primary: [{"name": name, "type": kind} for name, kind in fields],
            },
            primaryType=primary,
            message=message,
            digest="0x" + digest.hex(),
        )

    def _separator(self, ledger: Ledger) -> bytes:
        deployment = ledger.deployment
        return domain_separator(self.writes.crypto, deployment.chain_id, deployment.compliance)

    def _hex(self, address: Address) -> str:
        return address.to_checksum_hex(self.writes.crypto.keccak256)
