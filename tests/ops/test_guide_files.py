"""The several-machines guide shows the configuration files shipped in deploy/ as they are, so
that what a reader saves is what the tests run."""

from __future__ import annotations

from pathlib import Path

from tests.docs.pages import steps_of
from tests.ops.programs import HAPROXY_CONFIG, PROMETHEUS_CONFIG, ROOT

GUIDE = ROOT / "docs" / "how-to" / "scale-out.md"


def saved(path: str) -> str:
    """What the guide has the reader save as ``path``."""
    (step,) = [step for step in steps_of(GUIDE) if step.kind == "save" and step.path == path]
    return step.code


def shipped(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_the_guide_shows_the_shipped_haproxy_configuration() -> None:
    assert saved("haproxy.cfg") == shipped(HAPROXY_CONFIG)


def test_the_guide_shows_the_shipped_prometheus_configuration() -> None:
    assert saved("prometheus/prometheus.yml") == shipped(PROMETHEUS_CONFIG)
