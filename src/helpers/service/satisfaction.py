"""Survey analytics for service quality and satisfaction.

* :func:`csat` and :func:`nps`: the two headline scores, each with a bootstrap confidence
  interval (``scipy.stats.bootstrap``);
* :func:`derived_importance` and :func:`ipa`: importance-performance analysis with stated or
  derived importance, its four quadrants, and :func:`plot_ipa`;
* :func:`zone_of_tolerance`: the adequate and desired service levels, the perceived level and
  the two service gaps of Parasuraman, Zeithaml & Berry (1994), with
  :func:`plot_zone_of_tolerance`;
* :func:`compare_expectations`: what existing and potential customers expect, attribute by
  attribute, with Welch intervals.

Survey data come in two tables, as :func:`helpers.simulate.surveys.survey_responses` makes
them: per-respondent scores (CSAT, likelihood to recommend), and attribute ratings in long
format, one row per respondent and attribute. Blank answers (NaN) are left out of every
statistic — a blank is not a score — and the functions report how many answers they used.

References
----------
Martilla, J. A. and James, J. C. (1977). Importance-performance analysis. *Journal of
Marketing* 41(1), 77-79.

Parasuraman, A., Zeithaml, V. A. and Berry, L. L. (1994). Alternative scales for measuring
service quality: a comparative assessment based on psychometric and diagnostic criteria.
*Journal of Retailing* 70(3), 201-230.

Reichheld, F. F. (2003). The one number you need to grow. *Harvard Business Review* 81(12),
46-54.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from scipy import stats
from sklearn.linear_model import LinearRegression

from helpers.exceptions import DataValidationError, ParameterError
from helpers.validation import (
    check_choice,
    check_columns,
    check_int,
    check_number,
    numeric_column,
    numeric_values,
    renamed_parameters,
    rows,
)

__all__ = [
    "QUADRANTS",
    "SERVICE_TIERS",
    "compare_expectations",
    "csat",
    "derived_importance",
    "ipa",
    "nps",
    "plot_ipa",
    "plot_zone_of_tolerance",
    "service_tiers",
    "service_triggers",
    "zone_of_tolerance",
]

#: Importance-performance quadrants (Martilla & James 1977), keyed by
#: (importance is high, performance is high).
QUADRANTS = {
    (True, False): "Concentrate here",
    (True, True): "Keep up the good work",
    (False, False): "Low priority",
    (False, True): "Possible overkill",
}
_QUADRANT_COLOURS = {
    "Concentrate here": "#c73e1d",
    "Keep up the good work": "#3a7d44",
    "Low priority": "#7b6d8d",
    "Possible overkill": "#f18f01",
}


# --------------------------------------------------------------------------- validation


def _scores(scores, name: str, low: float, high: float, *, allow_none: bool = False) -> np.ndarray:
    """The answered scores as floats, after checking they are whole numbers on the scale
    (with ``allow_none`` an array of no answers is returned rather than refused)."""
    if isinstance(scores, pd.DataFrame):
        raise DataValidationError(
            f"{name} must be one column of scores (a Series or an array), not a DataFrame; "
            "select the column, e.g. respondents['csat']"
        )
    if isinstance(scores, pd.Series):
        s = scores
    elif isinstance(scores, str | bytes) or np.ndim(scores) != 1:
        raise DataValidationError(
            f"{name} must be one column of scores (a Series, a list or a 1-D array), got "
            f"{type(scores).__name__} with shape {np.shape(scores)}"
        )
    else:  # a list keeps None as a blank answer (NaN), not as text
        s = pd.Series(scores if isinstance(scores, np.ndarray) else list(scores), dtype=None)
        if len(s) == 0:
            s = s.astype(float)
    label = f"column {s.name!r}" if s.name is not None else name
    if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        raise DataValidationError(
            f"{label} is not numeric ({s.dtype}); convert the answers to numbers first "
            "(e.g. map 'very satisfied' to 5)"
        )
    x = s.to_numpy(dtype=float)
    answered = ~np.isnan(x)
    bad = answered & ((x < low) | (x > high))
    if bad.any():
        raise DataValidationError(
            f"{label} has {bad.sum()} score(s) outside the scale {low:g}-{high:g} "
            f"({rows(s.index, bad, s.astype(object))}); fix the coding or set the scale "
            "to the one asked"
        )
    frac = answered & (x != np.round(x))
    if frac.any():
        raise DataValidationError(
            f"{label} has {frac.sum()} score(s) that are not whole numbers "
            f"({rows(s.index, frac, s.astype(object))}); pass the answers themselves, "
            "not averages"
        )
    if not answered.any() and not allow_none:
        raise DataValidationError(f"{label} has no answered score; nothing to summarise")
    return x[answered]


def _check_scale(df: pd.DataFrame, col: str, scale: tuple[float, float]) -> None:
    """Scores on the scale; blanks (NaN) allowed, text and True/False refused."""
    low, high = scale
    x = numeric_column(df, col, "ratings", allow_missing=True)
    bad = ~np.isnan(x) & ((x < low) | (x > high))
    if bad.any():
        raise DataValidationError(
            f"column {col!r} has {bad.sum()} value(s) outside the scale {low:g}-{high:g} "
            f"({rows(df.index, bad, df[col].astype(object))}); fix the coding or pass the "
            "scale that was asked"
        )


def _scale_arg(name: str, scale) -> tuple[float, float]:
    try:
        low, high = (float(v) for v in scale)
    except (TypeError, ValueError):
        raise ParameterError(
            f"parameter {name!r} = {scale!r} must be a pair (lowest, highest), e.g. (1, 9)"
        ) from None
    if not low < high:
        raise ParameterError(
            f"parameter {name!r} = {scale!r}: the lowest must be below the highest"
        )
    return low, high


# --------------------------------------------------------------------------- CSAT and NPS


def _bootstrap(x, statistic, confidence_level, n_resamples, random_state) -> tuple[float, float]:
    level = check_number("confidence_level", confidence_level, 0, 1, low_open=True, high_open=True)
    reps = check_int("n_resamples", n_resamples, 100, 1_000_000)
    if np.ptp(x) == 0:
        # Every answer is the same: each resample gives the same value, the interval is a point.
        value = float(statistic(x, axis=-1))
        return value, value
    res = stats.bootstrap(
        (x,),
        statistic,
        n_resamples=reps,
        confidence_level=level,
        method="BCa",
        vectorized=True,
        rng=np.random.default_rng(random_state),
    )
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def csat(
    scores,
    top_box: int = 4,
    scale: tuple[int, int] = (1, 5),
    confidence_level: float = 0.95,
    n_resamples: int = 9_999,
    random_state=None,
) -> pd.Series:
    """Customer satisfaction score: the share of answers in the top boxes, with a bootstrap CI.

    ``CSAT = (answers >= top_box) / answers``. On the usual 1-5 scale with ``top_box=4`` it is
    the share of "satisfied" and "very satisfied" answers (top-two-box). Blank answers (NaN) are
    left out.

    Parameters
    ----------
    scores : pandas.Series or array-like
        One satisfaction answer per respondent.
    top_box : int
        Lowest score counted as satisfied.
    scale : (int, int)
        Lowest and highest score of the question.
    confidence_level : float
        Of the bias-corrected and accelerated (BCa) bootstrap interval.
    n_resamples : int
        Bootstrap resamples.
    random_state : None, int or numpy.random.Generator
        Seed of the bootstrap.

    Returns
    -------
    pandas.Series
        ``csat`` (a share, 0-1), ``ci_low``, ``ci_high`` and ``n`` (answers used).

    Raises
    ------
    DataValidationError
        Scores that are not numbers, not whole, or outside ``scale`` (naming the rows), or no
        answered score at all.
    ParameterError
        ``top_box`` not on the scale, a bad ``scale``, ``confidence_level`` or ``n_resamples``.

    Examples
    --------
    >>> r = csat([5, 4, 4, 3, 2, 5, 1, 4, float("nan")], random_state=0)
    >>> float(r["csat"]), int(r["n"])
    (0.625, 8)
    >>> bool(r["ci_low"] < 0.625 < r["ci_high"])
    True

    References
    ----------
    Efron, B. (1987). Better bootstrap confidence intervals. *Journal of the American
    Statistical Association* 82(397), 171-185.
    """
    low, high = _scale_arg("scale", scale)
    check_number("top_box", top_box, low, high, low_open=True)
    x = _scores(scores, "scores", low, high)
    satisfied = (x >= top_box).astype(float)
    ci = _bootstrap(satisfied, np.mean, confidence_level, n_resamples, random_state)
    return pd.Series(
        {"csat": satisfied.mean(), "ci_low": ci[0], "ci_high": ci[1], "n": float(len(x))},
        name="CSAT",
    )


def nps(
    scores, confidence_level: float = 0.95, n_resamples: int = 9_999, random_state=None
) -> pd.Series:
    """Net promoter score of 0-10 "how likely are you to recommend us" answers, with a CI.

    Promoters answer 9 or 10, passives 7 or 8, detractors 0 to 6;
    ``NPS = 100 * (share of promoters - share of detractors)``, from -100 to 100. Blank
    answers (NaN) are left out. The interval is a BCa bootstrap of the respondents.

    Parameters
    ----------
    scores : pandas.Series or array-like
        One 0-10 answer per respondent.
    confidence_level, n_resamples, random_state
        As in :func:`csat`.

    Returns
    -------
    pandas.Series
        ``nps`` (points), ``ci_low``, ``ci_high``, the shares ``promoters``, ``passives`` and
        ``detractors`` (0-1), and ``n``.

    Raises
    ------
    DataValidationError
        Scores that are not numbers, not whole, or outside 0-10 (naming the rows), or none
        answered.
    ParameterError
        A bad ``confidence_level`` or ``n_resamples``.

    Examples
    --------
    >>> r = nps([10, 9, 9, 8, 7, 6, 3, 10, 0, 9], random_state=0)
    >>> float(r["nps"]), float(r["promoters"]), float(r["detractors"])
    (20.0, 0.5, 0.3)

    References
    ----------
    Reichheld, F. F. (2003). The one number you need to grow. *Harvard Business Review*
    81(12), 46-54.
    """
    x = _scores(scores, "scores", 0, 10)
    # Each answer scores +100 (promoter), 0 (passive) or -100 (detractor): the NPS is their mean.
    points = np.where(x >= 9, 100.0, np.where(x <= 6, -100.0, 0.0))
    ci = _bootstrap(points, np.mean, confidence_level, n_resamples, random_state)
    promoters, detractors = (x >= 9).mean(), (x <= 6).mean()
    return pd.Series(
        {
            "nps": float(points.mean()),
            "ci_low": ci[0],
            "ci_high": ci[1],
            "promoters": promoters,
            "passives": 1.0 - promoters - detractors,
            "detractors": detractors,
            "n": float(len(x)),
        },
        name="NPS",
    )


# --------------------------------------------------------------------------- importance


def _attribute_order(ratings: pd.DataFrame, attribute_col: str) -> list:
    """The attributes in order of first appearance; a rating without its attribute is refused
    (grouping would silently leave it out)."""
    missing = ratings[attribute_col].isna().to_numpy()
    if missing.any():
        raise DataValidationError(
            f"column {attribute_col!r} of ratings has {int(missing.sum())} missing value(s) "
            f"({rows(ratings.index, missing)}); every rating needs the attribute it rates: fill "
            "them from the survey export or remove those rows"
        )
    return list(pd.unique(ratings[attribute_col]))


def _ratings_and_overall(
    ratings: pd.DataFrame, overall, respondent_col: str, attribute_col: str, score_cols: list
) -> tuple[list, pd.Series]:
    """Shared checks of a long ratings table and the overall scores it is regressed on:
    columns present, ``overall`` a Series, one answer per respondent and attribute, numeric
    scores. Returns the attributes in order and the overall scores as floats."""
    check_columns(ratings, [respondent_col, attribute_col, *score_cols], "ratings")
    if not isinstance(overall, pd.Series):
        raise DataValidationError(
            "overall must be a pandas Series of overall scores indexed by respondent id, e.g. "
            f"respondents['csat']; got {type(overall).__name__}"
        )
    dup = ratings.duplicated([respondent_col, attribute_col], keep=False).to_numpy()
    if dup.any():
        raise DataValidationError(
            f"some respondents rate the same attribute more than once "
            f"({rows(ratings.index, dup)}); keep one answer per respondent and attribute"
        )
    order = _attribute_order(ratings, attribute_col)
    for col in score_cols:
        numeric_column(ratings, col, "ratings", allow_missing=True)
    y = numeric_values(overall, "overall", allow_missing=True).rename("__overall__")
    return order, y


@renamed_parameters(id_col="respondent_col")
def derived_importance(
    ratings: pd.DataFrame,
    overall: pd.Series,
    method: str = "regression",
    attribute_col: str = "attribute",
    score_col: str = "perceived",
    respondent_col: str = "respondent_id",
) -> pd.Series:
    """Importance of each attribute derived from how it moves overall satisfaction.

    Respondents are not asked what matters; it is read off their answers. ``"regression"``:
    the standardised coefficients of an ordinary least-squares regression of the overall score
    on all attribute scores together (each attribute's effect with the others held fixed);
    ``"correlation"``: each attribute's Pearson correlation with the overall score. When
    attribute scores move together (a general good or bad impression, the "halo"), the
    correlations are all alike and rank the attributes poorly; the regression separates them.
    Only respondents who answered every attribute and the overall question are used.

    Parameters
    ----------
    ratings : pandas.DataFrame
        Long format: one row per respondent and attribute.
    overall : pandas.Series
        Overall satisfaction (e.g. CSAT 1-5) indexed by respondent id.
    method : {"regression", "correlation"}
    attribute_col, score_col, respondent_col : str
        Columns of ``ratings``: the attribute, its performance score, the respondent id
        (``respondent_col`` was ``id_col``, which still works).

    Returns
    -------
    pandas.Series
        Derived importance per attribute, in the order the attributes first appear; its
        ``attrs["n"]`` holds the number of respondents used.

    Raises
    ------
    DataValidationError
        Missing columns, a respondent rating one attribute twice, an attribute whose scores
        do not vary, or fewer complete respondents than attributes + 2.
    ParameterError
        An unknown ``method``.

    Examples
    --------
    >>> r = pd.DataFrame({"respondent_id": [1, 1, 2, 2, 3, 3, 4, 4, 5, 5],
    ...                   "attribute": ["speed", "tone"] * 5,
    ...                   "perceived": [2, 5, 4, 4, 6, 5, 8, 3, 9, 6]})
    >>> overall = pd.Series([2, 3, 3, 4, 5], index=[1, 2, 3, 4, 5])
    >>> derived_importance(r, overall, method="correlation").round(3).to_dict()
    {'speed': 0.949, 'tone': 0.154}
    """
    check_choice("method", method, ["regression", "correlation"])
    order, y = _ratings_and_overall(ratings, overall, respondent_col, attribute_col, [score_col])
    wide = ratings.pivot(index=respondent_col, columns=attribute_col, values=score_col)[order]
    data = wide.join(y, how="inner").dropna()
    if len(data) < len(order) + 2:
        raise DataValidationError(
            f"only {len(data)} respondent(s) answered every attribute and the overall question; "
            f"derived importance of {len(order)} attributes needs at least {len(order) + 2} "
            "(check that overall is indexed by the same respondent ids as ratings)"
        )
    sd = data.std()
    flat = [c for c in data.columns if not sd[c] > 0]
    if flat:
        raise DataValidationError(
            f"scores of {flat} do not vary among the complete respondents; an attribute (or "
            "overall score) everyone rates the same carries no information: drop it"
        )
    z = (data - data.mean()) / sd
    if method == "regression":
        fit = LinearRegression().fit(z[order].to_numpy(), z["__overall__"].to_numpy())
        out = pd.Series(fit.coef_, index=order)
    else:
        out = z[order].corrwith(z["__overall__"])
    out.index.name = attribute_col
    out.name = "derived_importance"
    out.attrs["n"] = len(data)
    return out


@renamed_parameters(id_col="respondent_col")
def ipa(
    ratings: pd.DataFrame,
    overall: pd.Series | None = None,
    importance: str = "stated",
    method: str = "regression",
    cut="mean",
    attribute_col: str = "attribute",
    importance_col: str = "importance",
    performance_col: str = "perceived",
    respondent_col: str = "respondent_id",
) -> pd.DataFrame:
    """Importance-performance analysis: each attribute's importance, performance and quadrant.

    Performance is the mean perceived score. Importance is either *stated* (the mean answer
    to "how important is ...") or *derived* (:func:`derived_importance` against ``overall``).
    The grid is cut at the mean of the attributes' importances and performances
    (``cut="mean"``, the data-centred grid), at their medians, or at given values
    ``(importance_cut, performance_cut)`` such as the scale midpoints. An attribute on a cut
    counts as high. The quadrants:

    * high importance, low performance — **Concentrate here**;
    * high importance, high performance — **Keep up the good work**;
    * low importance, low performance — **Low priority**;
    * low importance, high performance — **Possible overkill**.

    Parameters
    ----------
    ratings : pandas.DataFrame
        Long format, one row per respondent and attribute, usually of customers only
        (someone who has not used the service cannot rate its performance).
    overall : pandas.Series, optional
        Overall satisfaction by respondent id; required for derived importance.
    importance : {"stated", "derived"}
    method : {"regression", "correlation"}
        How importance is derived (ignored for stated importance).
    cut : "mean", "median" or (float, float)
    attribute_col, importance_col, performance_col, respondent_col : str
        Columns of ``ratings``.

    Returns
    -------
    pandas.DataFrame
        Indexed by attribute: ``importance``, ``performance``, ``quadrant`` (and
        ``dimension`` when ``ratings`` has that column). ``attrs`` holds the cuts
        (``importance_cut``, ``performance_cut``) and the kind of importance.

    Raises
    ------
    DataValidationError
        Missing columns, or an attribute nobody rated.
    ParameterError
        A bad ``importance``, ``method`` or ``cut``, or derived importance without ``overall``.

    Examples
    --------
    >>> r = pd.DataFrame({"respondent_id": [1, 1, 2, 2],
    ...                   "attribute": ["speed", "tone"] * 2,
    ...                   "importance": [7, 3, 6, 4], "perceived": [3, 8, 5, 6]})
    >>> ipa(r)[["importance", "performance", "quadrant"]]  # doctest: +NORMALIZE_WHITESPACE
               importance  performance          quadrant
    attribute
    speed             6.5          4.0  Concentrate here
    tone              3.5          7.0  Possible overkill
    """
    check_choice("importance", importance, ["stated", "derived"])
    needed = [attribute_col, performance_col]
    if importance == "stated":
        needed.append(importance_col)
    check_columns(ratings, [*needed], "ratings")
    order = _attribute_order(ratings, attribute_col)
    for col in needed[1:]:
        numeric_column(ratings, col, "ratings", allow_missing=True)
    groups = ratings.groupby(attribute_col, sort=False)
    performance = groups[performance_col].mean().reindex(order)
    if importance == "stated":
        imp = groups[importance_col].mean().reindex(order)
        kind = "stated"
    else:
        if overall is None:
            raise ParameterError(
                "parameter 'overall' is required for derived importance: pass the overall "
                "satisfaction scores by respondent id, e.g. respondents['csat']"
            )
        imp = derived_importance(
            ratings, overall, method, attribute_col, performance_col, respondent_col
        )
        kind = f"derived ({method})"
    empty = performance.index[performance.isna() | imp.isna()]
    if len(empty):
        raise DataValidationError(
            f"attribute(s) {list(empty)} have no answered {performance_col!r} or importance; "
            "drop them or check the survey export"
        )
    if isinstance(cut, str):
        check_choice("cut", cut, ["mean", "median"])
        i_cut, p_cut = (
            (imp.mean(), performance.mean())
            if cut == "mean"
            else (
                imp.median(),
                performance.median(),
            )
        )
    else:
        try:
            i_cut, p_cut = (float(v) for v in cut)
        except (TypeError, ValueError):
            raise ParameterError(
                f"parameter 'cut' = {cut!r} must be 'mean', 'median' or a pair "
                "(importance_cut, performance_cut)"
            ) from None
    out = pd.DataFrame({"importance": imp, "performance": performance})
    if "dimension" in ratings.columns:
        out.insert(0, "dimension", groups["dimension"].first().reindex(order))
    out["quadrant"] = [
        QUADRANTS[(bool(i >= i_cut), bool(p >= p_cut))]
        for i, p in zip(out["importance"], out["performance"], strict=True)
    ]
    out.index.name = attribute_col
    out.attrs.update(importance_cut=float(i_cut), performance_cut=float(p_cut), importance=kind)
    return out


def plot_ipa(table: pd.DataFrame, ax: Axes | None = None, **kwargs) -> Axes:
    """Importance-performance grid: performance across, importance up, the four quadrants.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`ipa`.
    ax : matplotlib Axes, optional
    **kwargs
        Passed to ``Axes.scatter`` (e.g. ``s=80``).

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    DataValidationError
        If ``table`` lacks the ``importance``, ``performance`` or ``quadrant`` column.

    Examples
    --------
    >>> r = pd.DataFrame({"attribute": ["speed", "tone", "speed", "tone"],
    ...                   "importance": [7, 3, 6, 4], "perceived": [3, 8, 5, 6]})
    >>> ax = plot_ipa(ipa(r))
    >>> len(ax.collections[0].get_offsets())
    2
    """
    check_columns(table, ["importance", "performance", "quadrant"], "table")
    ax = plt.subplots(figsize=(7, 5.5))[1] if ax is None else ax
    i_cut = table.attrs.get("importance_cut", table["importance"].mean())
    p_cut = table.attrs.get("performance_cut", table["performance"].mean())
    colours = table["quadrant"].map(_QUADRANT_COLOURS)
    ax.scatter(
        table["performance"], table["importance"], c=colours, s=kwargs.pop("s", 70), **kwargs
    )
    xr = np.ptp(table["performance"]) or 1.0
    yr = np.ptp(table["importance"]) or 1.0
    for name, row in table.iterrows():
        ax.annotate(
            str(name),
            (row["performance"], row["importance"]),
            xytext=(6, 4),
            textcoords="offset points",
            fontsize=9,
        )
    ax.axvline(p_cut, color="grey", lw=1, ls="--")
    ax.axhline(i_cut, color="grey", lw=1, ls="--")
    x0, x1 = table["performance"].min() - 0.15 * xr, table["performance"].max() + 0.35 * xr
    y0, y1 = table["importance"].min() - 0.15 * yr, table["importance"].max() + 0.15 * yr
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    corners = {
        "Concentrate here": (x0, y1, "left", "top"),
        "Keep up the good work": (x1, y1, "right", "top"),
        "Low priority": (x0, y0, "left", "bottom"),
        "Possible overkill": (x1, y0, "right", "bottom"),
    }
    for label, (x, y, ha, va) in corners.items():
        ax.text(
            x,
            y,
            f" {label} ",
            ha=ha,
            va=va,
            fontsize=9,
            color=_QUADRANT_COLOURS[label],
            fontweight="bold",
        )
    kind = table.attrs.get("importance", "")
    ax.set(
        xlabel="performance (mean perceived score)",
        ylabel=f"importance: {kind}" if kind else "importance",
        title="Importance-performance analysis",
    )
    return ax


# --------------------------------------------------------------------------- zone of tolerance


def zone_of_tolerance(
    ratings: pd.DataFrame,
    by: str | None = None,
    attribute_col: str = "attribute",
    scale: tuple[int, int] = (1, 9),
) -> pd.DataFrame:
    """Adequate, desired and perceived service levels per attribute, with the service gaps.

    The zone of tolerance (容忍范围) lies between the adequate level (the minimum a customer
    accepts, 必要的服务) and the desired level (what they hope for, 渴望的服务). The gaps of
    Parasuraman, Zeithaml & Berry (1994), averaged over the respondents who answered both
    parts:

    * measure of service adequacy ``MSA = perceived - adequate`` (below 0: under the floor);
    * measure of service superiority ``MSS = perceived - desired`` (above 0: beyond wishes).

    ``position`` says where the mean perception falls: "below the zone" (MSA < 0), "above the
    zone" (MSS > 0), "inside the zone", or "no perception" when nobody in the group rated the
    performance (potential customers).

    Parameters
    ----------
    ratings : pandas.DataFrame
        Long format with ``adequate``, ``desired`` and ``perceived`` columns.
    by : str, optional
        A column to split by (e.g. ``"segment"``); it becomes the first index level.
    attribute_col : str
    scale : (int, int)
        The scale of the three questions.

    Returns
    -------
    pandas.DataFrame
        Indexed by attribute (or by ``by`` and attribute): ``adequate``, ``desired``,
        ``perceived``, ``zone_width`` (desired - adequate), ``msa``, ``mss``, ``position`` and
        ``n`` (answers).

    Raises
    ------
    DataValidationError
        Missing columns, values outside ``scale``, or answers whose desired level is below
        their adequate level (naming the rows).

    Examples
    --------
    >>> r = pd.DataFrame({"attribute": ["speed", "speed", "tone", "tone"],
    ...                   "adequate": [5, 7, 4, 4], "desired": [8, 8, 6, 7],
    ...                   "perceived": [5, 4, 8, 7]})
    >>> cols = ["adequate", "desired", "perceived", "msa", "mss", "position"]
    >>> zone_of_tolerance(r)[cols]  # doctest: +NORMALIZE_WHITESPACE
               adequate  desired  perceived  msa  mss        position
    attribute
    speed           6.0      8.0        4.5 -1.5 -3.5  below the zone
    tone            4.0      6.5        7.5  3.5  1.0  above the zone
    """
    low, high = _scale_arg("scale", scale)
    cols = ["adequate", "desired", "perceived"]
    check_columns(ratings, [attribute_col, *cols, *([by] if by else [])], "ratings")
    for col in cols:
        _check_scale(ratings, col, (low, high))
    _attribute_order(ratings, attribute_col)
    if by:
        no_group = ratings[by].isna().to_numpy()
        if no_group.any():
            raise DataValidationError(
                f"column {by!r} of ratings has {int(no_group.sum())} missing value(s) "
                f"({rows(ratings.index, no_group)}); every rating needs its group: fill them or "
                "remove those rows"
            )
    inverted = (ratings["desired"] < ratings["adequate"]).to_numpy()
    if inverted.any():
        raise DataValidationError(
            f"column 'desired' is below column 'adequate' in {inverted.sum()} answer(s) "
            f"({rows(ratings.index, inverted)}); a minimum above the wish is an inconsistent "
            "answer: remove those rows (or check that the two columns are not swapped)"
        )
    keys = [by, attribute_col] if by else [attribute_col]
    d = ratings[keys + cols].copy()
    d["msa"] = d["perceived"] - d["adequate"]
    d["mss"] = d["perceived"] - d["desired"]
    d["zone_width"] = d["desired"] - d["adequate"]
    out = d.groupby(keys, sort=False).agg(
        adequate=("adequate", "mean"),
        desired=("desired", "mean"),
        perceived=("perceived", "mean"),
        zone_width=("zone_width", "mean"),
        msa=("msa", "mean"),
        mss=("mss", "mean"),
        n=("adequate", "count"),
    )
    out["position"] = np.select(
        [out["perceived"].isna(), out["msa"] < 0, out["mss"] > 0],
        ["no perception", "below the zone", "above the zone"],
        "inside the zone",
    )
    return out[["adequate", "desired", "perceived", "zone_width", "msa", "mss", "position", "n"]]


_POSITION_COLOURS = {
    "below the zone": "#c73e1d",
    "inside the zone": "#2f6690",
    "above the zone": "#3a7d44",
}


def plot_zone_of_tolerance(zone: pd.DataFrame, ax: Axes | None = None, **kwargs) -> Axes:
    """One bar per attribute from the adequate to the desired level, with the perceived level.

    Parameters
    ----------
    zone : pandas.DataFrame
        Output of :func:`zone_of_tolerance` for one group (select it first, e.g.
        ``zone.loc["existing"]``).
    ax : matplotlib Axes, optional
    **kwargs
        Passed to ``Axes.barh`` for the zones (e.g. ``color``, ``alpha``).

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    DataValidationError
        If ``zone`` lacks one of the columns of :func:`zone_of_tolerance`.
    ParameterError
        If ``zone`` still holds several groups.

    Examples
    --------
    >>> r = pd.DataFrame({"attribute": ["speed", "tone"], "adequate": [5, 4],
    ...                   "desired": [8, 6], "perceived": [4, 7]})
    >>> ax = plot_zone_of_tolerance(zone_of_tolerance(r))
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['tone', 'speed']
    """
    check_columns(zone, ["adequate", "desired", "perceived", "position"], "zone")
    if isinstance(zone.index, pd.MultiIndex):
        groups = list(zone.index.get_level_values(0).unique())
        raise ParameterError(
            f"zone holds several groups {groups}; plot one at a time, e.g. zone.loc[{groups[0]!r}]"
        )
    ax = plt.subplots(figsize=(8, 0.5 * len(zone) + 1.5))[1] if ax is None else ax
    z = zone.iloc[::-1]  # first attribute on top
    y = np.arange(len(z))
    ax.barh(
        y,
        z["desired"] - z["adequate"],
        left=z["adequate"],
        height=kwargs.pop("height", 0.5),
        color=kwargs.pop("color", "#b8d0e0"),
        label="zone of tolerance (adequate to desired)",
        **kwargs,
    )
    seen = z[z["perceived"].notna()]
    for position, colour in _POSITION_COLOURS.items():
        part = seen[seen["position"] == position]
        if len(part):
            ax.scatter(
                part["perceived"],
                y[np.flatnonzero((z["position"] == position) & z["perceived"].notna())],
                color=colour,
                s=60,
                zorder=3,
                label=f"perceived: {position}",
            )
    ax.set_yticks(y, [str(i) for i in z.index])
    levels = z[["adequate", "desired", "perceived"]]
    ax.set_xlim(levels.min().min() - 0.3, levels.max().max() + 0.3)
    ax.set(xlabel="service level (mean score)", title="Zone of tolerance and perceived service")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=9, frameon=False)
    return ax


# --------------------------------------------------------------------------- expectations


def compare_expectations(
    ratings: pd.DataFrame,
    group_col: str = "segment",
    groups: tuple[str, str] = ("existing", "potential"),
    measures: tuple[str, ...] = ("adequate", "desired"),
    attribute_col: str = "attribute",
    confidence_level: float = 0.95,
) -> pd.DataFrame:
    """Compare two groups' expected service levels, attribute by attribute.

    For each measure and attribute: the two group means, their difference (first group minus
    second), a Welch confidence interval and t-test p-value (``scipy.stats.ttest_ind`` with
    unequal variances), and the Benjamini-Hochberg adjusted p-value over all the comparisons
    (``scipy.stats.false_discovery_control``): with 16 comparisons, some small raw p-values
    are expected by chance alone.

    Parameters
    ----------
    ratings : pandas.DataFrame
        Long format with ``group_col``, ``attribute_col`` and the ``measures`` columns.
    group_col : str
    groups : (str, str)
        The two groups to compare.
    measures : tuple of str
        Score columns to compare.
    attribute_col : str
    confidence_level : float

    Returns
    -------
    pandas.DataFrame
        Indexed by (measure, attribute): ``mean_<first>``, ``mean_<second>``, ``difference``,
        ``ci_low``, ``ci_high``, ``p_value``, ``p_adjusted``.

    Raises
    ------
    DataValidationError
        Missing columns, or a group with fewer than two answers for some attribute.
    ParameterError
        A group not present in ``group_col``, or a bad ``confidence_level``.

    Examples
    --------
    >>> r = pd.DataFrame({"segment": ["a"] * 4 + ["b"] * 4, "attribute": ["speed"] * 8,
    ...                   "desired": [8, 7, 8, 9, 6, 7, 6, 5]})
    >>> out = compare_expectations(r, groups=("a", "b"), measures=("desired",))
    >>> out[["mean_a", "mean_b", "difference"]]  # doctest: +NORMALIZE_WHITESPACE
                       mean_a  mean_b  difference
    measure attribute
    desired speed         8.0     6.0         2.0
    """
    level = check_number("confidence_level", confidence_level, 0, 1, low_open=True, high_open=True)
    if isinstance(measures, str):
        raise ParameterError(
            f"parameter 'measures' = {measures!r} must be a sequence of column names, e.g. "
            f"({measures!r},)"
        )
    check_columns(ratings, [group_col, attribute_col, *measures], "ratings")
    try:
        g1, g2 = groups
    except (TypeError, ValueError):
        raise ParameterError(
            f"parameter 'groups' = {groups!r} must name exactly two groups"
        ) from None
    if g1 == g2:
        raise ParameterError(
            f"parameter 'groups' = {groups!r} names the same group twice; name two different "
            f"groups of column {group_col!r}"
        )
    _attribute_order(ratings, attribute_col)
    for measure in measures:
        numeric_column(ratings, measure, "ratings", allow_missing=True)
    present = set(ratings[group_col].dropna().unique())
    for g in (g1, g2):
        if g not in present:
            raise ParameterError(
                f"parameter 'groups' names {g!r}, which is not in column {group_col!r} "
                f"(it holds {sorted(map(str, present))})"
            )
    rows = []
    for measure in measures:
        for attr, d in ratings.groupby(attribute_col, sort=False):
            a = d.loc[d[group_col] == g1, measure].dropna().to_numpy(float)
            b = d.loc[d[group_col] == g2, measure].dropna().to_numpy(float)
            if min(len(a), len(b)) < 2:
                raise DataValidationError(
                    f"attribute {attr!r} has fewer than two {measure!r} answers in group "
                    f"{g1 if len(a) < 2 else g2!r}; a comparison needs at least two per group"
                )
            test = stats.ttest_ind(a, b, equal_var=False)
            ci = test.confidence_interval(level)
            rows.append(
                {
                    "measure": measure,
                    attribute_col: attr,
                    f"mean_{g1}": a.mean(),
                    f"mean_{g2}": b.mean(),
                    "difference": a.mean() - b.mean(),
                    "ci_low": ci.low,
                    "ci_high": ci.high,
                    "p_value": test.pvalue,
                }
            )
    out = pd.DataFrame(rows).set_index(["measure", attribute_col])
    p = out["p_value"].fillna(1.0).to_numpy()
    out["p_adjusted"] = stats.false_discovery_control(p, method="bh")
    return out


#: Service tiers of the importance × expectation grid (curriculum §6), by quadrant.
SERVICE_TIERS = {
    (True, True): "1 guarantee: a strict standard at the desired level",
    (True, False): "2 secure: never below the adequate level",
    (False, True): "3 meet cheaply: reach the expectation at the lowest cost",
    (False, False): "4 basic: the adequate level is enough",
}


def service_tiers(
    ratings: pd.DataFrame,
    importance: pd.Series | None = None,
    attribute_col: str = "attribute",
    importance_col: str = "importance",
    expectation_col: str = "desired",
) -> pd.DataFrame:
    """The importance × expectation grid: a service tier and priority for each attribute.

    Each attribute's mean stated importance and mean expectation (by default the desired
    level) are compared with the medians over the attributes. Important attributes with high
    expectations need a strict standard; important ones with lower expectations must never
    fall below the adequate level; unimportant ones are served at the lowest cost that meets
    expectations (:data:`SERVICE_TIERS`). The zone width (desired - adequate) is shown too: a
    narrow zone means little tolerance for variation.

    Parameters
    ----------
    ratings : pandas.DataFrame
        Long format with the attribute, its stated importance, and the adequate and desired
        levels (e.g. ``helpers.simulate.survey_responses(...)[0]["ratings"]``).
    importance : pandas.Series, optional
        Importance per attribute to use instead of the mean stated importance, e.g. the
        derived importance of :func:`derived_importance`.
    attribute_col, importance_col, expectation_col : str

    Returns
    -------
    pandas.DataFrame
        Indexed by attribute: ``importance``, ``expectation``, ``zone_width``, ``tier``;
        sorted by tier, then by importance (highest first).

    Raises
    ------
    DataValidationError
        Missing columns or a missing attribute name.

    Examples
    --------
    >>> r = pd.DataFrame({"attribute": ["speed", "tone", "decor", "menu"],
    ...                   "importance": [7, 6, 2, 3], "adequate": [5, 3, 2, 4],
    ...                   "desired": [9, 6, 8, 5]})
    >>> service_tiers(r)["tier"].str[:1].to_dict()
    {'speed': '1', 'tone': '2', 'decor': '3', 'menu': '4'}
    """
    check_columns(ratings, [attribute_col, importance_col, expectation_col, "adequate"], "ratings")
    order = _attribute_order(ratings, attribute_col)
    for col in (importance_col, expectation_col, "adequate"):
        numeric_column(ratings, col, "ratings", allow_missing=True)
    means = ratings.groupby(attribute_col, sort=False)[
        [importance_col, expectation_col, "adequate"]
    ].mean()
    means = means.loc[order]
    if importance is not None:
        if not isinstance(importance, pd.Series) or set(importance.index) != set(order):
            raise DataValidationError(
                "importance must be a pandas Series indexed by the attributes of ratings "
                f"({order}); pass e.g. derived_importance(ratings, overall)"
            )
        numeric_values(importance, "importance")
    out = pd.DataFrame(
        {
            "importance": means[importance_col] if importance is None else importance[order],
            "expectation": means[expectation_col],
            "zone_width": means[expectation_col] - means["adequate"],
        }
    )
    high_imp = out["importance"] > out["importance"].median()
    high_exp = out["expectation"] > out["expectation"].median()
    out["tier"] = [
        SERVICE_TIERS[(bool(i), bool(e))] for i, e in zip(high_imp, high_exp, strict=True)
    ]
    out.index.name = attribute_col
    return out.sort_values(["tier", "importance"], ascending=[True, False])


@renamed_parameters(id_col="respondent_col")
def service_triggers(
    ratings: pd.DataFrame,
    overall: pd.Series,
    attribute_col: str = "attribute",
    respondent_col: str = "respondent_id",
) -> pd.DataFrame:
    """Negative and positive triggers of satisfaction: penalty-reward contrast analysis.

    A **negative trigger** is service below the adequate level (perceived < adequate); a
    **positive trigger** is service above the desired level (perceived > desired). For each
    attribute two indicator variables mark them, and the overall score is regressed on all of
    them together (ordinary least squares), so each effect is measured with the other
    attributes' triggers held fixed. ``penalty`` is the drop in the overall score when the
    attribute falls below the floor; ``reward`` the gain when it exceeds the wish. Where the
    penalty is much larger than the reward, the attribute is a "must be" factor: failing costs
    more than excelling earns.

    Parameters
    ----------
    ratings : pandas.DataFrame
        Long format with ``adequate``, ``desired`` and ``perceived`` per respondent and
        attribute.
    overall : pandas.Series
        Overall satisfaction indexed by respondent id (e.g. ``respondents["csat"]``).
    attribute_col, respondent_col : str

    Returns
    -------
    pandas.DataFrame
        Indexed by attribute: ``share_negative`` and ``share_positive`` (shares of the
        respondents used), ``penalty`` and ``reward`` (in points of the overall score, with
        their standard errors ``penalty_se`` and ``reward_se``; NaN where no respondent had
        that trigger). ``attrs["n"]`` holds the number of respondents used (those who
        answered every part).

    Raises
    ------
    DataValidationError
        Missing columns, a respondent rating an attribute twice, or fewer complete
        respondents than the regression has coefficients + 2.

    References
    ----------
    Brandt, D. R. (1987). A procedure for identifying value-enhancing service components using
    customer satisfaction survey data. In *Add Value to Your Service*, American Marketing
    Association, 61-65.
    Mittal, V., Ross, W. T. and Baldasare, P. M. (1998). The asymmetric impact of negative and
    positive attribute-level performance on overall satisfaction and repurchase intentions.
    *Journal of Marketing* 62(1), 33-47.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> n = 400
    >>> below = rng.random(n) < 0.3
    >>> above = ~below & (rng.random(n) < 0.3)
    >>> r = pd.DataFrame({"respondent_id": range(n), "attribute": "speed", "adequate": 5,
    ...                   "desired": 7, "perceived": np.where(below, 4, np.where(above, 8, 6))})
    >>> overall = pd.Series(3 - 1.5 * below + 0.5 * above, index=range(n))
    >>> service_triggers(r, overall)[["penalty", "reward"]].round(2).to_dict("records")
    [{'penalty': -1.5, 'reward': 0.5}]
    """
    cols = ["adequate", "desired", "perceived"]
    order, y = _ratings_and_overall(ratings, overall, respondent_col, attribute_col, cols)
    d = ratings[[respondent_col, attribute_col, *cols]].dropna()
    below = (d["perceived"] < d["adequate"]).astype(float)
    above = (d["perceived"] > d["desired"]).astype(float)
    flags = pd.concat(
        {
            "negative": pd.DataFrame({"k": d[respondent_col], "a": d[attribute_col], "v": below}),
            "positive": pd.DataFrame({"k": d[respondent_col], "a": d[attribute_col], "v": above}),
        }
    ).reset_index(level=0)
    wide = flags.pivot_table(index="k", columns=["level_0", "a"], values="v", aggfunc="first")
    wide = wide.dropna()  # respondents who answered every attribute
    wide.columns = list(wide.columns)  # (kind, attribute) pairs as flat labels
    data = wide.assign(__y__=y.reindex(wide.index).to_numpy()).dropna()
    names = [c for c in wide.columns if data[c].nunique() > 1]
    if len(data) < len(names) + 3:
        raise DataValidationError(
            f"only {len(data)} respondent(s) answered every part and the overall question; the "
            f"trigger regression has {len(names) + 1} coefficients and needs at least "
            f"{len(names) + 3} respondents (check that overall is indexed by the same "
            "respondent ids as ratings)"
        )
    x = np.column_stack([np.ones(len(data)), data[names].to_numpy(dtype=float)])
    yy = data["__y__"].to_numpy(dtype=float)
    beta, *_ = np.linalg.lstsq(x, yy, rcond=None)
    resid = yy - x @ beta
    dof = len(yy) - x.shape[1]
    cov = (resid @ resid / dof) * np.linalg.pinv(x.T @ x)
    se = np.sqrt(np.diag(cov))
    coef = dict(zip(names, beta[1:], strict=True))
    err = dict(zip(names, se[1:], strict=True))
    out = pd.DataFrame(index=pd.Index(order, name=attribute_col))
    for kind, label in (("negative", "penalty"), ("positive", "reward")):
        out[f"share_{kind}"] = [data[(kind, a)].mean() for a in order]
        out[label] = [coef.get((kind, a), np.nan) for a in order]
        out[f"{label}_se"] = [err.get((kind, a), np.nan) for a in order]
    out.attrs["n"] = len(data)
    return out[["share_negative", "share_positive", "penalty", "penalty_se", "reward", "reward_se"]]
