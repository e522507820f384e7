"""The demo book: a realistic synthetic B2B book with planted, known answers.

Used by ``tierwise demo``, ``tierwise generate``, the tests of the analytics (through
``_truth.parquet``) and the benchmarks. ``generate_book(out_dir, customers, seed)``
writes the CONTRACT's tables (``customers.parquet``, ``transactions/part-*.parquet``,
``activities/part-*.parquet``, ``signals.parquet``, ``tasks.parquet``) and two files
that book readers ignore (names starting with ``_``):

- ``_truth.parquet``, one row per customer: ``archetype`` (see ``ARCHETYPE_NAMES``),
  ``expected_level`` (1..4), ``expected_trend`` (improving / deteriorating),
  ``expected_strategic``, ``expected_alignment`` (over_served / under_served), each null
  where the archetype sets no expectation (a planted level is also withdrawn where the
  realised profit contradicts it: level 1 or 2 at a loss, level 3 or 4 in profit);
  ``loss_maker``, realised: the last 365 days' gross margin less a reference
  cost-to-serve close to the default policy's (time at role rates, per order, line,
  delivery, rush order, return and ticket) is negative (``window_revenue`` and
  ``window_net_profit`` give the figures; see ``_truth.py``).
- ``_team.parquet``: each owner and their role (key_account_manager, account_manager,
  inside_sales, customer_service), the policy's ``costs.owner_roles``.
"""

from __future__ import annotations

from tierwise.demo._archetypes import ARCHETYPE_NAMES, ARCHETYPES, Archetype
from tierwise.demo.generator import BLOCK_CUSTOMERS, BookSummary, generate_book

__all__ = [
    "ARCHETYPES",
    "ARCHETYPE_NAMES",
    "BLOCK_CUSTOMERS",
    "Archetype",
    "BookSummary",
    "generate_book",
]
