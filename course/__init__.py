"""The course's original TaskOverflow calendar code (Flask + Celery), kept for comparison.

Not part of our app: `taskoverflow` is the lab's Quart + RQ rebuild. This package keeps the course's
way of doing the same job — a Celery task, `.delay(...)`, `AsyncResult(...)` and the three Flask
routes — so notebooks 03 and 04 can show it beside ours and run one job on it, and
`benchmarks/calendar_jobs.py` can race it against ours.
"""
