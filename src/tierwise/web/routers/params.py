"""The accounts filters as query parameters, shared by the API, the page and the export."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from tierwise.web.services.accounts import AccountQuery


def _blank_none(value: str | None) -> str | None:
    return value if value not in (None, "") else None


def account_query(
    tier: Annotated[str | None, Query(max_length=100, description="Tier name.")] = None,
    owner: Annotated[str | None, Query(max_length=200, description="Owner's name.")] = None,
    level: Annotated[str | None, Query(description="Relationship level 1-4.")] = None,
    trend: Annotated[
        str | None, Query(max_length=40, description="improving, stable or deteriorating.")
    ] = None,
    alignment: Annotated[
        str | None, Query(max_length=40, description="over_served, under_served or aligned.")
    ] = None,
    overridden: Annotated[
        str | None, Query(description="yes: only overridden accounts; no: only the others.")
    ] = None,
    q: Annotated[str | None, Query(max_length=200, description="Id, or part of the name.")] = None,
    sort: Annotated[str, Query(max_length=40, description="A column of the list.")] = (
        "strategic_rank"
    ),
    desc: Annotated[bool, Query(description="Sort descending.")] = False,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=500)] = 50,
) -> AccountQuery:
    level_value = _blank_none(level)
    flag = _blank_none(overridden)
    return AccountQuery(
        tier=_blank_none(tier),
        owner=_blank_none(owner),
        level=_level(level_value),
        trend=_blank_none(trend),
        alignment=_blank_none(alignment),
        overridden=None if flag is None else flag.lower() in ("yes", "true", "1"),
        search=_blank_none(q),
        sort=sort,
        descending=desc,
        page=page,
        per_page=per_page,
    ).checked()


def _level(value: str | None) -> int | None:
    from tierwise.web.services.errors import BadInput

    if value is None:
        return None
    if not value.isdigit():
        raise BadInput(f"level {value!r} is not a relationship level; use 1 to 4")
    return int(value)


QueryDep = Annotated[AccountQuery, Depends(account_query)]
RunParam = Annotated[
    str | None, Query(max_length=500, description="Run id (GET /api/v1/runs); default: latest.")
]


def query_string(query: AccountQuery, run: str | None = None, **changes: object) -> str:
    """The URL query of ``query`` (and run), with ``changes`` applied; for links and export."""
    from urllib.parse import urlencode

    values: dict[str, object] = {
        "tier": query.tier,
        "owner": query.owner,
        "level": query.level,
        "trend": query.trend,
        "alignment": query.alignment,
        "overridden": None if query.overridden is None else ("yes" if query.overridden else "no"),
        "q": query.search,
        "sort": query.sort,
        "desc": "true" if query.descending else None,
        "page": query.page if query.page != 1 else None,
        "per_page": query.per_page if query.per_page != 50 else None,
        "run": run,
    }
    values.update(changes)
    return urlencode({k: v for k, v in values.items() if v not in (None, "", False)})
