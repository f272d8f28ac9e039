"""The app's JSON replies (orjson) read exactly as the standard library's did."""

from __future__ import annotations

import json
from datetime import datetime

from hypothesis import given
from hypothesis import strategies as st
from quart import Quart
from quart.json.provider import DefaultJSONProvider
from taskoverflow.json_replies import OrjsonReplies


def providers() -> tuple[OrjsonReplies, DefaultJSONProvider]:
    app = Quart(__name__)
    ours, theirs = OrjsonReplies(app), DefaultJSONProvider(app)
    ours.sort_keys = theirs.sort_keys = False
    return ours, theirs


OURS, STDLIB = providers()
COMPACT = {"separators": (",", ":")}

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)  # beyond 64 bits too
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values)
def test_any_reply_reads_as_the_standard_librarys(value: object) -> None:
    assert json.loads(OURS.dumps(value, **COMPACT)) == json.loads(STDLIB.dumps(value, **COMPACT))


def test_keys_keep_their_order_and_ascii_replies_are_byte_identical() -> None:
    todo = {"id": 7, "title": "Demo", "description": None, "completed": False}
    assert OURS.dumps(todo, **COMPACT) == STDLIB.dumps(todo, **COMPACT)
    assert OURS.dumps([todo], **COMPACT).startswith('[{"id":7,"title":')
    huge = {"id": 2**70}  # orjson refuses it; the standard library writes it
    assert OURS.dumps(huge, **COMPACT) == STDLIB.dumps(huge, **COMPACT)


def test_dates_and_pretty_replies_are_the_standard_librarys() -> None:
    when = {"at": datetime(2026, 12, 1, 9, 0)}
    assert OURS.dumps(when, **COMPACT) == STDLIB.dumps(when, **COMPACT)  # Flask's HTTP date
    assert OURS.dumps(when, indent=2) == STDLIB.dumps(when, indent=2)
