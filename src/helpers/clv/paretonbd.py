"""The Pareto/NBD model of repeat buying (Schmittlein, Morrison & Colombo 1987)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.integrate import quad_vec
from scipy.special import digamma, gammaln, hyp2f1
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


#: Below this argument the fit sums the series of ``2F1(1, b; c; z)`` itself (terms fall at
#: least as fast as ``z**n``, so at most about 80 terms); above it, scipy's ``hyp2f1``.
_SERIES_MAX_Z = 0.6


def _log_f1_series(b, c, z):
    """``log 2F1(1, b; c; z)`` and its derivatives in ``b``, ``c`` and ``z``, for ``c > b > 0``
    and ``0 <= z <= 0.6``, by the power series ``sum_n z^n (b)_n / (c)_n``.

    Written by hand because scipy has no derivative of ``hyp2f1`` in its parameters; the
    series gives them to rounding error, term by term:
    ``d (b)_n / db = (b)_n sum_{k<n} 1 / (b + k)``.
    """
    q = b / c  # (b)_n / (c)_n z^(n-1), for n = 1
    term = z * q
    f, f_z = 1.0 + term, q.copy()
    sum_b, sum_c = 1.0 / b, 1.0 / c
    f_b, f_c = term * sum_b, -term * sum_c
    for k in range(1, 200):
        q = q * z * (b + k) / (c + k)
        term = z * q
        sum_b += 1.0 / (b + k)
        sum_c += 1.0 / (c + k)
        f += term
        f_z += (k + 1) * q
        f_b += term * sum_b
        f_c -= term * sum_c
        if term.max(initial=0.0) < 1e-17:  # f >= 1, and the tail is below twice the term
            break
    return np.log(f), f_b / f, f_c / f, f_z / f


class ParetoNBD(_ContinuousTimeModel):
    """Pareto/NBD model of a non-contractual customer base.

    While alive, a customer buys at Poisson rate ``lambda ~ Gamma(r, rate alpha)``; their
    lifetime is exponential with rate ``mu ~ Gamma(s, rate beta)`` (so lifetimes are Pareto of
    the second kind across customers). Fitted by maximum likelihood on the per-customer summary
    ``(frequency, recency, T)``, pooled into distinct rows first.

    The likelihood needs the Gauss hypergeometric function; it is evaluated after Euler's
    transformation, in the parametrisation (``alpha >= beta`` or not) that keeps the argument
    in [0, 1), and in log space (see Fader & Hardie 2005, note 009). The fit uses the gradient
    of the log-likelihood: analytic, except the derivatives of that function in its parameters,
    which are finite differences computed once per distinct (frequency, time) pair.

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

    @staticmethod
    def _objective(x, tx, T, w):
        """Negative log-likelihood and its analytic gradient in log-parameters, for fitting.

        Same value as :meth:`_loglik_rows`, organised for large data. The hypergeometric term
        ``k(x, t)`` and its derivatives are computed once per distinct ``(x, t)`` pair, with
        ``t = t_x`` or ``T`` (far fewer pairs than rows); the rows only mix the "alive" and
        "dropped out" terms and sum their weights per pair (``numpy.bincount``).

        For arguments ``z <= 0.6`` (the usual case) the hypergeometric function and its
        derivatives come from its power series (:func:`_log_f1_series`). Above, scipy's
        ``hyp2f1`` gives the value and ``d 2F1 / dz`` (a ``2F1`` again); scipy has no derivative
        of ``2F1`` in its parameters, so those come from the five-point stencil in ``r`` and
        ``s`` with a step of 1% of the parameter (truncation error near 1e-10 relative). The
        large step keeps the gradient smooth where scipy's ``2F1`` is least accurate (argument
        near 1, when one of ``alpha``, ``beta`` is far above the other), so the Hessian, a
        difference of gradients, stays usable there too.
        """
        n = len(x)
        t_all = np.concatenate([tx, T])
        tv, t_inv = np.unique(t_all, return_inverse=True)
        xv, x_inv = np.unique(x, return_inverse=True)
        pair_key = np.concatenate([x_inv, x_inv]).astype(np.int64) * len(tv) + t_inv
        codes, uniq = pd.factorize(pair_key)
        c_tx, c_T = codes[:n], codes[n:]
        xk, tk = xv[uniq // len(tv)], tv[uniq % len(tv)]
        n_pairs = len(uniq)
        Wx = np.bincount(x_inv, weights=w, minlength=len(xv))
        W_T = np.bincount(c_T, weights=w, minlength=n_pairs)  # weight of each pair as (x, T)
        h = 0.01  # step of the differences in r and s, relative
        cache: dict = {}

        def slope(b, c, z, db, step):
            """Derivative of log 2F1(1, b; c; z) along (db, 1) in (b, c): five-point stencil."""

            def log_f(k):
                return np.log(hyp2f1(1.0, b + k * db * step, c + k * step, z))

            return (8 * (log_f(1) - log_f(-1)) - (log_f(2) - log_f(-2))) / (12 * step)

        def evaluate(zlog: np.ndarray) -> tuple[float, np.ndarray]:
            r, alpha, s, beta = np.exp(zlog)
            ge = alpha >= beta
            at, bt = alpha + tk, beta + tk
            la, lb = np.log(at), np.log(bt)
            c = r + s + xk + 1
            if ge:
                b, z = r + xk, (alpha - beta) / at
            else:
                b, z = np.full(n_pairs, s + 1), (beta - alpha) / bt
            # log F and d log F / dz, dr, ds; in r and s, b = r + x and c = r + s + x + 1
            # (alpha >= beta) or b = s + 1 (alpha < beta).
            log_ff, g_z, g_r, g_s = (np.empty(n_pairs) for _ in range(4))
            low = z <= _SERIES_MAX_Z
            if low.any():
                lf, gb, gc, gz = _log_f1_series(b[low], c[low], z[low])
                log_ff[low], g_z[low] = lf, gz
                g_r[low], g_s[low] = (gb + gc, gc) if ge else (gc, gb + gc)
            high = ~low
            if high.any():
                bh, ch, zh = b[high], c[high], z[high]
                f = hyp2f1(1.0, bh, ch, zh)
                log_ff[high] = np.log(f)
                g_z[high] = bh / ch * hyp2f1(2.0, bh + 1, ch + 1, zh) / f
                g_r[high] = slope(bh, ch, zh, 1.0 if ge else 0.0, h * r)
                g_s[high] = slope(bh, ch, zh, 0.0 if ge else 1.0, h * s)
            rx = r + xk
            dk = np.empty((4, n_pairs))
            if ge:
                k = -rx * la - s * lb + log_ff
                dk[0] = -la + g_r
                dk[1] = -rx / at + g_z * bt / at**2
                dk[2] = -lb + g_s
                dk[3] = -s / bt - g_z / at
            else:
                k = (1 - rx) * la - (s + 1) * lb + log_ff
                dk[0] = -la + g_r
                dk[1] = (1 - rx) / at - g_z / bt
                dk[2] = -lb + g_s
                dk[3] = -(s + 1) / bt + g_z * at / bt**2
            # The "dropped out" term: log(s / (r+s+x)) + log(exp(k(x, t_x)) - exp(k(x, T))).
            rsx = r + s + xk
            kc = k + np.log(s / rsx)
            dk[0] -= 1 / rsx
            dk[2] += 1 / s - 1 / rsx
            alive = -rx * la - s * lb
            k_tx = kc[c_tx]
            d = np.minimum(kc[c_T] - k_tx, 0.0)
            em = -np.expm1(d)  # 1 - exp(k_T - k_tx), 0 when t_x == T (no death possible)
            dead = k_tx + np.log(em)
            alive_r = alive[c_T]
            diff = dead - alive_r
            e = np.exp(-np.abs(diff))
            m = np.maximum(alive_r, dead) + np.log1p(e)
            w_dead = w * np.where(diff > 0, 1.0, e) / (1 + e)  # weight times P(dropped out)
            common = gammaln(r + xv) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
            value = -(float(np.dot(Wx, common)) + float(np.dot(w, m)))
            # d dead = d k_tx + u (d k_tx - d k_T), u = exp(d) / (1 - exp(d)).
            wdu = w_dead * np.divide(1 - em, em, out=np.zeros(n), where=em > 0)
            s_dead_T = np.bincount(c_T, weights=w_dead, minlength=n_pairs)
            s_u_T = np.bincount(c_T, weights=wdu, minlength=n_pairs)
            s_tx = np.bincount(c_tx, weights=w_dead + wdu, minlength=n_pairs)
            d_alive = np.array([-la, -rx / at, -lb, -s / bt])
            g = d_alive @ (W_T - s_dead_T) + dk @ (s_tx - s_u_T)
            g[0] += np.dot(Wx, digamma(r + xv) - digamma(r) + np.log(alpha))
            g[1] += Wx.sum() * r / alpha
            g[2] += Wx.sum() * np.log(beta)
            g[3] += Wx.sum() * s / beta
            return value, -g * np.exp(zlog)

        def compute(zlog: np.ndarray) -> tuple[float, np.ndarray]:
            key = zlog.tobytes()
            if key not in cache:
                with np.errstate(divide="ignore", invalid="ignore"):  # log(0) where t_x == T
                    out = evaluate(zlog)
                if len(cache) >= 4:  # the optimiser revisits only the last few points
                    cache.pop(next(iter(cache)))
                cache[key] = out
            return cache[key]

        return (lambda z: compute(z)[0]), (lambda z: compute(z)[1])

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

    def _cond_pmf(self, t, n, x, tx, T):
        # Alive at T: lambda ~ Gamma(r+x, alpha+T) and, the lifetime being memoryless, the
        # remaining lifetime is Pareto II (shape s, scale beta+T). As in _pmf, condition on the
        # death time tau in (0, t]: one vector quadrature over the distinct (x, T) pairs.
        r, alpha, s, beta = self._p()
        n = np.asarray(n, dtype=np.float64)
        p_alive = np.exp(self._log_p_alive(x, tx, T))
        pairs, inverse = np.unique(np.column_stack([x, T]), axis=0, return_inverse=True)
        rx = (r + pairs[:, 0])[:, None]
        aT = (alpha + pairs[:, 1])[:, None]
        bT = (beta + pairs[:, 1])[:, None]

        def nbd(tau):
            return nbinom.pmf(n[None, :], rx, aT / (aT + tau))

        future = nbd(0.0) if t == 0 else (bT / (bT + t)) ** s * nbd(t)
        if t > 0:

            def dead(tau):
                return s / bT * (bT / (bT + tau)) ** (s + 1) * nbd(tau)

            future = future + quad_vec(dead, 0.0, t, epsabs=1e-13, epsrel=1e-10)[0]
        out = p_alive[:, None] * future[inverse.ravel()]
        out[:, n == 0] += (1 - p_alive)[:, None]
        return out
