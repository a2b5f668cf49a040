"""The unified customer view (统一的客户观点): one customer table from many channels' records.

The steps of record linkage, each a function:

1. :func:`standardise` — one spelling for names, phones, e-mails, addresses and dates;
2. :func:`candidate_pairs` — blocking: compare only records that share a key (phone, e-mail,
   name, birth date) instead of every pair;
3. :func:`compare` — field similarities with rapidfuzz and a weighted match score;
4. :func:`cluster_records` — pairs scoring above a threshold are matches; the transitive
   closure of the matches (scipy's connected components) gives one customer per cluster;
5. :func:`merge_customers` — survivorship rules pick each field's value, and the provenance
   table keeps the channel and record id every value came from.

:func:`quality_report` measures the information quality the curriculum asks for — complete,
accurate, timely (全面、准确、及时) — and :func:`match_quality` scores a clustering against the
truth with pairwise precision, recall and F1.
"""

from __future__ import annotations

import unicodedata
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.metrics.cluster import pair_confusion_matrix

from helpers.exceptions import DataQualityWarning, DataValidationError, ParameterError
from helpers.validation import (
    check_columns,
    check_date,
    check_frame,
    check_int,
    check_number,
    date_column,
    numeric_column,
    renamed_parameters,
    require_columns,
    rows,
)

__all__ = [
    "BUSINESS_RECORD",
    "CUTOFFS",
    "DATE_FORMATS",
    "FIELDS",
    "QualityReport",
    "RULES",
    "WEIGHTS",
    "accuracy_flags",
    "candidate_pairs",
    "cluster_records",
    "compare",
    "completeness",
    "match_quality",
    "match_quality_by_threshold",
    "merge_customers",
    "parse_dates",
    "quality_report",
    "record_completeness",
    "standardise",
    "standardise_address",
    "standardise_email",
    "standardise_name",
    "standardise_phone",
    "timeliness",
]

#: The customer fields the functions work on (map your columns to them with ``columns=``).
FIELDS = ("name", "phone", "email", "address", "postcode", "birth_date")
#: Date formats tried in turn; day-first for the ambiguous 01/02/1990 (the usual Chinese and
#: British reading).
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%d/%m/%Y", "%d %b %Y", "%Y.%m.%d")
#: Default weights of the field similarities in the match score.
WEIGHTS = {
    "name": 0.25,
    "phone": 0.25,
    "email": 0.20,
    "birth_date": 0.15,
    "address": 0.10,
    "postcode": 0.05,
}
#: Similarities below these count as 0: what unrelated values reach by chance (two addresses in
#: one city share "no", "road", "district" and the city; two e-mails of the usual pattern share
#: a surname).
CUTOFFS = {"name": 0.8, "phone": 0.8, "email": 0.8, "address": 0.8}
#: Format rules of the accuracy check (applied to standardised values).
RULES = {
    "phone": (r"^1[3-9]\d{9}$", "a Chinese mobile number: 11 digits starting 13-19"),
    "email": (r"^[^@\s,]+@[^@\s,]+\.[a-z]{2,}$", "name@domain.tld"),
    "postcode": (r"^\d{6}$", "six digits"),
    "birth_date": (None, "a readable date from 1910 up to the record's last update"),
}
_EARLIEST_BIRTH = pd.Timestamp("1910-01-01")
_ADDRESS_WORDS = {"rd": "road", "st": "street", "ave": "avenue", "dist": "district"}
_RULE_CHOICES = ("recent", "priority", "frequent")


# --- 1. standardise --------------------------------------------------------------------------


def _number_text(v):
    """A number as the text it was typed as: 13812345678.0 (a phone or a postcode that a
    spreadsheet stored as a number) is "13812345678", not "13812345678.0"."""
    if isinstance(v, bool | np.bool_):
        return str(v)
    if isinstance(v, float | np.floating) and np.isfinite(v) and float(v).is_integer():
        return str(int(v))
    if isinstance(v, int | np.integer):
        return str(int(v))
    return v


def _text(s: pd.Series) -> pd.Series:
    """Unicode-normalised, stripped text with single spaces; empty text is missing; numbers
    are written as typed (no trailing ".0")."""
    if not isinstance(s.dtype, pd.StringDtype):
        s = s.astype(object).map(_number_text, na_action="ignore")
    out = s.astype("string").map(
        lambda v: unicodedata.normalize("NFKC", v) if isinstance(v, str) else v,
        na_action="ignore",
    )
    out = out.astype("string").str.replace(r"\s+", " ", regex=True).str.strip()
    return out.mask(out == "")


def standardise_name(names: pd.Series) -> pd.Series:
    """Lower case, single spaces, no leading or trailing space.

    Parameters
    ----------
    names : pandas.Series
        Names as typed; missing and blank values become <NA>.

    Returns
    -------
    pandas.Series
        Standardised names (string dtype).

    Examples
    --------
    >>> standardise_name(pd.Series(["  WANG  Fang ", "wang fang", None])).tolist()
    ['wang fang', 'wang fang', <NA>]
    """
    return _text(names).str.lower()


def standardise_phone(phones: pd.Series) -> pd.Series:
    """Digits only, without the +86 / 0086 country code.

    A number of the wrong length stays as it is (only its formatting is removed), so that
    :func:`accuracy_flags` can find it.

    Parameters
    ----------
    phones : pandas.Series
        Phone numbers as typed.

    Returns
    -------
    pandas.Series
        Digit strings; <NA> where there were no digits.

    Examples
    --------
    >>> standardise_phone(pd.Series(["+86 138 1234 5678", "138-1234-5678", "0086 13812345678"]))
    0    13812345678
    1    13812345678
    2    13812345678
    dtype: string
    """
    digits = _text(phones).str.replace(r"\D", "", regex=True)
    digits = digits.str.replace(r"^(0086|86)(?=\d{9,})", "", regex=True)
    return digits.mask(digits == "")


def standardise_email(emails: pd.Series) -> pd.Series:
    """Lower case, without spaces.

    Parameters
    ----------
    emails : pandas.Series
        E-mail addresses as typed.

    Returns
    -------
    pandas.Series
        Standardised addresses (string dtype).

    Examples
    --------
    >>> standardise_email(pd.Series([" Wang.Fang@Example.com"])).tolist()
    ['wang.fang@example.com']
    """
    out = _text(emails).str.replace(" ", "", regex=False).str.lower()
    return out.mask(out == "")


def standardise_address(addresses: pd.Series) -> pd.Series:
    """Lower case, punctuation dropped, abbreviations written out (Rd. → road, # → no).

    Parameters
    ----------
    addresses : pandas.Series
        Addresses as typed.

    Returns
    -------
    pandas.Series
        Standardised addresses (string dtype): words separated by single spaces.

    Examples
    --------
    >>> standardise_address(pd.Series(["# 12 Renmin Rd., Haidian Dist. Beijing"])).tolist()
    ['no 12 renmin road haidian district beijing']
    """
    out = _text(addresses).str.lower().str.replace("#", " no ", regex=False)
    out = out.str.replace(r"[.,;:]", " ", regex=True).str.split()
    out = out.map(
        lambda words: " ".join(_ADDRESS_WORDS.get(w, w) for w in words), na_action="ignore"
    )
    return out.astype("string").mask(out == "")


def parse_dates(values: pd.Series, formats=DATE_FORMATS) -> pd.Series:
    """Read dates written in any of ``formats`` (tried in order); unreadable text is NaT.

    Parameters
    ----------
    values : pandas.Series
        Dates as text (or already datetime, returned as they are).
    formats : sequence of str
        strftime formats, tried in turn (default :data:`DATE_FORMATS`, day first for
        dd/mm/yyyy).

    Returns
    -------
    pandas.Series
        datetime64 values; NaT where no format fits.

    Examples
    --------
    >>> parse_dates(pd.Series(["1985-03-07", "1985/3/7", "07/03/1985", "7 Mar 1985", "x"]))
    0   1985-03-07
    1   1985-03-07
    2   1985-03-07
    3   1985-03-07
    4          NaT
    dtype: datetime64[ns]
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        return pd.to_datetime(values)
    text = _text(values)
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    for fmt in formats:
        todo = out.isna() & text.notna()
        if not todo.any():
            break
        out[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce")
    return out


def _canonical(records: pd.DataFrame, columns: dict | None) -> pd.DataFrame:
    """Records with the canonical column names, after the structural checks."""
    check_frame(records, "records")
    mapping = {f: f for f in (*FIELDS, "channel", "updated_at")}
    unknown = sorted(set(columns or {}) - set(mapping))
    if unknown:
        raise ParameterError(
            f"columns={columns!r} maps unknown fields {unknown}; the fields are "
            f"{[*FIELDS, 'channel', 'updated_at']}"
        )
    mapping.update(columns or {})
    for field, col in mapping.items():
        require_columns(
            records,
            [col],
            "records",
            fix=f"it holds the {field} field: pass columns={{{field!r}: <your column>}}, or add "
            "an empty column if your records do not have this field",
        )
    dup = records.index.duplicated(keep=False)
    if dup.any():
        raise DataValidationError(
            f"the index has duplicated record ids ({rows(records.index, dup)}); each record "
            "needs its own id in the index, e.g. records.set_index('record_id')"
        )
    channel = records[mapping["channel"]]
    no_channel = channel.isna().to_numpy()
    if no_channel.any():
        raise DataValidationError(
            f"column {mapping['channel']!r} of records has {int(no_channel.sum())} missing "
            f"value(s) ({rows(records.index, no_channel)}); every record needs the channel it "
            "came from (the quality tables are per channel): fill them, e.g. with 'unknown'"
        )
    out = records.rename(columns={v: k for k, v in mapping.items()})
    return out[[*FIELDS, "channel", "updated_at"]]


def _updated(df: pd.DataFrame) -> pd.Series:
    """The records' last-update timestamps; every record must have a readable one."""
    if df["updated_at"].isna().all():
        updated = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns]")
    else:
        updated = date_column(df, "updated_at", "records", allow_missing=True)
    bad = updated.isna().to_numpy()
    if bad.any():
        raise DataValidationError(
            f"column 'updated_at' has {bad.sum()} missing timestamp(s) "
            f"({rows(df.index, bad, df['updated_at'])}); every record needs the time of its "
            "last update (timeliness and survivorship depend on it)"
        )
    return updated


def standardise(records: pd.DataFrame, columns: dict | None = None) -> pd.DataFrame:
    """Standardise every field of channel records; the input is not modified.

    Parameters
    ----------
    records : pandas.DataFrame
        One row per record, indexed by a unique record id, with the :data:`FIELDS`, ``channel``
        and ``updated_at`` (the record's last update).
    columns : dict, optional
        ``{field: your column}`` for columns named differently.

    Returns
    -------
    pandas.DataFrame
        Same index; the fields standardised (``birth_date`` as datetime, unreadable dates NaT),
        ``channel``, ``updated_at`` (datetime) and ``name_key`` (the name's words sorted, so
        that "Fang Wang" and "WANG fang" share a key).

    Raises
    ------
    DataValidationError
        For a missing column, duplicated record ids, or an unreadable or missing
        ``updated_at``.
    ParameterError
        If ``columns`` names an unknown field.

    Examples
    --------
    >>> raw = pd.DataFrame({"name": ["Fang  WANG"], "phone": ["+86 138-1234-5678"],
    ...     "email": [" Wang.Fang@Example.com"], "address": ["#5 Renmin Rd."],
    ...     "postcode": ["100081"], "birth_date": ["07/03/1985"], "channel": ["web"],
    ...     "updated_at": ["2024-05-01"]}, index=["WB1"])
    >>> standardise(raw).iloc[0].tolist()[:6]
    ['fang wang', '13812345678', 'wang.fang@example.com', 'no 5 renmin road', '100081', Timestamp('1985-03-07 00:00:00')]
    """  # noqa: E501
    df = _canonical(records, columns)
    updated = _updated(df)
    out = pd.DataFrame(index=df.index)
    out["name"] = standardise_name(df["name"])
    out["phone"] = standardise_phone(df["phone"])
    out["email"] = standardise_email(df["email"])
    out["address"] = standardise_address(df["address"])
    out["postcode"] = _text(df["postcode"]).str.replace(" ", "", regex=False)
    out["birth_date"] = parse_dates(df["birth_date"])
    out["channel"] = df["channel"].astype("string")
    out["updated_at"] = updated
    out["name_key"] = out["name"].map(lambda v: " ".join(sorted(v.split())), na_action="ignore")
    return out


# --- 2. block --------------------------------------------------------------------------------


_STD_FIX = "pass the output of standardise(records)"


def candidate_pairs(
    std: pd.DataFrame,
    keys=("phone", "email", "name_key", "birth_date"),
    max_block_size: int = 50,
) -> pd.DataFrame:
    """Blocking: the pairs of records that share at least one key.

    Comparing every pair of n records costs n(n-1)/2 comparisons; two records of one person
    almost always share a phone, an e-mail, a name or a birth date, so only pairs that share
    one of these keys are compared.

    Parameters
    ----------
    std : pandas.DataFrame
        Output of :func:`standardise`.
    keys : sequence of str
        Columns of ``std`` to block on (exact equality of the standardised value).
    max_block_size : int
        Blocks larger than this are skipped with a :class:`DataQualityWarning`: a value shared
        by that many records is a placeholder (000-0000) or a shared mailbox, not an identity.

    Returns
    -------
    pandas.DataFrame
        Columns ``left`` and ``right`` (record ids, ``left`` < ``right``) and ``keys`` (the
        keys the pair shares, joined with "+"), one row per pair.

    Raises
    ------
    DataValidationError
        If a key column is missing.

    References
    ----------
    Christen, P. (2012). *Data Matching: Concepts and Techniques for Record Linkage, Entity
    Resolution, and Duplicate Detection*, chapter 4 (indexing). Springer.

    Examples
    --------
    >>> std = pd.DataFrame({"phone": ["1", "1", "2"], "email": ["a", "b", "b"]},
    ...                    index=["r1", "r2", "r3"])
    >>> candidate_pairs(std, keys=["phone", "email"])
      left right   keys
    0   r1    r2  phone
    1   r2    r3  email
    """
    keys = list(keys)
    check_frame(std, "std", allow_empty=True)
    require_columns(std, keys, "std", fix=_STD_FIX)
    check_int("max_block_size", max_block_size, 2)
    dup = std.index.duplicated(keep=False)
    if dup.any():
        raise DataValidationError(
            f"std has duplicated record ids ({rows(std.index, dup)}); each record needs its own "
            "id in the index: pass the output of standardise(records)"
        )
    # Record ids ranked by their text (then by position), so that left < right is the same
    # order for text and integer ids and each pair is listed once.
    order = np.lexsort((np.arange(len(std)), std.index.astype(str).to_numpy()))
    rank = pd.Series(np.empty(len(std), dtype=int), index=std.index)
    rank.iloc[order] = np.arange(len(std))
    parts = []
    for key in keys:
        values = std[key].dropna()
        sizes = values.map(values.value_counts())
        big = values[sizes > max_block_size].unique()
        if len(big):
            warnings.warn(
                f"blocking key {key!r}: {len(big)} value(s) shared by more than "
                f"{max_block_size} records were skipped (e.g. {big[0]!r}); such values are "
                "placeholders, not identities",
                DataQualityWarning,
                stacklevel=2,
            )
        values = values[sizes.between(2, max_block_size)]
        frame = pd.DataFrame({"id": rank.loc[values.index].to_numpy(), "value": values.to_numpy()})
        both = frame.merge(frame, on="value", suffixes=("_l", "_r"))
        both = both[both["id_l"] < both["id_r"]]
        parts.append(pd.DataFrame({"left": both["id_l"], "right": both["id_r"], "key": key}))
    pairs = pd.concat(parts, ignore_index=True)
    out = pairs.groupby(["left", "right"], sort=True)["key"].agg("+".join).rename("keys")
    out = out.reset_index()
    # Back from ranks to the record ids themselves (an integer id stays an integer).
    ids = std.index[np.argsort(rank.to_numpy())]
    out["left"] = ids[out["left"].to_numpy()]
    out["right"] = ids[out["right"].to_numpy()]
    return out


# --- 3. compare ------------------------------------------------------------------------------


def _similarity(
    left: pd.Series, right: pd.Series, scorer, scale: float, cutoff: float
) -> np.ndarray:
    both = (left.notna() & right.notna()).to_numpy()
    out = np.full(len(left), np.nan)
    if both.any():
        out[both] = (
            process.cpdist(
                left[both].astype(str).tolist(),
                right[both].astype(str).tolist(),
                scorer=scorer,
                score_cutoff=cutoff * scale,
                workers=1,
            )
            / scale
        )
    return out


def compare(
    std: pd.DataFrame,
    pairs: pd.DataFrame,
    weights: dict | None = None,
    missing_similarity: float = 0.4,
    cutoffs: dict | None = None,
    skip_invalid: bool = True,
) -> pd.DataFrame:
    """Field similarities of candidate pairs and their weighted match score.

    Similarities are in [0, 1], computed with rapidfuzz: names with ``token_sort_ratio``
    (word order does not matter), phones with the normalised Levenshtein similarity (one
    wrong digit of 11 gives 0.91), e-mails with ``ratio``, addresses with ``token_set_ratio``;
    postcode and birth date count only when equal (1) or not (0). A similarity below the
    field's cutoff counts as 0: unrelated values reach 0.5-0.7 by chance (two addresses in one
    city share "no", "road", "district" and the city). A field missing on either side — or,
    with ``skip_invalid``, breaking its format rule, like the placeholder birth date
    1900-01-01 — has no similarity; in the score it counts as ``missing_similarity``.

    Parameters
    ----------
    std : pandas.DataFrame
        Output of :func:`standardise`.
    pairs : pandas.DataFrame
        Output of :func:`candidate_pairs` (columns ``left`` and ``right``).
    weights : dict, optional
        Weight per field (default :data:`WEIGHTS`); fields left out are not used.
    missing_similarity : float
        What a missing comparison counts as in the score, in [0, 1]. The default 0.4, a little
        below the middle, keeps a pair that agrees on a name alone (0.25 + 0.75 × 0.4 = 0.55)
        below a threshold of 0.6: different people share common names.
    cutoffs : dict, optional
        Per field, the similarity below which it counts as 0 (default :data:`CUTOFFS`).
    skip_invalid : bool
        Leave out values that break the format rules (see :func:`accuracy_flags`).

    Returns
    -------
    pandas.DataFrame
        ``pairs`` with one similarity column per field and ``score``, the weighted mean
        (rounded to 12 decimals, so that a score made of round weights compares exactly with
        a round threshold).

    Raises
    ------
    ParameterError
        For unknown fields, negative weights, weights summing to 0, or a cutoff outside
        [0, 1].
    DataValidationError
        If a record id in ``pairs`` is not in ``std``.

    References
    ----------
    Fellegi, I. P. and Sunter, A. B. (1969). A theory for record linkage. *Journal of the
    American Statistical Association* 64(328), 1183-1210. (Field-by-field comparison and a
    decision threshold; here with fixed weights instead of estimated likelihood ratios.)

    Christen, P. (2012). *Data Matching*, chapter 5 (field comparison). Springer.

    Examples
    --------
    Name and phone agree, birth dates differ, the other three fields are missing:
    (0.25 + 0.25 + 0.15 × 0 + 0.4 × (0.20 + 0.10 + 0.05)) / 1 = 0.64.

    >>> std = standardise(pd.DataFrame({
    ...     "name": ["Wang Fang", "Fang Wang"], "phone": ["13812345678", "+86 13812345678"],
    ...     "email": [None, None], "address": [None, None], "postcode": [None, None],
    ...     "birth_date": ["1985-03-07", "1985-03-08"], "channel": ["branch", "web"],
    ...     "updated_at": ["2024-01-01", "2024-02-01"]}, index=["a", "b"]))
    >>> scored = compare(std, pd.DataFrame({"left": ["a"], "right": ["b"]}))
    >>> scored[["name", "phone", "birth_date", "score"]].round(3).iloc[0].tolist()
    [1.0, 1.0, 0.0, 0.64]
    """
    w = dict(WEIGHTS if weights is None else weights)
    unknown = sorted(set(w) - set(FIELDS))
    if unknown:
        raise ParameterError(f"weights name unknown fields {unknown}; the fields are {FIELDS}")
    for field, value in w.items():
        check_number(f"weights[{field!r}]", value, 0)
    if sum(w.values()) <= 0:
        raise ParameterError("weights sum to 0; give at least one field a positive weight")
    fill = check_number("missing_similarity", missing_similarity, 0, 1)
    cut = dict(CUTOFFS if cutoffs is None else cutoffs)
    unknown = sorted(set(cut) - set(FIELDS))
    if unknown:
        raise ParameterError(f"cutoffs name unknown fields {unknown}; the fields are {FIELDS}")
    for field, value in cut.items():
        check_number(f"cutoffs[{field!r}]", value, 0, 1)
    check_frame(std, "std", allow_empty=True)
    require_columns(std, [*FIELDS, "updated_at"], "std", fix=_STD_FIX)
    check_frame(pairs, "pairs", allow_empty=True)
    require_columns(pairs, ["left", "right"], "pairs", fix="pass the output of candidate_pairs")
    ids = pd.concat([pairs["left"], pairs["right"]])
    absent = ~ids.isin(std.index)
    if absent.any():
        raise DataValidationError(
            f"pairs name {absent.sum()} record id(s) not in the standardised records "
            f"(e.g. {ids[absent].iloc[0]!r}); build the pairs from the same records"
        )
    values = std[[*FIELDS, "updated_at"]]
    if skip_invalid:
        values = values.copy()
        for field, bad in _rule_failures(std).items():
            values[field] = values[field].mask(bad.fillna(False).to_numpy(bool))
    left, right = values.loc[pairs["left"]], values.loc[pairs["right"]]
    scorers = {
        "name": (fuzz.token_sort_ratio, 100.0),
        "phone": (Levenshtein.normalized_similarity, 1.0),
        "email": (fuzz.ratio, 100.0),
        "address": (fuzz.token_set_ratio, 100.0),
    }
    out = pairs.reset_index(drop=True).copy()
    for field in w:
        a, b = left[field].reset_index(drop=True), right[field].reset_index(drop=True)
        if field in scorers:
            out[field] = _similarity(a, b, *scorers[field], cut.get(field, 0.0))
        else:
            same = (a == b).astype(float).to_numpy()
            out[field] = np.where(a.notna() & b.notna(), same, np.nan)
    total = sum(w.values())
    score = sum(value * out[f].fillna(fill) for f, value in w.items()) / total
    # Sums of weights such as 0.25 + 0.15 + 0.2 must equal a threshold of 0.6 exactly.
    out["score"] = score.round(12)
    return out


# --- 4. decide and cluster -------------------------------------------------------------------


def cluster_records(record_ids, scored: pd.DataFrame, threshold: float) -> pd.Series:
    """Customers as the connected components of the pairs scoring at least ``threshold``.

    Matching is transitive: if record a matches b and b matches c, all three are one
    customer even when a and c were never compared (or scored low). That is how a web record
    with only a name and an e-mail joins a call-centre record with only a name and a phone —
    through a branch record that has both — and also how one wrong match can join two
    customers.

    Parameters
    ----------
    record_ids : array-like
        Every record id (``std.index``); unmatched records become one-record customers.
    scored : pandas.DataFrame
        Output of :func:`compare` (``left``, ``right``, ``score``).
    threshold : float
        Minimum score of a match, in [0, 1].

    Returns
    -------
    pandas.Series
        ``customer_id`` ("C00001", ... numbered in the order of ``record_ids``) per record id.

    Raises
    ------
    ParameterError
        If ``threshold`` is not in [0, 1].
    DataValidationError
        If the pairs name records not in ``record_ids``.

    Examples
    --------
    >>> scored = pd.DataFrame({"left": ["a", "b", "c"], "right": ["b", "c", "d"],
    ...                        "score": [0.9, 0.8, 0.3]})
    >>> cluster_records(["a", "b", "c", "d", "e"], scored, threshold=0.75).tolist()
    ['C00001', 'C00001', 'C00001', 'C00002', 'C00003']
    """
    t = check_number("threshold", threshold, 0, 1)
    check_frame(scored, "scored", allow_empty=True)
    require_columns(scored, ["left", "right", "score"], "scored", fix="pass the output of compare")
    ids = pd.Index(record_ids)
    if ids.has_duplicates:
        raise DataValidationError(
            f"record_ids has duplicated ids ({rows(ids, ids.duplicated(keep=False))}); pass "
            "std.index, one id per record"
        )
    score = numeric_column(scored, "score", "scored")
    kept = scored[score >= t]
    i, j = ids.get_indexer(kept["left"]), ids.get_indexer(kept["right"])
    if (i < 0).any() or (j < 0).any():
        raise DataValidationError(
            "the scored pairs name record ids that are not in record_ids; pass std.index of "
            "the records the pairs were built from"
        )
    n = len(ids)
    graph = coo_matrix((np.ones(len(i)), (i, j)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    # Number the customers in order of their first record, for stable, readable ids.
    _, first = np.unique(labels, return_index=True)
    rank = np.empty(len(first), dtype=int)
    rank[np.argsort(first)] = np.arange(len(first))
    return pd.Series(
        [f"C{r + 1:05d}" for r in rank[labels]], index=ids, name="customer_id"
    ).rename_axis(ids.name or "record_id")


def match_quality(predicted_clusters: pd.Series, truth: pd.Series) -> pd.Series:
    """Pairwise precision, recall and F1 of a clustering of records against the truth.

    A pair of records is *predicted* when both are in one predicted cluster and *true* when
    both belong to one person. Precision is the share of predicted pairs that are true (how
    rarely two people are merged), recall the share of true pairs that are predicted (how
    rarely one person is left split).

    Parameters
    ----------
    predicted_clusters : pandas.Series
        Cluster label per record id (e.g. from :func:`cluster_records`).
    truth : pandas.Series
        True person id per record id (e.g. ``truth.person_id`` of the simulator).

    Returns
    -------
    pandas.Series
        ``precision``, ``recall``, ``f1``, ``true_pairs``, ``predicted_pairs``,
        ``correct_pairs``. Precision (recall) is 1 when there is no predicted (true) pair.

    Raises
    ------
    DataValidationError
        If the two series do not cover the same record ids, or have missing labels.

    References
    ----------
    Menestrina, D., Whang, S. E. and Garcia-Molina, H. (2010). Evaluating entity resolution
    results. *Proceedings of the VLDB Endowment* 3(1-2), 208-219.

    Examples
    --------
    Records 1-2 and 3-4 are two people; the clustering joins 1-2-3.

    >>> truth = pd.Series(["P1", "P1", "P2", "P2"], index=[1, 2, 3, 4])
    >>> pred = pd.Series(["C1", "C1", "C1", "C2"], index=[1, 2, 3, 4])
    >>> match_quality(pred, truth)[["precision", "recall"]].round(3).tolist()
    [0.333, 0.5]
    """
    for name, s in (("predicted_clusters", predicted_clusters), ("truth", truth)):
        if not isinstance(s, pd.Series):
            raise DataValidationError(f"{name} must be a pandas Series indexed by record id")
        if s.isna().any():
            raise DataValidationError(
                f"{name} has {int(s.isna().sum())} missing label(s) "
                f"({rows(s.index, s.isna().to_numpy())}); every record needs a label"
            )
    only_pred = predicted_clusters.index.difference(truth.index)
    only_true = truth.index.difference(predicted_clusters.index)
    if len(only_pred) or len(only_true) or predicted_clusters.index.has_duplicates:
        raise DataValidationError(
            f"predicted_clusters and truth must label the same records once each: "
            f"{len(only_pred)} record(s) only in predicted_clusters, {len(only_true)} only in "
            "truth; align them on the record id first"
        )
    labels_true = truth.loc[predicted_clusters.index].to_numpy()
    c = pair_confusion_matrix(labels_true, predicted_clusters.to_numpy()) // 2
    tp, fp, fn = int(c[1, 1]), int(c[0, 1]), int(c[1, 0])
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return pd.Series(
        {
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "true_pairs": tp + fn,
            "predicted_pairs": tp + fp,
            "correct_pairs": tp,
        }
    )


def match_quality_by_threshold(
    record_ids, scored: pd.DataFrame, truth: pd.Series, thresholds
) -> pd.DataFrame:
    """:func:`match_quality` and the number of customers for each threshold in turn.

    Parameters
    ----------
    record_ids : array-like
        Every record id, as for :func:`cluster_records`.
    scored : pandas.DataFrame
        Output of :func:`compare`.
    truth : pandas.Series
        True person id per record id.
    thresholds : sequence of float
        Thresholds to try, each in [0, 1].

    Returns
    -------
    pandas.DataFrame
        Indexed by ``threshold``: ``precision``, ``recall``, ``f1`` and ``customers``.

    Examples
    --------
    >>> scored = pd.DataFrame({"left": ["a", "c"], "right": ["b", "d"], "score": [0.9, 0.6]})
    >>> truth = pd.Series(["P1", "P1", "P2", "P3"], index=list("abcd"))
    >>> match_quality_by_threshold(list("abcd"), scored, truth, [0.5, 0.8])["precision"].tolist()
    [0.5, 1.0]
    """
    rows = {}
    for t in thresholds:
        clusters = cluster_records(record_ids, scored, float(t))
        q = match_quality(clusters, truth)
        rows[float(t)] = {
            "precision": q["precision"],
            "recall": q["recall"],
            "f1": q["f1"],
            "customers": clusters.nunique(),
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("threshold")


# --- 5. merge --------------------------------------------------------------------------------


def _rule_failures(std: pd.DataFrame) -> pd.DataFrame:
    """True where a present standardised value breaks its format rule, <NA> where missing."""
    out = pd.DataFrame(index=std.index)
    for field, (pattern, _) in RULES.items():
        if pattern is not None:
            ok = std[field].str.fullmatch(pattern)
        else:
            born = std[field]
            ok = (born >= _EARLIEST_BIRTH) & (born <= std["updated_at"])
            ok = ok.astype("boolean").mask(born.isna())
        out[field] = (~ok.astype("boolean")).mask(std[field].isna())
    return out


def merge_customers(
    std: pd.DataFrame,
    clusters: pd.Series,
    rule="recent",
    channel_priority=None,
    skip_invalid: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per customer, each field chosen by a survivorship rule, with its provenance.

    Survivorship rules, per field (``rule`` is one for all, or ``{field: rule}``):

    * ``"recent"``: the value of the most recently updated record that has one (ties: channel
      priority) — right for what changes, like addresses;
    * ``"priority"``: the value from the most trusted channel that has one, in
      ``channel_priority`` order (ties: most recent);
    * ``"frequent"``: the value most records agree on (ties: most recent) — robust to a
      one-off typo in a name.

    Missing values never survive; with ``skip_invalid`` neither do values that break the
    accuracy rules (an 10-digit phone, a birth date of 1900-01-01).

    Parameters
    ----------
    std : pandas.DataFrame
        Output of :func:`standardise`.
    clusters : pandas.Series
        Customer id per record id (output of :func:`cluster_records`).
    rule : str or dict
        ``"recent"``, ``"priority"`` or ``"frequent"``, or a dict per field (fields left out
        use ``"recent"``).
    channel_priority : sequence of str, optional
        Channels from most to least trusted; needed for ``"priority"`` and used to break ties.
        Channels not listed come last.
    skip_invalid : bool
        Leave out values that break the format rules.

    Returns
    -------
    customers : pandas.DataFrame
        Indexed by ``customer_id``: the :data:`FIELDS`, ``n_records``, ``channels`` (sorted,
        comma-separated) and ``last_updated``.
    provenance : pandas.DataFrame
        One row per customer and surviving field: ``customer_id``, ``field``, ``value``,
        ``record_id``, ``channel``, ``updated_at`` and ``rule`` — where every value came from.

    Raises
    ------
    ParameterError
        For an unknown rule or field, or ``"priority"`` without ``channel_priority``.
    DataValidationError
        If ``clusters`` does not label every record of ``std`` exactly once.

    Examples
    --------
    >>> std = standardise(pd.DataFrame({
    ...     "name": ["Wang Fang", "Wang Fang"], "phone": [None, "13812345678"],
    ...     "email": [None, None], "address": ["1 Old Rd", "9 New Rd"],
    ...     "postcode": [None, None], "birth_date": [None, None],
    ...     "channel": ["mail", "web"], "updated_at": ["2020-01-01", "2024-01-01"]},
    ...     index=["ML1", "WB1"]))
    >>> customers, provenance = merge_customers(std, pd.Series(["C1", "C1"], index=std.index))
    >>> customers.loc["C1", ["address", "phone"]].tolist(), int(customers.loc["C1", "n_records"])
    (['9 new road', '13812345678'], 2)
    >>> provenance.set_index("field").loc["address", ["record_id", "channel"]].tolist()
    ['WB1', 'web']
    """
    rules = {f: rule for f in FIELDS} if isinstance(rule, str) else {f: "recent" for f in FIELDS}
    if isinstance(rule, dict):
        unknown = sorted(set(rule) - set(FIELDS))
        if unknown:
            raise ParameterError(f"rule names unknown fields {unknown}; the fields are {FIELDS}")
        rules.update(rule)
    for field, r in rules.items():
        if r not in _RULE_CHOICES:
            raise ParameterError(f"rule for {field!r} = {r!r} is not one of {list(_RULE_CHOICES)}")
    if isinstance(channel_priority, str):
        raise ParameterError(
            f"channel_priority={channel_priority!r} must be a list of channels from most to "
            f"least trusted, e.g. [{channel_priority!r}, 'web']"
        )
    if "priority" in rules.values() and not channel_priority:
        raise ParameterError(
            "rule 'priority' needs channel_priority, the channels from most to least trusted, "
            "e.g. channel_priority=['account_rep', 'branch', 'call_centre', 'web', 'mail']"
        )
    check_frame(std, "std", allow_empty=True)
    require_columns(std, [*FIELDS, "channel", "updated_at"], "std", fix=_STD_FIX)
    if not isinstance(clusters, pd.Series) or not clusters.index.sort_values().equals(
        std.index.sort_values()
    ):
        raise DataValidationError(
            "clusters must be a Series labelling every record of std exactly once (the output "
            "of cluster_records(std.index, ...))"
        )
    if clusters.isna().any():
        missing = clusters.isna().to_numpy()
        raise DataValidationError(
            f"clusters has {int(missing.sum())} missing customer id(s) "
            f"({rows(clusters.index, missing)}); every record needs its customer (the output "
            "of cluster_records gives one to each)"
        )
    order = {c: k for k, c in enumerate(channel_priority or [])}
    base = pd.DataFrame(
        {
            "customer_id": clusters.loc[std.index].to_numpy(),
            "record_id": std.index.to_numpy(),
            "channel": std["channel"].to_numpy(),
            "updated_at": std["updated_at"].to_numpy(),
        }
    )
    base["rank"] = base["channel"].map(order).fillna(len(order)).to_numpy()
    failures = _rule_failures(std) if skip_invalid else None
    chosen = []
    for field in FIELDS:
        long = base.assign(field=field, value=std[field].to_numpy())
        keep = std[field].notna().to_numpy()
        if failures is not None and field in failures:
            keep &= ~failures[field].fillna(False).to_numpy(bool)
        long = long[keep]
        r = rules[field]
        if r == "frequent":
            long["votes"] = long.groupby(["customer_id", "value"])["value"].transform("size")
            by, asc = ["votes", "updated_at", "rank"], [False, False, True]
        elif r == "priority":
            by, asc = ["rank", "updated_at"], [True, False]
        else:
            by, asc = ["updated_at", "rank"], [False, True]
        top = long.sort_values(by, ascending=asc, kind="stable").groupby("customer_id").head(1)
        chosen.append(top.assign(rule=r)[[*base.columns.drop("rank"), "field", "value", "rule"]])
    provenance = pd.concat(chosen, ignore_index=True)
    provenance = provenance[
        ["customer_id", "field", "value", "record_id", "channel", "updated_at", "rule"]
    ].sort_values(["customer_id", "field"], ignore_index=True)
    customers = provenance.pivot(index="customer_id", columns="field", values="value")
    customers = customers.reindex(index=pd.Index(sorted(base["customer_id"].unique())))
    customers = customers.reindex(columns=list(FIELDS))
    customers["birth_date"] = pd.to_datetime(customers["birth_date"])
    for field in FIELDS[:-1]:
        customers[field] = customers[field].astype("string")
    groups = base.groupby("customer_id")
    customers["n_records"] = groups.size()
    customers["channels"] = groups["channel"].agg(lambda c: ", ".join(sorted(set(c))))
    customers["last_updated"] = groups["updated_at"].max()
    customers.index.name = "customer_id"
    customers.columns.name = None
    return customers, provenance


# --- information quality ---------------------------------------------------------------------


def completeness(records: pd.DataFrame, columns: dict | None = None) -> pd.DataFrame:
    """Share of records with a value, per channel and field (plus an ``all`` row).

    Blank text counts as missing.

    Parameters
    ----------
    records : pandas.DataFrame
        Raw channel records (see :func:`standardise`).
    columns : dict, optional
        ``{field: your column}`` for columns named differently.

    Returns
    -------
    pandas.DataFrame
        One row per channel and ``all``, one column per field of :data:`FIELDS`.

    Raises
    ------
    DataValidationError
        For a missing column, duplicated record ids or an empty table.

    Examples
    --------
    >>> raw = pd.DataFrame({"name": ["a", "b", "c"], "phone": ["1", None, " "],
    ...     "email": None, "address": None, "postcode": None, "birth_date": None,
    ...     "channel": ["web", "web", "mail"], "updated_at": "2024-01-01"})
    >>> completeness(raw)["phone"].round(3).to_dict()
    {'mail': 0.0, 'web': 0.5, 'all': 0.333}
    """
    df = _canonical(records, columns)
    present = pd.DataFrame({f: _text(df[f].astype("string")).notna() for f in FIELDS})
    by = present.groupby(df["channel"].to_numpy()).mean()
    by.loc["all"] = present.mean()
    by.index.name = "channel"
    return by


def accuracy_flags(records: pd.DataFrame, columns: dict | None = None) -> pd.DataFrame:
    """Which present values break the format rules, after standardising.

    Rules (:data:`RULES`): a phone is a Chinese mobile number (11 digits starting 13-19), an
    e-mail is ``name@domain.tld``, a postcode has six digits, a birth date is readable and
    between 1910-01-01 and the record's last update.

    Parameters
    ----------
    records : pandas.DataFrame
        Raw channel records (see :func:`standardise`).
    columns : dict, optional
        ``{field: your column}`` for columns named differently.

    Returns
    -------
    pandas.DataFrame
        Per record id and rule field (``phone``, ``email``, ``postcode``, ``birth_date``):
        True when the value breaks the rule, False when it passes, <NA> when it is missing.

    Raises
    ------
    DataValidationError
        As :func:`standardise`.

    Examples
    --------
    >>> raw = pd.DataFrame({"name": ["a", "b"], "phone": ["138-1234-5678", "138123456"],
    ...     "email": ["a@example.com", "a.example.com"], "address": None,
    ...     "postcode": ["100081", None], "birth_date": ["1985-03-07", "1900-01-01"],
    ...     "channel": "web", "updated_at": "2024-01-01"}, index=["r1", "r2"])
    >>> accuracy_flags(raw).astype(str).to_numpy().tolist()
    [['False', 'False', 'False', 'False'], ['True', 'True', '<NA>', 'True']]
    """
    std = standardise(records, columns)
    raw = _canonical(records, columns)
    flags = _rule_failures(std)
    unreadable = _text(raw["birth_date"].astype("string")).notna() & std["birth_date"].isna()
    flags["birth_date"] = flags["birth_date"].mask(unreadable.to_numpy(), True)
    return flags


@renamed_parameters(snapshot="observation_end")
def timeliness(
    records: pd.DataFrame, observation_end, max_age_days: int = 365, columns: dict | None = None
) -> pd.DataFrame:
    """Age of each channel's records at ``observation_end``: the timeliness of the information.

    Parameters
    ----------
    records : pandas.DataFrame
        Raw channel records (see :func:`standardise`).
    observation_end : date-like
        The date the records were extracted.
    max_age_days : int
        A record updated within this many days counts as current.
    columns : dict, optional
        ``{field: your column}`` for columns named differently.

    Returns
    -------
    pandas.DataFrame
        Per channel (and ``all``): ``records``, ``median_age_days``, ``share_current`` (updated
        within ``max_age_days``) and ``oldest_days``.

    Raises
    ------
    DataValidationError
        If a record was updated after ``observation_end``.

    Examples
    --------
    >>> raw = pd.DataFrame({"name": ["a", "b", "c"], "phone": None, "email": None,
    ...     "address": None, "postcode": None, "birth_date": None,
    ...     "channel": ["web", "web", "mail"],
    ...     "updated_at": ["2024-12-01", "2024-06-01", "2021-12-31"]})
    >>> t = timeliness(raw, "2024-12-31")
    >>> t["median_age_days"].to_dict()
    {'mail': 1096.0, 'web': 121.5, 'all': 213.0}
    >>> t["share_current"].round(3).to_dict()
    {'mail': 0.0, 'web': 1.0, 'all': 0.667}
    """
    snap = check_date("observation_end", observation_end)
    limit = check_int("max_age_days", max_age_days, 1)
    df = _canonical(records, columns)
    updated = _updated(df)
    future = (updated > snap).to_numpy()
    if future.any():
        raise DataValidationError(
            f"column 'updated_at' has {future.sum()} timestamp(s) after observation_end "
            f"{snap.date()} ({rows(df.index, future)}); fix the clock or move observation_end"
        )
    age = (snap - updated).dt.days
    frame = pd.DataFrame({"channel": df["channel"].to_numpy(), "age": age.to_numpy()})

    def summary(a: pd.Series) -> pd.Series:
        return pd.Series(
            {
                "records": len(a),
                "median_age_days": float(a.median()),
                "share_current": float((a <= limit).mean()),
                "oldest_days": int(a.max()),
            }
        )

    out = frame.groupby("channel")["age"].apply(summary).unstack()
    out.loc["all"] = summary(frame["age"])
    out = out.astype({"records": int, "oldest_days": int})
    out.index.name = "channel"
    return out


@dataclass
class QualityReport:
    """Information quality of channel records: complete, accurate, timely (全面、准确、及时)."""

    completeness: pd.DataFrame
    accuracy: pd.DataFrame
    timeliness: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """One row per channel: mean completeness and accuracy over the fields, timeliness."""
        return pd.DataFrame(
            {
                "completeness": self.completeness.mean(axis=1),
                "accuracy": self.accuracy.mean(axis=1),
                "share_current": self.timeliness["share_current"],
                "median_age_days": self.timeliness["median_age_days"],
            }
        )


@renamed_parameters(snapshot="observation_end")
def quality_report(
    records: pd.DataFrame, observation_end, max_age_days: int = 365, columns: dict | None = None
) -> QualityReport:
    """Completeness, accuracy and timeliness of channel records, per channel.

    Parameters
    ----------
    records : pandas.DataFrame
        Raw channel records (see :func:`standardise`).
    observation_end : date-like
        The date the records were extracted.
    max_age_days : int
        A record updated within this many days counts as current.
    columns : dict, optional
        ``{field: your column}`` for columns named differently.

    Returns
    -------
    QualityReport
        ``completeness`` (share of records with a value, per channel × field),
        ``accuracy`` (share of present values passing the format rules, per channel × rule
        field; :func:`accuracy_flags`) and ``timeliness`` (:func:`timeliness`), each with an
        ``all`` row; ``summary()`` puts them side by side.

    Raises
    ------
    DataValidationError
        As :func:`standardise` and :func:`timeliness`.

    References
    ----------
    Wang, R. Y. and Strong, D. M. (1996). Beyond accuracy: what data quality means to data
    consumers. *Journal of Management Information Systems* 12(4), 5-33.

    Examples
    --------
    >>> raw = pd.DataFrame({"name": ["a", "b"], "phone": ["13812345678", "1381234567"],
    ...     "email": None, "address": None, "postcode": None, "birth_date": None,
    ...     "channel": "web", "updated_at": ["2024-12-01", "2023-06-01"]}, index=["r1", "r2"])
    >>> report = quality_report(raw, "2024-12-31")
    >>> report.summary().loc["web", ["accuracy", "share_current"]].tolist()
    [0.5, 0.5]
    """
    flags = accuracy_flags(records, columns)
    channel = _canonical(records, columns)["channel"].to_numpy()
    passed = (~flags.astype("boolean")).astype("Float64")  # <NA> for missing values
    accuracy = passed.groupby(channel).mean().astype(float)
    accuracy.loc["all"] = passed.mean().astype(float)
    accuracy.index.name = "channel"
    return QualityReport(
        completeness=completeness(records, columns),
        accuracy=accuracy,
        timeliness=timeliness(records, observation_end, max_age_days, columns),
    )


#: What a business customer's record must hold (curriculum §2): the basic profile, purchase
#: and feedback records, and for a business customer also its business scope, annual revenue,
#: brand shares, outlet network and logistics.
BUSINESS_RECORD: dict[str, str] = {
    "name": "registered company name",
    "industry": "industry the customer works in",
    "contact_person": "who to call for orders and service",
    "phone": "the contact's phone",
    "business_scope": "what the customer does, where (经营范围)",
    "annual_revenue": "the customer's yearly revenue (million yuan)",
    "brand_share": "our brand's share of what the customer buys in our category",
    "outlets": "number of outlets or sites (销售网点)",
    "logistics": "how goods reach the customer (own fleet, carrier, pickup)",
    "last_feedback": "date of the customer's last feedback or review meeting",
}


def record_completeness(records: pd.DataFrame, fields=None, by: str | None = None) -> pd.DataFrame:
    """Completeness of customer records: the share that holds each field, and the share of
    complete records (every field held), overall and per group.

    The complete-record share is the stricter KPI: a record with nine of ten fields still
    sends the front line looking for the tenth. Blank text counts as missing.

    Parameters
    ----------
    records : pandas.DataFrame
        One row per customer record.
    fields : iterable of str, optional
        The fields a record must hold; by default those of :data:`BUSINESS_RECORD`.
    by : str, optional
        A column to split by (e.g. ``"tier"``).

    Returns
    -------
    pandas.DataFrame
        One row per group and an ``all`` row; one column per field with the share of records
        holding it, then ``complete_record``.

    Raises
    ------
    DataValidationError
        Not a table, no rows, a missing column, or missing group labels.

    Examples
    --------
    >>> r = pd.DataFrame({"name": ["a", "b", "c", "d"], "phone": ["1", None, " ", "4"],
    ...                   "tier": ["key", "key", "other", "other"]})
    >>> record_completeness(r, ["name", "phone"], by="tier").to_dict("index")
    {'key': {'name': 1.0, 'phone': 0.5, 'complete_record': 0.5}, 'other': {'name': 1.0, \
'phone': 0.5, 'complete_record': 0.5}, 'all': {'name': 1.0, 'phone': 0.5, 'complete_record': 0.5}}
    """
    fields = list(BUSINESS_RECORD if fields is None else fields)
    check_columns(records, [*fields, *([by] if by else [])], "records")
    present = pd.DataFrame(
        {
            f: _text(records[f]).notna().to_numpy()
            if not pd.api.types.is_datetime64_any_dtype(records[f])
            else records[f].notna().to_numpy()
            for f in fields
        },
        index=records.index,
    )
    present["complete_record"] = present.all(axis=1)
    if by is None:
        out = present.mean().to_frame("all").T
    else:
        missing = records[by].isna().to_numpy()
        if missing.any():
            raise DataValidationError(
                f"column {by!r} of records has {int(missing.sum())} missing value(s) "
                f"({rows(records.index, missing)}); give every record its group or drop them"
            )
        out = present.groupby(records[by].to_numpy()).mean()
        out.loc["all"] = present.mean()
    out.index.name = by or "records"
    return out.astype(float)
