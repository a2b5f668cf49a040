"""The modified BG/NBD model of repeat buying (Batislam, Denizel & Filiztekin 2007)."""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, digamma, gammaln, hyp2f1
from scipy.stats import nbinom

from helpers.clv._base import _ContinuousTimeModel
from helpers.clv.bgnbd import BGNBD, _future_pmf

__all__ = ["MBGNBD"]


class MBGNBD(_ContinuousTimeModel):
    """Modified beta-geometric/negative binomial model of a non-contractual customer base.

    As in the BG/NBD, an active customer buys at Poisson rate ``lambda ~ Gamma(r, rate
    alpha)`` and drops out after a purchase with probability ``p ~ Beta(a, b)``. The
    modification: the first purchase (at time 0) also counts, so a customer may drop out right
    after it. A one-time buyer's probability of being alive is then below 1, and falls as time
    passes without a repeat purchase; in the BG/NBD it is always 1.

    With ``x`` repeat purchases, the last at ``t_x``, observed until ``T``, the likelihood is

    ``B(a, b+x+1)/B(a, b) G (alpha+T)^-(r+x) + B(a+1, b+x)/B(a, b) G (alpha+t_x)^-(r+x)``,

    with ``G = Gamma(r+x) alpha^r / Gamma(r)``: alive after all ``x + 1`` purchases, or dropped
    out after the last one. ``P(alive) = 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x))``.

    Parameters
    ----------
    penalizer, tol, maxiter
        As in :class:`~helpers.clv.BGNBD`.

    Attributes
    ----------
    params_ : dict
        ``r``, ``alpha``, ``a``, ``b``.
    log_likelihood_, standard_errors_, confidence_intervals_
        As in :class:`~helpers.clv.BGNBD`.

    Examples
    --------
    >>> from helpers.data import load_cdnow
    >>> from helpers.customer_base import summarize
    >>> s = summarize(load_cdnow("sample"), amount_col="amount", calibration_end="1997-09-30",
    ...               time_unit="W")
    >>> m = MBGNBD().fit(s)
    >>> {k: round(v, 3) for k, v in m.params_.items()}
    {'r': 0.525, 'alpha': 6.183, 'a': 0.891, 'b': 1.614}
    >>> one_time = s[s["frequency"] == 0].head(1)
    >>> float(m.probability_alive(one_time).round(3).iloc[0]) < 1
    True

    References
    ----------
    Batislam, E. P., Denizel, M. and Filiztekin, A. (2007). Empirical validation and comparison
    of models for customer base analysis. *International Journal of Research in Marketing*
    24(3), 201-209.

    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting your customers" the easy
    way: an alternative to the Pareto/NBD model. *Marketing Science* 24(2), 275-284.
    """

    _param_names = ("r", "alpha", "a", "b")
    _label = "MBG/NBD"
    _roles = BGNBD._roles
    _advice = BGNBD._advice
    _time_scaled = ("alpha",)
    _dropout = "a, b"
    _default_start = staticmethod(BGNBD._default_start)

    @staticmethod
    def _log_parts(params, x, tx, T):
        """log of the 'alive at T' and 'dropped out after the last purchase' terms, without
        the common factor ``Gamma(r+x) alpha^r / (Gamma(r) B(a, b))``."""
        r, alpha, a, b = params
        alive = betaln(a, b + x + 1) - (r + x) * np.log(alpha + T)
        dead = betaln(a + 1, b + x) - (r + x) * np.log(alpha + tx)
        return alive, dead

    @classmethod
    def _loglik_rows(cls, params, x, tx, T):
        r, alpha, a, b = params
        alive, dead = cls._log_parts(params, x, tx, T)
        common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
        return common + np.logaddexp(alive, dead)

    @classmethod
    def _loglik_grad_rows(cls, params, x, tx, T):
        """Analytic gradient of each row's log-likelihood, shape (4, n_rows)."""
        r, alpha, a, b = params
        alive, dead = cls._log_parts(params, x, tx, T)
        w_dead = np.exp(dead - np.logaddexp(alive, dead))
        w_alive = 1.0 - w_dead
        la_T = np.log(alpha + T)
        la_tx = np.log(alpha + tx)
        psi_all = digamma(a + b + x + 1)
        psi_ab = digamma(a + b)
        g = np.empty((4, len(x)))
        g[0] = digamma(r + x) - digamma(r) + np.log(alpha) - w_alive * la_T - w_dead * la_tx
        g[1] = r / alpha - (r + x) * (w_alive / (alpha + T) + w_dead / (alpha + tx))
        g[2] = (
            psi_ab
            - digamma(a)
            + w_alive * (digamma(a) - psi_all)
            + w_dead * (digamma(a + 1) - psi_all)
        )
        g[3] = (
            psi_ab
            - digamma(b)
            + w_alive * (digamma(b + x + 1) - psi_all)
            + w_dead * (digamma(b + x) - psi_all)
        )
        return g

    def _log_p_alive(self, x, tx, T):
        r, alpha, a, b = self._p()
        log_odds = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
        return -np.logaddexp(0.0, log_odds)

    def _expected(self, t):
        # E[X(t)] = b/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b+1; a+b; t/(alpha+t))], written
        # after Euler's transformation (bounded series terms), as in the BG/NBD.
        r, alpha, a, b = self._p()
        z = t / (alpha + t)
        f = np.power(1 - z, a - 1) * hyp2f1(a + b - r, a - 1, a + b, z)
        return b / (a - 1) * (1 - f)

    def _cond_expected(self, t, x, tx, T):
        # Alive at T: lambda ~ Gamma(r+x, alpha+T), p ~ Beta(a, b+x+1), then a BG/NBD process.
        r, alpha, a, b = self._p()
        z = t / (alpha + T + t)
        c = a + b + x
        f = np.power(1 - z, a - 1) * hyp2f1(a + b - r, a - 1, c, z)
        p_alive = np.exp(self._log_p_alive(x, tx, T))
        return c / (a - 1) * (1 - f) * p_alive

    def _pmf(self, t, n):
        # Alive after all n+1 purchases, or dropped out after the n-th repeat purchase (after
        # the first one when n = 0, which needs no purchase in (0, t]).
        r, alpha, a, b = self._p()
        n = np.asarray(n, dtype=np.float64)
        q = alpha / (alpha + t)
        alive = np.exp(betaln(a, b + n + 1) - betaln(a, b)) * nbinom.pmf(n, r, q)
        dead = np.exp(betaln(a + 1, b + n) - betaln(a, b)) * nbinom.sf(n - 1, r, q)
        return alive + dead

    def _cond_pmf(self, t, n, x, tx, T):
        r, alpha, a, b = self._p()
        p_alive = np.exp(self._log_p_alive(x, tx, T))
        future = _future_pmf(t, n, r + x, alpha + T, a, b + x + 1)
        out = p_alive[:, None] * future
        out[:, n == 0] += (1 - p_alive)[:, None]
        return out
