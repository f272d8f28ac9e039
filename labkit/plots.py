"""The lab's pictures, drawn with matplotlib so a notebook needs one call per idea.

Every function takes plain data (lists, dicts, tuples) rather than boto3 or RQ objects, returns the
matplotlib ``Figure`` it drew (so tests can inspect it and notebooks can show or save it) and never
calls ``plt.show()``: Jupyter's inline backend shows a returned figure by itself. Times on the
x-axes are whatever the caller measured; the lab passes logical steps or seconds since a start so
that pictures carry no wall-clock values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

__all__ = [
    "architecture",
    "arrival_order",
    "arrival_side_by_side",
    "kill_timeline",
    "message_lifecycle",
    "metrics_bars",
    "polling_requests",
    "spans_from_observations",
    "state_timeline",
    "who_got_what",
]

#: The colours of the course's slides: one per client/subscriber, cycling.
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")

#: The AWS console's monitoring tab, in the order it shows them.
METRIC_LABELS = {
    "sent": "messages sent",
    "received": "messages received",
    "deleted": "messages deleted",
    "empty_receives": "empty receives",
}

#: A colour for each job state (RQ's names and the course's), so timelines read the same everywhere.
STATE_COLOURS = {
    "queued": "#9e9e9e",
    "PENDING": "#9e9e9e",
    "deferred": "#bdbdbd",
    "scheduled": "#bdbdbd",
    "started": "#1f77b4",
    "STARTED": "#1f77b4",
    "finished": "#2ca02c",
    "SUCCESS": "#2ca02c",
    "failed": "#d62728",
    "FAILURE": "#d62728",
    "stopped": "#ff7f0e",
    "canceled": "#ff7f0e",
}


def _figure(figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    return fig, ax


def _diagonal_length(series: Mapping[str, Sequence[int]], total: int | None) -> int:
    """How far the in-order diagonal runs: the longest series or the highest number, whichever is more."""
    longest = max((len(v) for v in series.values()), default=0)
    top = total if total is not None else max((max(v) + 1 for v in series.values() if v), default=1)
    return max(longest, top)


def _delivered_again(values: Sequence[int]) -> list[tuple[int, int]]:
    """``(arrival position, number)`` of every delivery of a number already seen."""
    seen: set[int] = set()
    again = []
    for position, number in enumerate(values):
        if number in seen:
            again.append((position, number))
        seen.add(number)
    return again


def _circle(
    ax: Axes, points: Sequence[tuple[int, int]], *, size: float, width: float, label: str
) -> None:
    """Red rings around the repeated deliveries (nothing, and no legend entry, when there are none)."""
    if points:
        ax.scatter(
            [p for p, _ in points],
            [n for _, n in points],
            s=size,
            facecolors="none",
            edgecolors="#d62728",
            linewidths=width,
            label=label,
            zorder=4,
        )


def arrival_order(
    numbers: Sequence[int] | Mapping[str, Sequence[int]],
    *,
    title: str = "Arrival order",
    total: int | None = None,
) -> Figure:
    """Message number against arrival position, beside the diagonal a perfectly ordered queue draws.

    ``numbers`` is the message numbers in the order they arrived (duplicates included), or one such
    list per subscriber/client (plotted in separate colours, positions counted per list). A number
    delivered again is circled in red.
    """
    series = {"received": list(numbers)} if not isinstance(numbers, Mapping) else dict(numbers)
    fig, ax = _figure((6.4, 4.2))
    ideal = _diagonal_length(series, total)
    ax.plot(
        [0, ideal - 1], [0, ideal - 1], linestyle="--", color="#555555", label="in order (ideal)"
    )
    repeats: list[tuple[int, int]] = []
    for i, (name, values) in enumerate(series.items()):
        ax.scatter(
            range(len(values)), values, s=12, color=PALETTE[i % len(PALETTE)], label=name, zorder=3
        )
        repeats += _delivered_again(values)
    _circle(ax, repeats, size=70, width=1.5, label="delivered again (duplicate)")
    ax.set_xlabel("arrival position")
    ax.set_ylabel("message number")
    ax.set_title(title)
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    return fig


def metrics_bars(
    metrics: Mapping[str, Mapping[str, int | float]],
    *,
    keys: Iterable[str] = tuple(METRIC_LABELS),
    title: str = "Queue metrics (like the console's monitoring tab)",
) -> Figure:
    """Grouped bars: one group per metric, one bar per scenario or queue (the keys of ``metrics``)."""
    keys = [k for k in keys if any(k in m for m in metrics.values())]
    fig, ax = _figure((7.0, 3.8))
    width = 0.8 / max(len(metrics), 1)
    for i, (name, values) in enumerate(metrics.items()):
        xs = [k + i * width for k in range(len(keys))]
        heights = [values.get(key, 0) for key in keys]
        bars = ax.bar(xs, heights, width=width, label=name, color=PALETTE[i % len(PALETTE)])
        ax.bar_label(bars, fmt="%g", fontsize=8)
    ax.set_xticks([k + width * (len(metrics) - 1) / 2 for k in range(len(keys))])
    ax.set_xticklabels([METRIC_LABELS.get(k, k) for k in keys])
    ax.set_ylabel("count")
    ax.set_title(title)
    ax.legend()
    ax.grid(axis="y", alpha=0.3)
    return fig


def who_got_what(
    counts: Mapping[str, Mapping[str, int]],
    *,
    title: str = "Who received what",
) -> Figure:
    """Stacked bars: per subscriber, how many messages it got from each publisher."""
    subscribers = list(counts)
    publishers = sorted({p for per in counts.values() for p in per})
    fig, ax = _figure((6.0, 3.6))
    bottoms = [0] * len(subscribers)
    for i, publisher in enumerate(publishers):
        heights = [counts[s].get(publisher, 0) for s in subscribers]
        bars = ax.bar(
            subscribers,
            heights,
            bottom=bottoms,
            label=f"from {publisher}",
            color=PALETTE[i % len(PALETTE)],
        )
        ax.bar_label(bars, label_type="center", fontsize=8, fmt="%g")
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    ax.set_ylabel("messages received")
    ax.set_ylim(0, max(bottoms, default=0) * 1.25 or 1)  # room for the legend above the bars
    ax.set_title(title)
    ax.legend(loc="upper center", ncols=max(len(publishers), 1))
    return fig


def state_timeline(
    spans: Mapping[str, Sequence[tuple[str, float, float]]],
    *,
    title: str = "Job states over time",
    xlabel: str = "seconds since the first job was enqueued",
    final: bool = True,
) -> Figure:
    """One row per job, coloured segments ``(state, start, end)`` for each state it was seen in.

    A "state" may be any label (a worker's name, say): RQ's and the course's states keep fixed
    colours, other labels take the palette in order of appearance. Every segment is drawn at least
    a sliver wide, so a state seen in one poll (the final one, typically) is not lost; with
    ``final`` each row's last state is also written at its end, so the picture says how the job
    ended.
    """
    fig, ax = _figure((7.0, 0.6 * max(len(spans), 2) + 1.2))
    ends = [end for segments in spans.values() for _, _, end in segments]
    starts = [start for segments in spans.values() for _, start, _ in segments]
    width = (max(ends) - min(starts)) if ends else 0.0
    sliver = max(width * 0.02, 1e-3)  # the narrowest segment drawn: visible at any scale
    right_edge = 0.0
    seen: dict[str, str] = {}
    for row, segments in enumerate(spans.values()):
        for state, start, end in segments:
            first = state not in seen
            if first:  # known states keep their colour; others (e.g. worker names) take the palette
                seen[state] = STATE_COLOURS.get(state) or PALETTE[len(seen) % len(PALETTE)]
            drawn = max(end - start, sliver)
            right_edge = max(right_edge, start + drawn)
            ax.broken_barh(
                [(start, drawn)],
                (row - 0.35, 0.7),
                facecolors=seen[state],
                label=state if first else None,
            )
        if final and segments:
            state, start, end = segments[-1]
            ax.annotate(
                state,
                (start + max(end - start, sliver), row),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize=9,
                weight="bold",
            )
    if final and ends:  # room on the right for the final states' names
        ax.set_xlim(min(starts) - sliver, right_edge + max(width, sliver) * 0.25)
    ax.set_yticks(range(len(spans)))
    ax.set_yticklabels(list(spans))
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    # below the axis, so it never covers a bar
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.3),
        fontsize=8,
        ncols=min(len(seen), 6) or 1,
        frameon=False,
    )
    ax.grid(axis="x", alpha=0.3)
    return fig


def spans_from_observations(
    observations: Sequence[tuple[float, str]], *, end: float | None = None
) -> list[tuple[str, float, float]]:
    """Turn polled ``(time, state)`` samples into ``(state, start, end)`` segments for a timeline.

    Consecutive samples with the same state merge; each state lasts until the next one is seen.
    The last state ends at ``end`` (default: the last sample — zero-width when it was seen once,
    which `state_timeline` still draws and labels).
    """
    segments: list[tuple[str, float, float]] = []
    for t, state in observations:
        if segments and segments[-1][0] == state:
            continue
        if segments:
            prev_state, prev_start, _ = segments[-1]
            segments[-1] = (prev_state, prev_start, t)
        segments.append((state, t, t))
    if segments:
        last_state, last_start, last_end = segments[-1]
        final = end if end is not None else observations[-1][0]
        segments[-1] = (last_state, last_start, max(final, last_end))
    return segments


# ----- 01: polling an idle queue -------------------------------------------------------------
def polling_requests(
    runs: Mapping[str, Sequence[tuple[float, int]]],
    *,
    arrived_at: float | None = None,
    title: str = "ReceiveMessage requests while the queue is idle",
) -> Figure:
    """Requests made so far against time, one step line per polling setting.

    ``runs`` maps a label to its requests: ``(seconds since the start when the request was sent,
    messages its reply held)``. AWS bills every request, empty or not, so a line's height is what
    that subscriber pays, and its slope how fast the bill grows while nothing happens (a linear
    axis on purpose: that growth is the lesson). ``arrived_at`` marks when the awaited message
    became available.
    """
    fig, ax = _figure((6.4, 3.8))
    sent_times = [t for requests in runs.values() for t, _ in requests]
    end = max([*sent_times, arrived_at or 0.0], default=0.0)
    for i, (label, requests) in enumerate(runs.items()):
        if not requests:
            continue
        times = [t for t, _ in requests]
        empty = sum(1 for _, count in requests if not count)
        ax.step(
            [*times, end],
            [*range(1, len(times) + 1), len(times)],
            where="post",
            color=PALETTE[i % len(PALETTE)],
            linewidth=2,
            label=f"{label}: {len(times):,} request{'s' * (len(times) != 1)}, {empty:,} empty",
        )
    if arrived_at is not None:
        ax.axvline(arrived_at, linestyle=":", color="#555555", label="the message arrives")
    ax.set_ylim(bottom=0)
    ax.set_xlim(left=0)
    ax.set_xlabel("seconds since the subscriber started waiting")
    ax.set_ylabel("requests so far (billed)")
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def _box(ax: Axes, xy: tuple[float, float], text: str, colour: str) -> None:
    x, y = xy
    ax.add_patch(
        FancyBboxPatch(
            (x - 0.9, y - 0.35),
            1.8,
            0.7,
            boxstyle="round,pad=0.05",
            facecolor=colour,
            edgecolor="#333333",
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=9)


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float]) -> None:
    ax.add_patch(
        FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, color="#333333", lw=1.2)
    )


def architecture() -> Figure:
    """The two halves of the lab, and notebook 05 joining them.

    Part 1: publishers → SQS queue → subscribers. Part 2: client → API → job queue → workers, the
    job queue being RQ on Valkey (03, 04) or an SQS queue with each job's state in the database's
    ``calendar_jobs`` table (05).
    """
    fig, ax = _figure((9.0, 5.0))
    ax.set_xlim(0, 10)
    ax.set_ylim(-0.9, 5)
    ax.axis("off")
    pub, queue, sub, store = "#dbe9f6", "#fde2b8", "#d8f0d2", "#eeeeee"
    ax.text(0.2, 4.7, "Part 1 — SQS queues (notebooks 01, 02)", fontsize=10, weight="bold")
    for y, name in ((4.0, "publisher\nClient 1"), (3.0, "publisher\nClient 2")):
        _box(ax, (1.3, y), name, pub)
        _arrow(ax, (2.2, y), (4.1, 3.5))
    _box(ax, (5.0, 3.5), "SQS queue\ncsse6400_prac(.fifo)", queue)
    for y, name in ((4.0, "subscriber A"), (3.0, "subscriber B")):
        _arrow(ax, (5.9, 3.5), (7.8, y))
        _box(ax, (8.7, y), name, sub)
    ax.text(
        0.2, 2.0, "Part 2 — worker queues (03, 04 with RQ; 05 with SQS)", fontsize=10, weight="bold"
    )
    _box(ax, (1.3, 1.0), "client\n(browser, curl)", pub)
    _arrow(ax, (2.2, 1.0), (3.1, 1.0))
    _box(ax, (4.0, 1.0), "TaskOverflow API\n(Quart)", pub)
    _arrow(ax, (4.9, 1.0), (5.6, 1.0))
    _box(ax, (6.5, 1.0), "job queue: RQ on Valkey\nor SQS queue (05)", queue)
    _arrow(ax, (7.4, 1.0), (7.8, 1.0))
    _box(ax, (8.7, 1.0), "workers\n(calendar jobs)", sub)
    _box(ax, (6.5, -0.4), "database (05)\ncalendar_jobs: job states", store)
    _arrow(ax, (4.4, 0.62), (5.6, -0.3))  # the API records each job and reads its state
    _arrow(ax, (8.3, 0.62), (7.4, -0.3))  # workers write PENDING → STARTED → SUCCESS/FAILURE
    return fig


# ----- notebook 02: standard vs FIFO arrival, and each message's life on a queue -----------------

#: The life of a message on a queue, in the order a lesson meets the states.
LIFECYCLE_COLOURS = {
    "waiting": "#c7c7c7",  # stored, visible, not yet received
    "in flight": "#1f77b4",  # received, hidden for the visibility timeout
    "visible again": "#ff7f0e",  # its visibility timeout ran out before a delete
    "in the dead-letter queue": "#f4a6a6",
}
#: Events that end a message's life on a queue, and how each is marked.
LIFECYCLE_ENDS = {
    "deleted": ("o", "#2ca02c"),
    "dead-lettered": ("X", "#d62728"),
    "moved": (">", "#9467bd"),
    "expired": ("x", "#555555"),
    "purged": ("x", "#555555"),
}


def arrival_side_by_side(
    panels: Mapping[str, Sequence[int]],
    *,
    total: int | None = None,
    title: str = "The same messages, two kinds of queue",
) -> Figure:
    """One arrival-order panel per queue (same axes), so two queues' orders compare at a glance.

    Each panel shows message number against arrival position beside the in-order diagonal;
    a number that arrives again is circled in red.
    """
    names = list(panels)
    fig, axes = plt.subplots(
        1,
        max(len(names), 1),
        figsize=(4.2 * max(len(names), 1), 3.8),
        sharey=True,
        layout="constrained",
        squeeze=False,
    )
    ideal = _diagonal_length(panels, total)
    for i, (ax, name) in enumerate(zip(axes[0], names, strict=False)):
        values = list(panels[name])
        ax.plot([0, ideal - 1], [0, ideal - 1], linestyle="--", color="#555555", label="in order")
        ax.scatter(range(len(values)), values, s=10, color=PALETTE[i % len(PALETTE)], zorder=3)
        _circle(ax, _delivered_again(values), size=60, width=1.4, label="delivered again")
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("arrival position")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=8)
    axes[0][0].set_ylabel("message number")
    fig.suptitle(title)
    return fig


def _lifecycle_step(kind: str, in_dlq: bool) -> tuple[str | None, bool]:
    """The state a message is in after ``kind`` happened to it, and whether ``kind`` ended its
    life on that queue (None, True). Unknown kinds change nothing (the current state, False)."""
    if in_dlq:  # parked: a look at it (received, then visible again) does not change that
        if kind in ("sent", "dead-lettered", "received", "visible"):
            return "in the dead-letter queue", False
        return None, kind in LIFECYCLE_ENDS  # deleted, moved out (redriven), expired, purged
    if kind == "received":
        return "in flight", False
    if kind in ("sent", "moved"):  # moved: redriven in from a dead-letter queue
        return "waiting", False
    if kind == "visible":
        return "visible again", False
    return None, kind in LIFECYCLE_ENDS  # deleted, dead-lettered, expired, purged


def _lifecycle_spans(
    events: Iterable[Mapping[str, Any]],
    labels: Mapping[str, str],
    dead_letter_queues: Iterable[str],
) -> tuple[dict[str, list[tuple[str, float, float, int]]], list[tuple[str, float, str]], float]:
    """Turn a service's event log into per-row ``(state, start, end, receive_count)`` spans and
    ``(row, time, event)`` end marks. Rows are ``labels[message_id]``, so a redriven copy with a
    new id continues its original's row when both ids carry the same label. At equal times an
    end comes before a start (dead-lettered from the source, then into the DLQ)."""
    dlqs = set(dead_letter_queues)

    def step(event: Mapping[str, Any]) -> tuple[str | None, bool]:
        return _lifecycle_step(str(event["event"]), event.get("queue") in dlqs)

    ordered = sorted(events, key=lambda e: (float(e["time"]), not step(e)[1]))
    spans: dict[str, list[tuple[str, float, float, int]]] = {}
    marks: list[tuple[str, float, str]] = []
    current: dict[str, tuple[str, float, int]] = {}
    last = 0.0
    for event in ordered:
        when, kind = float(event["time"]), str(event["event"])
        message_id = str(event.get("message_id"))
        row = labels.get(message_id, message_id[:8])
        state, ends = step(event)
        last = max(last, when)
        spans.setdefault(row, [])
        if (state is None and not ends) or (row in current and current[row][0] == state):
            continue  # unknown to the picture, or no change of state: the current span goes on
        if ends:
            marks.append((row, when, kind))
        if row in current:
            previous, since, previous_count = current.pop(row)
            spans[row].append((previous, since, when, previous_count))
        if state is not None:
            current[row] = (state, when, int(event.get("receive_count") or 0))
    for row, (state, since, count) in current.items():
        spans[row].append((state, since, last, count))
    return spans, marks, last


def message_lifecycle(
    events: Iterable[Mapping[str, Any]],
    *,
    labels: Mapping[str, str] | None = None,
    dead_letter_queues: Iterable[str] = (),
    title: str = "Each message's life on the queue",
    xlabel: str = "seconds on the service's clock",
) -> Figure:
    """One row per message: waiting → in flight → visible again → … → deleted or dead-lettered.

    ``events`` are the local SQS service's own records (``Lab.events``: ``time``, ``message_id``,
    ``event``, ``receive_count``), optionally tagged with the ``queue`` they came from so events
    of a dead-letter queue (named in ``dead_letter_queues``) draw as time spent there. Times are
    shown relative to the first event. In-flight spans carry their receive count.
    """
    events = list(events)
    start = min((float(e["time"]) for e in events), default=0.0)
    shifted = [{**e, "time": float(e["time"]) - start} for e in events]
    spans, marks, last = _lifecycle_spans(shifted, labels or {}, dead_letter_queues)
    rows = list(spans)
    fig, ax = _figure((7.6, 0.55 * max(len(rows), 2) + 1.6))
    shown: set[str] = set()
    for y, row in enumerate(rows):
        for state, begin, end, count in spans[row]:
            ax.broken_barh(
                [(begin, max(end - begin, last * 0.004 or 1e-3))],
                (y - 0.3, 0.6),
                facecolors=LIFECYCLE_COLOURS[state],
                label=state if state not in shown else None,
            )
            shown.add(state)
            if state == "in flight" and count:
                ax.text(begin, y - 0.36, f"#{count}", fontsize=7, va="bottom", color="#1f3f6f")
    for kind, (marker, colour) in LIFECYCLE_ENDS.items():
        points = [(t, rows.index(row)) for row, t, k in marks if k == kind]
        if points:
            ax.scatter(
                [t for t, _ in points],
                [y for _, y in points],
                marker=marker,
                s=70,
                color=colour,
                zorder=4,
                label=kind,
            )
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(rows)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncols=4, fontsize=8, frameon=False)
    return fig


# ----- notebook 05: one kill, two transports ---------------------------------------------------
#: How `kill_timeline` marks what happened to a lane's workers.
EVENT_MARKERS = {
    "killed": ("X", "#d62728", "worker killed (SIGKILL)"),
    "started": ("^", "#2ca02c", "new worker started"),
    "received": ("o", "#ff7f0e", "job received again"),
}


def kill_timeline(
    observations: Mapping[str, Sequence[tuple[float, str]]],
    events: Sequence[tuple[float, str, str]],
    *,
    title: str = "A worker killed mid-job",
    xlabel: str = "seconds since the jobs were requested",
) -> Figure:
    """One lane per transport of polled ``(seconds, state)`` samples, with ``(seconds, lane,
    "killed" | "started" | "received")`` events marked on their lane and each lane's final state written at
    its end: at-least-once (the job comes back) beside at-most-once (the job is lost)."""
    lanes = list(observations)
    end = max((samples[-1][0] for samples in observations.values() if samples), default=0.0)
    tail = 0.04 * end + 0.05  # every lane's final state stays visible past the last sample
    fig = state_timeline(
        {
            lane: spans_from_observations(samples, end=end + tail)
            for lane, samples in observations.items()
        },
        title=title,
        xlabel=xlabel,
    )
    ax = fig.axes[0]  # state_timeline already writes each lane's final state at its end
    labelled: set[str] = set()
    for when, lane, what in events:
        marker, colour, label = EVENT_MARKERS[what]
        ax.scatter(
            [when],
            [lanes.index(lane) - 0.42],
            marker=marker,
            s=70,
            color=colour,
            zorder=4,
            label=None if what in labelled else label,
        )
        labelled.add(what)
    ax.set_xlim(0, (end + tail) * 1.18)  # room for the final-state labels
    ax.set_ylim(len(lanes) - 0.4, -0.75)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.28), fontsize=8, ncols=4)
    return fig
