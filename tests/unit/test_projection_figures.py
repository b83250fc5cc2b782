"""The platform figures of a run, counted a class at a time, are what its events add one by
one: the set-wise path and the fold count the same."""

from __future__ import annotations

from collections import Counter, defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.event_stream import event_stream
from dcmx_core import events as e
from dcmx_core.services.projections import figures_of, figures_of_runs


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), total=st.integers(1, 600))
def test_the_figures_of_runs_are_the_sum_of_each_events_figures(seed: int, total: int) -> None:
    events = [ev for _, placed in event_stream(total, accounts=30, seed=seed) for ev in placed]
    runs: defaultdict[type[e.DomainEvent], list[e.DomainEvent]] = defaultdict(list)
    for event in events:
        runs[type(event)].append(event)
    one_by_one: Counter[tuple[str, object]] = Counter()
    for event in events:
        one_by_one.update(figures_of(event))
    found = figures_of_runs(runs)
    assert {k: v for k, v in found.items() if v} == {k: v for k, v in one_by_one.items() if v}
    assert any(found.values())
