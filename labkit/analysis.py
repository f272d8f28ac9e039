"""What a run of the demo shows: how far from sorted, what came twice, what never came, who got what.

Pure functions over the numbers in arrival order (or over `Received` records, anything with
`.number` and `.client`), so notebooks and tests can feed them lists by hand. An inversion is a
pair of deliveries where a larger number arrived before a smaller one: 0 means perfectly in
order, n(n-1)/2 means exactly reversed. Counting them is a merge sort (O(n log n)); listing them
is quadratic and capped, since a notebook only shows a handful.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol


class Delivery(Protocol):
    @property
    def number(self) -> int | None: ...

    @property
    def client(self) -> str | None: ...


def numbers(deliveries: Iterable[Delivery | int]) -> list[int]:
    """The demo numbers in arrival order; deliveries whose body held no number are skipped."""
    out: list[int] = []
    for item in deliveries:
        value = item if isinstance(item, int) else item.number
        if value is not None:
            out.append(value)
    return out


def count_inversions(values: Sequence[int]) -> int:
    """Pairs i < j with values[i] > values[j] (equal values, i.e. duplicates, are not inversions)."""

    def sort_count(items: list[int]) -> tuple[list[int], int]:
        if len(items) <= 1:
            return items, 0
        mid = len(items) // 2
        left, a = sort_count(items[:mid])
        right, b = sort_count(items[mid:])
        merged: list[int] = []
        crossed = 0
        i = j = 0
        while i < len(left) and j < len(right):
            if right[j] < left[i]:
                merged.append(right[j])
                crossed += len(left) - i  # right[j] is smaller than every left item still waiting
                j += 1
            else:
                merged.append(left[i])
                i += 1
        merged.extend(left[i:])
        merged.extend(right[j:])
        return merged, a + b + crossed

    return sort_count(list(values))[1]


def inversion_pairs(values: Sequence[int], limit: int | None = 20) -> list[tuple[int, int]]:
    """The first `limit` inversions as (earlier, later) number pairs, in arrival order."""
    pairs: list[tuple[int, int]] = []
    for i, earlier in enumerate(values):
        for later in values[i + 1 :]:
            if earlier > later:
                pairs.append((earlier, later))
                if limit is not None and len(pairs) >= limit:
                    return pairs
    return pairs


def duplicates(values: Iterable[int]) -> dict[int, int]:
    """Numbers delivered more than once → how many times, in ascending order of number."""
    counts = Counter(values)
    return {value: times for value, times in sorted(counts.items()) if times > 1}


def missing(values: Iterable[int], expected: Iterable[int] | int = 100) -> list[int]:
    """Expected numbers (default 0…99) that never arrived, ascending."""
    wanted = range(expected) if isinstance(expected, int) else expected
    seen = set(values)
    return sorted(set(wanted) - seen)


def per_client(deliveries: Iterable[Delivery]) -> dict[str, list[int]]:
    """Numbers grouped by each message's `client` attribute (the publisher's name), in arrival order.

    With two publishers on a FIFO queue this shows that each one's messages stay in order even
    when the two streams interleave. A message without the attribute counts as '<no client>'.
    """
    out: dict[str, list[int]] = {}
    for item in deliveries:
        if item.number is not None:
            out.setdefault(item.client or "<no client>", []).append(item.number)
    return out


def partition(runs: Mapping[str, Iterable[Delivery | int]]) -> dict[str, list[int]]:
    """Who got what when several subscribers share a queue: receiver name → its numbers in order."""
    return {receiver: numbers(deliveries) for receiver, deliveries in runs.items()}


@dataclass(frozen=True)
class Summary:
    """One run at a glance."""

    received: int  # deliveries, duplicates included
    distinct: int
    inversions: int
    max_inversions: int  # n(n-1)/2 for the distinct numbers seen: the fully reversed order
    duplicates: dict[int, int]
    missing: list[int]
    by_client: dict[str, list[int]] = field(default_factory=dict)

    @property
    def in_order(self) -> bool:
        return self.inversions == 0

    @property
    def disorder(self) -> float:
        """Inversions as a share of the worst case: 0.0 sorted, 1.0 reversed, about 0.5 shuffled."""
        return self.inversions / self.max_inversions if self.max_inversions else 0.0

    @property
    def complete(self) -> bool:
        return not self.missing

    def __str__(self) -> str:
        dups = ", ".join(f"{n}×{k}" for n, k in self.duplicates.items()) or "none"
        gaps = ", ".join(map(str, self.missing)) or "none"
        return (
            f"{self.received} received ({self.distinct} distinct); "
            f"{self.inversions} inversions ({self.disorder:.0%} of reversed); "
            f"duplicates: {dups}; missing: {gaps}"
        )


def summarize(deliveries: Sequence[Delivery | int], expected: Iterable[int] | int = 100) -> Summary:
    """Inversions, duplicates, missing numbers and (for records) per-client shares of one run."""
    values = numbers(deliveries)
    distinct = len(set(values))
    records = [d for d in deliveries if not isinstance(d, int)]
    return Summary(
        received=len(values),
        distinct=distinct,
        inversions=count_inversions(values),
        max_inversions=distinct * (distinct - 1) // 2,
        duplicates=duplicates(values),
        missing=missing(values, expected),
        by_client=per_client(records),
    )
