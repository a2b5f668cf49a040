"""The Pareto/NBD model of repeat buying (Schmittlein, Morrison & Colombo 1987)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.integrate import quad_vec
from scipy.special import gammaln, hyp2f1
from scipy.stats import nbinom

from helpers.clv._base import _ContinuousTimeModel

__all__ = ["ParetoNBD"]


def _log_tail(r, alpha, s, beta, x, t, alpha_ge_beta: bool):
    """log of ``(alpha+t)^-(r+x) (beta+t)^-s 2F1(1, r+x; r+s+x+1; (alpha-beta)/(alpha+t))``.

    This is the paper's ``2F1(r+s+x, s+1; r+s+x+1; z) / (alpha+t)^(r+s+x)`` after Euler's
    transformation, which turns the first argument into 1: the series then has bounded terms
    whatever ``x``, so large frequencies and long histories stay accurate. With
    ``alpha < beta`` the equivalent form in ``(beta-alpha)/(beta+t)`` (Pfaff's transformation)
    keeps the argument in [0, 1).
    """
    c = r + s + x + 1
    if alpha_ge_beta:
        z = (alpha - beta) / (alpha + t)
        return -(r + x) * np.log(alpha + t) - s * np.log(beta + t) + np.log(hyp2f1(1, r + x, c, z))
    z = (beta - alpha) / (beta + t)
    return (
        (1 - r - x) * np.log(alpha + t)
        - (s + 1) * np.log(beta + t)
        + np.log(hyp2f1(1, s + 1, c, z))
    )


class ParetoNBD(_ContinuousTimeModel):
    """Pareto/NBD model of a non-contractual customer base.

    While alive, a customer buys at Poisson rate ``lambda ~ Gamma(r, rate alpha)``; their
    lifetime is exponential with rate ``mu ~ Gamma(s, rate beta)`` (so lifetimes are Pareto of
    the second kind across customers). Fitted by maximum likelihood on the per-customer summary
    ``(frequency, recency, T)``, pooled into distinct rows first.

    The likelihood needs the Gauss hypergeometric function; it is evaluated after Euler's
    transformation, in the parametrisation (``alpha >= beta`` or not) that keeps the argument
    in [0, 1), and in log space (see Fader & Hardie 2005, note 009).

    Parameters
    ----------
    penalizer, tol, maxiter
        As in :class:`~helpers.clv.BGNBD`.

    Attributes
    ----------
    params_ : dict
        ``r``, ``alpha``, ``s``, ``beta``.
    log_likelihood_, standard_errors_, confidence_intervals_
        As in :class:`~helpers.clv.BGNBD`.

    Examples
    --------
    >>> from helpers.data import load_cdnow
    >>> from helpers.customer_base import summarize
    >>> s = summarize(load_cdnow("sample"), amount_col="amount", calibration_end="1997-09-30",
    ...               time_unit="W")
    >>> m = ParetoNBD().fit(s)
    >>> {k: round(v, 2) for k, v in m.params_.items()}
    {'r': 0.55, 'alpha': 10.58, 's': 0.61, 'beta': 11.67}
    >>> round(m.log_likelihood_, 1)
    -9595.0

    References
    ----------
    Schmittlein, D. C., Morrison, D. G. and Colombo, R. (1987). Counting your customers: who
    are they and what will they do next? *Management Science* 33(1), 1-24.

    Fader, P. S. and Hardie, B. G. S. (2005). A note on deriving the Pareto/NBD model and
    related expressions. http://brucehardie.com/notes/009/

    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting your customers" the easy
    way: an alternative to the Pareto/NBD model. *Marketing Science* 24(2), 275-284.
    """

    _param_names = ("r", "alpha", "s", "beta")
    _label = "Pareto/NBD"
    _roles = {"r": "the purchase rates", "alpha": "the purchase rates", "s": "the lifetimes",
              "beta": "the lifetimes"}  # fmt: skip
    _advice = (
        "fit it on more customers or a longer calibration period, check the summary's time "
        "unit (weeks rather than days), or use the BG/NBD, which needs less data"
    )
    _time_scaled = ("alpha", "beta")
    _dropout = "s, beta"

    @staticmethod
    def _default_start(x, T, w):
        mean_x = max(float(np.dot(w, x) / w.sum()), 1e-3)
        mean_T = max(float(np.dot(w, T) / w.sum()), 1e-3)
        return np.array([1.0, mean_T / mean_x, 1.0, mean_T])

    @staticmethod
    def _log_parts(params, x, tx, T, branch=None):
        """log of the 'alive through T' and 'died in (t_x, T]' parts of the likelihood,
        without the common factor."""
        r, alpha, s, beta = params
        ge = (alpha >= beta) if branch is None else branch
        alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        k_tx = _log_tail(r, alpha, s, beta, x, tx, ge)
        k_T = _log_tail(r, alpha, s, beta, x, T, ge)
        with np.errstate(divide="ignore", invalid="ignore"):
            d = np.minimum(k_T - k_tx, 0.0)
            dead = np.log(s / (r + s + x)) + k_tx + np.log(-np.expm1(d))
        dead = np.where(tx < T, dead, -np.inf)
        return alive, dead

    @staticmethod
    def _make_loglik(x, tx, T):
        """Row log-likelihood as a function of the parameters, for fitting: the expensive
        hypergeometric term depends only on (x, t) with t = t_x or T, and far fewer of those
        pairs are distinct than rows, so it is computed once per pair."""
        pairs = pd.DataFrame({"x": np.concatenate([x, x]), "t": np.concatenate([tx, T])})
        codes = pairs.groupby(["x", "t"], sort=False).ngroup().to_numpy()
        first = np.unique(codes, return_index=True)[1]
        xk, tk = pairs["x"].to_numpy()[first], pairs["t"].to_numpy()[first]
        c_tx, c_T = codes[: len(x)], codes[len(x) :]
        x_values = np.unique(x)
        x_idx = np.searchsorted(x_values, x)
        censored = tx >= T

        def loglik(params):
            r, alpha, s, beta = params
            k = _log_tail(r, alpha, s, beta, xk, tk, alpha >= beta)
            k_tx, k_T = k[c_tx], k[c_T]
            alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
            with np.errstate(divide="ignore", invalid="ignore"):
                dead = np.log(s / (r + s + x)) + k_tx + np.log(-np.expm1(np.minimum(k_T - k_tx, 0)))
            dead[censored] = -np.inf
            common = gammaln(x_values + r)[x_idx] - gammaln(r) + r * np.log(alpha)
            return common + s * np.log(beta) + np.logaddexp(alive, dead)

        return loglik

    @classmethod
    def _loglik_rows(cls, params, x, tx, T, branch=None):
        r, alpha, s, beta = params
        alive, dead = cls._log_parts(params, x, tx, T, branch)
        common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        return common + np.logaddexp(alive, dead)

    def _log_p_alive(self, x, tx, T):
        alive, dead = self._log_parts(self._p(), x, tx, T)
        return alive - np.logaddexp(alive, dead)

    @staticmethod
    def _share(s, L):
        """``[1 - exp(-(s-1) L)] / (s-1)``, with its limit ``L`` at ``s = 1``."""
        if abs(s - 1) < 1e-12:
            return L
        return -np.expm1(-(s - 1) * L) / (s - 1)

    def _expected(self, t):
        r, alpha, s, beta = self._p()
        return r * beta / alpha * self._share(s, np.log1p(t / beta))

    def _cond_expected(self, t, x, tx, T):
        r, alpha, s, beta = self._p()
        p_alive = np.exp(self._log_p_alive(x, tx, T))
        rate_given_alive = (r + x) * (beta + T) / (alpha + T)
        return rate_given_alive * self._share(s, np.log1p(t / (beta + T))) * p_alive

    def _pmf(self, t, n):
        # No tidy closed form: condition on the death time tau (Pareto II with shape s, scale
        # beta); given tau the count is NBD(r, alpha) over min(tau, t). One adaptive quadrature.
        r, alpha, s, beta = self._p()
        n = np.asarray(n, dtype=np.float64)

        def nbd(tau):
            return nbinom.pmf(n, r, alpha / (alpha + tau))

        survive = (beta / (beta + t)) ** s
        if t == 0:
            return nbd(0.0)

        def dead(tau):
            return s / beta * (beta / (beta + tau)) ** (s + 1) * nbd(tau)

        integral = quad_vec(dead, 0.0, t, epsabs=1e-13, epsrel=1e-10)[0]
        return survive * nbd(t) + integral
