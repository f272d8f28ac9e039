"""The API's JSON replies: encoded by orjson, and plain ones not copied by quart-schema first.
Requests are still parsed by the standard library.

Why: a listing of a few hundred todos spent about a tenth of its time in `json.dumps`, and
listings are the slow end of the API under load. orjson writes the same JSON (compact, keys in
the order given) several times faster.

Why by hand rather than flask-orjson: that provider also parses requests with orjson, which
accepts and refuses other inputs than the standard library does — the API's 400 answers are
defined by the latter — and it raises on integers beyond 64 bits. Here only the compact `dumps`
that replies use changes; what orjson cannot encode (huge integers, a pretty-printed debug reply,
any other option) goes to the standard library exactly as before, and types orjson would write
its own way (dates, dataclasses) are handed to Flask's `default`, so they read as they always did.
Non-ASCII text is written as UTF-8 instead of `\\u` escapes: the same JSON value.

quart-schema converts every dict or list a route returns through pydantic, building a
`TypeAdapter` for its type on every reply (≈ 100 µs) and dumping a copy through it (≈ 1 µs a
listed todo): a py-spy profile at 50 clients put ≈ 8 % of the API's time there. The routes here
return plain dicts and lists already, which that copy leaves equal, so `skip_plain_conversion`
sends those straight to Quart; anything else (a model, a dataclass, headers to kebab-case) is
still converted.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import orjson
from quart import Quart
from quart.json.provider import DefaultJSONProvider
from quart.typing import ResponseReturnValue
from quart.wrappers import Response
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

#: Dates and dataclasses go to Flask's `default` (an HTTP date, `asdict`), as with the stdlib.
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_COMPACT = (",", ":")


class OrjsonReplies(DefaultJSONProvider):
    """Flask's default provider with a faster compact `dumps`; `loads` is untouched."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if set(kwargs) <= {"separators"} and kwargs.get("separators", _COMPACT) == _COMPACT:
            options = _OPTIONS | (orjson.OPT_SORT_KEYS if self.sort_keys else 0)
            try:
                return orjson.dumps(obj, default=self.default, option=options).decode()
            except orjson.JSONEncodeError:
                pass  # e.g. an integer beyond 64 bits: the standard library writes it
        return super().dumps(obj, **kwargs)


def skip_plain_conversion(app: Quart) -> None:
    """After `QuartSchema(app)`: a reply that is a plain dict or list (alone, or with a status)
    goes to Quart's own `make_response`; every other reply through quart-schema's conversion."""
    converting = app.make_response
    quarts_own = partial(type(app).make_response, app)  # quart-schema wraps only the instance's

    async def make_response(
        result: ResponseReturnValue | HTTPException,
    ) -> Response | WerkzeugResponse:
        value: Any = result
        if isinstance(result, tuple):
            value = result[0] if len(result) == 2 and isinstance(result[1], int) else None
        if type(value) is dict or type(value) is list:
            return await quarts_own(result)
        return await converting(result)

    app.make_response = make_response  # type: ignore[method-assign]
