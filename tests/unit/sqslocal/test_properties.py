"""Properties of the engine under random interleavings of sends, receives, deletes and time.

Hypothesis drives a state machine; the checks are the promises SQS makes: FIFO order within a group
is never violated, no accepted message is lost before it is deleted or expires, and every standard
message is delivered at least once. The engine keeps a journal in a data dir, and the machine
restarts it there (after a crash, or a clean stop) at random points and at the end of each example:
the restarted engine must hold exactly the same state, and the run carries on with it.
"""

from __future__ import annotations

import random
import shutil

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from labkit.sqslocal.engine import Engine
from tests.unit.sqslocal.conftest import FakeClock, course_config
from tests.unit.sqslocal.state import fingerprint, journal_of, journalled, scratch_dir

STD = "csse6400_prac"
FIFO = "csse6400_prac.fifo"


class EngineMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock()
        self.data_dir = scratch_dir()
        self.engine = journalled(self.new_engine(), self.data_dir, compact_bytes=4_000)
        self.engine.set_queue_attributes(STD, {"VisibilityTimeout": "5"})
        self.engine.set_queue_attributes(FIFO, {"VisibilityTimeout": "5"})
        self.counter = 0
        self.accepted: dict[str, set[str]] = {
            STD: set(),
            FIFO: set(),
        }  # message ids not yet deleted
        self.delivered: set[str] = set()
        self.in_hand: list[tuple[str, str, str, str]] = []  # (queue, id, receipt, body)
        self.fifo_pending: dict[str, list[int]] = {}  # group -> numbers not yet deleted, send order

    def new_engine(self) -> Engine:
        return Engine(
            self.clock, random.Random(1), course_config(seed=1, duplicate_rate=0.1, hosts=4)
        )

    @rule(clean=st.booleans())
    def restart(self, clean: bool) -> None:
        """Stop (cleanly, or as if killed) and start again on the data dir: nothing changes."""
        before = fingerprint(self.engine)
        if clean:
            journal_of(self.engine).close()
        else:
            journal_of(self.engine)._file.close()  # the process died: no compaction, no goodbye
        self.engine = journalled(self.new_engine(), self.data_dir, compact_bytes=4_000)
        assert fingerprint(self.engine) == before

    @rule(queue=st.sampled_from([STD, FIFO]), group=st.sampled_from("abc"), delay=st.integers(0, 3))
    def send(self, queue: str, group: str, delay: int) -> None:
        self.counter += 1
        body = f"{group}:{self.counter}"
        if queue == FIFO:
            result = self.engine.send_message(queue, body, group_id=group)
            self.fifo_pending.setdefault(group, []).append(self.counter)
        else:
            result = self.engine.send_message(queue, body, delay_seconds=delay)
        self.accepted[queue].add(result.message_id)

    @rule(queue=st.sampled_from([STD, FIFO]), n=st.integers(1, 10), long_poll=st.booleans())
    def receive(self, queue: str, n: int, long_poll: bool) -> None:
        got = self.engine.receive_message(queue, n, long_poll=long_poll)
        assert len(got) <= n
        if queue == FIFO:
            self.check_fifo_reply(got)
        for m in got:
            assert m.message_id in self.accepted[queue] or queue == STD  # duplicates may trail
            self.delivered.add(m.message_id)
            self.in_hand.append((queue, m.message_id, m.receipt_handle, m.body))

    def check_fifo_reply(self, got: list) -> None:
        """A reply holds, per group, exactly the oldest undeleted messages of that group, in order."""
        per_group: dict[str, list[int]] = {}
        for m in got:
            group, number = m.body.split(":")
            per_group.setdefault(group, []).append(int(number))
        for group, numbers in per_group.items():
            assert numbers == self.fifo_pending[group][: len(numbers)]

    @precondition(lambda self: self.in_hand)
    @rule(index=st.integers(0, 1000))
    def delete(self, index: int) -> None:
        queue, message_id, receipt, body = self.in_hand.pop(index % len(self.in_hand))
        before = self.engine.get_queue_attributes(queue, ["All"])
        self.engine.delete_message(queue, receipt)
        self.accepted[queue].discard(message_id)
        if queue == FIFO:
            group, number = body.split(":")
            self.fifo_pending[group].remove(int(number))
        assert before  # the queue still answers

    @rule(seconds=st.integers(1, 10))
    def wait(self, seconds: int) -> None:
        self.clock.tick(seconds)
        # receipts older than the visibility timeout may now belong to a redelivery
        self.in_hand = [h for h in self.in_hand if h[0] == STD][-20:]

    @invariant()
    def nothing_lost(self) -> None:
        for queue in (STD, FIFO):
            attrs = self.engine.get_queue_attributes(queue, ["All"])
            held = sum(
                int(attrs[k])
                for k in (
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                    "ApproximateNumberOfMessagesDelayed",
                )
            )
            # duplicates can add copies, never remove messages
            assert held >= len(self.accepted[queue])

    def teardown(self) -> None:
        try:
            self.restart(clean=False)
            self.check_everything_deliverable()
        finally:
            journal_of(self.engine).close()
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def check_everything_deliverable(self) -> None:
        # Everything not deleted is still there and, for the standard queue, deliverable.
        self.clock.tick(3600)
        remaining: set[str] = set()
        for _ in range(500):
            got = self.engine.receive_message(STD, 10, long_poll=True)
            if not got:
                break
            for m in got:
                remaining.add(m.message_id)
                self.engine.delete_message(STD, m.receipt_handle)
        assert self.accepted[STD] <= remaining
        fifo_remaining: set[str] = set()
        for _ in range(500):
            got = self.engine.receive_message(FIFO, 10)
            if not got:
                break
            self.check_fifo_reply(got)
            for m in got:
                group, number = m.body.split(":")
                self.fifo_pending[group].remove(int(number))
                fifo_remaining.add(m.message_id)
                self.engine.delete_message(FIFO, m.receipt_handle)
        assert self.accepted[FIFO] == fifo_remaining


EngineMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)
TestEngineProperties = EngineMachine.TestCase
