"""The shifted-beta-geometric model of contract duration (Fader & Hardie 2007)."""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, hyp2f1

from helpers.clv._base import (
    _discount_rate,
    _initial,
    _MLEModel,
    _scalar_or_array,
    _underflow_to_zero,
)
from helpers.exceptions import DataValidationError, ParameterError
from helpers.validation import check_int

__all__ = ["ShiftedBetaGeometric"]


class ShiftedBetaGeometric(_MLEModel):
    """Shifted-beta-geometric (sBG) model of retention in a contractual setting.

    Each customer renews at the end of every period with their own probability ``1 - theta``
    until they cancel; ``theta ~ Beta(alpha, beta)`` across customers. Because the customers
    most likely to cancel leave first, the cohort's retention rate *rises* with tenure even
    though no individual's does. With ``T`` the period in which a customer cancels,

    * ``P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta)``, ``t = 1, 2, ...``;
    * survival ``S(t) = P(T > t) = B(alpha, beta + t) / B(alpha, beta)``, ``S(0) = 1``;
    * retention ``r(t) = S(t) / S(t-1) = (beta + t - 1) / (alpha + beta + t - 1)``.

    Parameters
    ----------
    penalizer, tol, maxiter
        As in :class:`~helpers.clv.BGNBD`.

    Attributes
    ----------
    params_ : dict
        ``alpha``, ``beta``.
    log_likelihood_, standard_errors_, confidence_intervals_
        As in :class:`~helpers.clv.BGNBD`.

    Examples
    --------
    >>> regular = [1000, 631, 468, 382, 326, 289, 262, 241]  # years 0..7
    >>> m = ShiftedBetaGeometric().fit(regular)
    >>> {k: round(v, 3) for k, v in m.params_.items()}
    {'alpha': 0.704, 'beta': 1.182}
    >>> [round(float(v)) for v in 1000 * m.survival([8, 12])]
    [220, 170]

    References
    ----------
    Fader, P. S. and Hardie, B. G. S. (2007). How to project customer retention. *Journal of
    Interactive Marketing* 21(1), 76-90.

    Fader, P. S. and Hardie, B. G. S. (2010). Customer-base valuation in a contractual
    setting: the perils of ignoring heterogeneity. *Marketing Science* 29(1), 85-93.
    """

    _param_names = ("alpha", "beta")
    _label = "sBG"
    _roles = {"alpha": "the churn probabilities", "beta": "the churn probabilities"}
    _advice = (
        "observe the cohort for more periods, or, if every period loses about the same share, "
        "use the constant-retention value (cohort_retention_clv)"
    )

    def fit(self, active, initial_params=None):
        """Fit by maximum likelihood to the number of customers still active each period.

        Parameters
        ----------
        active : array_like of int
            ``active[i]`` = customers still active at the start of period ``i + 1`` (after
            ``i`` renewal decisions); ``active[0]`` is the cohort size. Non-increasing.
        initial_params : dict, optional
            Starting values ``{"alpha": ..., "beta": ...}``.

        Returns
        -------
        ShiftedBetaGeometric
            ``self``.

        Raises
        ------
        DataValidationError
            Fewer than two values, negative, non-integer or increasing counts, or a cohort of
            size 0.
        ConvergenceError
            If the counts cannot identify the model: one period only (the share that churned,
            but not how churn varies across customers), no one churning, or everyone churning
            in the first period; if the optimiser does not converge, or if the estimates run
            off to 0 or infinity or are not pinned down.
        """
        self._check_hyper()
        try:
            n = np.asarray(active, dtype=np.float64).ravel()
        except (TypeError, ValueError):
            raise DataValidationError(
                "active must be a sequence of customer counts (e.g. [1000, 631, 468]); got "
                f"{type(active).__name__}"
            ) from None
        if len(n) < 2:
            raise DataValidationError(
                "active needs at least two values: the cohort size and the customers still "
                "active after one period"
            )
        if not np.all(np.isfinite(n)) or np.any(n < 0) or np.any(n != np.round(n)):
            raise DataValidationError(
                f"active must hold whole, non-negative customer counts; got {n.tolist()}"
            )
        if n[0] <= 0:
            raise DataValidationError("active[0] (the cohort size) must be positive")
        up = np.flatnonzero(np.diff(n) > 0)
        if len(up):
            i = int(up[0]) + 1
            raise DataValidationError(
                f"active increases at period {i} ({n[i - 1]:g} -> {n[i]:g}); a cohort can only "
                "lose customers: pass one cohort's counts, not new sign-ups"
            )
        self._check_identifiable(n)
        lost = -np.diff(n)
        t = np.arange(1, len(n))
        k = len(n) - 1
        self.n_customers_ = float(n[0])

        def neg_ll(z):
            a, b = np.exp(z)
            churn = betaln(a + 1, b + t - 1) - betaln(a, b)
            still = betaln(a, b + k) - betaln(a, b)
            return -float(np.dot(lost, churn) + n[-1] * still)

        z0 = _initial(initial_params, self._param_names, np.array([1.0, 1.0]))
        self._maximise(neg_ll, z0, float(n[0]))
        return self

    def _check_identifiable(self, n: np.ndarray) -> None:
        """Refuse, before optimising, counts that cannot identify the model.

        From the likelihood: with one period it depends on ``alpha / (alpha + beta)`` alone
        (the churn probability of period 1), so the spread across customers is free; without
        churn it is largest as the churn probability goes to 0; when everyone churns in period
        1, as it goes to 1.
        """
        if len(n) == 2:
            raise self._unidentified(
                f"active has one period ({n[0]:g} -> {n[1]:g}), which shows the share that "
                f"churned ({1 - n[1] / n[0]:.1%}) but not how churn varies across customers",
                "needs counts of at least two periods (three values) to estimate alpha and "
                "beta; with one period, use the constant-retention value (cohort_retention_clv "
                f"or retention_clv with a retention rate of {n[1] / n[0]:.3g})",
            )
        if n[-1] == n[0]:
            raise self._unidentified(
                f"no customer churned ({n[0]:g} active in every period)",
                "cannot estimate the churn probability (it runs to 0): observe the cohort "
                "until some customers leave, and check that active counts the customers still "
                "active, not the cohort size repeated",
            )
        if n[1] == 0:
            raise self._unidentified(
                f"every customer churned in the first period ({n[0]:g} -> 0)",
                "cannot estimate the churn probability (it runs to 1) or how it varies: check "
                "that active counts the customers still active at the start of each period",
            )

    @staticmethod
    def _periods(t, name="t"):
        arr = np.asarray(t, dtype=np.float64)
        if not np.all(np.isfinite(arr)) or np.any(arr < 0) or np.any(arr != np.round(arr)):
            raise ParameterError(f"parameter {name!r} = {t!r} must be whole numbers >= 0")
        return arr

    @_underflow_to_zero
    def survival(self, t):
        """Share of the cohort still active after ``t`` periods, ``S(t)``.

        Parameters
        ----------
        t : int or array_like of int

        Returns
        -------
        float or numpy.ndarray
        """
        a, b = self._p()
        t = self._periods(t)
        return _scalar_or_array(np.exp(betaln(a, b + t) - betaln(a, b)))

    @_underflow_to_zero
    def retention(self, t):
        """Retention rate of period ``t``, ``r(t) = S(t) / S(t - 1)``, for ``t >= 1``; it rises
        with ``t`` as the cohort is left with its most loyal customers.

        Parameters
        ----------
        t : int or array_like of int

        Returns
        -------
        float or numpy.ndarray
        """
        a, b = self._p()
        t = self._periods(t)
        if np.any(t < 1):
            raise ParameterError(f"parameter 't' = {t!r} must be >= 1 for a retention rate")
        return _scalar_or_array((b + t - 1) / (a + b + t - 1))

    @_underflow_to_zero
    def expected_lifetime(self, horizon: int | None = None) -> float:
        """Expected number of periods a new customer is active (the period they join counts).

        Without a horizon this is ``E[T] = sum_{t>=0} S(t) = (alpha + beta - 1) / (alpha - 1)``,
        which is infinite when ``alpha <= 1`` (heavy tail of loyal customers); with a horizon
        ``h`` it is ``E[min(T, h)] = sum_{t=0}^{h-1} S(t)``.

        Parameters
        ----------
        horizon : int, optional

        Returns
        -------
        float
        """
        a, b = self._p()
        if horizon is None:
            return float((a + b - 1) / (a - 1)) if a > 1 else float("inf")
        h = check_int("horizon", horizon, 1)
        return float(np.sum(self.survival(np.arange(h))))

    @_underflow_to_zero
    def derl(self, discount_rate: float, n: int = 0) -> float:
        """Discounted expected residual lifetime of a customer who has survived ``n`` periods.

        The customer is active at the start of period ``n + 1`` and pays (one unit) at the
        start of each period they are active, this one included (undiscounted), the payment
        ``k`` periods later discounted by ``(1 + d)^k``:
        ``DERL = sum_{k>=0} S(n + k) / S(n) / (1 + d)^k
        = 2F1(1, beta + n; alpha + beta + n; 1 / (1 + d))``. Multiply by the margin per period
        for the customer's residual value; it grows with ``n`` (the survivors are the loyal).

        Parameters
        ----------
        discount_rate : float
            Per period of the counts (e.g. per year), as a fraction in (0, 1).
        n : int
            Periods survived (renewals made) so far.

        Returns
        -------
        float

        Examples
        --------
        >>> m = ShiftedBetaGeometric().fit([1000, 631, 468, 382, 326, 289, 262, 241])
        >>> round(m.derl(0.10), 2), round(m.derl(0.10, n=4), 2)
        (3.69, 6.36)
        """
        a, b = self._p()
        d = _discount_rate(discount_rate, "period of the counts", "0.10 a year", allow_zero=False)
        k = check_int("n", n, 0)
        return float(hyp2f1(1.0, b + k, a + b + k, 1.0 / (1.0 + d)))
