"""Project sessions. They run in the environment nox itself runs in (the project's .venv,
installed with ``pip install -e '.[dev]'``), so a session costs no extra installs."""

import os
import shutil
import sys

import nox

nox.options.default_venv_backend = "none"
nox.options.sessions = [
    "tests",
    "lint",
    "typecheck",
    "contracts_check",
    "docs",
    "ops_check",
    "machines",
    "hardhat",
    "tronweb",
]

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
def docs(session: nox.Session) -> None:
    """The documentation site into site/, built strictly: a broken link or anchor, a setting
    without a meaning or a docstring that does not parse fails it. The reference pages are
    written from the code as it builds. Then the README's tour, the tutorial and every how-to
    guide are followed, block by block, on fresh data directories (tests/docs/test_pages.py);
    the several-machines guide runs HAProxy and Prometheus, which the session installs from
    Debian's packages with apt-get when they are missing."""
    session.run(
        PYTHON,
        "-m",
        "mkdocs",
        "build",
        "--strict",
        *session.posargs,
        env={"NO_MKDOCS_2_WARNING": "1"},
    )
    apt_install(session, MACHINE_PACKAGES)  # what the several-machines guide runs
    session.run(
        PYTHON,
        "-m",
        "pytest",
        "tests/docs/test_pages.py",
        "-q",
        env={"DCMX_DOCS_PAGES": "1", "DCMX_MACHINES": "1"},
    )


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks that print tables (not part of a bare ``nox``): how fast ``dcmx --version``,
    ``dcmx --help`` and ``dcmx node`` start, the in-memory ledger's throughput, the indexer's
    ingest and query speed on PostgreSQL, the read API's latency at 500 requests/s (1,000,000
    events; ``-- --events N`` for another size), the local TRON node's start time,
    transactions a second over HTTP (``-- --transactions N``) and memory after 100,000
    transfers, what its journal costs and how fast it replays, what a rate limit check costs
    in each store, and how soon the event stream delivers a commit to 1,000 subscribers at 200
    events/s."""
    session.run(PYTHON, "-m", "benchmarks.startup")
    session.run(PYTHON, "benchmarks/memory_ledger.py")
    session.run(PYTHON, "-m", "benchmarks.indexer", *session.posargs)
    session.run(PYTHON, "-m", "benchmarks.backfill")
    session.run(PYTHON, "-m", "benchmarks.api", *session.posargs)
    session.run(PYTHON, "-m", "benchmarks.api_cpu")
    session.run(PYTHON, "-m", "benchmarks.devnode", *session.posargs)
    session.run(PYTHON, "-m", "benchmarks.node_journal", *session.posargs)
    session.run(PYTHON, "-m", "benchmarks.rate_limits")
    session.run(PYTHON, "-m", "benchmarks.live_events")


@nox.session
def contracts(session: nox.Session) -> None:
    """Compile the contracts into contracts/build (installs the pinned solc and OpenZeppelin
    from npm when no native solc 0.8.30 is found)."""
    session.run(PYTHON, "contracts/compile.py", *session.posargs)


@nox.session
def contracts_check(session: nox.Session) -> None:
    """Recompile and fail if the committed artifacts differ from what the sources give."""
    session.run(PYTHON, "contracts/compile.py", "--check")


PROGRAMS = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/bin"])
MACHINE_PACKAGES = {"haproxy": "haproxy", "prometheus": "prometheus", "promtool": "prometheus"}


def apt_install(session: nox.Session, packages: dict[str, str]) -> None:
    """Install with apt-get the Debian package of each program (``{program: package}``) not
    found on this machine."""
    missing = sorted(
        {package for name, package in packages.items() if not shutil.which(name, path=PROGRAMS)}
    )
    if missing:
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        session.run(*sudo, "apt-get", "update", "-q", external=True)
        apt = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing]
        session.run(*sudo, *apt, external=True)


@nox.session
def ops_check(session: nox.Session) -> None:
    """The Prometheus alert rules in deploy/prometheus: valid (``promtool check rules``) and
    firing as their unit tests expect (``promtool test rules``). promtool comes with Debian's
    ``prometheus`` package, which the session installs with apt-get when it is missing."""
    apt_install(session, {"promtool": "prometheus"})
    session.run("promtool", "check", "rules", "deploy/prometheus/alerts.yml", external=True)
    session.run("promtool", "test", "rules", "deploy/prometheus/alerts_test.yml", external=True)


@nox.session
def machines(session: nox.Session) -> None:
    """The several-machines guide's parts, each run for real (tests/ops): HAProxy from
    deploy/haproxy/haproxy.cfg in front of three ``dcmx serve`` processes (requests shared,
    a killed process or one whose /readyz fails taken out, a client's rate limit counted in
    Redis across the processes, the event stream through it) and Prometheus from
    deploy/prometheus/prometheus.yml scraping them, its alert rules loaded. Installs
    Debian's ``haproxy`` and ``prometheus`` with apt-get when they are missing."""
    apt_install(session, MACHINE_PACKAGES)
    session.run(
        PYTHON,
        "-m",
        "pytest",
        "tests/ops",
        "-q",
        *session.posargs,
        env={"DCMX_MACHINES": "1"},
    )


@nox.session
def differential(session: nox.Session) -> None:
    """The long differential run: the rules against the contracts, 10,000+ steps on revm, and
    eth-tester's random run (the default suite takes eth-tester on the fixed tour only)."""
    session.run(
        PYTHON,
        "-m",
        "pytest",
        "tests/property/test_evm_ledger_machine.py",
        "-k",
        "Revm or EthTester or long_run",
        "-q",
        "-s",
        env={"DCMX_LONG_DIFFERENTIAL": "1"},
    )


@nox.session
def gas(session: nox.Session) -> None:
    """Gas per operation beside plain OpenZeppelin 5 (``-- --write`` stores the snapshot)."""
    session.run(PYTHON, "-m", "benchmarks.gas", *session.posargs)


@nox.session
def hardhat(session: nox.Session) -> None:
    """End to end on Hardhat Network, a node nobody here wrote (installs the pinned Hardhat from
    npm into hardhat/): deploy, operate, index and relay users' wallet-signed transactions."""
    session.run(
        PYTHON,
        "-m",
        "pytest",
        "tests/hardhat",
        "-q",
        *session.posargs,
        env={"DCMX_HARDHAT": "1"},
    )


@nox.session
def reliability(session: nox.Session) -> None:
    """The reliability suite at full length: the indexer against faulty ledgers, and killed
    20+ times over 100,000 events, and dcmx up interrupted at 8 random points of its demo day
    (a quick subset of each runs with the tests)."""
    session.run(
        PYTHON,
        "-m",
        "pytest",
        "tests/reliability",
        "tests/e2e/test_up_interrupted.py",
        "-q",
        *session.posargs,
        env={"DCMX_LONG_RELIABILITY": "1"},
    )


SLITHER_TRIAGED = (
    # Each found and explained in the docs (explanation/contracts.md, Slither): false positives or
    # deliberate, checked by the tests.
    "arbitrary-send-erc20",
    "reentrancy-balance",
    "uninitialized-state",
    "divide-before-multiply",
    "incorrect-equality",
    "uninitialized-local",
    "unused-return",
)


@nox.session(venv_backend="venv")
def slither(session: nox.Session) -> None:
    """Slither over the contracts, in a virtualenv of its own, through the solcjs shim with
    the build's settings; fails on any high or medium finding not triaged in the README."""
    session.install("slither-analyzer==0.11.6")
    session.chdir("contracts")
    session.run("npm", "ci", "--no-audit", "--no-fund", external=True)
    session.run(
        "slither",
        ".",
        "--solc",
        "./solc-shim.js",
        "--solc-standard-json",
        "--solc-args",
        "--optimize --optimize-runs 200 --evm-version cancun",
        "--filter-paths",
        "node_modules|test/",
        "--exclude",
        ",".join(SLITHER_TRIAGED),
        "--fail-medium",
    )


@nox.session
def tronweb(session: nox.Session) -> None:
    """TronWeb 6 and TronBox 4 from npm, unmodified, against dcmx node and dcmx up's TRON node:
    TronWeb's accounts, TRX, contracts, events and refusals; ``tronbox migrate`` (compiled
    offline by the pinned npm solc) and ``tronbox test``."""
    session.run(
        PYTHON,
        "-m",
        "pytest",
        "tests/devnode",
        "tests/e2e/test_up_tron_node.py::test_tronweb_does_everything_a_dapp_does_on_the_node_of_dcmx_up",
        "-q",
        *session.posargs,
        env={"DCMX_TRONWEB": "1"},
    )
