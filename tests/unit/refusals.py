"""How the unit tests check a refusal: exactly the rule's error, and nothing changed."""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from typing import TypeVar

import pytest

from dcmx_core.exceptions import DcmxError

E = TypeVar("E", bound=DcmxError)


def refused(subject: object, error: type[E], action: Callable[[], object]) -> E:
    """Run ``action``, expect exactly ``error`` (not a subclass) and check that ``subject``
    is equal to what it was before."""
    before = deepcopy(subject)
    with pytest.raises(error) as caught:
        action()
    assert type(caught.value) is error
    assert subject == before
    return caught.value
