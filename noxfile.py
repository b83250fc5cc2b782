"""Project sessions. They run in the environment that invokes nox (the project's .venv,
installed with ``pip install -e '.[dev]'``), so a run costs no extra installs."""

import nox

nox.options.default_venv_backend = "none"
nox.options.sessions = ["tests", "lint", "typecheck"]


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite (unit, property, architecture)."""
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff lint and format check."""
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy, strict on dcmx_core."""
    session.run("mypy")
