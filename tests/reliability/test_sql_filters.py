"""Filter values cannot change the SQL: injection-shaped query strings are 400 and the table
(and every row in it) is intact afterwards."""

from __future__ import annotations

import pytest

from tests.reliability.conftest import API

HOSTILE = [
    "completed=' OR 1=1 --",
    "completed=true' OR '1'='1",
    "completed=true;DELETE FROM todos",
    "window=1;DROP TABLE todos",
    "window=1 OR 1=1",
    "window=1)) UNION SELECT * FROM sqlite_master --",
    "window=0x10",
    "completed=1",
]


@pytest.mark.parametrize("query", HOSTILE)
async def test_injection_shaped_filters_are_400_and_change_nothing(rq_app, query: str) -> None:
    async with rq_app() as (client, _):
        for title in ("open", "done"):
            created = await client.post(f"{API}/todos", json={"title": title})
            assert created.status_code == 201
        before = await (await client.get(f"{API}/todos")).get_json()

        response = await client.get(f"{API}/todos", query_string=_parse(query))
        assert response.status_code == 400
        assert query.split("=")[0] in (await response.get_json())["error"]

        after = await client.get(f"{API}/todos")
        assert after.status_code == 200
        assert await after.get_json() == before
        assert len(before) == 2


def _parse(query: str) -> dict[str, str]:
    name, value = query.split("=", 1)
    return {name: value}
