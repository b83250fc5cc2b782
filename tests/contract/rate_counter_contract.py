"""The contract every store of token buckets obeys (``dcmx_adapters.rate_buckets``).

Subclass ``RateCounterContract`` and implement ``make_counter`` to run the suite on a store;
``counter_sharing`` gives a second counter as another process would open it, and
``shared = False`` marks a store whose processes count apart (that one must not share).
Rates here are small or fast enough that the suite runs in well under a second a store.
"""

from __future__ import annotations

import threading
import time

import pytest

from dcmx_adapters.rate_buckets import Rate, RateCounter

TEN_A_SECOND = Rate(600, 1)


class RateCounterContract:
    shared = True

    def make_counter(self) -> RateCounter:
        raise NotImplementedError

    def counter_sharing(self, counter: RateCounter) -> RateCounter:
        """Another counter over the same store, as a second API process opens it."""
        raise NotImplementedError

    @pytest.fixture
    def counter(self) -> RateCounter:
        return self.make_counter()

    def test_a_new_key_has_its_burst_and_no_more(self, counter: RateCounter) -> None:
        rate = Rate(60, 3)
        assert [counter.take("k", rate) for _ in range(3)] == [0, 0, 0]
        assert counter.take("k", rate) > 0

    def test_a_refusal_tells_when_the_next_token_comes(self, counter: RateCounter) -> None:
        rate = Rate(60, 1)
        counter.take("k", rate)
        assert 0.9 < counter.take("k", rate) <= 1.0

    def test_tokens_come_back_at_the_rate(self, counter: RateCounter) -> None:
        counter.take("k", TEN_A_SECOND)
        assert counter.take("k", TEN_A_SECOND) > 0
        time.sleep(0.12)
        assert counter.take("k", TEN_A_SECOND) == 0

    def test_a_refused_request_takes_nothing(self, counter: RateCounter) -> None:
        counter.take("k", TEN_A_SECOND)
        for _ in range(5):
            assert counter.take("k", TEN_A_SECOND) > 0
        time.sleep(0.12)
        assert counter.take("k", TEN_A_SECOND) == 0

    def test_an_idle_bucket_holds_no_more_than_its_burst(self, counter: RateCounter) -> None:
        rate = Rate(600, 2)
        counter.take("k", rate)
        time.sleep(0.4)  # four tokens' worth of waiting
        assert [counter.take("k", rate) for _ in range(2)] == [0, 0]
        assert counter.take("k", rate) > 0

    def test_keys_have_buckets_of_their_own(self, counter: RateCounter) -> None:
        rate = Rate(1, 1)
        assert counter.take("a", rate) == 0
        assert counter.take("b", rate) == 0
        assert counter.take("a", rate) > 0

    def test_requests_at_once_never_take_more_than_the_burst(self, counter: RateCounter) -> None:
        rate, taken = Rate(1, 20), []
        lock = threading.Lock()

        def take() -> None:
            for _ in range(5):
                if counter.take("k", rate) == 0:
                    with lock:
                        taken.append(1)

        threads = [threading.Thread(target=take) for _ in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(taken) == 20

    def test_processes_share_the_buckets_when_the_store_is_shared(
        self, counter: RateCounter
    ) -> None:
        other, rate = self.counter_sharing(counter), Rate(1, 3)
        assert [counter.take("k", rate), other.take("k", rate), counter.take("k", rate)] == [0] * 3
        if self.shared:
            assert other.take("k", rate) > 0
        else:
            assert other.take("k", rate) == 0
