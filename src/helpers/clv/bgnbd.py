"""The BG/NBD model of repeat buying (Fader, Hardie & Lee 2005)."""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, digamma, gammaln, hyp2f1
from scipy.stats import nbinom

from helpers.clv._base import _ContinuousTimeModel

__all__ = ["BGNBD"]


def _future_pmf(t, n, r, alpha, a, b):
    """``P(Y = n)`` for customers alive now, one row per customer, one column per ``n``.

    Each customer buys at rate ``lambda ~ Gamma(r, rate alpha)`` and drops out after each
    purchase with probability ``p ~ Beta(a, b)`` (``r``, ``alpha``, ``b`` arrays, one value a
    customer: the posterior given the history). ``Y`` counts the purchases in the next ``t``:
    still alive after ``n`` purchases and no more, or dropped out right after the ``n``-th
    (Fader, Hardie & Lee 2007, note 013, with the posterior parameters).
    """
    n = np.asarray(n, dtype=np.float64)[None, :]
    r, alpha, b = (np.asarray(v, dtype=np.float64)[:, None] for v in (r, alpha, b))
    q = alpha / (alpha + t)
    alive = np.exp(betaln(a, b + n) - betaln(a, b)) * nbinom.pmf(n, r, q)
    dead = np.where(
        n > 0,
        np.exp(betaln(a + 1, b + np.maximum(n, 1) - 1) - betaln(a, b)) * nbinom.sf(n - 1, r, q),
        0.0,
    )
    return alive + dead


class BGNBD(_ContinuousTimeModel):
    """Beta-geometric/negative binomial model of a non-contractual customer base.

    While active, a customer buys at Poisson rate ``lambda ~ Gamma(r, rate alpha)``; after each
    repeat purchase they drop out with probability ``p ~ Beta(a, b)``. The model is fitted by
    maximum likelihood on the per-customer summary ``(frequency, recency, T)``; customers with the
    same summary are pooled first (same likelihood, fewer evaluations).

    Parameters
    ----------
    penalizer : float
        L2 penalty ``penalizer * sum(params**2)`` added to the mean negative log-likelihood per
        customer; 0 (the default) is plain maximum likelihood. A small value (0.001) helps when
        the data hardly identify the parameters.
    tol : float
        Relative tolerance of the optimiser on the objective.
    maxiter : int
        Maximum number of optimiser iterations.

    Attributes
    ----------
    params_ : dict
        ``r``, ``alpha``, ``a``, ``b``.
    log_likelihood_ : float
        Total log-likelihood (weighted) at the estimate, without the penalty.
    standard_errors_ : dict
        Delta-method standard errors from the numerical Hessian in log-parameter space.
    confidence_intervals_ : pandas.DataFrame
        95% intervals (``exp(log theta +/- 1.96 se)``).

    Examples
    --------
    >>> from helpers.data import load_cdnow
    >>> from helpers.customer_base import summarize
    >>> s = summarize(load_cdnow("sample"), amount_col="amount", calibration_end="1997-09-30",
    ...               time_unit="W")
    >>> m = BGNBD().fit(s)
    >>> {k: round(v, 3) for k, v in m.params_.items()}
    {'r': 0.243, 'alpha': 4.414, 'a': 0.793, 'b': 2.426}
    >>> round(m.log_likelihood_, 1)
    -9582.4

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting your customers" the easy
    way: an alternative to the Pareto/NBD model. *Marketing Science* 24(2), 275-284.
    """

    _param_names = ("r", "alpha", "a", "b")
    _label = "BG/NBD"
    _roles = {"r": "the purchase rates", "alpha": "the purchase rates", "a": "the dropout",
              "b": "the dropout"}  # fmt: skip
    _advice = (
        "fit it on more customers or a longer calibration period, or check the summary's time "
        "unit (weeks rather than days)"
    )
    _time_scaled = ("alpha",)
    _dropout = "a, b"

    @staticmethod
    def _default_start(x, T, w):
        mean_x = max(float(np.dot(w, x) / w.sum()), 1e-3)
        mean_T = max(float(np.dot(w, T) / w.sum()), 1e-3)
        return np.array([1.0, mean_T / mean_x, 1.0, 1.0])

    @staticmethod
    def _loglik_rows(params, x, tx, T):
        r, alpha, a, b = params
        common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
        alive = betaln(a, b + x) - (r + x) * np.log(alpha + T)
        rep = x > 0
        dead = np.full_like(alive, -np.inf)
        xr = x[rep]
        dead[rep] = betaln(a + 1, b + xr - 1) - (r + xr) * np.log(alpha + tx[rep])
        return common + np.logaddexp(alive, dead)

    @staticmethod
    def _loglik_grad_rows(params, x, tx, T):
        """Analytic gradient of each row's log-likelihood, shape (4, n_rows)."""
        r, alpha, a, b = params
        rep = x > 0
        la_T = np.log(alpha + T)
        alive = betaln(a, b + x) - (r + x) * la_T
        dead = np.full_like(alive, -np.inf)
        dead[rep] = betaln(a + 1, b + x[rep] - 1) - (r + x[rep]) * np.log(alpha + tx[rep])
        w_dead = np.exp(dead - np.logaddexp(alive, dead))  # share of the "dropped out" term
        w_alive = 1.0 - w_dead
        la_tx = np.log(alpha + tx)
        psi_abx = digamma(a + b + x)
        # d/dr, d/dalpha, d/da, d/db of common + log(exp(alive) + exp(dead)).
        g = np.empty((4, len(x)))
        g[0] = digamma(r + x) - digamma(r) + np.log(alpha) - w_alive * la_T - w_dead * la_tx
        g[1] = r / alpha - (r + x) * (w_alive / (alpha + T) + w_dead / (alpha + tx))
        psi_ab = digamma(a + b)
        d_alive_a = digamma(a) - psi_abx
        d_dead_a = digamma(a + 1) - psi_abx
        g[2] = -(digamma(a) - psi_ab) + w_alive * d_alive_a + w_dead * d_dead_a
        d_alive_b = digamma(b + x) - psi_abx
        d_dead_b = np.where(rep, digamma(b + np.maximum(x - 1, 0)) - psi_abx, 0.0)
        g[3] = -(digamma(b) - psi_ab) + w_alive * d_alive_b + w_dead * d_dead_b
        return g

    @staticmethod
    def _objective(x, tx, T, w):
        """Negative log-likelihood and its gradient in log-parameters, for fitting.

        Same values as :meth:`_loglik_rows` and :meth:`_loglik_grad_rows`, organised for large
        data: the special functions depend only on ``x`` (few distinct values), the logarithms
        only on ``T`` and ``t_x``; only the mixing of the two terms is done row by row.
        """
        xv, xi = np.unique(x, return_inverse=True)
        Tv, Ti = np.unique(T, return_inverse=True)
        tv, ti = np.unique(tx, return_inverse=True)
        Wx = np.bincount(xi, weights=w, minlength=len(xv))
        rep_v = xv > 0
        xr = np.where(rep_v, xv, 1.0)
        W = float(w.sum())
        cache: dict = {}

        def compute(z: np.ndarray) -> tuple[float, np.ndarray]:
            key = z.tobytes()
            if key in cache:
                return cache[key]
            r, alpha, a, b = np.exp(z)
            lT = np.log(alpha + Tv)[Ti]
            ltx = np.log(alpha + tv)[ti]
            A = betaln(a, b + xv)
            D = np.where(rep_v, betaln(a + 1, b + xr - 1), -np.inf)
            common = gammaln(r + xv) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
            rx = r + x
            alive = A[xi] - rx * lT
            dead = D[xi] - rx * ltx
            m = np.logaddexp(alive, dead)
            value = -(float(np.dot(Wx, common)) + float(np.dot(w, m)))
            w_dead = np.exp(dead - m)
            w_alive = 1.0 - w_dead
            wd = w * w_dead
            wa = w - wd
            Sd = np.bincount(xi, weights=wd, minlength=len(xv))
            Sa = Wx - Sd
            psi_abx = digamma(a + b + xv)
            psi_ab = digamma(a + b)
            g = np.empty(4)
            g[0] = np.dot(Wx, digamma(r + xv) - digamma(r) + np.log(alpha)) - (
                np.dot(wa, lT) + np.dot(wd, ltx)
            )
            inv_T = (1.0 / (alpha + Tv))[Ti]
            inv_tx = (1.0 / (alpha + tv))[ti]
            g[1] = r / alpha * W - np.dot(w * rx, w_alive * inv_T + w_dead * inv_tx)
            d_dead_b = np.where(rep_v, digamma(b + xr - 1) - psi_abx, 0.0)
            g[2] = (
                W * (psi_ab - digamma(a))
                + np.dot(Sa, digamma(a) - psi_abx)
                + np.dot(Sd, digamma(a + 1) - psi_abx)
            )
            g[3] = (
                W * (psi_ab - digamma(b))
                + np.dot(Sa, digamma(b + xv) - psi_abx)
                + np.dot(Sd, d_dead_b)
            )
            out = (value, -g * np.exp(z))
            if len(cache) >= 4:  # the optimiser revisits only the last few points
                cache.pop(next(iter(cache)))
            cache[key] = out
            return out

        return (lambda z: compute(z)[0]), (lambda z: compute(z)[1])

    def _log_p_alive(self, x, tx, T):
        r, alpha, a, b = self._p()
        log_odds = np.full(len(x), -np.inf)
        rep = x > 0
        xr = x[rep]
        log_odds[rep] = (
            np.log(a)
            - np.log(b + xr - 1)
            + (r + xr) * (np.log(alpha + T[rep]) - np.log(alpha + tx[rep]))
        )
        return -np.logaddexp(0.0, log_odds)

    def _expected(self, t):
        r, alpha, a, b = self._p()
        z = t / (alpha + t)
        # Euler's transformation of 2F1(r, b; a+b-1; z) * (1-z)^r keeps the series tame.
        f = np.power(1 - z, a - 1) * hyp2f1(a + b - 1 - r, a - 1, a + b - 1, z)
        return (a + b - 1) / (a - 1) * (1 - f)

    def _cond_expected(self, t, x, tx, T):
        r, alpha, a, b = self._p()
        z = t / (alpha + T + t)
        c = a + b + x - 1
        f = np.power(1 - z, a - 1) * hyp2f1(a + b - 1 - r, a - 1, c, z)
        p_alive = np.exp(self._log_p_alive(x, tx, T))
        return c / (a - 1) * (1 - f) * p_alive

    def _pmf(self, t, n):
        # A new customer is alive at time 0 with the population's parameters.
        r, alpha, a, b = self._p()
        n = np.asarray(n, dtype=np.float64)
        return _future_pmf(t, n.ravel(), [r], [alpha], a, [b])[0].reshape(n.shape)

    def _cond_pmf(self, t, n, x, tx, T):
        # Alive at T: lambda ~ Gamma(r+x, alpha+T), p ~ Beta(a, b+x); dead: no more purchases.
        r, alpha, a, b = self._p()
        p_alive = np.exp(self._log_p_alive(x, tx, T))
        out = p_alive[:, None] * _future_pmf(t, n, r + x, alpha + T, a, b + x)
        out[:, n == 0] += (1 - p_alive)[:, None]
        return out
