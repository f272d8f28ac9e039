"""labkit.plots: each picture draws what it is given (inspected on the returned Figure)."""

from __future__ import annotations

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


def test_state_timeline_shows_each_rows_final_state_even_when_seen_once():
    spans = plots.spans_from_observations([(0.0, "queued"), (0.4, "started"), (1.0, "finished")])
    assert spans[-1] == ("finished", 1.0, 1.0)  # seen in one poll: no width of its own
    fig = plots.state_timeline({"job": spans, "other": [("queued", 0, 0.5), ("failed", 0.5, 0.5)]})
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == ["finished", "failed"]
    widths = [path.get_extents().width for coll in ax.collections for path in coll.get_paths()]
    assert len(widths) == 5 and min(widths) > 0  # the one-poll states are drawn too
    finished_label = ax.texts[0]
    assert finished_label.xy[0] > 1.0  # written just after the drawn sliver
    assert ax.get_xlim()[1] > finished_label.xy[0]  # and inside the picture
    assert "finished" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_state_timeline_without_final_labels():
    fig = plots.state_timeline({"job": [("queued", 0, 1)]}, final=False)
    assert len(fig.axes[0].texts) == 0


def test_architecture_names_both_halves():
    fig = plots.architecture()
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    for word in ("SQS queue", "publisher", "subscriber", "TaskOverflow API", "workers"):
        assert word in texts


def test_metrics_lines_one_line_per_metric():
    fig = plots.metrics_lines({"sent": [(0, 0), (1, 10)], "empty_receives": [(0, 0), (1, 3)]})
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.lines] == ["messages sent", "empty receives"]
