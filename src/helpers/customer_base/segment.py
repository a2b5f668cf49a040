"""Behavioural segmentation with k-means, and composite value scores with value tiers.

The clustering pipeline is scikit-learn's (``FunctionTransformer`` → ``RobustScaler`` →
``KMeans``); this module only adds what a CRM analysis needs around it: the evidence for the
number of segments, stable segment numbering, segment profiles and value tiers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, RobustScaler

from helpers.exceptions import DataValidationError, ParameterError
from helpers.validation import (
    check_frame,
    check_int,
    check_is_fitted,
    check_number,
    numeric_column,
    numeric_values,
    require_columns,
    rows,
)

__all__ = ["BehaviourSegmenter", "choose_k", "segment_profiles", "value_score", "value_tiers"]


def _features(
    df: pd.DataFrame, columns: list[str] | None, name: str = "features", fix: str | None = None
) -> pd.DataFrame:
    """The feature columns as floats; text, booleans, missing and infinite values are refused."""
    check_frame(df, name, allow_empty=True)
    columns = list(df.columns) if columns is None else list(columns)
    require_columns(
        df, columns, name, fix=fix or "pass columns=[...] naming feature columns, or add it"
    )
    check_frame(df, name)
    return pd.DataFrame(
        {col: numeric_column(df, col, name) for col in columns}, index=df.index, columns=columns
    )


def _pipeline(k: int, log: bool, random_state, n_init: int = 4) -> Pipeline:
    steps = [FunctionTransformer(np.log1p if log else None), RobustScaler()]
    return make_pipeline(*steps, KMeans(n_clusters=k, n_init=n_init, random_state=random_state))


def _check_log(x: pd.DataFrame, log: bool) -> None:
    if not log:
        return
    for col in x.columns:
        neg = (x[col] < 0).to_numpy()
        if neg.any():
            raise DataValidationError(
                f"column {col!r} has {int(neg.sum())} negative value(s) "
                f"({rows(x.index, neg, x[col])}) and log=True takes log(1 + x); pass log=False "
                "or shift the column"
            )


def _check_distinct(x: pd.DataFrame, k: int, param: str = "k") -> None:
    """k-means needs at least k different points: customers with identical features count once
    (log and scaling keep distinct rows distinct)."""
    distinct = len(x.drop_duplicates())
    if distinct < 2:
        raise DataValidationError(
            f"all {len(x)} customers have identical features {x.iloc[0].to_dict()}; there is "
            "nothing to segment: check that the feature columns hold each customer's own values"
        )
    if k > distinct:
        raise ParameterError(
            f"k={k}{' (in k_range)' if param == 'k_range' else ''} is more than the "
            f"{distinct} distinct customers among the {len(x)} (customers with identical "
            f"features count once); keep {param} at or below {distinct}, or add features that "
            "tell the customers apart"
        )


def choose_k(
    features: pd.DataFrame,
    k_range=range(2, 9),
    columns: list[str] | None = None,
    log: bool = True,
    random_state: int = 0,
    sample_size: int = 4_000,
) -> pd.DataFrame:
    """Evidence for the number of segments: inertia (elbow) and silhouette for each k.

    Two readings of the evidence are marked. ``silhouette_best``: the k whose segments are
    best separated (mean silhouette, on a random sample of customers). ``elbow``: the k where
    the inertia curve bends most (largest second difference of inertia), i.e. after which
    another segment buys little extra fit. They often disagree — silhouette tends to favour
    the coarsest clear split — and the analyst decides, with the evidence in view.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per customer; numeric columns only (text, True/False, missing and infinite
        values are refused).
    k_range : iterable of int
        Candidate numbers of segments: whole numbers from 2 to fewer than the customers, and
        at most the number of distinct customers (identical rows count once).
    columns : list of str, optional
        Feature columns; default all.
    log : bool
        Take ``log(1 + x)`` before robust scaling (right-skewed spend and counts); negative
        values are then refused.
    random_state : int
        Seed of k-means and of the silhouette sample.
    sample_size : int
        Customers the silhouette is computed on (it is quadratic in their number).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``k``: ``inertia``, ``silhouette``, ``silhouette_best`` and ``elbow``
        (True on the k each rule picks; the elbow needs three consecutive k).

    Raises
    ------
    DataValidationError
        A missing, non-numeric, missing-valued or infinite feature; negative values with
        ``log=True``; every customer with the same features.
    ParameterError
        ``k_range`` empty, not whole numbers, below 2, not below the number of customers, or
        above the number of distinct customers; ``sample_size`` below 2.
    """
    x = _features(features, columns)
    _check_log(x, log)
    try:
        ks = sorted(k_range)
    except TypeError:
        raise ParameterError(
            f"k_range={k_range!r} must be an iterable of whole numbers, e.g. range(2, 9)"
        ) from None
    for k in ks:
        check_int("k_range", k, 2, fix="give whole numbers of segments, e.g. range(2, 9)")
    if not ks or max(ks) >= len(x):
        raise ParameterError(
            f"k_range={ks!r} must hold numbers of segments from 2 to fewer than the "
            f"{len(x)} customers"
        )
    _check_distinct(x, max(ks), "k_range")
    sample = check_int("sample_size", sample_size, 2)
    records = []
    for k in ks:
        pipe = _pipeline(k, log, random_state).fit(x)
        z = pipe[:-1].transform(x)
        labels = pipe[-1].labels_
        sil = silhouette_score(
            z, labels, sample_size=min(sample, len(x)), random_state=random_state
        )
        records.append({"k": k, "inertia": pipe[-1].inertia_, "silhouette": sil})
    table = pd.DataFrame(records).set_index("k")
    table["silhouette_best"] = table.index == table["silhouette"].idxmax()
    inertia = table["inertia"]
    bend = inertia.shift(1) + inertia.shift(-1) - 2 * inertia  # discrete curvature
    table["elbow"] = (table.index == bend.idxmax()) if bend.notna().any() else False
    return table


class BehaviourSegmenter(ClusterMixin, BaseEstimator):
    """k-means segments of customers on behavioural features, numbered by value.

    Parameters
    ----------
    k : int
        Number of segments.
    columns : list of str, optional
        Feature columns (default: all columns given to ``fit``).
    log : bool
        Take ``log(1 + x)`` before robust scaling.
    order_by : str, optional
        Feature whose segment mean orders the segment numbers, highest first, so that
        segment 0 is always the most valuable and numbering is stable across runs.
    random_state : int
        Seed of k-means (10 restarts).

    Attributes
    ----------
    labels_ : pandas.Series
        Segment of each customer given to ``fit``.
    centers_ : pandas.DataFrame
        Segment centres in the original units (medians of the members).
    """

    def __init__(self, k: int = 4, columns=None, log: bool = True, order_by=None, random_state=0):
        self.k = k
        self.columns = columns
        self.log = log
        self.order_by = order_by
        self.random_state = random_state

    def fit(self, features: pd.DataFrame, y=None) -> BehaviourSegmenter:
        """Fit k-means on ``features`` (``y`` is ignored, as in scikit-learn).

        Raises
        ------
        DataValidationError
            A missing, non-numeric, missing-valued or infinite feature; negative values with
            ``log=True``; every customer with the same features.
        ParameterError
            ``k`` not a whole number from 2 to fewer than the customers, or above the number
            of distinct customers (identical rows count once); an unknown ``order_by``.
        """
        check_int("k", self.k, 2, fix="pass a whole number of segments, at least 2")
        x = _features(features, self.columns)
        if self.k >= len(x):
            raise ParameterError(f"k={self.k} must be smaller than the {len(x)} customers")
        _check_log(x, self.log)
        order_by = self.order_by or x.columns[-1]
        if order_by not in x.columns:
            raise ParameterError(
                f"order_by={order_by!r} is not one of the features {list(x.columns)}"
            )
        _check_distinct(x, self.k)
        self.pipeline_ = _pipeline(self.k, self.log, self.random_state).fit(x)
        raw = self.pipeline_[-1].labels_
        means = pd.Series(x[order_by].to_numpy()).groupby(raw).mean()
        rank = means.sort_values(ascending=False, kind="stable").index
        self.relabel_ = np.empty(self.k, dtype=int)
        self.relabel_[rank.to_numpy()] = np.arange(self.k)
        self.columns_ = list(x.columns)
        self.labels_ = pd.Series(self.relabel_[raw], index=features.index, name="segment")
        self.centers_ = x.groupby(self.labels_.to_numpy()).median()
        self.centers_.index.name = "segment"
        return self

    def predict(self, features: pd.DataFrame) -> pd.Series:
        """Segment of each customer in ``features``, numbered as in ``fit``."""
        check_is_fitted(self, "pipeline_")
        x = _features(
            features, self.columns_, fix="predict needs the feature columns fit was given"
        )
        _check_log(x, self.log)
        raw = self.pipeline_.predict(x)
        return pd.Series(self.relabel_[raw], index=features.index, name="segment")


def _labels(labels, index: pd.Index) -> pd.Series:
    """Segment labels lined up with the rows of features.

    A Series is matched on its index (its order does not matter); a list or an array is
    positional. Missing labels are refused: a customer without a segment would silently drop
    out of the counts while still counting in the shares.
    """
    if isinstance(labels, pd.DataFrame):
        raise DataValidationError(
            "labels must be one column of segment labels (a Series, a list or an array), not a "
            "DataFrame; pass e.g. segmenter.labels_"
        )
    if isinstance(labels, pd.Series):
        if not labels.index.equals(index):
            if labels.index.has_duplicates or index.has_duplicates:
                raise DataValidationError(
                    "labels is a Series whose index differs from the index of features, and one "
                    "of them has duplicated labels, so the rows cannot be matched; give both "
                    "the same unique index (e.g. the customer id), or pass "
                    "labels.to_numpy() in the row order of features"
                )
            no_label = ~index.isin(labels.index)
            unknown = ~labels.index.isin(index)
            if no_label.any() or unknown.any():
                raise DataValidationError(
                    f"labels is a Series whose index does not match the rows of features: "
                    f"{int(no_label.sum())} row(s) of features have no label"
                    + (f" ({rows(index, no_label)})" if no_label.any() else "")
                    + f" and {int(unknown.sum())} label(s) name no row of features"
                    + (f" ({rows(labels.index, unknown)})" if unknown.any() else "")
                    + "; labels are matched on the index: pass labels indexed like features "
                    "(e.g. segmenter.labels_), or a list or array in the row order of features"
                )
            labels = labels.reindex(index)  # same rows, another order: align them
        out = pd.Series(labels.to_numpy(), index=index, name="segment")
    else:
        values = np.asarray(labels, dtype=object) if np.ndim(labels) else None
        if values is None or values.ndim != 1:
            raise DataValidationError(
                f"labels must be one segment label per row of features, got "
                f"{type(labels).__name__} with shape {np.shape(labels)}"
            )
        if len(values) != len(index):
            raise DataValidationError(
                f"labels has {len(values)} entries for the {len(index)} rows of features; "
                "give one segment label per row (in the row order of features), or a Series "
                "indexed like features"
            )
        out = pd.Series(labels, index=index, name="segment")
    missing = out.isna().to_numpy()
    if missing.any():
        raise DataValidationError(
            f"labels has {int(missing.sum())} missing segment label(s) ({rows(index, missing)}); "
            "every customer needs a segment: label them, or leave them out of both features "
            "and labels"
        )
    return out


def segment_profiles(features: pd.DataFrame, labels, value_col: str | None = None) -> pd.DataFrame:
    """Size, share, mean features and (with ``value_col``) value share of each segment.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per customer, numeric columns only.
    labels : pandas.Series, list or array
        Segment of each customer. A Series is matched to the rows of ``features`` on its
        index, whatever its order (e.g. ``segmenter.labels_``); a list or an array is taken in
        the row order of ``features``.
    value_col : str, optional
        Column whose total is shared out among the segments (``value_share``).

    Returns
    -------
    pandas.DataFrame
        Indexed by segment: ``customers``, ``customer_share``, the mean of each feature and
        (with ``value_col``) ``value_share``.

    Raises
    ------
    DataValidationError
        Labels whose index does not match the rows of features, of the wrong length or
        missing; a feature that is not numeric or has missing values; a ``value_col`` that
        is not a column of features or sums to 0.

    Examples
    --------
    >>> features = pd.DataFrame({"spend": [10.0, 30.0, 100.0]}, index=["a", "b", "c"])
    >>> labels = pd.Series([0, 1, 1], index=["c", "a", "b"])  # another order: matched on ids
    >>> segment_profiles(features, labels)["spend"].tolist()
    [100.0, 20.0]
    """
    x = _features(features, None)
    seg = _labels(labels, x.index)
    if value_col is not None:
        require_columns(
            x, {"value_col": value_col}, "features", fix="pass value_col=<a column of features>"
        )
        if x[value_col].sum() == 0:
            raise DataValidationError(
                f"column {value_col!r} of features sums to 0, so value shares are undefined; "
                "pass another value_col or leave it out"
            )
    prof = x.groupby(seg).mean()
    prof.insert(0, "customers", seg.value_counts().reindex(prof.index))
    prof.insert(1, "customer_share", prof["customers"] / len(x))
    if value_col is not None:
        prof["value_share"] = x[value_col].groupby(seg).sum() / x[value_col].sum()
    return prof


def value_score(indicators: pd.DataFrame, weights: dict[str, float]) -> pd.Series:
    """Composite customer value score: a weighted mean of percentile ranks, from 0 to 1.

    Each indicator (e.g. purchase capacity, frequency, loyalty, influence) is turned into its
    percentile rank among the customers (ties share the average rank), so indicators in
    different units can be combined; the weights are normalised to sum to 1 (3:1 is 0.75:0.25).
    Ranks need no scaling, so an indicator on which every customer is equal adds the same
    amount to every score and changes no ranking.

    Parameters
    ----------
    indicators : pandas.DataFrame
        One row per customer; higher is better for every indicator used. The indicators
        named in ``weights`` must be numeric without missing values.
    weights : dict
        Weight per indicator column: numbers, zero allowed, not negative, with a positive sum.

    Returns
    -------
    pandas.Series
        ``value_score`` per customer, indexed like ``indicators``.

    Raises
    ------
    ParameterError
        Weights empty, not a dict, not numbers, negative, or summing to 0.
    DataValidationError
        A weighted indicator missing from ``indicators``, not numeric, or with missing or
        infinite values.

    Examples
    --------
    >>> df = pd.DataFrame({"spend": [10, 20, 30], "visits": [3, 2, 1]})
    >>> value_score(df, {"spend": 3, "visits": 1}).round(3).tolist()
    [0.5, 0.667, 0.833]
    """
    if not isinstance(weights, dict) or not weights:
        raise ParameterError(
            f"weights = {weights!r} must be a non-empty dict of indicator column -> weight, "
            "e.g. {'spend': 3, 'visits': 1}"
        )
    w = pd.Series(
        {col: check_number(f"weights[{col!r}]", v, 0) for col, v in weights.items()}, dtype=float
    )
    if w.sum() <= 0:
        raise ParameterError(
            f"weights {weights!r} sum to 0; give at least one indicator a positive weight"
        )
    x = _features(
        indicators,
        list(weights),
        "indicators",
        fix="weights may only name columns of indicators: correct the name or add the column",
    )
    pct = x.rank(pct=True, method="average")
    return (pct * (w / w.sum())).sum(axis=1).rename("value_score")


def value_tiers(score, cuts: tuple[float, float] = (0.2, 0.5)) -> pd.Series:
    """High / medium / low value tiers from a score.

    The top ``cuts[0]`` of customers are high, the next ones up to ``cuts[1]`` medium, the
    rest low (ties share a tier).

    Parameters
    ----------
    score : pandas.Series, list or array
        One score per customer, higher is better. Missing scores are refused rather than put
        in a tier: a customer without a score is not a low-value customer.
    cuts : (float, float)
        Shares of customers that are high, and high or medium: ``0 < cuts[0] < cuts[1] < 1``.

    Returns
    -------
    pandas.Series
        Ordered categorical ``value_tier`` ("high" < "medium" < "low" in value order),
        indexed like ``score``.

    Raises
    ------
    DataValidationError
        Scores missing, infinite, not numeric or empty.
    ParameterError
        ``cuts`` not two numbers with ``0 < high < medium < 1``.

    Examples
    --------
    >>> value_tiers([0.9, 0.1, 0.5, 0.3, 0.7], cuts=(0.2, 0.6)).tolist()
    ['high', 'low', 'medium', 'low', 'medium']
    """
    try:
        high, medium = (float(c) for c in cuts)
    except (TypeError, ValueError):
        raise ParameterError(
            f"cuts={cuts!r} must be two numbers (high, medium), e.g. (0.2, 0.5)"
        ) from None
    if not 0 < high < medium < 1:
        raise ParameterError(f"cuts={cuts!r} must satisfy 0 < high < medium < 1, e.g. (0.2, 0.5)")
    s = numeric_values(score, "score")
    if len(s) == 0:
        raise DataValidationError("score is empty; pass one score per customer")
    share_above = 1 - s.rank(pct=True, method="max") + 1 / len(s)
    tier = np.where(
        share_above <= high + 1e-12,
        "high",
        np.where(share_above <= medium + 1e-12, "medium", "low"),
    )
    dtype = pd.CategoricalDtype(["high", "medium", "low"], ordered=True)
    return pd.Series(tier, index=s.index, name="value_tier").astype(dtype)
