"""A queue's messages in the order their retention period runs out, at 8 bytes a message.

Messages nearly always enter a queue in time order (a send is stamped "now"), so they go to the end
of a deque keyed by their own send time: no entry object per message. The few that enter with an
older time (a duplicate copy, a standard queue's dead-lettered copy, a clock that stepped back) go
to a small heap of (time, tie, position, message) entries instead. Expiry takes the earlier of the
two fronts. `position` remembers where in the deque's sequence a heap entry arrived, so the queue's
arrival order (purge's log, a redrive task's order) is kept across both.

Messages that leave early (deleted) stay as stale entries, skipped when they come up; those at the
front of the ordered run are dropped as they leave (`drop_gone_front`), and `compact` drops the
rest in one pass when they are most of the index (amortised O(1) per delete).
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterator, Sized

from labkit.sqslocal.message import GONE, Message


def mostly_stale(stale: int, index: Sized) -> bool:
    """Whether an index, `stale` of whose entries are for messages that have left, is due for its
    one O(n) pass: at least half stale (so each stale entry costs O(1) amortised) and more than a
    handful (so a small queue is not swept on every delete). Asked on every delete: the index is
    measured only when the handful is passed."""
    return stale > 1024 and 2 * stale > len(index)


class Retention:
    def __init__(self) -> None:
        self._in_order: deque[Message] = deque()
        self._late: list[tuple[float, int, int, Message]] = []
        self._popped = 0  # entries taken from the left of `_in_order` (positions stay absolute)
        self._ties = 0
        # the send times of the deque's last and first entries (read on every call: kept here
        # rather than unpacked from the message's record each time)
        self._tail = float("-inf")
        self._head = float("-inf")
        self.gone = 0  # entries whose message has left (compacted lazily)

    def __len__(self) -> int:
        return len(self._in_order) + len(self._late)

    def add(self, msg: Message, enqueued: float, sent_now: bool = False) -> None:
        """`sent_now`: the caller knows `enqueued` is the message's own send time."""
        in_order = self._in_order
        if (not in_order or self._tail <= enqueued) and (sent_now or enqueued == msg.sent_at):
            if not in_order:
                self._head = enqueued
            in_order.append(msg)
            self._tail = enqueued
        else:
            self._ties += 1
            position = self._popped + len(in_order)
            heapq.heappush(self._late, (enqueued, self._ties, position, msg))

    def first(self) -> float | None:
        """When the earliest entry was enqueued (None: empty)."""
        in_order, late = self._in_order, self._late
        if in_order:
            front = self._head
            return min(front, late[0][0]) if late else front
        return late[0][0] if late else None

    def pop(self) -> tuple[float, Message]:
        """The earliest entry (time, message); call only when `first()` is not None."""
        in_order, late = self._in_order, self._late
        if in_order and (not late or self._head <= late[0][0]):
            self._popped += 1
            enqueued = self._head
            msg = in_order.popleft()
            if in_order:
                self._head = in_order[0].sent_at
            return enqueued, msg
        enqueued, _, _, msg = heapq.heappop(late)
        return enqueued, msg

    def drop_gone_front(self, left: Message) -> None:
        """`left` has just left the queue: if its entry is the first of the ordered run, drop
        it and the entries of departed messages right behind it. In the usual queue the first
        sent are the first deleted, so that is where they are: `compact`'s pass over the whole
        index, and the new index it builds (which the garbage collector then scans while it is
        young), is rarely needed. Compared by identity first, so a delete elsewhere in the
        queue reads no other message."""
        in_order = self._in_order
        if not in_order or in_order[0] is not left:
            return
        while in_order and in_order[0].state == GONE:
            in_order.popleft()
            self._popped += 1
            self.gone -= 1
        if in_order:
            self._head = in_order[0].sent_at

    def by_arrival(self) -> Iterator[tuple[float, Message]]:
        """Every entry (enqueue time, message) in the order they entered, stale ones included."""
        # A heap entry that arrived at `position` came before the deque's entry at that
        # position: merge the few heap entries, sorted, into the deque's order (no sort of all).
        late = sorted((position, tie, t, m) for t, tie, position, m in self._late)
        out: list[tuple[float, Message]] = []
        j, n_late = 0, len(late)
        for position, m in enumerate(self._in_order, self._popped):
            while j < n_late and late[j][0] <= position:
                out.append((late[j][2], late[j][3]))
                j += 1
            out.append((m.sent_at, m))
        out.extend((t, m) for _, _, t, m in late[j:])
        return iter(out)

    def by_time(self) -> list[tuple[float, Message]]:
        """Every entry (enqueue time, message) by time, then arrival, stale ones included."""
        return sorted(self.by_arrival(), key=lambda entry: entry[0])

    def compact(self) -> None:
        """Drop the entries of messages that have left, keeping the order of the rest."""
        if not self._late:  # the usual case: one pass over the deque, nothing to merge
            kept = deque(m for m in self._in_order if m.state != GONE)
            self.clear()
            self._in_order = kept
            if kept:
                self._head, self._tail = kept[0].sent_at, kept[-1].sent_at
            return
        # As `self.add(msg, t)` for each live entry in arrival order, inlined (this runs over
        # the whole index): a deque entry's time is its send time; a heap entry's may not be.
        late = sorted(
            (position, tie, t, m) for t, tie, position, m in self._late if m.state != GONE
        )
        old, start = self._in_order, self._popped
        self._in_order = deque()  # `clear` empties the deque in place: keep the old one
        self.clear()
        in_order, heap = self._in_order, self._late
        tail, ties = self._tail, self._ties
        j, n_late = 0, len(late)

        def place(enqueued: float, msg: Message) -> None:
            """In the ordered run if it keeps it ordered (and its key is its send time), else
            in the heap of out-of-order entries."""
            nonlocal tail, ties
            if (not in_order or tail <= enqueued) and enqueued == msg.sent_at:
                if not in_order:
                    self._head = enqueued
                in_order.append(msg)
                tail = enqueued
            else:
                ties += 1
                heapq.heappush(heap, (enqueued, ties, len(in_order), msg))

        for position, msg in enumerate(old, start):
            while j < n_late and late[j][0] <= position:
                place(late[j][2], late[j][3])
                j += 1
            if msg.state != GONE:
                place(msg.sent_at, msg)
        for _, _, enqueued, msg in late[j:]:
            place(enqueued, msg)
        self._tail, self._ties = tail, ties

    def clear(self) -> None:
        self._in_order.clear()
        self._late.clear()
        self._popped = 0
        self.gone = 0
        self._tail = self._head = float("-inf")
