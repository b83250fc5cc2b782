"""One process at a time changes the local chain: dcmx up holds it while it runs and a verb is
refused meanwhile; verbs wait for each other; a holder that died holds nothing."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from dcmx_entrypoints.chain_lock import (
    UP,
    LocalChainInUse,
    holding_local_chain,
    lock_path,
)


def test_a_verb_is_refused_at_once_while_up_holds_the_chain(tmp_path: Path) -> None:
    with holding_local_chain(tmp_path, UP):
        began = time.monotonic()
        with (
            pytest.raises(LocalChainInUse) as error,
            holding_local_chain(tmp_path, "token transfer"),
        ):
            pass
        assert time.monotonic() - began < 1
    assert str(error.value) == f"the local chain is in use by dcmx up (pid {os.getpid()})"


def test_a_second_up_is_refused_too(tmp_path: Path) -> None:
    with (
        holding_local_chain(tmp_path, "release create"),
        pytest.raises(LocalChainInUse),
        holding_local_chain(tmp_path, UP, wait_seconds=0.2),
    ):
        pass


def test_a_verb_waits_for_another_verb_to_finish(tmp_path: Path) -> None:
    holding = threading.Event()
    order: list[str] = []

    def first() -> None:
        with holding_local_chain(tmp_path, "edition mint"):
            holding.set()
            time.sleep(0.3)
            order.append("first done")

    thread = threading.Thread(target=first)
    thread.start()
    holding.wait()
    with holding_local_chain(tmp_path, "edition buy"):
        order.append("second in")
    thread.join()
    assert order == ["first done", "second in"]


def test_a_verb_gives_up_on_a_holder_that_does_not_let_go(tmp_path: Path) -> None:
    with (
        holding_local_chain(tmp_path, "deletion process"),
        pytest.raises(LocalChainInUse) as error,
        holding_local_chain(tmp_path, "token transfer", wait_seconds=0.2),
    ):
        pass
    assert str(error.value).startswith(
        f"the local chain is busy: dcmx deletion process (pid {os.getpid()}) has held it"
    )


def test_the_holder_is_named_in_the_lock_file_only_while_it_holds(tmp_path: Path) -> None:
    with holding_local_chain(tmp_path, UP):
        assert lock_path(tmp_path).read_text() == f"{os.getpid()} up\n"
    assert lock_path(tmp_path).read_text() == ""


def test_the_name_left_by_an_up_that_died_holds_nothing(tmp_path: Path) -> None:
    tmp_path.mkdir(exist_ok=True)
    lock_path(tmp_path).write_text("999999999 up\n")  # killed: the kernel released its lock
    with holding_local_chain(tmp_path, "reward pay", wait_seconds=0.2):
        assert lock_path(tmp_path).read_text() == f"{os.getpid()} reward pay\n"
