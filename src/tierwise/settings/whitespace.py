"""The policy's ``whitespace`` section: who counts as a peer and how long the list is."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class WhitespaceSettings(BaseModel):
    """Peers, co-purchase neighbours and the length of each customer's whitespace list."""

    model_config = ConfigDict(extra="forbid")

    top_n: int = Field(10, gt=0, le=100, description="Whitespace items kept per customer.")
    min_peers: int = Field(
        30,
        gt=1,
        description=(
            "Smallest peer group (same industry and size band) used as it is; a smaller "
            "group falls back to all customers, and the item's `why` says so."
        ),
    )
    size_bands: int = Field(
        3, ge=1, le=10, description="Size bands: customers split by revenue in the window."
    )
    co_purchase: bool = Field(
        True,
        description=(
            "Also read each customer's most similar customers (shared items): the items "
            "they buy are the shortlist, ranked by expected margin."
        ),
    )
    similar_customers: int = Field(
        75, gt=0, description="How many most similar customers make a customer's neighbours."
    )
    shortlist: int = Field(
        12,
        gt=0,
        description=(
            "Most likely items (by neighbour or peer penetration) among which the top_n "
            "are ranked by expected margin."
        ),
    )
    co_purchase_max_item_buyers: int = Field(
        1_000_000,
        gt=1,
        description=(
            "Items bought by more customers than this are left out when customers are "
            "compared (they still count as whitespace); bounds the work on large books."
        ),
    )
    co_purchase_max_pairs: int = Field(
        60_000_000,
        gt=0,
        description=(
            "Co-purchase is skipped (with a note) when comparing customers would take more "
            "than this many customer pairs sharing an item; peer groups still apply."
        ),
    )
