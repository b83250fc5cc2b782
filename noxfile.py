"""Project sessions. They run in the environment nox itself runs in (the project's .venv,
installed with ``pip install -e '.[dev]'``), so a session costs no extra installs."""

import sys

import nox

nox.options.default_venv_backend = "none"
nox.options.sessions = ["tests", "lint", "typecheck"]

PYTHON = sys.executable


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite (unit, property, contract, architecture, end to end)."""
    session.run(PYTHON, "-m", "pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff lint and format check."""
    session.run(PYTHON, "-m", "ruff", "check", ".")
    session.run(PYTHON, "-m", "ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy, strict on dcmx_core."""
    session.run(PYTHON, "-m", "mypy")


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks that print tables (not part of a bare ``nox``)."""
    session.run(PYTHON, "benchmarks/memory_ledger.py")
