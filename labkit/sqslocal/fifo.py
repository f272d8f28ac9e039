"""FIFO queue storage: strict order within a message group; in-flight messages hold back what follows.

The rule (AWS FIFO docs: "messages that are received but not yet deleted are in flight; in-flight
messages block delivery of available messages within the same message group"; a message whose
visibility timeout ran out or was set to 0 is available again, in its original place): a receive
may take a group's visible messages from the front of the group up to the first message still in
flight or delayed. So a message that became visible again is returned before anything later in
its group, even while a later message of the group is still in flight, and nothing behind an
in-flight message is returned.

Each group keeps its undelivered messages in sequence order (in-flight ones stay in place). `ready`
lists, in the order they became ready, the groups whose first message is visible: a receive walks
only those, so its cost does not grow with the number of messages.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from labkit.sqslocal.message import GONE, VISIBLE, Message


@dataclass(slots=True)
class Group:
    messages: deque[Message] = field(default_factory=deque)


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
        if messages[0].state == VISIBLE:
            self.ready.setdefault(group_id, None)
        else:
            self.ready.pop(group_id, None)

    def take(self, n: int) -> list[Message]:
        """Up to n messages: as many as possible from the first ready group, then the next ones."""
        out: list[Message] = []
        served: list[str] = []
        for group_id in self.ready:  # visits at most n groups: each ready group yields a message
            if len(out) >= n:
                break
            served.append(group_id)
            for msg in self.groups[group_id].messages:
                if len(out) >= n:
                    break
                if msg.state == GONE:
                    continue
                if msg.state != VISIBLE:
                    break
                out.append(msg)
        for group_id in served:
            del self.ready[group_id]
        return out
