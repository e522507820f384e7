"""Arrow tables of the book, in the contract's column names, from the generator's arrays.

Repeated strings (ids, names, types) are dictionary arrays over a small block-local
dictionary: nothing is materialised per row, and the Parquet writer stores them
dictionary-encoded as it would anyway. Files are written without the Arrow schema
(``store_schema=False``), so every reader sees plain strings.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tierwise.demo import _words as words
from tierwise.demo._archetypes import ARCHETYPES, ROLES
from tierwise.demo._effort import ACTIVITY_TYPES, BlockActivities
from tierwise.demo._orders import BlockLines, Catalogue
from tierwise.demo._population import Population
from tierwise.demo._signals import SIGNAL_KINDS, BlockSignals, BlockTasks

TIMESTAMP = pa.timestamp("us")
#: A string column built as a dictionary array (read back as a plain string).
TEXT = pa.dictionary(pa.int32(), pa.string())

TRANSACTIONS_SCHEMA = pa.schema(
    [
        ("customer_id", TEXT),
        ("date", TIMESTAMP),
        ("order_id", TEXT),
        ("amount", pa.float64()),
        ("cost", pa.float64()),
        ("quantity", pa.int64()),
        ("product", TEXT),
        ("category", TEXT),
        ("list_amount", pa.float64()),
        ("currency", TEXT),
    ]
)
ACTIVITIES_SCHEMA = pa.schema(
    [
        ("customer_id", TEXT),
        ("date", TIMESTAMP),
        ("type", TEXT),
        ("minutes", pa.float64()),
        ("owner", TEXT),
    ]
)
SIGNALS_SCHEMA = pa.schema(
    [
        ("customer_id", TEXT),
        ("date", TIMESTAMP),
        ("kind", TEXT),
        ("value", pa.float64()),
        ("referred_customer_id", pa.string()),
        ("note", TEXT),
    ]
)
TASKS_SCHEMA = pa.schema(
    [
        ("task_id", pa.string()),
        ("customer_id", TEXT),
        ("owner", TEXT),
        ("title", TEXT),
        ("due", pa.date32()),
        ("status", TEXT),
        ("important", pa.bool_()),
    ]
)
CUSTOMERS_SCHEMA = pa.schema(
    [
        ("customer_id", pa.string()),
        ("name", pa.string()),
        ("owner", TEXT),
        ("region", TEXT),
        ("industry", TEXT),
        ("created_at", pa.date32()),
        ("wallet", pa.float64()),
        ("strategic_fit", pa.float64()),
        ("owner_role", TEXT),
    ]
)
TRUTH_SCHEMA = pa.schema(
    [
        ("customer_id", pa.string()),
        ("archetype", TEXT),
        ("expected_level", pa.int8()),
        ("expected_trend", TEXT),
        ("expected_strategic", pa.bool_()),
        ("expected_alignment", TEXT),
        ("loss_maker", pa.bool_()),
        ("window_revenue", pa.float64()),
        ("window_net_profit", pa.float64()),
    ]
)
TEAM_SCHEMA = pa.schema([("owner", pa.string()), ("role", pa.string())])


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    text = pc.utf8_lpad(pc.cast(pa.array(numbers, type=pa.int64()), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, text, "")


def _dictionary(dictionary: pa.Array, codes: np.ndarray) -> pa.Array:
    """``dictionary[code]`` for each code, as a dictionary array; negative codes give nulls."""
    mask = codes < 0
    index = pa.array(np.where(mask, 0, codes).astype(np.int32), mask=mask if mask.any() else None)
    return pa.DictionaryArray.from_arrays(index, dictionary)


def _pick(values: list[str] | tuple[str, ...], codes: np.ndarray) -> pa.Array:
    """``values[code]`` for each code; negative codes give nulls.

    ``values`` must be distinct: Arrow's Parquet writer re-encodes a dictionary with
    repeated entries, and was seen to do so non-deterministically.
    """
    return _dictionary(pa.array(list(values), type=pa.string()), codes)


def _block_ids(pop: Population, customer: np.ndarray, lo: int, hi: int) -> pa.Array:
    """Customer ids of a block's rows, over the block's own ids."""
    return _dictionary(pop.customer_id.slice(lo, hi - lo), customer - lo)


def _timestamps(us: np.ndarray) -> pa.Array:
    return pa.array(us.astype("datetime64[us]"), type=TIMESTAMP)


def transactions_table(
    pop: Population,
    lines: BlockLines,
    lo: int,
    hi: int,
    order_base: int,
    note_base: int,
    cat: Catalogue,
) -> pa.Table:
    """Order lines with ids ``SO…`` (orders) and ``CN…`` (credit notes for returns)."""
    order_ids = pa.concat_arrays(
        [
            _ids("SO", np.arange(lines.orders) + order_base + 1, 9),
            _ids("CN", np.arange(lines.credit_notes) + note_base + 1, 9),
        ]
    )
    return pa.Table.from_arrays(
        [
            _block_ids(pop, lines.customer, lo, hi),
            _timestamps(lines.timestamp_us),
            _dictionary(
                order_ids, np.where(lines.is_return, lines.order + lines.orders, lines.order)
            ),
            pa.array(lines.amount, type=pa.float64()),
            pa.array(lines.cost, type=pa.float64()),
            pa.array(lines.quantity, type=pa.int64()),
            _pick(cat.name, lines.product),
            _pick(cat.category_names, lines.category),
            pa.array(lines.list_amount, type=pa.float64()),
            _pick(("EUR",), np.zeros(len(lines.amount), dtype=np.int64)),
        ],
        schema=TRANSACTIONS_SCHEMA,
    )


def activities_table(pop: Population, acts: BlockActivities, lo: int, hi: int) -> pa.Table:
    return pa.Table.from_arrays(
        [
            _block_ids(pop, acts.customer, lo, hi),
            _timestamps(acts.timestamp_us),
            _pick(ACTIVITY_TYPES, acts.type_code),
            pa.array(acts.minutes, type=pa.float64()),
            _pick(pop.team_names, acts.owner),
        ],
        schema=ACTIVITIES_SCHEMA,
    )


_NOTE_TEXTS = [note for kind in SIGNAL_KINDS for note in words.SIGNAL_NOTES.get(kind, ())]
_NOTE_OFFSETS = np.cumsum([0] + [len(words.SIGNAL_NOTES.get(k, ())) for k in SIGNAL_KINDS])


def signals_table(pop: Population, sig: BlockSignals, lo: int, hi: int) -> pa.Table:
    note = np.where(sig.note >= 0, _NOTE_OFFSETS[sig.note_kind] + sig.note, -1)
    referred = sig.referred
    return pa.Table.from_arrays(
        [
            _block_ids(pop, sig.customer, lo, hi),
            _timestamps(sig.timestamp_us),
            _pick(SIGNAL_KINDS, sig.kind),
            pa.array(sig.value, type=pa.float64(), from_pandas=True),
            pop.customer_id.take(
                pa.array(np.where(referred < 0, 0, referred), mask=referred < 0, type=pa.int64())
            ),
            _pick(_NOTE_TEXTS, note),
        ],
        schema=SIGNALS_SCHEMA,
    )


def tasks_table(pop: Population, tk: BlockTasks, lo: int, hi: int, task_base: int) -> pa.Table:
    titles = [t for t, _ in words.TASK_TITLES]
    return pa.Table.from_arrays(
        [
            _ids("T", np.arange(len(tk.customer)) + task_base + 1, 8),
            _block_ids(pop, tk.customer, lo, hi),
            _pick(pop.team_names, tk.owner),
            _pick(titles, tk.title),
            pa.array(tk.due_day.astype(np.int32), type=pa.date32()),
            _pick(("open", "done"), tk.done.astype(np.int64)),
            pa.array(tk.important, type=pa.bool_()),
        ],
        schema=TASKS_SCHEMA,
    )


def customers_table(pop: Population) -> pa.Table:
    return pa.Table.from_arrays(
        [
            pop.customer_id,
            pop.name,
            _pick(pop.team_names, pop.owner),
            _pick(words.REGIONS, pop.region),
            _pick(words.INDUSTRIES, pop.industry),
            pa.array(pop.created_day.astype(np.int32), type=pa.date32()),
            pa.array(pop.wallet, type=pa.float64()),
            pa.array(pop.strategic_fit, type=pa.float64()),
            _pick(ROLES, pop.role.astype(np.int64)),
        ],
        schema=CUSTOMERS_SCHEMA,
    )


def team_table(pop: Population) -> pa.Table:
    return pa.Table.from_arrays(
        [pa.array(pop.team_names, pa.string()), pa.array(pop.team_roles, pa.string())],
        schema=TEAM_SCHEMA,
    )


def truth_table(pop: Population, revenue: np.ndarray, net_profit: np.ndarray) -> pa.Table:
    """The planted archetype and expected answers per customer (see ``_truth.parquet``)."""
    arch = pop.archetype.astype(np.int64)
    levels = np.array([a.expected_level or 0 for a in ARCHETYPES])[arch]
    # withdraw a planted level that the realised profit contradicts (noise can do that)
    good_for_us = np.isin(levels, (1, 2))
    levels = np.where(
        (good_for_us & (net_profit < 0)) | (np.isin(levels, (3, 4)) & (net_profit > 0)), 0, levels
    )
    strategic = np.array(
        [-1 if a.expected_strategic is None else int(a.expected_strategic) for a in ARCHETYPES]
    )[arch]
    trend_names = sorted({a.expected_trend for a in ARCHETYPES if a.expected_trend})
    trend_codes = np.array(
        [trend_names.index(a.expected_trend) if a.expected_trend else -1 for a in ARCHETYPES]
    )[arch]
    align_names = sorted({a.expected_alignment for a in ARCHETYPES if a.expected_alignment})
    align_codes = np.array(
        [
            align_names.index(a.expected_alignment) if a.expected_alignment else -1
            for a in ARCHETYPES
        ]
    )[arch]
    return pa.Table.from_arrays(
        [
            pop.customer_id,
            _pick([a.name for a in ARCHETYPES], arch),
            pa.array(levels, type=pa.int8(), mask=levels == 0),
            _pick(trend_names, trend_codes),
            pa.array(strategic == 1, type=pa.bool_(), mask=strategic < 0),
            _pick(align_names, align_codes),
            pa.array(net_profit < 0, type=pa.bool_()),
            pa.array(np.round(revenue, 2), type=pa.float64()),
            pa.array(np.round(net_profit, 2), type=pa.float64()),
        ],
        schema=TRUTH_SCHEMA,
    )
