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
from helpers.validation import check_frame, check_int, check_is_fitted, require_columns, rows

__all__ = ["BehaviourSegmenter", "choose_k", "segment_profiles", "value_score", "value_tiers"]


def _features(df: pd.DataFrame, columns: list[str] | None) -> pd.DataFrame:
    check_frame(df, "features", allow_empty=True)
    columns = list(df.columns) if columns is None else list(columns)
    require_columns(
        df, columns, "features", fix="pass columns=[...] naming feature columns, or add it"
    )
    check_frame(df, "features")
    x = df[columns].apply(pd.to_numeric, errors="coerce")
    for col in columns:
        bad = x[col].isna() | ~np.isfinite(x[col].to_numpy(dtype=float, na_value=np.nan))
        if bad.any():
            raise DataValidationError(
                f"column {col!r} has {int(bad.sum())} missing or non-finite value(s) "
                f"({rows(df.index, bad)}); fill or remove them before segmenting"
            )
    return x.astype(float)


def _pipeline(k: int, log: bool, random_state, n_init: int = 4) -> Pipeline:
    steps = [FunctionTransformer(np.log1p if log else None), RobustScaler()]
    return make_pipeline(*steps, KMeans(n_clusters=k, n_init=n_init, random_state=random_state))


def _check_log(x: pd.DataFrame, log: bool) -> None:
    if log and (x < 0).to_numpy().any():
        col = x.columns[(x < 0).any().to_numpy()][0]
        raise DataValidationError(
            f"column {col!r} has negative values and log=True takes log(1 + x); pass log=False "
            "or shift the column"
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
        One row per customer.
    k_range : iterable of int
        Candidate numbers of segments (each at least 2).
    columns : list of str, optional
        Feature columns; default all.
    log : bool
        Take ``log(1 + x)`` before robust scaling (right-skewed spend and counts).
    random_state : int
        Seed of k-means and of the silhouette sample.
    sample_size : int
        Customers the silhouette is computed on (it is quadratic in their number).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``k``: ``inertia``, ``silhouette``, ``silhouette_best`` and ``elbow``
        (True on the k each rule picks; the elbow needs three consecutive k).
    """
    x = _features(features, columns)
    _check_log(x, log)
    ks = sorted(k_range)
    if not ks or min(ks) < 2 or max(ks) >= len(x):
        raise ParameterError(
            f"k_range={ks!r} must hold numbers of segments from 2 to fewer than the "
            f"{len(x)} customers"
        )
    records = []
    for k in ks:
        pipe = _pipeline(k, log, random_state).fit(x)
        z = pipe[:-1].transform(x)
        labels = pipe[-1].labels_
        sil = silhouette_score(
            z, labels, sample_size=min(sample_size, len(x)), random_state=random_state
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
        """Fit k-means on ``features`` (``y`` is ignored, as in scikit-learn)."""
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
        x = _features(features, self.columns_)
        _check_log(x, self.log)
        raw = self.pipeline_.predict(x)
        return pd.Series(self.relabel_[raw], index=features.index, name="segment")


def segment_profiles(features: pd.DataFrame, labels, value_col: str | None = None) -> pd.DataFrame:
    """Size, share, mean features and (with ``value_col``) value share of each segment."""
    x = _features(features, None)
    labels = pd.Series(np.asarray(labels), index=features.index, name="segment")
    if len(labels) != len(x):
        raise DataValidationError("labels must have one entry per row of features")
    prof = x.groupby(labels).mean()
    prof.insert(0, "customers", labels.value_counts().reindex(prof.index))
    prof.insert(1, "customer_share", prof["customers"] / len(x))
    if value_col is not None:
        if value_col not in x.columns:
            raise DataValidationError(f"value_col {value_col!r} is not a column of features")
        prof["value_share"] = x[value_col].groupby(labels).sum() / x[value_col].sum()
    return prof


def value_score(indicators: pd.DataFrame, weights: dict[str, float]) -> pd.Series:
    """Composite customer value score: a weighted mean of percentile ranks, from 0 to 1.

    Each indicator (e.g. purchase capacity, frequency, loyalty, influence) is turned into its
    percentile rank among the customers (ties share the average rank), so indicators in
    different units can be combined; the weights are normalised to sum to 1.

    Parameters
    ----------
    indicators : pandas.DataFrame
        One row per customer; higher is better for every indicator used.
    weights : dict
        Weight per indicator column; zero weights are allowed, negative ones are not.

    Examples
    --------
    >>> df = pd.DataFrame({"spend": [10, 20, 30], "visits": [3, 2, 1]})
    >>> value_score(df, {"spend": 3, "visits": 1}).round(3).tolist()
    [0.5, 0.667, 0.833]
    """
    if not weights:
        raise ParameterError("weights is empty; give at least one indicator a positive weight")
    x = _features(indicators, list(weights))
    w = pd.Series(weights, dtype=float)
    if (w < 0).any() or not np.isfinite(w).all() or w.sum() <= 0:
        raise ParameterError(
            f"weights {weights!r} must be non-negative numbers with a positive sum"
        )
    pct = x.rank(pct=True, method="average")
    return (pct * (w / w.sum())).sum(axis=1).rename("value_score")


def value_tiers(score: pd.Series, cuts: tuple[float, float] = (0.2, 0.5)) -> pd.Series:
    """High / medium / low value tiers from a score: the top ``cuts[0]`` of customers are
    high, the next ones up to ``cuts[1]`` medium, the rest low (ties share a tier)."""
    high, medium = cuts
    if not 0 < high < medium < 1:
        raise ParameterError(f"cuts={cuts!r} must satisfy 0 < high < medium < 1, e.g. (0.2, 0.5)")
    share_above = 1 - score.rank(pct=True, method="max") + 1 / len(score)
    tier = np.where(
        share_above <= high + 1e-12,
        "high",
        np.where(share_above <= medium + 1e-12, "medium", "low"),
    )
    dtype = pd.CategoricalDtype(["high", "medium", "low"], ordered=True)
    return pd.Series(tier, index=score.index, name="value_tier").astype(dtype)
