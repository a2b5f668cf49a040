"""The BG/BB model of discrete-opportunity repeat transactions (Fader, Hardie & Shang 2010)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import betaln, gammaln

from helpers.clv._base import (
    _compress,
    _initial,
    _integer,
    _MLEModel,
    _nonnegative,
    _scalar_or_array,
    _summary_frame,
    _underflow_to_zero,
    _weights,
)
from helpers.exceptions import DataValidationError, ParameterError
from helpers.validation import check_is_fitted, numeric_column, renamed_attribute, rows

__all__ = ["BGBB"]

_COLS = ["frequency", "recency", "n_periods"]


def _discrete_summary(data, what: str, weight_col: str | None, *, pooled_check: bool = False):
    """Checked (frame, frequency, recency, n_periods, weight) of a discrete-time summary
    (``pooled_check`` as in :func:`helpers.clv._base._weights`)."""
    df = _summary_frame(data, what, _COLS)
    x, tx, n = (numeric_column(df, c, what) for c in _COLS)
    for col, v in zip(_COLS, (x, tx, n), strict=True):
        _nonnegative(df, v, col, what)
        _integer(df, v, col, what)
    bad = n < 1
    if bad.any():
        raise DataValidationError(
            f"column 'n_periods' of {what} is 0 in {int(bad.sum())} rows "
            f"({rows(df.index, bad)}); every customer needs at least one opportunity"
        )
    bad = tx > n
    if bad.any():
        raise DataValidationError(
            f"column 'recency' of {what} exceeds 'n_periods' in {int(bad.sum())} rows "
            f"({rows(df.index, bad)}); recency is the last opportunity with a transaction "
            "(1..n_periods, 0 without any)"
        )
    bad = x > tx
    if bad.any():
        raise DataValidationError(
            f"column 'frequency' of {what} exceeds 'recency' in {int(bad.sum())} rows "
            f"({rows(df.index, bad)}); x transactions need at least x opportunities up to the "
            "last one: check that recency counts opportunities, not time since the last one"
        )
    bad = (x == 0) & (tx > 0)
    if bad.any():
        raise DataValidationError(
            f"column 'recency' of {what} is positive for {int(bad.sum())} customers with "
            f"frequency 0 ({rows(df.index, bad)}); without transactions recency must be 0"
        )
    return df, x, tx, n, _weights(df, weight_col, what, pooled_check=pooled_check)


class BGBB(_MLEModel):
    """Beta-geometric/beta-Bernoulli model of transactions at discrete opportunities.

    While alive, a customer transacts at each opportunity with probability
    ``p ~ Beta(alpha, beta)``; before each opportunity an alive customer dies with probability
    ``theta ~ Beta(gamma, delta)``. Fitted on ``frequency`` (number of opportunities with a
    transaction), ``recency`` (the last such opportunity, 0 without any) and ``n_periods``
    (opportunities observed), pooled into distinct rows.

    Parameters
    ----------
    penalizer, tol, maxiter
        As in :class:`~helpers.clv.BGNBD`.

    Attributes
    ----------
    params_ : dict
        ``alpha``, ``beta``, ``gamma``, ``delta``.
    log_likelihood_, standard_errors_, confidence_intervals_
        As in :class:`~helpers.clv.BGNBD`.

    Examples
    --------
    >>> from helpers.data import load_donations
    >>> m = BGBB().fit(load_donations(), weight_col="weight")
    >>> {k: round(v, 3) for k, v in m.params_.items()}
    {'alpha': 1.204, 'beta': 0.75, 'gamma': 0.657, 'delta': 2.783}
    >>> round(m.log_likelihood_, 1)
    -33225.6

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Shang, J. (2010). Customer-base analysis in a
    discrete-time noncontractual setting. *Marketing Science* 29(6), 1086-1108.
    """

    _param_names = ("alpha", "beta", "gamma", "delta")
    _label = "BG/BB"
    _roles = {"alpha": "the transaction probabilities", "beta": "the transaction probabilities",
              "gamma": "the dropout", "delta": "the dropout"}  # fmt: skip
    _advice = "or fit it on more customers or more opportunities"

    @staticmethod
    def _log_parts(params, x, tx, n):
        """log of the 'alive through n' part and of the whole likelihood of each row."""
        a, b, g, d = params
        base = -betaln(a, b) - betaln(g, d)
        alive = betaln(a + x, b + n - x) + betaln(g, d + n) + base
        total = alive.copy()
        gap = (n - tx).astype(np.int64)
        for i in range(int(gap.max()) if len(gap) else 0):
            on = i < gap
            term = betaln(a + x[on], b + tx[on] - x[on] + i) + betaln(g + 1, d + tx[on] + i)
            total[on] = np.logaddexp(total[on], term + base)
        return alive, total

    @classmethod
    def _loglik_rows(cls, params, x, tx, n):
        return cls._log_parts(params, x, tx, n)[1]

    def fit(self, summary: pd.DataFrame, weight_col: str | None = None, initial_params=None):
        """Fit by maximum likelihood.

        Parameters
        ----------
        summary : pandas.DataFrame
            Columns ``frequency``, ``recency``, ``n_periods`` (whole numbers), e.g.
            :func:`helpers.data.load_donations`.
        weight_col : str, optional
            Column with the number of customers each row stands for. A table with a column
            named "weight", "weights", "count", "counts" or "n_customers" is refused without
            it: it looks pooled (as :func:`helpers.data.load_donations`).
        initial_params : dict, optional
            Starting values.

        Returns
        -------
        BGBB
            ``self``.

        Raises
        ------
        DataValidationError
            Missing columns; negative or non-integer values; ``recency > n_periods``;
            ``frequency > recency``; positive recency without transactions; a pooled-looking
            table without ``weight_col``.
        ConvergenceError
            If the data cannot identify the model (no transactions at all; every customer
            with the same history; every customer's last transaction at the last opportunity,
            so that no one is seen to lapse), if the optimiser does not converge, or if the
            estimates run off to 0 or infinity or are not pinned down.
        """
        self._check_hyper()
        what = f"the summary passed to {type(self).__name__}.fit"
        _, x, tx, n, w = _discrete_summary(summary, what, weight_col, pooled_check=True)
        (xu, txu, nu), wu = _compress(x, tx, n, weights=w)
        self._check_identifiable(xu, txu, nu, wu)
        self.n_customers_ = float(wu.sum())
        z0 = _initial(initial_params, self._param_names, np.ones(4))

        def neg_ll(z):
            return -float(np.dot(wu, self._loglik_rows(np.exp(z), xu, txu, nu)))

        self._maximise(neg_ll, z0, float(wu.sum()))
        return self

    def _check_identifiable(self, x, tx, n, w) -> None:
        """Refuse, before optimising, pooled data that cannot identify the model.

        From the likelihood: without any transaction the transaction probability runs to 0
        and the dropout parameters are free; when every customer's last transaction is at
        their last opportunity (``recency == n_periods``), only the "alive throughout" term is
        left, which is largest when no one ever drops out; one distinct history says nothing
        about how customers differ.
        """
        total = float(w.sum())
        if len(w) == 1:
            who = (
                "a single customer"
                if total == 1
                else f"all {total:g} customers have the same history"
            )
            raise self._unidentified(
                f"{who} (frequency {x[0]:g}, recency {tx[0]:g}, n_periods {n[0]:g})",
                "describes how customers differ in transaction probability and dropout, which "
                "one history cannot show: fit it on the whole customer base",
            )
        if not np.any(x > 0):
            raise self._unidentified(
                f"no transactions (frequency is 0 for all {total:g} customers)",
                "cannot estimate the dropout process (gamma, delta), and the transaction "
                "probability runs to 0: check that frequency counts the opportunities with a "
                "transaction (repeat transactions, after the first)",
            )
        if not np.any(tx < n):
            raise self._unidentified(
                f"every customer transacted at their last opportunity (recency == n_periods "
                f"for all {total:g} customers), so no one is seen to lapse",
                "cannot estimate the dropout process (gamma, delta): check that recency is the "
                "last opportunity with a transaction (1..n_periods, 0 without any), not the "
                "number of opportunities observed",
            )

    def _rows_of(self, summary, method):
        check_is_fitted(self, "params_")
        _, x, tx, n, _ = _discrete_summary(summary, f"the summary passed to {method}", None)
        return x, tx, n

    @_underflow_to_zero
    def probability_alive(self, summary: pd.DataFrame) -> pd.Series:
        """Probability that each customer is alive at the next opportunity, ``n_periods + 1``.

        Parameters
        ----------
        summary : pandas.DataFrame
            Columns ``frequency``, ``recency``, ``n_periods``.

        Returns
        -------
        pandas.Series
            Indexed like ``summary``.
        """
        x, tx, n = self._rows_of(summary, "probability_alive")
        a, b, g, d = self._p()
        alive, total = self._log_parts((a, b, g, d), x, tx, n)
        # alive at n + 1 = alive through n, then survives once more: B(g, d+n+1) / B(g, d+n)
        p = np.exp(alive - total + betaln(g, d + n + 1) - betaln(g, d + n))
        return pd.Series(p, index=summary.index, name="p_alive")

    @_underflow_to_zero
    def conditional_expected_purchases(self, n_future, summary: pd.DataFrame) -> pd.Series:
        """Expected transactions of each customer in the next ``n_future`` opportunities.

        Parameters
        ----------
        n_future : int
            Number of future opportunities.
        summary : pandas.DataFrame
            Columns ``frequency``, ``recency``, ``n_periods``.

        Returns
        -------
        pandas.Series
            Indexed like ``summary``.
        """
        x, tx, n = self._rows_of(summary, "conditional_expected_purchases")
        k = self._check_n(n_future, "n_future")
        a, b, g, d = self._p()
        _, total = self._log_parts((a, b, g, d), x, tx, n)
        lead = np.exp(betaln(a + x + 1, b + n - x) - betaln(a, b) - total)
        val = lead * self._survival_sum(g, d, n, k) / np.exp(betaln(g, d))
        return pd.Series(val, index=summary.index, name="expected")

    @staticmethod
    def _survival_sum(g, d, n, k):
        """``sum_{j=1}^{k} B(g, d + n + j)``, the expected future alive opportunities (times
        ``B(g, d)``), in the paper's closed form."""
        # Telescoping: G(m)/G(g+m) = [G(m)/G(g+m-1) - G(m+1)/G(g+m)] / (g - 1).
        lg = gammaln(g)
        first = np.exp(lg + gammaln(d + n + 1) - gammaln(g + d + n))
        last = np.exp(lg + gammaln(d + n + k + 1) - gammaln(g + d + n + k))
        return (first - last) / (g - 1)

    @staticmethod
    def _check_n(value, name):
        arr = np.asarray(value)
        if arr.ndim or not np.isfinite(arr) or arr < 0 or arr != np.round(arr):
            raise ParameterError(f"parameter {name!r} = {value!r} must be a whole number >= 0")
        return int(arr)

    @_underflow_to_zero
    def expected_purchases(self, n):
        """Expected transactions of a new customer in the first ``n`` opportunities.

        Parameters
        ----------
        n : int

        Returns
        -------
        float
        """
        check_is_fitted(self, "params_")
        k = self._check_n(n, "n")
        a, b, g, d = self._p()
        return float(a / (a + b) * self._survival_sum(g, d, 0, k) / np.exp(betaln(g, d)))

    @_underflow_to_zero
    def probability_of_purchases(self, n, x):
        """``P(X(n) = x)`` for a new customer: ``x`` transactions in ``n`` opportunities.

        Parameters
        ----------
        n : int
            Number of opportunities.
        x : int or array_like of int
            Numbers of transactions (0..n).

        Returns
        -------
        float or numpy.ndarray
        """
        check_is_fitted(self, "params_")
        n = self._check_n(n, "n")
        xs = np.asarray(x, dtype=np.float64)
        if np.any(xs < 0) or np.any(xs > n) or np.any(xs != np.round(xs)):
            raise ParameterError(f"parameter 'x' = {x!r} must be whole numbers in 0..{n}")
        a, b, g, d = self._p()

        def log_choose(m, k):
            return gammaln(m + 1) - gammaln(k + 1) - gammaln(m - k + 1)

        base = -betaln(a, b) - betaln(g, d)
        out = np.exp(log_choose(n, xs) + betaln(a + xs, b + n - xs) + betaln(g, d + n) + base)
        for i in range(n):  # died after i opportunities, with x of them transactions
            on = xs <= i
            out = out + np.where(
                on,
                np.exp(
                    log_choose(i, np.minimum(xs, i))
                    + betaln(a + xs, b + np.maximum(i - xs, 0))
                    + betaln(g + 1, d + i)
                    + base
                ),
                0.0,
            )
        return _scalar_or_array(out)

    # old names, kept working with a FutureWarning --------------------------------------------
    conditional_expected_transactions = renamed_attribute("conditional_expected_purchases")
    expected_transactions = renamed_attribute("expected_purchases")
    probability_of_transactions = renamed_attribute("probability_of_purchases")
