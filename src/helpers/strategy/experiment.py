"""Evaluating a CRM campaign with a randomised test: effects, intervals, ROI, power, sample size.

A retention offer is judged by comparing customers who were randomly given it (treatment) with
customers who were randomly held back (control). This module estimates the effect on a 0/1
outcome such as retention (difference in proportions), on a numeric outcome such as revenue per
customer (Welch's difference in means), the campaign's incremental profit and return on
investment, and plans the next test: the sample size per arm needed to detect a given lift, and
the power a given sample size achieves.

The tests and bootstrap intervals are scipy's (:func:`scipy.stats.ttest_ind`,
:func:`scipy.stats.bootstrap`). The difference-in-proportions interval and the sample-size
formula are written here with :mod:`scipy.stats.norm`: they are a few lines of textbook
algebra, and the course's environment has no statsmodels.

References
----------
Fleiss, J. L., Levin, B. and Paik, M. C. (2003). *Statistical Methods for Rates and
Proportions*, 3rd ed., chapter 4 (sample size for comparing two proportions). Wiley.

Kohavi, R., Tang, D. and Xu, Y. (2020). *Trustworthy Online Controlled Experiments*.
Cambridge University Press.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter
from scipy import stats
from scipy.optimize import brentq

from helpers.exceptions import DataValidationError, ParameterError
from helpers.validation import (
    CONFIDENCE_FROM_ALPHA,
    binary_column,
    check_choice,
    check_columns,
    check_int,
    check_number,
    numeric_column,
    renamed_attribute,
    renamed_parameters,
    rows,
)

__all__ = [
    "CampaignROI",
    "EffectEstimate",
    "campaign_roi",
    "compare_means",
    "compare_proportions",
    "minimum_detectable_lift",
    "plot_campaign_effect",
    "power_proportions",
    "sample_size_proportions",
]


@dataclass(frozen=True)
class EffectEstimate:
    """Difference treated − control of an outcome, with a confidence interval.

    ``kind`` is ``"proportion"`` (0/1 outcome) or ``"mean"``; ``p_value`` is the two-sided
    p-value of the test of no difference (pooled z-test for proportions, Welch's t-test for
    means), whatever ``method`` produced the interval.
    """

    outcome: str
    kind: str
    method: str
    control_mean: float
    treated_mean: float
    estimate: float
    ci_low: float
    ci_high: float
    p_value: float
    n_control: int
    n_treated: int
    confidence_level: float

    confidence = renamed_attribute("confidence_level")  # the old name, warns

    def covers(self, value: float) -> bool:
        """True when ``value`` lies inside the confidence interval."""
        return bool(self.ci_low <= value <= self.ci_high)

    def as_series(self) -> pd.Series:
        """The fields as a Series, e.g. to build a comparison table."""
        return pd.Series(asdict(self), name=f"{self.outcome} ({self.method})")


def _alpha(confidence_level) -> float:
    """The significance level 1 - confidence_level (rounded, so 0.95 gives exactly 0.05)."""
    cl = check_number("confidence_level", confidence_level, 0, 1, low_open=True, high_open=True)
    return round(1.0 - cl, 12)


def _plain(values: pd.Series) -> pd.Series:
    """Python scalars, so that messages show 2 rather than np.int64(2)."""
    return pd.Series(values.tolist(), dtype=object)


def _arms(
    data: pd.DataFrame, outcome_col: str, treatment_col: str, binary: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Validate a two-arm table and return the outcomes of the treated and control arms."""
    check_columns(data, {"treatment_col": treatment_col, "outcome_col": outcome_col})
    arm = data[treatment_col]
    bad = ~arm.isin([0, 1]).to_numpy()
    if bad.any():
        shown = rows(data.index, bad, _plain(arm))
        raise DataValidationError(
            f"column {treatment_col!r} has {bad.sum()} value(s) other than 0 and 1 ({shown}); "
            "code customers who got the offer as 1 and the control group as 0"
        )
    y = data[outcome_col]
    missing = y.isna().to_numpy()
    if missing.any():
        shown = rows(data.index, missing, _plain(y))
        raise DataValidationError(
            f"column {outcome_col!r} has {missing.sum()} missing value(s) "
            f"({shown}); every customer in the test needs an outcome — customers without one "
            "bias the comparison, so find them rather than drop them"
        )
    if binary:
        # 0/1 or True/False only: "yes"/"no" or 1/2 codings are refused with the recoding.
        y = pd.Series(
            binary_column(data, outcome_col, "data", meaning="1 = e.g. retained, 0 = not"),
            index=data.index,
        )
    else:
        # Text (even "12.5"), True/False and infinite values are refused.
        y = pd.Series(numeric_column(data, outcome_col, "data"), index=data.index)
    treated = arm.to_numpy() == 1
    for name, mask in (("treated", treated), ("control", ~treated)):
        if mask.sum() < 2:
            raise DataValidationError(
                f"the {name} arm ({treatment_col} == {int(name == 'treated')}) has "
                f"{mask.sum()} customer(s); a comparison needs at least 2 in each arm — check "
                "the assignment column"
            )
    values = y.to_numpy(dtype=float)
    return values[treated], values[~treated]


def _diff(t, c, axis=-1):
    return np.mean(t, axis=axis) - np.mean(c, axis=axis)


def _bootstrap(t, c, confidence, n_resamples, random_state) -> tuple[float, float]:
    n_boot = check_int("n_resamples", n_resamples, 100, 1_000_000)
    res = stats.bootstrap(
        (t, c),
        _diff,
        vectorized=True,
        n_resamples=n_boot,
        confidence_level=confidence,
        method="percentile",
        batch=250,  # bounds memory: 250 resamples of each arm at a time
        random_state=np.random.default_rng(random_state),
    )
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


@renamed_parameters(alpha=CONFIDENCE_FROM_ALPHA, n_boot="n_resamples")
def compare_proportions(
    data: pd.DataFrame,
    outcome_col: str = "retained",
    treatment_col: str = "treated",
    confidence_level: float = 0.95,
    method: str = "normal",
    n_resamples: int = 2000,
    random_state=None,
) -> EffectEstimate:
    """Effect of the treatment on a 0/1 outcome: difference in proportions with an interval.

    With ``p1``, ``p0`` the shares in the treated and control arms of sizes ``n1``, ``n0``:

    * ``method="normal"``: Wald interval ``p1 - p0 ± z * sqrt(p1 q1 / n1 + p0 q0 / n0)``;
    * ``method="bootstrap"``: percentile interval from ``n_resamples`` resamples of each arm
      (:func:`scipy.stats.bootstrap`).

    The p-value is the pooled two-proportion z-test's,
    ``z = (p1 - p0) / sqrt(p (1 - p) (1 / n1 + 1 / n0))`` with ``p`` the overall share.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per customer in the test.
    outcome_col : str
        0/1 outcome (1 = retained).
    treatment_col : str
        1 = got the offer, 0 = control.
    confidence_level : float
        Confidence level of the interval, in (0, 1) (it replaces ``alpha``: ``alpha=0.05``
        still works, as 0.95).
    method : {"normal", "bootstrap"}
    n_resamples : int
        Bootstrap resamples (old name ``n_boot``, which still works).
    random_state : None, int or numpy.random.Generator
        For the bootstrap.

    Returns
    -------
    EffectEstimate

    Raises
    ------
    DataValidationError
        For a missing column, an assignment other than 0/1, an outcome other than 0/1 or
        True/False (text such as "yes"/"no" is refused with the recoding) or missing, or an
        arm with fewer than two customers.
    ParameterError
        For ``confidence_level`` outside (0, 1) or an unknown ``method``.

    Examples
    --------
    >>> df = pd.DataFrame({"treated": [1] * 100 + [0] * 100,
    ...                    "retained": [1] * 90 + [0] * 10 + [1] * 80 + [0] * 20})
    >>> e = compare_proportions(df)
    >>> round(e.estimate, 3), round(e.ci_low, 3), round(e.ci_high, 3), round(e.p_value, 4)
    (0.1, 0.002, 0.198, 0.0477)
    """
    a = _alpha(confidence_level)
    check_choice("method", method, ["normal", "bootstrap"])
    t, c = _arms(data, outcome_col, treatment_col, binary=True)
    n1, n0 = len(t), len(c)
    p1, p0 = t.mean(), c.mean()
    diff = p1 - p0
    pooled = (t.sum() + c.sum()) / (n1 + n0)
    se0 = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    p_value = float(2 * stats.norm.sf(abs(diff) / se0)) if se0 > 0 else 1.0
    if method == "normal":
        z = stats.norm.ppf(1 - a / 2)
        se = np.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
        low, high = diff - z * se, diff + z * se
    else:
        low, high = _bootstrap(t, c, 1 - a, n_resamples, random_state)
    return EffectEstimate(
        outcome=outcome_col,
        kind="proportion",
        method=method,
        control_mean=float(p0),
        treated_mean=float(p1),
        estimate=float(diff),
        ci_low=float(low),
        ci_high=float(high),
        p_value=p_value,
        n_control=n0,
        n_treated=n1,
        confidence_level=1 - a,
    )


@renamed_parameters(alpha=CONFIDENCE_FROM_ALPHA, n_boot="n_resamples")
def compare_means(
    data: pd.DataFrame,
    outcome_col: str = "revenue",
    treatment_col: str = "treated",
    confidence_level: float = 0.95,
    method: str = "welch",
    n_resamples: int = 2000,
    random_state=None,
) -> EffectEstimate:
    """Effect of the treatment on a numeric outcome: difference in means with an interval.

    ``method="welch"`` uses Welch's t interval and test, which do not assume equal variances in
    the two arms (:func:`scipy.stats.ttest_ind` with ``equal_var=False``);
    ``method="bootstrap"`` gives a percentile interval from ``n_resamples`` resamples of each arm —
    useful for skewed outcomes such as revenue. The p-value is Welch's in both cases.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per customer in the test.
    outcome_col : str
        Numeric outcome (e.g. revenue over the evaluation window).
    treatment_col : str
        1 = got the offer, 0 = control.
    confidence_level : float
        Confidence level of the interval, in (0, 1) (it replaces ``alpha``: ``alpha=0.05``
        still works, as 0.95).
    method : {"welch", "bootstrap"}
    n_resamples : int
        Bootstrap resamples (old name ``n_boot``, which still works).
    random_state : None, int or numpy.random.Generator
        For the bootstrap.

    Returns
    -------
    EffectEstimate

    Raises
    ------
    DataValidationError
        For a missing column, an assignment other than 0/1, a missing, infinite or
        non-numeric outcome (text and True/False included), an arm with fewer than two
        customers, or an outcome that varies in neither arm.
    ParameterError
        For ``confidence_level`` outside (0, 1) or an unknown ``method``.

    Examples
    --------
    >>> df = pd.DataFrame({"treated": [1, 1, 1, 0, 0, 0], "revenue": [12, 14, 16, 9, 10, 11]})
    >>> e = compare_means(df)
    >>> round(e.estimate, 2), round(e.ci_low, 2), round(e.ci_high, 2)
    (4.0, -0.16, 8.16)

    References
    ----------
    Welch, B. L. (1947). The generalization of "Student's" problem when several different
    population variances are involved. *Biometrika* 34(1-2), 28-35.
    """
    a = _alpha(confidence_level)
    check_choice("method", method, ["welch", "bootstrap"])
    t, c = _arms(data, outcome_col, treatment_col, binary=False)
    if np.ptp(t) == 0 and np.ptp(c) == 0:
        # Welch's standard error is 0: the t statistic is 0/0 (or infinite).
        raise DataValidationError(
            f"column {outcome_col!r} does not vary within either arm (every treated customer "
            f"has {t[0]:g}, every control customer {c[0]:g}); Welch's interval and test need "
            "variation: check that the column holds each customer's own outcome"
        )
    test = stats.ttest_ind(t, c, equal_var=False)
    if method == "welch":
        ci = test.confidence_interval(confidence_level=1 - a)
        low, high = float(ci.low), float(ci.high)
    else:
        low, high = _bootstrap(t, c, 1 - a, n_resamples, random_state)
    return EffectEstimate(
        outcome=outcome_col,
        kind="mean",
        method=method,
        control_mean=float(c.mean()),
        treated_mean=float(t.mean()),
        estimate=float(_diff(t, c)),
        ci_low=low,
        ci_high=high,
        p_value=float(test.pvalue),
        n_control=len(c),
        n_treated=len(t),
        confidence_level=1 - a,
    )


@dataclass(frozen=True)
class CampaignROI:
    """Incremental profit and return on investment of a campaign, with bootstrap intervals.

    Totals are over the ``n_treated`` customers who got the offer:
    ``incremental_margin = margin_rate * revenue_lift * n_treated``,
    ``campaign_cost = offer_cost * n_treated``,
    ``incremental_profit = incremental_margin - campaign_cost`` and
    ``roi = incremental_profit / campaign_cost``.
    """

    n_treated: int
    revenue_lift: float
    incremental_margin: float
    campaign_cost: float
    incremental_profit: float
    roi: float
    profit_ci: tuple[float, float]
    roi_ci: tuple[float, float]
    confidence_level: float

    confidence = renamed_attribute("confidence_level")  # the old name, warns

    def as_series(self) -> pd.Series:
        """The fields as a Series (intervals as their two ends)."""
        d = asdict(self)
        for key in ("profit_ci", "roi_ci"):
            low, high = d.pop(key)
            d[f"{key}_low"], d[f"{key}_high"] = low, high
        return pd.Series(d, name="campaign")


@renamed_parameters(alpha=CONFIDENCE_FROM_ALPHA, n_boot="n_resamples")
def campaign_roi(
    data: pd.DataFrame,
    margin_rate: float,
    offer_cost: float,
    revenue_col: str = "revenue",
    treatment_col: str = "treated",
    confidence_level: float = 0.95,
    n_resamples: int = 2000,
    random_state=None,
) -> CampaignROI:
    """Incremental profit and ROI of a randomised campaign, with percentile-bootstrap intervals.

    The revenue the offer added per treated customer is estimated by the difference in mean
    revenue between the arms (randomisation makes the control arm stand for what the treated
    customers would have spent without the offer). Then, over the treated customers,
    ``ROI = (incremental margin − campaign cost) / campaign cost``.

    The intervals resample customers within each arm (:func:`scipy.stats.bootstrap`). Profit
    and ROI are increasing linear functions of the difference in means, and percentile
    intervals respect such transformations, so one bootstrap of the difference gives all three.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per customer in the test.
    margin_rate : float
        Share of revenue that is margin, in (0, 1].
    offer_cost : float
        Cost of one offer, > 0.
    revenue_col, treatment_col : str
        Revenue over the evaluation window; 1 = got the offer, 0 = control.
    confidence_level : float
        Confidence level of the interval, in (0, 1) (it replaces ``alpha``: ``alpha=0.05``
        still works, as 0.95).
    n_resamples : int
        Bootstrap resamples (old name ``n_boot``, which still works).
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    CampaignROI

    Raises
    ------
    DataValidationError
        As :func:`compare_means`.
    ParameterError
        For ``margin_rate`` outside (0, 1], ``offer_cost`` <= 0 or ``confidence_level``
        outside (0, 1).

    Examples
    --------
    >>> df = pd.DataFrame({"treated": [1, 1, 0, 0], "revenue": [130.0, 150.0, 100.0, 120.0]})
    >>> r = campaign_roi(df, margin_rate=0.5, offer_cost=5.0, random_state=0)
    >>> r.revenue_lift, r.incremental_margin, r.campaign_cost, r.incremental_profit, r.roi
    (30.0, 30.0, 10.0, 20.0, 2.0)
    """
    m = check_number("margin_rate", margin_rate, 0, 1, low_open=True)
    cost = check_number("offer_cost", offer_cost, 0, low_open=True)
    a = _alpha(confidence_level)
    t, c = _arms(data, revenue_col, treatment_col, binary=False)
    n1 = len(t)
    lift = float(_diff(t, c))
    low, high = _bootstrap(t, c, 1 - a, n_resamples, random_state)

    def profit(d: float) -> float:
        return n1 * (m * d - cost)

    return CampaignROI(
        n_treated=n1,
        revenue_lift=lift,
        incremental_margin=n1 * m * lift,
        campaign_cost=n1 * cost,
        incremental_profit=profit(lift),
        roi=profit(lift) / (n1 * cost),
        profit_ci=(profit(low), profit(high)),
        roi_ci=(profit(low) / (n1 * cost), profit(high) / (n1 * cost)),
        confidence_level=1 - a,
    )


def _design(p_control, lift, confidence_level) -> tuple[float, float, float]:
    p0 = check_number("p_control", p_control, 0, 1, low_open=True, high_open=True)
    d = check_number("lift", lift, 0, low_open=True)
    if p0 + d >= 1:
        raise ParameterError(
            f"p_control + lift = {p0 + d:g} is not below 1: the treated arm's rate must be a "
            "probability; choose a smaller lift"
        )
    return p0, p0 + d, _alpha(confidence_level)


def _power(n: float, p0: float, p1: float, a: float) -> float:
    pbar = (p0 + p1) / 2
    null_sd = np.sqrt(2 * pbar * (1 - pbar))
    alt_sd = np.sqrt(p0 * (1 - p0) + p1 * (1 - p1))
    z = stats.norm.ppf(1 - a / 2)
    return float(stats.norm.cdf((np.sqrt(n) * (p1 - p0) - z * null_sd) / alt_sd))


@renamed_parameters(alpha=CONFIDENCE_FROM_ALPHA)
def sample_size_proportions(
    p_control: float,
    lift: float,
    confidence_level: float = 0.95,
    power: float = 0.8,
    continuity_correction: bool = False,
) -> int:
    """Customers per arm needed to detect an absolute ``lift`` in a proportion.

    Two-sided test of two proportions at significance level ``alpha = 1 - confidence_level``,
    equal arms, normal approximation
    (Fleiss, Levin and Paik 2003, eq. 4.14), with ``p0 = p_control``, ``p1 = p0 + lift``,
    ``pbar = (p0 + p1) / 2``::

        n = (z_(1-alpha/2) sqrt(2 pbar (1 - pbar)) + z_power sqrt(p0 q0 + p1 q1))^2 / lift^2

    rounded up. With ``continuity_correction`` the Fleiss-Tytun-Ury correction
    ``n' = n / 4 (1 + sqrt(1 + 4 / (n lift)))^2`` is applied (for a test with Yates'
    correction). Written by hand with :mod:`scipy.stats.norm` because no installed library
    has it; the formula is the one R's ``power.prop.test`` solves.

    Parameters
    ----------
    p_control : float
        Rate in the control arm (e.g. retention without the offer), in (0, 1).
    lift : float
        Absolute lift to detect, > 0 and ``p_control + lift < 1``.
    confidence_level : float
        One minus the test's significance level ``alpha``, in (0, 1); ``alpha=0.05`` (the old
        parameter) still works, as 0.95.
    power : float
        Wanted probability of a significant result when the lift is real, in (0, 1).
    continuity_correction : bool

    Returns
    -------
    int
        Customers per arm.

    Raises
    ------
    ParameterError
        For ``lift <= 0``, ``p_control + lift >= 1``, or ``p_control``,
        ``confidence_level`` or ``power`` outside (0, 1).

    Examples
    --------
    >>> sample_size_proportions(0.50, 0.25, confidence_level=0.95, power=0.90)
    77
    >>> sample_size_proportions(0.80, 0.04)
    1447

    References
    ----------
    Fleiss, J. L., Tytun, A. and Ury, H. K. (1980). A simple approximation for calculating
    sample sizes for comparing independent proportions. *Biometrics* 36(2), 343-346.
    """
    p0, p1, a = _design(p_control, lift, confidence_level)
    pw = check_number("power", power, 0, 1, low_open=True, high_open=True)
    pbar = (p0 + p1) / 2
    za, zb = stats.norm.ppf(1 - a / 2), stats.norm.ppf(pw)
    root = za * np.sqrt(2 * pbar * (1 - pbar)) + zb * np.sqrt(p0 * (1 - p0) + p1 * (1 - p1))
    n = (root / (p1 - p0)) ** 2
    if continuity_correction:
        n = n / 4 * (1 + np.sqrt(1 + 4 / (n * (p1 - p0)))) ** 2
    return int(np.ceil(n - 1e-9))


@renamed_parameters(alpha=CONFIDENCE_FROM_ALPHA)
def power_proportions(
    n_per_arm: int, p_control: float, lift: float, confidence_level: float = 0.95
) -> float:
    """Power of the two-sided two-proportion test with ``n_per_arm`` customers in each arm.

    ``Phi((sqrt(n) lift - z_(1-alpha/2) sqrt(2 pbar (1 - pbar))) / sqrt(p0 q0 + p1 q1))``,
    the inverse of :func:`sample_size_proportions` (the chance of a significant result in the
    wrong direction, negligible for a real lift, is left out, as in R's ``power.prop.test``).

    Raises
    ------
    ParameterError
        As :func:`sample_size_proportions`, and for ``n_per_arm`` < 2.

    Examples
    --------
    >>> round(power_proportions(77, 0.50, 0.25), 3)
    0.901
    """
    n = check_number("n_per_arm", n_per_arm, 2)
    p0, p1, a = _design(p_control, lift, confidence_level)
    return _power(n, p0, p1, a)


@renamed_parameters(alpha=CONFIDENCE_FROM_ALPHA)
def minimum_detectable_lift(
    n_per_arm: int, p_control: float, confidence_level: float = 0.95, power: float = 0.8
) -> float:
    """Smallest absolute lift that ``n_per_arm`` customers per arm detect with ``power``.

    Solves :func:`power_proportions` for the lift (:func:`scipy.optimize.brentq`).

    Raises
    ------
    ParameterError
        For arguments out of range, or when even a lift to a rate of 1 is not detected with
        that power (too few customers).

    Examples
    --------
    >>> round(minimum_detectable_lift(1447, 0.80), 4)
    0.04
    """
    n = check_number("n_per_arm", n_per_arm, 2)
    p0 = check_number("p_control", p_control, 0, 1, low_open=True, high_open=True)
    a = _alpha(confidence_level)
    pw = check_number("power", power, 0, 1, low_open=True, high_open=True)
    top = 1 - p0 - 1e-9
    if _power(n, p0, p0 + top, a) < pw:
        raise ParameterError(
            f"n_per_arm = {n:g} customers per arm cannot reach power {pw:g} for any lift from "
            f"p_control = {p0:g}; use more customers or accept a lower power"
        )
    return float(brentq(lambda d: _power(n, p0, p0 + d, a) - pw, 1e-9, top, xtol=1e-10))


def plot_campaign_effect(
    effects: EffectEstimate | dict[str, EffectEstimate],
    truth: float | dict[str, float] | None = None,
    ax: Axes | None = None,
    **kwargs,
) -> Axes:
    """Forest plot: each estimated effect with its confidence interval, and the truth if known.

    Parameters
    ----------
    effects : EffectEstimate or dict of label -> EffectEstimate
        The estimates to show, top to bottom.
    truth : float or dict of label -> float, optional
        A known (planted) effect: one value for all rows, or one per label.
    ax : matplotlib Axes, optional
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.errorbar` (e.g. ``color``).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> df = pd.DataFrame({"treated": [1] * 50 + [0] * 50,
    ...                    "retained": [1] * 45 + [0] * 5 + [1] * 40 + [0] * 10})
    >>> ax = plot_campaign_effect({"randomised": compare_proportions(df)}, truth=0.1)
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['randomised']
    """
    if isinstance(effects, EffectEstimate):
        effects = {f"{effects.outcome} ({effects.method})": effects}
    if not effects or not all(isinstance(e, EffectEstimate) for e in effects.values()):
        raise ParameterError(
            "effects must be an EffectEstimate or a non-empty dict of label -> EffectEstimate "
            "(from compare_proportions or compare_means)"
        )
    if ax is None:
        ax = plt.subplots(figsize=(8, 1.2 + 0.7 * len(effects)))[1]
    labels = list(effects)
    y = np.arange(len(labels))[::-1]
    est = np.array([e.estimate for e in effects.values()])
    err = np.array([[e.estimate - e.ci_low, e.ci_high - e.estimate] for e in effects.values()]).T
    style = {"fmt": "o", "color": "#2f6690", "capsize": 5, "lw": 2, "ms": 7} | kwargs
    conf = {e.confidence_level for e in effects.values()}
    ci = f"{conf.pop():.0%} interval" if len(conf) == 1 else "interval"
    ax.errorbar(est, y, xerr=err, label=f"estimate and {ci}", **style)
    if truth is not None:
        true = np.array(
            [truth.get(k, np.nan) if isinstance(truth, dict) else truth for k in labels], float
        )
        known = np.isfinite(true)
        ax.scatter(
            true[known],
            y[known],
            marker="D",
            s=90,
            facecolors="none",
            edgecolors="#c73e1d",
            linewidths=2,
            zorder=3,
            label="planted truth",
        )
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, labels)
    ax.set_ylim(y.min() - 0.6, y.max() + 1.3)  # headroom for the legend above the top row
    kinds = {e.kind for e in effects.values()}
    outcomes = sorted({e.outcome for e in effects.values()})
    if kinds == {"proportion"}:
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xlabel(f"difference in share {', '.join(outcomes)}, treated - control (points)")
    else:
        ax.set_xlabel(f"difference in mean {', '.join(outcomes)}, treated - control")
    ax.set_title("Effect of the campaign")
    ax.legend(loc="upper right", frameon=True, ncol=2, fontsize="small")
    return ax
