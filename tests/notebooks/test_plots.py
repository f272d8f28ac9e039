"""labkit.plots: each picture draws what it is given (inspected on the returned Figure)."""

from __future__ import annotations

from datetime import datetime

import matplotlib
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from labkit import plots


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_arrival_order_draws_the_ideal_diagonal_and_every_arrival():
    fig = plots.arrival_order([0, 2, 1, 3, 3], total=4)
    ax = fig.axes[0]
    diagonal = ax.lines[0]
    assert list(diagonal.get_xdata()) == [0, 4]
    assert list(diagonal.get_ydata()) == [0, 4]
    offsets = ax.collections[0].get_offsets()
    assert [tuple(p) for p in offsets] == [(0, 0), (1, 2), (2, 1), (3, 3), (4, 3)]


def test_arrival_order_circles_duplicate_deliveries():
    fig = plots.arrival_order([0, 1, 0, 2, 1])
    ax = fig.axes[0]
    circled = ax.collections[1].get_offsets()
    assert [tuple(p) for p in circled] == [(2, 0), (4, 1)]
    assert "delivered again (duplicate)" in [t.get_text() for t in ax.get_legend().get_texts()]
    no_dups = plots.arrival_order([0, 1, 2])
    assert len(no_dups.axes[0].collections) == 1


def test_arrival_order_one_series_per_subscriber():
    fig = plots.arrival_order({"A": [0, 2], "B": [1, 3]})
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["in order (ideal)", "A", "B"]


def test_metrics_bars_heights_follow_the_metrics():
    fig = plots.metrics_bars(
        {"short polling": {"sent": 10, "empty_receives": 7}, "long polling": {"sent": 10}}
    )
    ax = fig.axes[0]
    heights = [p.get_height() for p in ax.patches]
    # two metrics shown (only those present), two scenarios
    assert heights == [10, 7, 10, 0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["messages sent", "empty receives"]


def test_who_got_what_stacks_publishers_per_subscriber():
    fig = plots.who_got_what({"sub A": {"Client 1": 3, "Client 2": 1}, "sub B": {"Client 2": 4}})
    ax = fig.axes[0]
    heights = [p.get_height() for p in ax.patches]
    assert heights == [3, 0, 1, 4]


def test_spans_from_observations_merges_repeated_states():
    samples = [(0.0, "queued"), (0.1, "queued"), (0.2, "started"), (0.5, "finished")]
    assert plots.spans_from_observations(samples) == [
        ("queued", 0.0, 0.2),
        ("started", 0.2, 0.5),
        ("finished", 0.5, 0.5),
    ]
    assert plots.spans_from_observations([]) == []


def test_state_timeline_one_row_per_job_and_legend_per_state():
    fig = plots.state_timeline(
        {"a": [("queued", 0, 1), ("started", 1, 2)], "b": [("worker-1", 0, 1)]}
    )
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["queued", "started", "worker-1"]


def test_calendar_timeline_orders_events_by_date():
    fig = plots.calendar_timeline(
        [("later", datetime(2026, 12, 3)), ("sooner", datetime(2026, 12, 1))]
    )
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == ["sooner", "later"]


def test_architecture_names_both_halves():
    fig = plots.architecture()
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    for word in ("SQS queue", "publisher", "subscriber", "TaskOverflow API", "workers"):
        assert word in texts
    # notebook 05: the job queue may be SQS, with each job's state in the calendar_jobs table
    assert "SQS queue (05)" in texts and "calendar_jobs" in texts


def test_metrics_lines_one_line_per_metric():
    fig = plots.metrics_lines({"sent": [(0, 0), (1, 10)], "empty_receives": [(0, 0), (1, 3)]})
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.lines] == ["messages sent", "empty receives"]


def test_polling_requests_climbs_one_step_per_request_and_marks_the_arrival():
    runs = {"short": [(0.0, 0), (0.5, 0), (1.0, 0), (2.0, 1)], "long": [(0.0, 1)]}
    fig = plots.polling_requests(runs, arrived_at=2.0)
    ax = fig.axes[0]
    short, long, arrival = ax.lines
    assert list(short.get_xdata()) == [0.0, 0.5, 1.0, 2.0, 2.0]
    assert list(short.get_ydata()) == [1, 2, 3, 4, 4]
    assert list(long.get_xdata()) == [0.0, 2.0]  # one request, held open until the arrival
    assert list(long.get_ydata()) == [1, 1]
    assert list(arrival.get_xdata()) == [2.0, 2.0]
    assert ax.get_ylim()[0] == 0  # linear from zero: the slope is the bill growing
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == [
        "short: 4 requests, 3 empty",
        "long: 1 request, 0 empty",
        "the message arrives",
    ]


def test_polling_requests_skips_a_run_without_requests():
    fig = plots.polling_requests({"none": [], "one": [(0.0, 1)]})
    assert len(fig.axes[0].lines) == 1
