"""The lab's pictures, drawn with matplotlib so a notebook needs one call per idea.

Every function takes plain data (lists, dicts, tuples) rather than boto3 or RQ objects, returns the
matplotlib ``Figure`` it drew (so tests can inspect it and notebooks can show or save it) and never
calls ``plt.show()``: Jupyter's inline backend shows a returned figure by itself. Times on the
x-axes are whatever the caller measured; the lab passes logical steps or seconds since a start so
that pictures carry no wall-clock values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

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


def _figure(figsize: tuple[float, float]) -> tuple[Figure, plt.Axes]:
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    return fig, ax


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
    longest = max((len(v) for v in series.values()), default=0)
    top = total if total is not None else max((max(v) + 1 for v in series.values() if v), default=1)
    ideal = max(longest, top)
    ax.plot(
        [0, ideal - 1], [0, ideal - 1], linestyle="--", color="#555555", label="in order (ideal)"
    )
    repeats: list[tuple[int, int]] = []
    for i, (name, values) in enumerate(series.items()):
        ax.scatter(
            range(len(values)), values, s=12, color=PALETTE[i % len(PALETTE)], label=name, zorder=3
        )
        seen: set[int] = set()
        for position, number in enumerate(values):
            if number in seen:
                repeats.append((position, number))
            seen.add(number)
    if repeats:
        ax.scatter(
            [p for p, _ in repeats],
            [n for _, n in repeats],
            s=70,
            facecolors="none",
            edgecolors="#d62728",
            linewidths=1.5,
            label="delivered again (duplicate)",
            zorder=4,
        )
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


def metrics_lines(
    series: Mapping[str, Sequence[tuple[float, float]]],
    *,
    title: str = "Queue metrics over time",
    xlabel: str = "step",
) -> Figure:
    """Lines of (x, value) points per metric, like the console's graphs over time."""
    fig, ax = _figure((6.4, 3.6))
    for i, (name, points) in enumerate(series.items()):
        xs = [p[0] for p in points]
        ys = [p[1] for p in points]
        ax.plot(
            xs,
            ys,
            marker="o",
            markersize=3,
            label=METRIC_LABELS.get(name, name),
            color=PALETTE[i % len(PALETTE)],
        )
    ax.set_xlabel(xlabel)
    ax.set_ylabel("count")
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
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
) -> Figure:
    """One row per job, coloured segments ``(state, start, end)`` for each state it was seen in.

    A "state" may be any label (a worker's name, say): RQ's and the course's states keep fixed
    colours, other labels take the palette in order of appearance.
    """
    fig, ax = _figure((7.0, 0.6 * max(len(spans), 2) + 1.2))
    seen: dict[str, str] = {}
    for row, segments in enumerate(spans.values()):
        for state, start, end in segments:
            first = state not in seen
            if first:  # known states keep their colour; others (e.g. worker names) take the palette
                seen[state] = STATE_COLOURS.get(state) or PALETTE[len(seen) % len(PALETTE)]
            ax.broken_barh(
                [(start, max(end - start, 1e-3))],
                (row - 0.35, 0.7),
                facecolors=seen[state],
                label=state if first else None,
            )
    ax.set_yticks(range(len(spans)))
    ax.set_yticklabels(list(spans))
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=8, ncols=min(len(seen), 4) or 1)
    ax.grid(axis="x", alpha=0.3)
    return fig


def spans_from_observations(
    observations: Sequence[tuple[float, str]], *, end: float | None = None
) -> list[tuple[str, float, float]]:
    """Turn polled ``(time, state)`` samples into ``(state, start, end)`` segments for a timeline.

    Consecutive samples with the same state merge; each state lasts until the next one is seen.
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


def calendar_timeline(
    events: Sequence[tuple[str, datetime]],
    *,
    title: str = "Todos by deadline",
) -> Figure:
    """Each calendar event as a labelled marker on a date axis, in deadline order."""
    ordered = sorted(events, key=lambda e: e[1])
    fig, ax = _figure((7.0, 0.45 * max(len(ordered), 3) + 1.2))
    for row, (summary, when) in enumerate(ordered):
        ax.plot([when], [row], marker="D", color=PALETTE[row % len(PALETTE)])
        ax.annotate(
            summary, (mdates.date2num(when), row), xytext=(8, -3), textcoords="offset points"
        )
    ax.set_yticks([])
    ax.set_ylim(len(ordered) - 0.5, -0.5)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    if ordered:
        first, last = ordered[0][1], ordered[-1][1]
        pad = max((last - first) * 0.25, timedelta(days=1))
        ax.set_xlim(first - pad, last + pad * 2)
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    return fig


def _box(ax: plt.Axes, xy: tuple[float, float], text: str, colour: str) -> None:
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


def _arrow(ax: plt.Axes, start: tuple[float, float], end: tuple[float, float]) -> None:
    ax.add_patch(
        FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, color="#333333", lw=1.2)
    )


def architecture() -> Figure:
    """The two halves of the lab: publishers → SQS queue → subscribers; API → job queue → workers."""
    fig, ax = _figure((9.0, 4.2))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 5)
    ax.axis("off")
    pub, queue, sub = "#dbe9f6", "#fde2b8", "#d8f0d2"
    ax.text(0.2, 4.7, "Part 1 — SQS queues (notebooks 01, 02)", fontsize=10, weight="bold")
    for y, name in ((4.0, "publisher\nClient 1"), (3.0, "publisher\nClient 2")):
        _box(ax, (1.3, y), name, pub)
        _arrow(ax, (2.2, y), (4.1, 3.5))
    _box(ax, (5.0, 3.5), "SQS queue\ncsse6400_prac(.fifo)", queue)
    for y, name in ((4.0, "subscriber A"), (3.0, "subscriber B")):
        _arrow(ax, (5.9, 3.5), (7.8, y))
        _box(ax, (8.7, y), name, sub)
    ax.text(0.2, 2.0, "Part 2 — worker queues (notebooks 03, 04, 05)", fontsize=10, weight="bold")
    _box(ax, (1.3, 1.0), "client\n(browser, curl)", pub)
    _arrow(ax, (2.2, 1.0), (3.1, 1.0))
    _box(ax, (4.0, 1.0), "TaskOverflow API\n(Quart)", pub)
    _arrow(ax, (4.9, 1.0), (5.6, 1.0))
    _box(ax, (6.5, 1.0), "job queue\n(Valkey + RQ / SQS)", queue)
    _arrow(ax, (7.4, 1.0), (7.8, 1.0))
    _box(ax, (8.7, 1.0), "workers\n(calendar jobs)", sub)
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
    ax = fig.axes[0]
    for row, samples in enumerate(observations.values()):
        if samples:
            ax.annotate(
                samples[-1][1],
                (end + tail, row),
                xytext=(6, 0),
                textcoords="offset points",
                va="center",
                fontsize=9,
                weight="bold",
                color=STATE_COLOURS.get(samples[-1][1], "#333333"),
            )
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
