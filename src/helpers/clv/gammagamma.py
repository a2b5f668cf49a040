"""The Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005; Fader & Hardie
2013)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaln

from helpers.clv._base import (
    _Z95,
    _compress,
    _discount_rate,
    _initial,
    _integer,
    _MLEModel,
    _nonnegative,
    _summary_frame,
    _underflow_to_zero,
    _weights,
)
from helpers.exceptions import (
    ConvergenceError,
    DataQualityWarning,
    DataValidationError,
    ParameterError,
)
from helpers.validation import check_int, check_number, numeric_column, rows

__all__ = ["GammaGamma", "customer_lifetime_value"]


def _spend_columns(data, what: str, weight_col: str | None, warn: bool, fitting: bool = False):
    """Checked (frequency, monetary_value, weight) of the repeat customers, with a warning that
    counts the customers without repeat purchases (they carry no spend information).

    The spend of a customer without repeat purchases is not used, so it may be missing (an
    export that leaves it blank); a repeat customer's spend must be a positive number: the
    gamma density of the likelihood is 0 or undefined at 0 and below. With ``fitting``, a
    pooled-looking table without ``weight_col`` is refused (see ``_weights``).
    """
    df = _summary_frame(data, what, ["frequency", "monetary_value"])
    x = numeric_column(df, "frequency", what)
    m = numeric_column(df, "monetary_value", what, allow_missing=True)
    _nonnegative(df, x, "frequency", what)
    _integer(df, x, "frequency", what)
    w = _weights(df, weight_col, what, pooled_check=fitting)
    rep = x > 0
    bad = rep & np.isnan(m)
    if bad.any():
        raise DataValidationError(
            f"column 'monetary_value' of {what} has {int(bad.sum())} missing value(s) for "
            f"customers with repeat purchases ({rows(df.index, bad)}); fill them from the "
            "source (the mean amount of the repeat purchases) or remove those rows"
        )
    bad = rep & (m < 0)
    if bad.any():
        raise DataValidationError(
            f"column 'monetary_value' of {what} is negative for {int(bad.sum())} customers "
            f"with repeat purchases ({rows(df.index, bad, df['monetary_value'])}); returns must "
            "be removed or netted against their purchases before summarising"
        )
    bad = rep & (m == 0)
    if bad.any():
        raise DataValidationError(
            f"column 'monetary_value' of {what} is 0 for {int(bad.sum())} customers with "
            f"repeat purchases ({rows(df.index, bad)}); the Gamma-Gamma model needs positive "
            "spend (its likelihood is undefined at 0): drop these customers from the spend "
            "model or value them separately, e.g. fit on "
            "summary[summary['monetary_value'] > 0]"
        )
    n_zero = int((~rep).sum())
    if n_zero and warn:
        warnings.warn(
            f"{n_zero} customer(s) with frequency 0 carry no repeat-purchase spend and are left "
            "out of the Gamma-Gamma fit; pass summary[summary['frequency'] > 0] to silence this",
            DataQualityWarning,
            stacklevel=3,
        )
    if not rep.any():
        raise DataValidationError(
            f"{what} has no customer with frequency > 0; the Gamma-Gamma model is fitted on "
            "repeat customers' mean spend"
        )
    return df, x, m, w, rep


class GammaGamma(_MLEModel):
    """Gamma-Gamma model of the mean spend per repeat purchase.

    A customer's amounts are ``Gamma(p, rate nu)`` around their own mean ``p / nu``, with
    ``nu ~ Gamma(q, rate gamma)`` across customers; spend is assumed independent of the
    purchase process. The model is fitted on the customers with at least one repeat purchase
    (``frequency > 0``) from their number of repeat purchases ``x`` and mean repeat spend
    ``m_x``; customers with ``frequency == 0`` are left out with a
    :class:`~helpers.exceptions.DataQualityWarning` that counts them.

    Parameters
    ----------
    penalizer, tol, maxiter
        As in :class:`~helpers.clv.BGNBD`.
    q_constraint : bool
        Restrict the fit to ``q > 1`` (the name lifetimes uses). The population mean spend
        ``p gamma / (q - 1)`` exists only then. The optimiser works on ``log(q - 1)``, so the
        95% interval of ``q`` and every draw of :func:`~helpers.clv.parameter_draws` keep
        ``q > 1``. Use it when you need the population mean spend or its interval (new
        customers, customers without repeat purchases). When the data favour ``q <= 1`` the
        constrained likelihood has no maximum inside ``q > 1`` (it rises towards the boundary
        ``q = 1``, where the mean is still infinite), so the fit is refused with a
        :class:`~helpers.exceptions.ConvergenceError`.

    Attributes
    ----------
    params_ : dict
        ``p``, ``q``, ``gamma``.
    covariance_log_ : numpy.ndarray
        Covariance of the optimiser's coordinates: ``log p``, ``log q``, ``log gamma``, or
        ``log p``, ``log(q - 1)``, ``log gamma`` with ``q_constraint``.
    log_likelihood_ : float
        Total log-likelihood of the density of ``m_x`` (with the Jacobian ``x^(px)``).
    standard_errors_, confidence_intervals_
        As in :class:`~helpers.clv.BGNBD`.

    Examples
    --------
    >>> from helpers.data import load_cdnow
    >>> from helpers.customer_base import summarize
    >>> s = summarize(load_cdnow("sample"), amount_col="amount", calibration_end="1997-09-30",
    ...               time_unit="W")
    >>> gg = GammaGamma().fit(s[s["frequency"] > 0])
    >>> {k: round(v, 2) for k, v in gg.params_.items()}
    {'p': 6.25, 'q': 3.74, 'gamma': 15.44}
    >>> round(gg.population_mean_spend(), 2)
    35.17

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). RFM and CLV: using iso-value curves
    for customer base analysis. *Journal of Marketing Research* 42(4), 415-430.

    Fader, P. S. and Hardie, B. G. S. (2013). The Gamma-Gamma model of monetary value.
    http://brucehardie.com/notes/025/
    """

    _param_names = ("p", "q", "gamma")
    _label = "Gamma-Gamma"
    _roles = {"p": "the spread of spend within a customer",
              "q": "the spread of spend across customers",
              "gamma": "the spread of spend across customers"}  # fmt: skip
    _advice = "or fit it on more repeat customers"

    def __init__(
        self,
        penalizer: float = 0.0,
        tol: float = 1e-10,
        maxiter: int = 2000,
        q_constraint: bool = False,
    ):
        super().__init__(penalizer=penalizer, tol=tol, maxiter=maxiter)
        self.q_constraint = q_constraint

    def _shift(self) -> np.ndarray:
        """Natural parameters are ``exp(z) + shift``: ``q = 1 + exp(z_q)`` when constrained."""
        return np.array([0.0, 1.0, 0.0]) if self.q_constraint else np.zeros(3)

    @staticmethod
    def _loglik_rows(params, x, m):
        p, q, g = params
        px = p * x
        return (
            gammaln(px + q)
            - gammaln(px)
            - gammaln(q)
            + q * np.log(g)
            + (px - 1) * np.log(m)
            + px * np.log(x)
            - (px + q) * np.log(g + x * m)
        )

    @staticmethod
    def _loglik_grad_rows(params, x, m):
        p, q, g = params
        px = p * x
        a = digamma(px + q)
        lgm = np.log(g + x * m)
        return np.vstack(
            [
                x * (a - digamma(px) + np.log(m) + np.log(x) - lgm),
                a - digamma(q) + np.log(g) - lgm,
                q / g - (px + q) / (g + x * m),
            ]
        )

    def fit(self, summary: pd.DataFrame, weight_col: str | None = None, initial_params=None):
        """Fit on the repeat customers of a summary.

        Parameters
        ----------
        summary : pandas.DataFrame
            Columns ``frequency`` (repeat purchases) and ``monetary_value`` (their mean amount).
        weight_col : str, optional
            Column with the number of customers each row stands for. A table with a column
            named "weight", "weights", "count", "counts" or "n_customers" is refused without
            it: it looks pooled.
        initial_params : dict, optional
            Starting values ``{"p": ..., "q": ..., "gamma": ...}`` (``q > 1`` with
            ``q_constraint``).

        Returns
        -------
        GammaGamma
            ``self``.

        Raises
        ------
        DataValidationError
            Missing columns, negative or non-integer frequency, missing, zero or negative
            spend of a repeat customer, no repeat customer at all, a pooled-looking table
            without ``weight_col``.
        ConvergenceError
            If the data cannot identify the model (one repeat customer, or every repeat
            customer with the same mean spend), if the optimiser does not converge, if the
            estimates run off to 0 or infinity or are not pinned down, or, with
            ``q_constraint``, if the data favour ``q <= 1``.
        """
        self._check_hyper()
        if not isinstance(self.q_constraint, bool | np.bool_):
            raise ParameterError(f"q_constraint must be True or False, got {self.q_constraint!r}")
        what = f"the summary passed to {type(self).__name__}.fit"
        _, x, m, w, rep = _spend_columns(summary, what, weight_col, warn=True, fitting=True)
        (xu, mu), wu = _compress(x[rep], m[rep], weights=w[rep])
        self._check_identifiable(xu, mu, wu)
        self.n_customers_ = float(wu.sum())
        mean_m = float(np.dot(wu, mu) / wu.sum())
        if self.q_constraint:
            self._fit_q_above_one(initial_params, xu, mu, wu)
            return self
        z0 = _initial(initial_params, self._param_names, np.array([1.0, 2.0, mean_m]))
        self._fit_coordinates(z0, xu, mu, wu, mean_m, np.zeros(3))
        return self

    def _fit_coordinates(self, z0, xu, mu, wu, mean_m, shift) -> None:
        """Maximise over ``z`` with parameters ``exp(z) + shift`` and store the fit."""

        def neg_ll(z):
            return -float(np.dot(wu, self._loglik_rows(np.exp(z) + shift, xu, mu)))

        def neg_grad(z):
            ez = np.exp(z)
            return -(self._loglik_grad_rows(ez + shift, xu, mu) @ wu) * ez

        self._maximise(neg_ll, z0, float(wu.sum()), neg_grad, np.array([1.0, 1.0, mean_m]))
        if not shift.any():
            return
        # _maximise stored exp(z); move q to 1 + exp(z_q), its error and interval with it.
        z = np.log(np.array([self.params_[k] for k in self._param_names]))
        params = np.exp(z) + shift
        sd = np.sqrt(np.diag(self.covariance_log_))
        self.params_ = dict(zip(self._param_names, params.tolist(), strict=True))
        self.standard_errors_ = dict(zip(self._param_names, (np.exp(z) * sd).tolist(), strict=True))
        self.confidence_intervals_ = pd.DataFrame(
            {"ci_low": np.exp(z - _Z95 * sd) + shift, "ci_high": np.exp(z + _Z95 * sd) + shift},
            index=list(self._param_names),
        )

    def _fit_q_above_one(self, initial_params, xu, mu, wu) -> None:
        """The fit restricted to ``q > 1``, optimising ``log(q - 1)``.

        The likelihood's profile in ``q`` falls on both sides of the unconstrained maximum, so
        when that maximum has ``q <= 1`` the restricted likelihood rises towards ``q = 1`` and
        has no maximum with ``q > 1``: the fit is refused. Otherwise the restricted maximum is
        the unconstrained one, reached here in the coordinates ``log(q - 1)``.
        """
        mean_m = float(np.dot(wu, mu) / wu.sum())
        if initial_params is not None:
            z0 = _initial(initial_params, self._param_names, np.ones(3))
            if initial_params["q"] <= 1:
                raise ParameterError(
                    f"initial_params['q'] = {initial_params['q']!r} must be above 1 with "
                    "q_constraint=True"
                )
        else:
            z0 = np.log(np.array([1.0, 2.0, mean_m]))
        start = np.exp(z0)
        z0_constrained = np.log(np.array([start[0], start[1] - 1.0, start[2]]))
        free = GammaGamma(penalizer=self.penalizer, tol=self.tol, maxiter=self.maxiter)
        try:
            free._fit_coordinates(z0, xu, mu, wu, mean_m, np.zeros(3))
        except ConvergenceError:
            free, z0 = None, z0_constrained
        if free is not None:
            q = free.params_["q"]
            if q <= 1:
                raise ConvergenceError(
                    f"GammaGamma.fit with q_constraint=True: the data favour q = {q:.4g} <= 1 "
                    "(unconstrained maximum), so the likelihood restricted to q > 1 rises "
                    "towards q = 1 and has no maximum there; the population mean spend "
                    "p * gamma / (q - 1) does not exist for these data. Fit with "
                    "q_constraint=False: conditional_expected_average_spend stays finite for "
                    "repeat customers; value customers without repeat purchases another way "
                    "(e.g. the median spend)"
                )
            z0 = np.log(np.array([free.params_["p"], q - 1.0, free.params_["gamma"]]))
        self._fit_coordinates(z0, xu, mu, wu, mean_m, self._shift())

    def _check_identifiable(self, x, m, w) -> None:
        """Refuse, before optimising, repeat customers that cannot identify the model.

        The model has three parameters: the spread of amounts within a customer (``p``) and
        across customers (``q``, ``gamma``). When every repeat customer has the same mean
        spend there is no spread to estimate and ``p`` and ``q`` run to infinity; one
        customer cannot show how customers differ.
        """
        total = float(w.sum())
        if len(w) == 0:
            raise DataValidationError(
                "the weight column is 0 for every customer with frequency > 0; the Gamma-Gamma "
                "model is fitted on repeat customers, so some of them need a positive weight"
            )
        if len(w) == 1:
            who = (
                "a single repeat customer"
                if total == 1
                else f"all {total:g} repeat customers have the same history"
            )
            raise self._unidentified(
                f"{who} (frequency {x[0]:g}, monetary_value {m[0]:g})",
                "describes how mean spend varies across customers, which one customer cannot "
                "show: fit it on all repeat customers",
            )
        if np.all(m == m[0]):
            raise self._unidentified(
                f"every repeat customer has the same mean spend (monetary_value {m[0]:g} for "
                f"all {total:g})",
                "cannot estimate how spend varies within and across customers (p and q run to "
                "infinity): check that monetary_value is each customer's own mean amount (not a "
                "list price or the overall mean); if spend really is fixed, use that amount as "
                "every customer's expected spend",
            )

    @_underflow_to_zero
    def conditional_expected_average_spend(self, summary: pd.DataFrame) -> pd.Series:
        """Expected mean spend per purchase of each customer given their history.

        ``E[M | x, m_x] = (q - 1) / (p x + q - 1) * p gamma / (q - 1) + p x / (p x + q - 1) * m_x``,
        a weighted average of the population mean and the customer's own mean. Customers with
        ``frequency == 0`` get the population mean.

        Parameters
        ----------
        summary : pandas.DataFrame
            Columns ``frequency`` and ``monetary_value``.

        Returns
        -------
        pandas.Series
            Indexed like ``summary``.
        """
        p, q, g = self._p()
        what = "the summary passed to conditional_expected_average_spend"
        _, x, m, _, _ = _spend_columns(summary, what, None, warn=False)
        m = np.where(x > 0, m, 0.0)
        return pd.Series(p * (g + x * m) / (p * x + q - 1), index=summary.index, name="spend")

    def population_mean_spend(self) -> float:
        """Mean spend per purchase across customers, ``p gamma / (q - 1)`` (infinite if
        ``q <= 1``)."""
        p, q, g = self._p()
        return float(p * g / (q - 1)) if q > 1 else float("inf")


def customer_lifetime_value(
    transaction_model,
    spend_model: GammaGamma,
    summary: pd.DataFrame,
    horizon: int = 12,
    period_length: float = 1.0,
    discount_rate: float = 0.01,
    margin: float = 1.0,
    confidence_level: float | None = None,
    n_draws: int = 1000,
    random_state=None,
) -> pd.Series | pd.DataFrame:
    """Expected discounted margin of each customer over a finite horizon.

    ``CLV_i = sum_{k=1}^{H} margin * E[spend_i] * E[purchases_i in period k] / (1 + d)^k``:
    the expected purchases in period ``k`` are the increments of the transaction model's
    conditional expectation over ``((k-1) L, k L]`` (``L`` = ``period_length``), and the
    expected spend per purchase comes from the Gamma-Gamma model (spend independent of the
    purchase process). Timing convention: a period's purchases are valued at the *end* of the
    period, so period ``k`` is discounted by ``(1 + d)^k`` with ``d`` the rate per period.

    Parameters
    ----------
    transaction_model : BGNBD or ParetoNBD
        Fitted on the same summary's time unit.
    spend_model : GammaGamma
        Fitted spend model.
    summary : pandas.DataFrame
        Columns ``frequency``, ``recency``, ``T``, ``monetary_value``.
    horizon : int
        Number of periods.
    period_length : float
        Length of one period in the summary's time unit (4.348 for months with weekly data).
    discount_rate : float
        Discount rate per period of length ``period_length``, as a fraction in [0, 1) (0.01 a
        month is about 12.7% a year).
    margin : float
        Share of spend that is margin, in (0, 1].
    confidence_level : float, optional
        With a level in (0, 1), also an interval from the uncertainty of both models'
        parameters: ``n_draws`` joint draws, each model's from the asymptotic normal of its
        estimates (see :func:`~helpers.clv.prediction_interval`), independent because the two
        models are fitted separately; the interval is the central share of the drawn CLVs.
    n_draws : int
        Number of joint draws (with ``confidence_level``).
    random_state : None, int or numpy.random.Generator
        For the draws (with ``confidence_level``).

    Returns
    -------
    pandas.Series or pandas.DataFrame
        Without ``confidence_level``, a Series indexed like ``summary``; with it, a DataFrame
        with columns ``clv``, ``ci_low``, ``ci_high``.

    Raises
    ------
    ParameterError
        For a horizon below 1, a non-positive period length, a discount rate outside [0, 1)
        (a rate of 10 per period is 1000%: write 10% as 0.10), a margin outside (0, 1],
        models of the wrong kind, or a confidence level outside (0, 1).
    NotFittedError
        If a model is not fitted.
    DataValidationError
        For a summary that the models refuse (see their ``fit``).

    Examples
    --------
    >>> from helpers.clv import BGNBD
    >>> from helpers.data import load_cdnow
    >>> from helpers.customer_base import summarize
    >>> s = summarize(load_cdnow("sample"), amount_col="amount", calibration_end="1997-09-30",
    ...               time_unit="W")
    >>> bg, gg = BGNBD().fit(s), GammaGamma().fit(s[s["frequency"] > 0])
    >>> clv = customer_lifetime_value(bg, gg, s, horizon=12, period_length=365.25 / 12 / 7)
    >>> bool((clv >= 0).all()), round(float(clv.loc["0001"]), 1)
    (True, 36.3)

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). RFM and CLV: using iso-value curves
    for customer base analysis. *Journal of Marketing Research* 42(4), 415-430.
    """
    h = check_int("horizon", horizon, 1)
    L = check_number("period_length", period_length, 0.0, low_open=True)
    d = _discount_rate(
        discount_rate, "period of period_length time units", "0.01 a month (about 12.7% a year)"
    )
    mg = check_number("margin", margin, 0.0, 1.0, low_open=True)
    if not hasattr(transaction_model, "conditional_expected_purchases"):
        raise ParameterError(
            "transaction_model must be a fitted BGNBD or ParetoNBD (it has no "
            "conditional_expected_purchases method)"
        )
    if not isinstance(spend_model, GammaGamma):
        raise ParameterError(
            f"spend_model must be a fitted GammaGamma, got {type(spend_model).__name__}; fit "
            "one with GammaGamma().fit(summary[summary['frequency'] > 0])"
        )

    def clv(purchases, spend_of) -> np.ndarray:
        spend = spend_of.conditional_expected_average_spend(summary).to_numpy()
        cum = np.zeros(len(summary))
        value = np.zeros(len(summary))
        for k in range(1, h + 1):
            nxt = purchases.conditional_expected_purchases(k * L, summary).to_numpy()
            value += (nxt - cum) / (1 + d) ** k
            cum = nxt
        return mg * spend * value

    point = pd.Series(clv(transaction_model, spend_model), index=summary.index, name="clv")
    if confidence_level is None:
        return point
    from helpers.clv.uncertainty import _joint_interval

    low, high = _joint_interval(
        [transaction_model, spend_model], clv, confidence_level, n_draws, random_state
    )
    return pd.DataFrame({"clv": point, "ci_low": low, "ci_high": high}, index=summary.index)
