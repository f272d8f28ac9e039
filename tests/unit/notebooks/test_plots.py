"""labkit.plots: each picture draws what it is given (inspected on the returned Figure).

matplotlib is imported by the `plots` fixture, not at the top: every xdist worker imports every
test module to collect it, and pyplot costs each of them about a second; the tests stay together
on one worker (`xdist_group`), so only that worker imports it.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

import pytest

pytestmark = pytest.mark.xdist_group("matplotlib")


@pytest.fixture
def plots() -> Iterator[ModuleType]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from labkit import plots

    yield plots
    plt.close("all")


def test_arrival_order_draws_the_ideal_diagonal_and_every_arrival(plots):
    fig = plots.arrival_order([0, 2, 1, 3, 3], total=4)
    ax = fig.axes[0]
    diagonal = ax.lines[0]
    assert list(diagonal.get_xdata()) == [0, 4]
    assert list(diagonal.get_ydata()) == [0, 4]
    offsets = ax.collections[0].get_offsets()
    assert [tuple(p) for p in offsets] == [(0, 0), (1, 2), (2, 1), (3, 3), (4, 3)]


def test_arrival_order_circles_duplicate_deliveries(plots):
    fig = plots.arrival_order([0, 1, 0, 2, 1])
    ax = fig.axes[0]
    circled = ax.collections[1].get_offsets()
    assert [tuple(p) for p in circled] == [(2, 0), (4, 1)]
    assert "delivered again (duplicate)" in [t.get_text() for t in ax.get_legend().get_texts()]
    no_dups = plots.arrival_order([0, 1, 2])
    assert len(no_dups.axes[0].collections) == 1


def test_arrival_order_one_series_per_subscriber(plots):
    fig = plots.arrival_order({"A": [0, 2], "B": [1, 3]})
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["in order (ideal)", "A", "B"]


# --- notebook 02: standard vs FIFO, and the message lifecycle ---------------------------------
def test_arrival_side_by_side_one_panel_per_queue_with_its_own_dots(plots):
    fig = plots.arrival_side_by_side({"standard": [1, 0, 2, 2], "FIFO": [0, 1, 2]}, total=3)
    assert [ax.get_title() for ax in fig.axes] == ["standard", "FIFO"]
    standard, fifo = fig.axes
    assert [tuple(p) for p in standard.collections[0].get_offsets()] == [
        (0, 1),
        (1, 0),
        (2, 2),
        (3, 2),
    ]
    assert [tuple(p) for p in standard.collections[1].get_offsets()] == [(3, 2)]  # again
    assert len(fifo.collections) == 1  # nothing circled: no repeats
    assert standard.get_shared_y_axes().joined(standard, fifo)


def _event(time, message_id, event, count=0, queue="orders.fifo"):
    return {
        "time": time,
        "message_id": message_id,
        "event": event,
        "receive_count": count,
        "queue": queue,
    }


POISON_LOG = [
    _event(100.0, "m1", "sent"),
    _event(100.0, "m2", "sent"),
    _event(100.5, "m1", "received", 1),
    _event(100.6, "m1", "deleted", 1),
    _event(100.7, "m2", "received", 1),
    _event(105.7, "m2", "visible", 1),
    _event(106.0, "m2", "received", 2),
    _event(111.0, "m2", "visible", 2),
    # the move: logged by the source and by the dead-letter queue at the same instant
    _event(112.0, "m2", "dead-lettered", 2, queue="dlq.fifo"),
    _event(112.0, "m2", "dead-lettered", 2),
    _event(115.0, "m2", "received", 3, queue="dlq.fifo"),  # a look into the DLQ …
    _event(115.0, "m2", "visible", 3, queue="dlq.fifo"),  # … that leaves it there
    _event(120.0, "m2", "moved", 3, queue="dlq.fifo"),
    _event(120.0, "m3", "moved", 0),  # the redriven copy, a new id on the source queue
    _event(121.0, "m3", "received", 1),
    _event(121.5, "m3", "deleted", 1),
]
LABELS = {"m1": "order 1", "m2": "order 2", "m3": "order 2"}


def test_lifecycle_spans_follow_the_service_log(plots):
    spans, marks, last = plots._lifecycle_spans(POISON_LOG, LABELS, ["dlq.fifo"])
    assert spans["order 1"] == [("waiting", 100.0, 100.5, 0), ("in flight", 100.5, 100.6, 1)]
    states = [s[0] for s in spans["order 2"]]
    assert states == [
        "waiting",
        "in flight",
        "visible again",
        "in flight",
        "visible again",
        "in the dead-letter queue",
        "waiting",
        "in flight",
    ]
    counts = [s[3] for s in spans["order 2"] if s[0] == "in flight"]
    assert counts == [1, 2, 1]
    assert [(row, kind) for row, _, kind in marks] == [
        ("order 1", "deleted"),
        ("order 2", "dead-lettered"),
        ("order 2", "moved"),
        ("order 2", "deleted"),
    ]
    assert last == 121.5


def test_message_lifecycle_draws_rows_states_and_end_marks(plots):
    fig = plots.message_lifecycle(POISON_LOG, labels=LABELS, dead_letter_queues=["dlq.fifo"])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["order 1", "order 2"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    for name in ("waiting", "in flight", "visible again", "in the dead-letter queue"):
        assert name in legend
    for name in ("deleted", "dead-lettered", "moved"):
        assert name in legend
    assert {"#1", "#2"} <= {t.get_text() for t in ax.texts}  # receive counts on in-flight spans
    assert ax.get_xlim()[0] <= 0.0  # times relative to the first event


def test_message_lifecycle_keeps_unknown_events_out_and_unlabelled_ids_short(plots):
    log = [_event(0, "abcdef123456", "sent"), _event(1, "abcdef123456", "peeked")]
    spans, marks, _ = plots._lifecycle_spans(log, {}, [])
    assert spans == {"abcdef12": [("waiting", 0.0, 1.0, 0)]} and marks == []


def test_metrics_bars_heights_follow_the_metrics(plots):
    fig = plots.metrics_bars(
        {"short polling": {"sent": 10, "empty_receives": 7}, "long polling": {"sent": 10}}
    )
    ax = fig.axes[0]
    heights = [p.get_height() for p in ax.patches]
    # two metrics shown (only those present), two scenarios
    assert heights == [10, 7, 10, 0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["messages sent", "empty receives"]


def test_who_got_what_stacks_publishers_per_subscriber(plots):
    fig = plots.who_got_what({"sub A": {"Client 1": 3, "Client 2": 1}, "sub B": {"Client 2": 4}})
    ax = fig.axes[0]
    heights = [p.get_height() for p in ax.patches]
    assert heights == [3, 0, 1, 4]


def test_spans_from_observations_merges_repeated_states(plots):
    samples = [(0.0, "queued"), (0.1, "queued"), (0.2, "started"), (0.5, "finished")]
    assert plots.spans_from_observations(samples) == [
        ("queued", 0.0, 0.2),
        ("started", 0.2, 0.5),
        ("finished", 0.5, 0.5),
    ]
    assert plots.spans_from_observations([]) == []


def test_state_timeline_one_row_per_job_and_legend_per_state(plots):
    fig = plots.state_timeline(
        {"a": [("queued", 0, 1), ("started", 1, 2)], "b": [("worker-1", 0, 1)]}
    )
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["queued", "started", "worker-1"]


def test_state_timeline_shows_each_rows_final_state_even_when_seen_once(plots):
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


def test_state_timeline_without_final_labels(plots):
    fig = plots.state_timeline({"job": [("queued", 0, 1)]}, final=False)
    assert len(fig.axes[0].texts) == 0


def test_architecture_names_both_halves(plots):
    fig = plots.architecture()
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    for word in ("SQS queue", "publisher", "subscriber", "TaskOverflow API", "workers"):
        assert word in texts
    # notebook 05: the job queue may be SQS, with each job's state in the calendar_jobs table
    assert "SQS queue (05)" in texts and "calendar_jobs" in texts


def test_polling_requests_climbs_one_step_per_request_and_marks_the_arrival(plots):
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


def test_polling_requests_skips_a_run_without_requests(plots):
    fig = plots.polling_requests({"none": [], "one": [(0.0, 1)]})
    assert len(fig.axes[0].lines) == 1


def test_kill_timeline_marks_events_and_writes_each_final_state(plots):
    seen = {
        "SQS": [(0.0, "PENDING"), (0.1, "STARTED"), (3.0, "SUCCESS")],
        "RQ": [(0.0, "PENDING"), (0.2, "STARTED"), (4.0, "FAILURE")],
    }
    events = [(0.12, "SQS", "killed"), (0.22, "RQ", "killed"), (0.3, "SQS", "started")]
    events.append((2.5, "SQS", "received"))
    fig = plots.kill_timeline(seen, events)
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["SUCCESS", "FAILURE"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    for label in ("worker killed (SIGKILL)", "new worker started", "job received again"):
        assert legend.count(label) == 1
    markers = [tuple(c.get_offsets()[0]) for c in ax.collections if len(c.get_offsets()) == 1]
    assert (0.12, -0.42) in [(round(x, 2), round(y, 2)) for x, y in markers]
    # the SQS lane ends green (SUCCESS) at the right-hand end, like the RQ lane ends red
    assert ax.get_xlim()[1] > 4.0


def test_kill_timeline_refuses_an_unknown_event(plots):
    with pytest.raises(KeyError):
        plots.kill_timeline({"SQS": [(0.0, "STARTED")]}, [(0.1, "SQS", "exploded")])
