"""Verbs of compliance: register legal documents, accept them, ask for deletion and carry it
out (``dcmx_core.services.compliance``). A user accepts or asks by sending the transaction, or
by signing it (EIP-712, with the user's key) for someone else to relay, so that the user needs
no coin and nobody can consent for them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dcmx_core.commands import RegisterDocument, RequestDeletion
from dcmx_core.model.enums import DocumentType, Regime
from dcmx_core.services import compliance
from dcmx_entrypoints.cli.verbs.accounts import Account, Accounts
from dcmx_entrypoints.cli.verbs.chain import (
    OpenChain,
    Outcome,
    VerbOptions,
    known_accounts,
    run_verb,
)
from dcmx_entrypoints.cli.verbs.inputs import OPERATOR, bad, parse_choice, parse_hash
from dcmx_entrypoints.cli.verbs.options import (
    JsonOption,
    KeystoreOption,
    LocalChainOption,
    SenderOption,
)
from dcmx_entrypoints.cli.verbs.wallet import PrepareOption, run_prepare

doc = typer.Typer(
    help="Legal documents: versions registered by hash, accepted by users.", no_args_is_help=True
)
deletion = typer.Typer(
    help="Requests to delete a user's personal data (GDPR, CCPA).", no_args_is_help=True
)

DOC_TYPES = ", ".join(t.name.lower() for t in DocumentType)
REGIMES = ", ".join(r.name.lower() for r in Regime)
DocTypeArgument = Annotated[str, typer.Argument(metavar="TYPE", help=f"One of {DOC_TYPES}.")]
VersionArgument = Annotated[int, typer.Argument(metavar="VERSION", help="The version number.")]
RelayedByOption = Annotated[
    str | None,
    typer.Option(
        help="Sign it with the user's key (EIP-712) and have this account send it (a name or "
        "an address of the cast), instead of the user sending it."
    ),
]
ValidForOption = Annotated[
    int,
    typer.Option(min=1, help="With --relayed-by: how long the signature stays valid, seconds."),
]


def _relayer(accounts: Accounts, relayed_by: str | None) -> Account | None:
    return None if relayed_by is None else accounts.sender(relayed_by, "--relayed-by")


@doc.command("register")
def register_version(
    doc_type: DocTypeArgument,
    version: VersionArgument,
    file: Annotated[
        Path | None, typer.Option(help="The document (its SHA-256 is what is registered).")
    ] = None,
    document_hash: Annotated[
        str | None, typer.Option("--hash", help="The document's SHA-256, 64 hex digits.")
    ] = None,
    sender: SenderOption = OPERATOR,
    keystore: KeystoreOption = None,
    local_chain: LocalChainOption = False,
    as_json: JsonOption = False,
) -> None:
    """Register a version of a legal document by its hash, once (the compliance admin)."""
    accounts = known_accounts(local_chain, keystore)
    admin = accounts.sender(sender)
    kind = parse_choice(doc_type, DocumentType, "TYPE")
    if (file is None) == (document_hash is None):
        raise bad("--file/--hash", "give either --file or --hash")
    text: bytes | None = None
    if file is not None:
        try:
            text = file.read_bytes()
        except OSError as error:
            raise bad("--file", f"cannot read {file}: {error.strerror}") from None
    given = None if document_hash is None else parse_hash(document_hash, "--hash")

    def act(chain: OpenChain) -> Outcome:
        if text is not None:
            registered = compliance.register_document(
                chain.ledger, admin.address, kind, version, text
            )
        else:
            assert given is not None
            chain.ledger.execute(admin.address, RegisterDocument(kind, version, given))
            registered = given
        return Outcome(
            f"registered {kind.name.lower()} v{version} as {registered.to_hex()}",
            {"doc_type": kind.name.lower(), "version": version, "hash": registered.to_hex()},
        )

    run_verb(VerbOptions("doc register", local_chain, as_json), act, accounts)


@doc.command("accept")
def accept(
    doc_type: DocTypeArgument,
    version: VersionArgument,
    sender: SenderOption = OPERATOR,
    keystore: KeystoreOption = None,
    relayed_by: RelayedByOption = None,
    valid_for: ValidForOption = 3_600,
    local_chain: LocalChainOption = False,
    as_json: JsonOption = False,
    prepare: PrepareOption = False,
) -> None:
    """The user (--as) accepts a registered version by its exact hash, once."""
    kind = parse_choice(doc_type, DocumentType, "TYPE")
    if prepare:
        run_prepare(
            "doc accept",
            sender,
            lambda chain, _user: [compliance.acceptance(chain.ledger, kind, version)],
            local_chain=local_chain,
        )
        return
    accounts = known_accounts(local_chain, keystore)
    user = accounts.sender(sender)
    relayer = _relayer(accounts, relayed_by)

    def act(chain: OpenChain) -> Outcome:
        ledger = chain.ledger
        if relayer is None:
            compliance.accept_document(ledger, user.address, kind, version)
            how = "sent it"
        else:
            expiry = ledger.head().timestamp + valid_for  # the chain's time decides
            digest, nonce = compliance.acceptance_to_sign(
                ledger, chain.crypto, user.address, kind, version, expiry
            )
            compliance.relay_acceptance(
                ledger,
                relayer.address,
                user.address,
                kind,
                version,
                nonce=nonce,
                expiry=expiry,
                signature=user.signer.sign_digest(digest),
            )
            how = f"signed it; {relayer.name} relayed it"
        return Outcome(
            f"{user.name} accepted {kind.name.lower()} v{version} ({how})",
            {
                "user": chain.render.address(user.address),
                "doc_type": kind.name.lower(),
                "version": version,
                "relayed_by": None if relayer is None else relayer.name,
            },
        )

    run_verb(VerbOptions("doc accept", local_chain, as_json), act, accounts)


@deletion.command("request")
def request(
    regime: Annotated[str, typer.Option(help=f"The law it is asked under: {REGIMES}.")],
    sender: SenderOption = OPERATOR,
    keystore: KeystoreOption = None,
    relayed_by: RelayedByOption = None,
    valid_for: ValidForOption = 3_600,
    local_chain: LocalChainOption = False,
    as_json: JsonOption = False,
    prepare: PrepareOption = False,
) -> None:
    """The user (--as) asks for their personal data to be deleted (one open request a user)."""
    law = parse_choice(regime, Regime, "--regime")
    if prepare:
        command = RequestDeletion(law)
        run_prepare("deletion request", sender, lambda _c, _u: [command], local_chain=local_chain)
        return
    accounts = known_accounts(local_chain, keystore)
    user = accounts.sender(sender)
    relayer = _relayer(accounts, relayed_by)

    def act(chain: OpenChain) -> Outcome:
        ledger = chain.ledger
        if relayer is None:
            request_id = compliance.request_deletion(ledger, user.address, law)
        else:
            expiry = ledger.head().timestamp + valid_for
            digest, nonce = compliance.deletion_to_sign(
                ledger, chain.crypto, user.address, law, expiry
            )
            request_id = compliance.relay_deletion_request(
                ledger,
                relayer.address,
                user.address,
                law,
                nonce=nonce,
                expiry=expiry,
                signature=user.signer.sign_digest(digest),
            )
        return Outcome(
            f"{user.name} asked for deletion under {law.name}: request {request_id}",
            {"request_id": request_id, "regime": law.name.lower()},
        )

    run_verb(VerbOptions("deletion request", local_chain, as_json), act, accounts)


@deletion.command("process")
def process(
    request_id: Annotated[int, typer.Argument(metavar="REQUEST", help="The request's id.")],
    sender: SenderOption = OPERATOR,
    keystore: KeystoreOption = None,
    local_chain: LocalChainOption = False,
    as_json: JsonOption = False,
) -> None:
    """Carry out a deletion request: erase the user's profile from the database (migrated
    first), then record on chain that the request was processed (the compliance admin)."""
    accounts = known_accounts(local_chain, keystore)
    admin = accounts.sender(sender)

    def act(chain: OpenChain) -> Outcome:
        # The database's machinery loads for this verb alone, not for every verb.
        from dcmx_adapters.clock import SystemClock
        from dcmx_entrypoints.running import CommittedProfiles, migrate

        migrate(chain.container.settings())
        profiles = CommittedProfiles(chain.container.unit_of_work)
        record = compliance.process_deletion(
            chain.ledger, admin.address, profiles, SystemClock(), request_id
        )
        user = chain.accounts.label(record.address)
        return Outcome(
            f"request {request_id} processed: {user}'s profile erased at {record.erased_at}",
            {
                "request_id": request_id,
                "user": chain.render.address(record.address),
                "erased_at": record.erased_at,
            },
        )

    run_verb(VerbOptions("deletion process", local_chain, as_json), act, accounts)


def register(app: typer.Typer) -> None:
    """Add ``dcmx doc`` and ``dcmx deletion`` to the ``dcmx`` command."""
    for group, name in ((doc, "doc"), (deletion, "deletion")):
        app.add_typer(group, name=name)
