"""The JSON API's shapes (CONTRACT §8), kept apart from the services' and the database's
classes so either can change without changing what scripts read."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    code: str = Field(description="Machine-readable: not_authenticated, forbidden, not_found, …")
    message: str = Field(description="What went wrong and what to do, for people.")


class ErrorOut(BaseModel):
    """Every error answer: ``{"error": {"code", "message"}}``."""

    error: ErrorBody


class HealthOut(BaseModel):
    status: str
    version: str


class RunOut(BaseModel):
    id: str = Field(description="The run's folder relative to the runs folder; pass as ?run=.")
    book: str
    as_of: str
    created_at: str
    customers: int | None
    tierwise_version: str | None


class RunsOut(BaseModel):
    items: list[RunOut]


class CustomerRow(BaseModel):
    """One account in a list: the columns of the accounts table the scorecard has."""

    model_config = {"extra": "allow"}

    customer_id: str
    name: str | None = None
    owner: str | None = None
    tier: str | None = None


class CustomersOut(BaseModel):
    run: str
    total: int = Field(description="Accounts matching the filters (all pages).")
    page: int
    per_page: int
    items: list[CustomerRow]


class HistoryPoint(BaseModel):
    run: str
    as_of: str
    tier: str | None = None
    relationship_level: int | None = None
    relationship_trend: str | None = None


class CustomerOut(BaseModel):
    run: str
    customer_id: str
    scorecard: dict[str, Any] = Field(description="Every scorecard column of this customer.")
    history: list[HistoryPoint]
