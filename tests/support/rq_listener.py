"""One check for RQ worker classes that fix RQ 3.0's exit order (labkit.notebook_workers and
taskoverflow's leased workers): unsubscribing leaves no command listener running."""

from __future__ import annotations

from typing import Any

#: RQ's own classes left 3-6 of 20 listeners running here; 0 in 20 by chance is below 1 %.
ROUNDS = 20


def assert_listeners_stop(worker_classes: tuple[Any, Any], redis_url: str) -> None:
    """Alternate the two classes `ROUNDS` times: subscribe, unsubscribe, the thread must be gone."""
    from redis import Redis

    connection = Redis.from_url(redis_url)
    try:
        for n in range(ROUNDS):
            worker_class = worker_classes[n % 2]
            worker = worker_class(["listener-test"], connection=connection, name=f"listener-{n}")
            worker.subscribe()
            thread = worker.pubsub_thread
            worker.unsubscribe()
            assert thread is not None and not thread.is_alive(), f"round {n}: still listening"
    finally:
        connection.close()
