"""The ``dcmx`` command.

A command's module is imported when that command runs, never before: ``dcmx --version`` and
``dcmx --help`` import none of them, ``dcmx node`` the node's alone. ``dcmx --help`` lists the
commands from ``COMMANDS``; the tests hold each line there to the help of the command it names.
"""

from __future__ import annotations

import importlib
import logging
import re
import sys
from collections.abc import Callable
from typing import Any, Final, NoReturn

from dcmx_entrypoints.failures import INTERRUPTED, unreachable

try:  # Ctrl-C while these load is Ctrl-C at start: one line, never a traceback
    import typer
    from typer.core import TyperCommand, TyperGroup
    from typer.main import get_group

    from dcmx_core import __version__
except KeyboardInterrupt:
    print("dcmx: interrupted", file=sys.stderr)
    raise SystemExit(INTERRUPTED) from None

COMMANDS: Final = (
    # (name, module whose register(app) adds the command, the first paragraph of its help)
    (
        "demo",
        "dcmx_entrypoints.cli.demo",
        "Run a scripted day on a fresh ledger and print what happened and who holds what.",
    ),
    (
        "up",
        "dcmx_entrypoints.cli.operations",
        "Run a local chain, the indexer following it and the HTTP API, all in one process (on a\n"
        "TRON chain, its node's java-tron API too).",
    ),
    (
        "index",
        "dcmx_entrypoints.cli.operations",
        "Index the configured ledger into the configured database (migrated first).",
    ),
    (
        "serve",
        "dcmx_entrypoints.cli.operations",
        "Serve the HTTP API over the read models (no indexer: run one beside it).",
    ),
    (
        "status",
        "dcmx_entrypoints.cli.operations",
        "Where the chain is, where the read models are, and whether the database is healthy.",
    ),
    (
        "deploy",
        "dcmx_entrypoints.cli.deploy",
        "Deploy and wire the five contracts, check their code, and write the deployment file\n"
        "the settings read (DCMX_TRON_DEPLOYMENT / DCMX_EVM_DEPLOYMENT); a stopped run resumes.",
    ),
    (
        "node",
        "dcmx_entrypoints.cli.node",
        "Run a local TRON node: java-tron's HTTP API (wallet/..., walletsolidity/...) on revm,\n"
        "with funded accounts and a faucet, until Ctrl-C.",
    ),
    ("db", "dcmx_entrypoints.cli.db", "The read-model database."),
    (
        "release",
        "dcmx_entrypoints.cli.verbs.music",
        "Releases: tracks published as numbered NFT editions.",
    ),
    (
        "edition",
        "dcmx_entrypoints.cli.verbs.music",
        "Editions: mint them, list them for sale, buy them.",
    ),
    (
        "royalty",
        "dcmx_entrypoints.cli.verbs.music",
        "Royalties paid in for a release from outside DCMX.",
    ),
    ("payout", "dcmx_entrypoints.cli.verbs.music", "What the royalty distributor owes an account."),
    ("reward", "dcmx_entrypoints.cli.verbs.rewards", "Reward pools and claims, paid in DCMX."),
    (
        "doc",
        "dcmx_entrypoints.cli.verbs.compliance",
        "Legal documents: versions registered by hash, accepted by users.",
    ),
    (
        "deletion",
        "dcmx_entrypoints.cli.verbs.compliance",
        "Requests to delete a user's personal data (GDPR, CCPA).",
    ),
    ("token", "dcmx_entrypoints.cli.verbs.token", "The DCMX token."),
    ("tx", "dcmx_entrypoints.cli.verbs.wallet", "Transactions signed in a user's own wallet."),
    (
        "apikey",
        "dcmx_entrypoints.cli.apikey",
        "API keys of the operator's write endpoints (stored hashed).",
    ),
)


NEGATIVE_NUMBER: Final = re.compile(r"-[0-9][0-9.]*")
"""A negative number, read as an argument for its reader to refuse (an amount says it cannot be
negative) rather than as an unknown option."""


class Interrupted(Exception):
    """Ctrl-C stopped a command (typer would turn the KeyboardInterrupt into a silent exit)."""


class Unloaded(TyperCommand):
    """A command as ``dcmx --help`` lists it, before its module is imported."""

    def __init__(self, name: str, module: str, summary: str) -> None:
        super().__init__(name, help=summary)
        self.module = module

    def load(self) -> Any:
        """The command itself, as its module's ``register`` adds it to a ``typer.Typer``."""
        commands = typer.Typer()
        importlib.import_module(self.module).register(commands)
        command = get_group(commands).commands[str(self.name)]
        _negative_numbers_as_arguments(command)
        return command


def _negative_numbers_as_arguments(command: Any) -> None:
    """Let ``command`` and its subcommands take ``-5`` as an argument: click reads any word
    that begins with ``-`` as an option, and would say ``No such option: -5``."""
    make_parser = command.make_parser

    def parser(ctx: Any) -> Any:
        made = make_parser(ctx)
        process_opts = made._process_opts

        def process(arg: str, state: Any) -> None:
            if NEGATIVE_NUMBER.fullmatch(arg) and arg not in made._short_opt:
                state.largs.append(arg)
            else:
                process_opts(arg, state)

        made._process_opts = process
        return made

    command.make_parser = parser
    for sub in getattr(command, "commands", {}).values():
        _negative_numbers_as_arguments(sub)


class LazyGroup(TyperGroup):
    """The ``dcmx`` group: it lists every command in ``COMMANDS`` and imports only the one
    that runs."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        for name, module, summary in COMMANDS:
            self.commands.setdefault(name, Unloaded(name, module, summary))

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name, command, rest = super().resolve_command(ctx, args)
        if isinstance(command, Unloaded):
            command = self.commands[str(name)] = command.load()
        return name, command, rest

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """Each command with the whole first paragraph of its help, wrapped (click's own
        listing cuts it short at the width of a line)."""
        rows = [(name, " ".join(summary.split())) for name, _, summary in COMMANDS]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise Interrupted from None


app = typer.Typer(
    cls=LazyGroup,
    help="DCMX Core: the Web3 back end of the DCMX music platform.",
    no_args_is_help=True,
    add_completion=False,
    # Plain help: rich's (typer.rich_utils, rich.markdown) would double the time of
    # ``dcmx --help``. A command's own help, once its module is loaded, is rich's.
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dcmx {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """DCMX Core: the Web3 back end of the DCMX music platform."""


def main() -> None:
    """Console-script entry: expected failures (a refusal, a bad setting, a database or port
    that is not there) become one line on stderr and a non-zero exit code; so does Ctrl-C."""
    logging.basicConfig(format="dcmx: %(levelname)s: %(message)s", level=logging.WARNING)
    try:
        code = app(prog_name="dcmx", standalone_mode=False)
    except typer.TyperException as error:  # the command line is wrong: where, and why
        _usage_failure(error)
    except typer.Abort:
        print("dcmx: aborted", file=sys.stderr)
        sys.exit(1)
    except (KeyboardInterrupt, Interrupted):
        print("dcmx: interrupted", file=sys.stderr)
        sys.exit(INTERRUPTED)
    except Exception as error:
        failure = expected_failure(error)
        if failure is None:
            raise
        exit_code, said = failure
        print(f"dcmx: {said}", file=sys.stderr)
        sys.exit(exit_code)
    sys.exit(code if isinstance(code, int) else 0)


def expected_failure(error: Exception) -> tuple[int, str] | None:
    """The exit code and the one line of an expected failure (None: a bug, which keeps its
    traceback)."""
    for kind in type(error).__mro__:
        found = EXPECTED_FAILURES.get((kind.__module__, kind.__qualname__))
        if found is not None:
            exit_code, say = found
            return exit_code, say(error)
    return None


def _usage_failure(error: typer.TyperException) -> NoReturn:
    message = error.format_message()
    # A group called bare shows its help (typer itself tells this error by its name).
    if type(error).__name__ == "NoArgsIsHelpError":
        if message.strip():
            print(message, file=sys.stderr)
        sys.exit(error.exit_code)
    context = getattr(error, "ctx", None)
    path = context.command_path.partition(" ")[2] if context is not None else ""
    where = f"{path}: " if path else ""
    print(f"dcmx: {where}{' '.join(message.split())}", file=sys.stderr)
    sys.exit(error.exit_code)


def _one_line(error: Exception) -> str:
    # Driver messages (psycopg's) can run over several lines.
    return " ".join(str(error).split())


_HEX_ADDRESS: Final = re.compile(r"\b0x([0-9a-fA-F]{40})(?![0-9a-fA-F])")


def _refusal(error: Exception) -> str:
    """A refusal of the domain outside a verb (which knows its chain and writes its own): the
    addresses in it in EIP-55, as the local chains and the demo write them."""
    from dcmx_adapters.crypto import EthCrypto  # loaded already by whatever was refused
    from dcmx_core.model.values import Address

    keccak = EthCrypto().keccak256
    said = _one_line(error)
    return _HEX_ADDRESS.sub(lambda m: Address(bytes.fromhex(m[1])).to_checksum_hex(keccak), said)


def _unreachable(error: Exception) -> str:
    return unreachable(error) or _one_line(error)


EXPECTED_FAILURES: Final[dict[tuple[str, str], tuple[int, Callable[[Exception], str]]]] = {
    # (module, class): (exit code, what to say). Named, not imported: an error can only come
    # from a module that is loaded, and importing them all would cost every command the start
    # of the settings, the journal and requests.
    ("dcmx_entrypoints.settings", "SettingsError"): (2, _one_line),
    ("dcmx_core.exceptions", "DcmxError"): (1, _refusal),
    ("dcmx_entrypoints.failures", "CommandFailed"): (1, _one_line),
    ("dcmx_adapters.journal", "JournalError"): (1, _one_line),
    ("requests.exceptions", "RequestException"): (1, _unreachable),
}
