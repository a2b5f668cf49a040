"""Uplift modelling: whom a retention contact changes, not who is at risk.

A churn model ranks customers by risk: who will leave. A retention offer pays only where it
changes the outcome: the *uplift*, the churn risk without the offer minus the risk with it.
Uplift is learnt from a randomised campaign, where offered and not offered customers are alike
but for the offer. :class:`UpliftClassifier` is the two-model ("T-learner") estimator
(Künzel et al., 2019); :func:`qini_curve`, :func:`qini_coefficient` and
:func:`plot_qini` judge a ranking on held-out campaign data (Radcliffe, 2007).

The curve and coefficient are written here, in a few lines of numpy, rather than taken from a
library. scikit-uplift has them, but its last release (0.5.1) dates from August 2022;
causalml is maintained, but it brings about twenty packages (xgboost, lightgbm, shap, numba,
statsmodels, black, ...) for what is a cumulative sum. The tests check our values against
scikit-uplift 0.5.1 on a fixed data set.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from sklearn.base import BaseEstimator, clone

from helpers.exceptions import DataValidationError, ParameterError
from helpers.validation import binary_column, check_is_fitted

__all__ = ["UpliftClassifier", "plot_qini", "qini_coefficient", "qini_curve"]


_MEANING = {"y": "1 = the outcome happened, e.g. retained", "treated": "1 = got the contact"}


def _binary(name: str, values) -> np.ndarray:
    """A 1-d 0/1 array, refusing any other coding with the values found."""
    x = np.asarray(values)
    if x.ndim != 1:
        raise DataValidationError(f"{name} must be one-dimensional; got shape {x.shape}")
    frame = pd.DataFrame({name: x})
    return binary_column(frame, name, "the campaign data", meaning=_MEANING[name]).astype(int)


def _inputs(y, treated, score) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y = _binary("y", y)
    t = _binary("treated", treated)
    s = np.asarray(score, dtype=float)
    if not len(y) == len(t) == len(s):
        raise DataValidationError(
            f"y, treated and score must have the same length; got {len(y)}, {len(t)} and "
            f"{len(s)}: pass one value of each per customer"
        )
    if np.isnan(s).any():
        raise DataValidationError(
            f"score has {int(np.isnan(s).sum())} missing value(s); score every customer"
        )
    if t.sum() == 0 or t.sum() == len(t):
        raise DataValidationError(
            "treated must have both groups (1 = got the contact, 0 = control); a Qini curve "
            "needs a control group to compare with"
        )
    return y, t, s


class UpliftClassifier(BaseEstimator):
    """Two-model ("T-learner") uplift estimator on any scikit-learn classifier.

    One copy of ``estimator`` is fitted on the treated customers and one on the control
    customers. The predicted uplift of a customer is the difference of the two predicted
    probabilities of the outcome, ``P(y = 1 | x, treated) - P(y = 1 | x, control)``. With
    ``y = 1`` for "retained", a positive uplift means the contact keeps the customer.

    Parameters
    ----------
    estimator : scikit-learn classifier
        Unfitted; cloned twice. It must have ``predict_proba``.

    Attributes
    ----------
    estimator_treated_, estimator_control_ : fitted classifiers
    n_treated_, n_control_ : int
        Customers each model was fitted on.

    Raises
    ------
    ParameterError
        In ``fit``, for an ``estimator`` without ``predict_proba``.
    DataValidationError
        In ``fit``, for ``y`` or ``treated`` not 0/1, lengths that differ, or a group
        (treated, control) that is empty or has a single outcome.
    NotFittedError
        In ``predict`` before ``fit``.

    Notes
    -----
    The T-learner is the simplest meta-learner: each model only sees its own group, so with a
    small group its errors add up in the difference (Künzel et al., 2019). It is
    unbiased for the uplift only when ``treated`` was assigned at random (or as if at random
    given ``X``).

    References
    ----------
    .. [1] Künzel, S. R., Sekhon, J. S., Bickel, P. J., & Yu, B. (2019). Metalearners for
       estimating heterogeneous treatment effects using machine learning. PNAS, 116(10),
       4156-4165.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(4_000, 1))
    >>> t = rng.integers(0, 2, 4_000)
    >>> p = 1 / (1 + np.exp(-(X[:, 0] * t)))  # the contact helps where x > 0, hurts below
    >>> y = (rng.random(4_000) < p).astype(int)
    >>> model = UpliftClassifier(LogisticRegression()).fit(X, y, t)
    >>> uplift = model.predict(np.array([[-2.0], [0.0], [2.0]]))
    >>> bool(uplift[0] < 0 < uplift[2]), round(float(uplift[1]), 1)
    (True, 0.0)
    """

    def __init__(self, estimator=None):
        self.estimator = estimator

    def fit(self, X, y, treated):
        """Fit one classifier on the treated customers and one on the control customers.

        Parameters
        ----------
        X : array-like or DataFrame, shape (n, p)
        y : array-like of 0/1, shape (n,)
            The outcome (1 = retained, say).
        treated : array-like of 0/1, shape (n,)
            1 = got the contact, 0 = control.

        Returns
        -------
        self
        """
        if self.estimator is None or not hasattr(self.estimator, "predict_proba"):
            raise ParameterError(
                f"parameter 'estimator' = {self.estimator!r} must be a scikit-learn classifier "
                "with predict_proba, e.g. UpliftClassifier(LogisticRegression())"
            )
        y = _binary("y", y)
        t = _binary("treated", treated)
        if len(y) != len(t) or len(y) != len(X):
            raise DataValidationError(
                f"X, y and treated must have the same number of rows; got {len(X)}, {len(y)} "
                f"and {len(t)}"
            )
        for flag, group in ((1, "treated"), (0, "control")):
            outcomes = np.unique(y[t == flag])
            if len(outcomes) < 2:
                raise DataValidationError(
                    f"the {group} group has {int((t == flag).sum())} customer(s) and "
                    f"outcomes {outcomes.tolist()}; each group needs customers with y = 0 and "
                    "y = 1 to fit its model"
                )
        rows = np.asarray(t == 1)
        self.estimator_treated_ = clone(self.estimator).fit(_take(X, rows), y[rows])
        self.estimator_control_ = clone(self.estimator).fit(_take(X, ~rows), y[~rows])
        self.n_treated_, self.n_control_ = int(rows.sum()), int((~rows).sum())
        return self

    def predict_outcomes(self, X) -> np.ndarray:
        """P(y = 1) with and without the contact, shape (n, 2): columns treated, control."""
        check_is_fitted(self, "estimator_treated_")
        return np.column_stack(
            [
                self.estimator_treated_.predict_proba(X)[:, 1],
                self.estimator_control_.predict_proba(X)[:, 1],
            ]
        )

    def predict(self, X) -> np.ndarray:
        """Predicted uplift: P(y = 1 | treated) - P(y = 1 | control), shape (n,)."""
        both = self.predict_outcomes(X)
        return both[:, 0] - both[:, 1]


def _take(X, rows: np.ndarray):
    return X.loc[rows] if isinstance(X, pd.DataFrame) else np.asarray(X)[rows]


def qini_curve(y, treated, score) -> pd.DataFrame:
    """Radcliffe's Qini curve: incremental responders against the share of customers targeted.

    Customers are ranked by ``score``, highest first. After the first ``k`` of them, with
    ``n_t`` treated and ``n_c`` control customers among them, of whom ``r_t`` and ``r_c`` have
    ``y = 1``, the curve is

    ``incremental = r_t - r_c * n_t / n_c`` (0 for the ``r_c`` term while ``n_c = 0``),

    the treated responders beyond what the control group's rate predicts: the extra responders
    among the treated customers targeted (Radcliffe, 2007). Customers with tied
    scores enter together (one point per distinct score). The random line runs straight from
    (0, 0) to the curve's last point: what targeting in random order gives on average.

    Parameters
    ----------
    y : array-like of 0/1
        The outcome (1 = retained).
    treated : array-like of 0/1
        1 = got the contact, 0 = control (assigned at random).
    score : array-like of float
        The ranking: predicted uplift, or a churn risk, or the true effect (the oracle).

    Returns
    -------
    pandas.DataFrame
        One row per cut, starting with (0, 0): ``n_targeted``, ``share_targeted``,
        ``incremental`` and ``random``.

    Raises
    ------
    DataValidationError
        For ``y`` or ``treated`` not 0/1, lengths that differ, a missing score, or no
        control (or no treated) customer.

    References
    ----------
    .. [1] Radcliffe, N. J. (2007). Using control groups to target on predicted lift: building
       and assessing uplift models. Direct Marketing Analytics Journal, 1, 14-21.

    Examples
    --------
    Four customers, two treated (one responds) and two control (one responds):

    >>> curve = qini_curve([1, 0, 0, 1], [1, 1, 0, 0], [0.9, 0.5, 0.4, 0.1])
    >>> curve[["n_targeted", "incremental", "random"]].to_numpy().tolist()
    [[0.0, 0.0, 0.0], [1.0, 1.0, 0.0], [2.0, 1.0, 0.0], [3.0, 1.0, 0.0], [4.0, 0.0, 0.0]]
    """
    y, t, s = _inputs(y, treated, score)
    order = np.argsort(-s, kind="stable")
    y, t, s = y[order], t[order], s[order]
    cuts = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]  # last customer of each tied score
    n_t = np.cumsum(t)[cuts]
    n_c = cuts + 1 - n_t
    r_t = np.cumsum(y * t)[cuts]
    r_c = np.cumsum(y * (1 - t))[cuts]
    ratio = np.divide(n_t, n_c, out=np.zeros(len(cuts)), where=n_c > 0)
    incremental = np.r_[0.0, r_t - r_c * ratio]
    n = np.r_[0, cuts + 1].astype(float)
    share = n / len(s)
    return pd.DataFrame(
        {
            "n_targeted": n,
            "share_targeted": share,
            "incremental": incremental,
            "random": share * incremental[-1],
        }
    )


def _area_above_random(curve: pd.DataFrame) -> float:
    return float(np.trapezoid(curve["incremental"] - curve["random"], curve["share_targeted"]))


def qini_coefficient(y, treated, score, normalize: bool = True) -> float:
    """Area between the Qini curve and the random line, as a share of the best possible area.

    The raw area is the integral over the share targeted (0 to 1) of the Qini curve minus the
    random line (trapezoid rule), in incremental responders. With ``normalize=True`` (the
    default) it is divided by the same area for the optimum ranking of the observed outcomes
    that Radcliffe (2007) uses when effects can be negative: treated responders first, control
    responders last, everyone else in between. 1 is the best ranking these data allow, 0 is no
    better than random, below 0 is worse than random. This is scikit-uplift's
    ``qini_auc_score(..., negative_effect=True)``.

    Parameters
    ----------
    y, treated, score : array-like
        As in :func:`qini_curve`.
    normalize : bool
        Divide by the optimum's area (True) or return the raw area (False).

    Returns
    -------
    float

    Raises
    ------
    DataValidationError
        As :func:`qini_curve`; also when the optimum's area is 0 (no responder at all).

    References
    ----------
    .. [1] Radcliffe, N. J. (2007). Using control groups to target on predicted lift: building
       and assessing uplift models. Direct Marketing Analytics Journal, 1, 14-21.

    Examples
    --------
    >>> y, t = [1, 0, 0, 1], [1, 1, 0, 0]
    >>> qini_coefficient(y, t, [0.9, 0.5, 0.4, 0.1])  # the optimum ranking
    1.0
    >>> round(qini_coefficient(y, t, [0.1, 0.4, 0.5, 0.9]), 3)  # the reverse
    -0.167
    """
    area = _area_above_random(qini_curve(y, treated, score))
    if not normalize:
        return area
    y, t, _ = _inputs(y, treated, np.zeros(len(np.asarray(y))))
    best = _area_above_random(qini_curve(y, t, y * t - y * (1 - t)))
    if best == 0:
        raise DataValidationError(
            "the optimum Qini curve has no area: y has no responder in either group; "
            "use normalize=False or check the outcome column"
        )
    return area / best


def plot_qini(
    y,
    treated,
    scores: Mapping[str, object],
    ax: Axes | None = None,
    random_label: str = "random",
    **kwargs,
) -> Axes:
    """Qini curves of several rankings on one campaign, with the random line.

    Parameters
    ----------
    y, treated : array-like of 0/1
        As in :func:`qini_curve`.
    scores : mapping of label to array-like
        One ranking per curve, e.g. ``{"uplift model": ..., "churn risk": ...,
        "oracle (true effect)": ...}``; the labels go into the legend.
    ax : matplotlib Axes, optional
    random_label : str
        Legend label of the random line.
    **kwargs
        Passed on to every curve's ``Axes.plot`` (e.g. ``lw=2``).

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> ax = plot_qini([1, 0, 0, 1], [1, 1, 0, 0], {"model": [0.9, 0.5, 0.4, 0.1]})
    >>> [line.get_label() for line in ax.get_lines()][:2]
    ['model', 'random']
    """
    from helpers.plots import PALETTE, _axes

    if not scores:
        raise ParameterError("parameter 'scores' is empty; pass {label: score, ...}")
    ax = _axes(ax)
    curve = None
    for i, (label, score) in enumerate(scores.items()):
        curve = qini_curve(y, treated, score)
        style = {"color": PALETTE[i % len(PALETTE)], "lw": 1.8, "label": label}
        ax.plot(curve["share_targeted"], curve["incremental"], **{**style, **kwargs})
    ax.plot([0, 1], [0, curve["random"].iloc[-1]], color="grey", ls="--", label=random_label)
    ax.axhline(0, color="black", lw=0.8)
    ax.xaxis.set_major_formatter("{x:.0%}")
    ax.set(xlabel="share of customers targeted", ylabel="incremental responders (Qini)")
    ax.legend()
    return ax
