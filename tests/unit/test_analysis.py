"""labkit.analysis: properties that hold for every arrival order, plus the demo's worked cases."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from labkit import analysis
from labkit.queue_demo import Received, parse_number

small_ints = st.lists(st.integers(min_value=0, max_value=40), max_size=60)


def brute_inversions(values: list[int]) -> int:
    return sum(1 for a, b in itertools.combinations(values, 2) if a > b)


@given(small_ints)
def test_inversions_match_brute_force(values: list[int]) -> None:
    assert analysis.count_inversions(values) == brute_inversions(values)


@given(small_ints)
def test_sorted_has_no_inversions(values: list[int]) -> None:
    assert analysis.count_inversions(sorted(values)) == 0


@given(st.sets(st.integers(min_value=-1000, max_value=1000), max_size=80))
def test_reversed_distinct_has_all_pairs_inverted(values: set[int]) -> None:
    n = len(values)
    assert analysis.count_inversions(sorted(values, reverse=True)) == n * (n - 1) // 2


@given(small_ints)
def test_pairs_are_inversions_and_complete_without_limit(values: list[int]) -> None:
    pairs = analysis.inversion_pairs(values, limit=None)
    assert len(pairs) == analysis.count_inversions(values)
    assert all(earlier > later for earlier, later in pairs)


def test_pairs_are_capped_and_in_arrival_order() -> None:
    assert analysis.inversion_pairs([3, 1, 2, 0], limit=2) == [(3, 1), (3, 2)]


@given(small_ints)
def test_duplicates_count_every_extra_delivery(values: list[int]) -> None:
    dups = analysis.duplicates(values)
    assert all(times > 1 for times in dups.values())
    assert sum(times - 1 for times in dups.values()) == len(values) - len(set(values))


@given(small_ints, st.integers(min_value=0, max_value=50))
def test_missing_and_seen_partition_the_expected_range(values: list[int], expected: int) -> None:
    gaps = analysis.missing(values, expected)
    assert set(gaps).isdisjoint(values)
    assert set(gaps) | (set(values) & set(range(expected))) == set(range(expected))
    assert gaps == sorted(gaps)


def record(position: int, body: str, client: str | None) -> Received:
    return Received(
        position=position,
        body=body,
        number=parse_number(body),
        client=client,
        message_id=f"id-{position}",
        receive_count=1,
        sequence_number=None,
        group_id=None,
        received_at=datetime(2026, 11, 28, tzinfo=UTC),
    )


def test_summary_of_a_disordered_run_with_a_duplicate_and_a_gap() -> None:
    bodies = ["Message 1", "Message 0", "Message 3", "Message 1", "not a demo message"]
    clients = ["alice", "bob", None, "alice", "alice"]
    records = [record(i, b, c) for i, (b, c) in enumerate(zip(bodies, clients, strict=True))]

    summary = analysis.summarize(records, expected=4)

    assert summary.received == 4  # the body without a number is left out
    assert summary.distinct == 3
    assert summary.inversions == 2  # (1, 0) and (3, 1)
    assert summary.duplicates == {1: 2}
    assert summary.missing == [2]
    assert not summary.in_order and not summary.complete
    assert summary.by_client == {"alice": [1, 1], "bob": [0], "<no client>": [3]}
    assert "missing: 2" in str(summary)


def test_summary_of_plain_numbers_in_order() -> None:
    summary = analysis.summarize(list(range(100)))
    assert summary.in_order and summary.complete
    assert summary.disorder == 0.0
    assert summary.by_client == {}


def test_fully_reversed_run_has_disorder_one() -> None:
    assert analysis.summarize(list(range(99, -1, -1))).disorder == 1.0


@dataclass
class Plain:
    number: int | None
    client: str | None


def test_partition_shows_who_got_what() -> None:
    runs = {"sub-a": [Plain(0, "p"), Plain(2, "p")], "sub-b": [Plain(1, "p"), Plain(None, None)]}
    assert analysis.partition(runs) == {"sub-a": [0, 2], "sub-b": [1]}


@given(st.integers(min_value=0, max_value=10**6), st.text(max_size=5))
def test_body_number_round_trips(number: int, prepend: str) -> None:
    assert parse_number(f"{prepend}Message {number}") == number
