"""FIFO queue storage: strict order within a message group, a group blocked while it has messages in flight.

Each group keeps its undelivered messages in sequence order (in-flight ones stay at the front, so a
message whose visibility timeout expires is delivered again before anything later). `ready` lists,
in the order they became ready, the groups whose first message is visible and which have nothing
in flight: a receive walks only those, so its cost does not grow with the number of messages.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from itertools import islice

from labkit.sqslocal.message import GONE, VISIBLE, Message


@dataclass(slots=True)
class Group:
    messages: deque[Message] = field(default_factory=deque)
    inflight: int = 0


class FifoStore:
    def __init__(self) -> None:
        self.groups: dict[str, Group] = {}
        self.ready: dict[str, None] = {}

    def add(self, msg: Message) -> None:
        """A new message (visible or delayed) joins the end of its group."""
        group = self.groups.get(msg.group_id)  # type: ignore[arg-type]
        if group is None:
            group = self.groups[msg.group_id] = Group()  # type: ignore[index]
        group.messages.append(msg)
        self.refresh(msg.group_id)  # type: ignore[arg-type]

    def refresh(self, group_id: str) -> None:
        """Recompute whether a group can deliver (call after any change to one of its messages)."""
        group = self.groups.get(group_id)
        if group is None:
            return
        messages = group.messages
        while messages and messages[0].state == GONE:
            messages.popleft()
        if not messages:
            del self.groups[group_id]
            self.ready.pop(group_id, None)
            return
        if group.inflight == 0 and messages[0].state == VISIBLE:
            self.ready.setdefault(group_id, None)
        else:
            self.ready.pop(group_id, None)

    def left_flight(self, msg: Message) -> None:
        """An in-flight message was deleted, expired or became visible again."""
        group = self.groups.get(msg.group_id)  # type: ignore[arg-type]
        if group is not None:
            group.inflight -= 1

    def take(self, n: int) -> list[Message]:
        """Up to n messages: as many as possible from the first ready group, then the next ones."""
        out: list[Message] = []
        served: list[str] = []
        for group_id in self.ready:  # visits at most n groups: each ready group yields a message
            if len(out) >= n:
                break
            served.append(group_id)
            group = self.groups[group_id]
            taken = 0
            for msg in islice(group.messages, 0, None):
                if len(out) >= n:
                    break
                if msg.state == GONE:
                    continue
                if msg.state != VISIBLE:
                    break
                out.append(msg)
                taken += 1
            group.inflight += taken
        for group_id in served:
            del self.ready[group_id]
        return out
