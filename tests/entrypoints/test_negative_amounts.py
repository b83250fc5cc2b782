"""A negative amount is refused as an amount: one line naming the argument or option and
saying that amounts are 0 or more, exit code 2 (never ``No such option: -5``)."""

from __future__ import annotations

import pytest

from tests.entrypoints.test_verbs_cli import dcmx, environment  # noqa: F401 (a fixture)

NEGATIVE = [
    pytest.param(("token", "transfer", "Bo", "-5"), "AMOUNT", "-5", id="transfer"),
    pytest.param(("token", "transfer", "Bo", "-1.5", "--units"), "AMOUNT", "-1.5", id="units"),
    pytest.param(("royalty", "deposit", "1", "-3"), "AMOUNT", "-3", id="royalty"),
    pytest.param(("reward", "allocate", "listening", "-100"), "AMOUNT", "-100", id="pool"),
    pytest.param(
        ("reward", "submit", "--pool", "listening", "--amount", "-5", "--proof", "p"),
        "--amount",
        "-5",
        id="option",
    ),
    pytest.param(
        ("edition", "list", "1", "--price", "-2", "--as", "Ayla"), "--price", "-2", id="price"
    ),
]


@pytest.mark.parametrize(("arguments", "option", "said"), NEGATIVE)
def test_a_negative_amount_is_refused_as_an_amount(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    arguments: tuple[str, ...],
    option: str,
    said: str,
) -> None:
    code, out, err = dcmx(capsys, monkeypatch, *arguments)
    assert code == 2
    assert out == ""
    [line] = err.splitlines()
    verb = " ".join(arguments[:2])
    assert (
        line
        == f"dcmx: {verb}: Invalid value for '{option}': {said} is negative: an amount is 0 or more"
    )


def test_an_unknown_option_is_still_told_as_one(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = dcmx(capsys, monkeypatch, "token", "transfer", "Bo", "5", "-x")
    assert code == 2
    assert err.strip() == "dcmx: token transfer: No such option: -x"
