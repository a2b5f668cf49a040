"""Seeded simulator of a service-quality and satisfaction survey with a known truth.

The survey follows the curriculum's two sides of service quality — the procedural side
(程序面: waiting time, process convenience, information, responsiveness) and the personal side
(个人面: attitude, attention, tone, problem solving) — and the three-column format of
Parasuraman, Zeithaml & Berry (1994): for each attribute a respondent gives the *adequate*
(minimum acceptable, 必要的服务) and the *desired* (渴望的服务) service level and, if they are a
customer, the *perceived* level, all on a 1-9 scale; plus the attribute's stated importance
(1-7). Existing customers also give an overall satisfaction score (CSAT, 1-5) and how likely
they are to recommend the firm (0-10). Potential customers have not used the service: they
state importance and expectations only, and their perception and outcome columns are empty.

Everything is drawn from normal variables that are rounded to the scale and clipped at its
ends, so the population values of every survey statistic (mean scores, the CSAT share, the
NPS) can be computed exactly from the planted parameters: :class:`SurveyTruth` holds them.

References
----------
Parasuraman, A., Zeithaml, V. A. and Berry, L. L. (1994). Alternative scales for measuring
service quality: a comparative assessment based on psychometric and diagnostic criteria.
*Journal of Retailing* 70(3), 201-230.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import norm

from helpers.validation import check_int, check_probability

__all__ = [
    "ATTRIBUTES",
    "CSAT_CUTPOINTS",
    "EXPECTATIONS",
    "PERCEIVED",
    "STATED_IMPORTANCE",
    "TRUE_WEIGHTS",
    "SurveyTruth",
    "survey_responses",
]

#: Service attributes and the side of service quality each belongs to.
ATTRIBUTES: dict[str, str] = {
    "waiting time": "procedural",
    "process convenience": "procedural",
    "information": "procedural",
    "responsiveness": "procedural",
    "attitude": "personal",
    "attention": "personal",
    "tone": "personal",
    "problem solving": "personal",
}

#: True effect of one scale point of perceived quality on latent overall satisfaction
#: (the derived importance that a good method should rank in this order).
TRUE_WEIGHTS: dict[str, float] = {
    "waiting time": 0.30,
    "process convenience": 0.03,
    "information": 0.06,
    "responsiveness": 0.10,
    "attitude": 0.25,
    "attention": 0.08,
    "tone": 0.0,
    "problem solving": 0.40,
}

#: Mean stated importance (1-7) before rounding: high and compressed, as stated importance
#: usually is, and ordered differently from the true weights.
STATED_IMPORTANCE: dict[str, float] = {
    "waiting time": 6.3,
    "process convenience": 5.6,
    "information": 5.8,
    "responsiveness": 5.3,
    "attitude": 5.0,
    "attention": 4.8,
    "tone": 4.7,
    "problem solving": 6.0,
}

#: Mean perceived service level (1-9) of existing customers before rounding.
PERCEIVED: dict[str, float] = {
    "waiting time": 5.0,
    "process convenience": 6.0,
    "information": 7.6,
    "responsiveness": 6.2,
    "attitude": 7.2,
    "attention": 6.8,
    "tone": 7.0,
    "problem solving": 5.6,
}

#: Mean adequate and desired levels (1-9) before rounding, per segment:
#: ``{attribute: (adequate existing, adequate potential, desired existing, desired potential)}``.
#: Existing customers have a higher floor where they have learned what to expect (waiting,
#: attitude, problem solving); potential customers want more information and an easier process.
EXPECTATIONS: dict[str, tuple[float, float, float, float]] = {
    "waiting time": (6.0, 5.2, 7.6, 7.6),
    "process convenience": (5.2, 5.2, 7.0, 7.8),
    "information": (5.0, 5.8, 7.0, 8.0),
    "responsiveness": (5.8, 5.8, 7.4, 7.4),
    "attitude": (6.0, 5.4, 7.8, 7.8),
    "attention": (5.5, 5.5, 7.2, 7.2),
    "tone": (5.6, 5.6, 7.4, 7.4),
    "problem solving": (6.4, 5.8, 8.0, 8.0),
}

#: Latent satisfaction thresholds between CSAT scores 1|2, 2|3, 3|4 and 4|5.
CSAT_CUTPOINTS = (-2.2, -1.3, -0.6, 0.9)

_HALO_SD = 0.8  # respondent-level general impression shared by all perceived scores
_PERSONAL_SD = 0.6  # a second impression shared by the personal attributes (the staff)
_PERCEIVED_SD = 1.0  # attribute-specific noise of perceptions (procedural attributes)
# Personal attributes get less noise so that every perceived score has the same spread.
_PERSONAL_NOISE_SD = float(np.sqrt(_PERCEIVED_SD**2 - _PERSONAL_SD**2))
_SATISFACTION_SD = 0.6  # noise of latent satisfaction around the weighted perceptions
_RECOMMEND = (7.8, 1.3, 1.2)  # likelihood to recommend: intercept, slope on satisfaction, sd
_IMPORTANCE_SD = 0.9
_DESIRED_SD = 0.8
_ADEQUATE_SD = 0.9
SEGMENTS = ("existing", "potential")


def _pmf(mean: float, sd: float, low: int, high: int) -> np.ndarray:
    """P(clip(round(X), low, high) = k) for X ~ Normal(mean, sd), k = low..high."""
    edges = np.arange(low, high) + 0.5
    cdf = np.concatenate([[0.0], norm.cdf(edges, mean, sd), [1.0]])
    return np.diff(cdf)


def _scale(x: np.ndarray, low: int, high: int) -> np.ndarray:
    # Rounding half away from zero is irrelevant here: ties have probability zero.
    return np.clip(np.rint(x), low, high)


@dataclass(frozen=True)
class SurveyTruth:
    """What the simulator planted, and the exact population values of the survey statistics.

    Attributes
    ----------
    weights : dict
        True effect of one point of perceived quality on latent satisfaction, per attribute.
    csat_shares : dict
        Population share of existing customers answering each CSAT score 1-5.
    promoters, detractors : float
        Population shares answering 9-10 and 0-6 to "how likely are you to recommend us".
    nps : float
        Population net promoter score, ``100 * (promoters - detractors)``.
    means : pandas.DataFrame
        Exact expected mean of every observed score, indexed by (segment, attribute), with
        columns ``importance``, ``adequate``, ``desired`` and ``perceived`` (missing for
        potential customers) — the values a large survey's averages converge to.
    """

    weights: dict[str, float]
    csat_shares: dict[int, float]
    promoters: float
    detractors: float
    means: pd.DataFrame = field(repr=False)

    @property
    def nps(self) -> float:
        """Population net promoter score, ``100 * (promoters - detractors)``."""
        return 100.0 * (self.promoters - self.detractors)

    @property
    def csat(self) -> float:
        """Population share answering 4 or 5 (the top two boxes)."""
        return self.top_box_share(4)

    def top_box_share(self, top_box: int) -> float:
        """Population share answering ``top_box`` or more on the 1-5 CSAT scale."""
        top = check_int("top_box", top_box, 1, 5)
        return float(sum(p for k, p in self.csat_shares.items() if k >= top))

    @property
    def weight_order(self) -> list[str]:
        """Attributes from the most to the least important (true derived importance)."""
        return sorted(self.weights, key=self.weights.get, reverse=True)


def _truth() -> SurveyTruth:
    w = np.array([TRUE_WEIGHTS[a] for a in ATTRIBUTES])
    personal = np.array([d == "personal" for d in ATTRIBUTES.values()])
    noise = np.where(personal, _PERSONAL_NOISE_SD, _PERCEIVED_SD)
    # Var(sum w_j (q_j - mu_j)): the halo is shared by all attributes, the staff impression by
    # the personal ones, the rest is each attribute's own.
    var_u = (
        _HALO_SD**2 * w.sum() ** 2
        + _PERSONAL_SD**2 * w[personal].sum() ** 2
        + ((noise * w) ** 2).sum()
        + _SATISFACTION_SD**2
    )
    sd_u = np.sqrt(var_u)
    cdf = np.concatenate([[0.0], norm.cdf(CSAT_CUTPOINTS, 0.0, sd_u), [1.0]])
    csat_shares = {k: float(p) for k, p in zip(range(1, 6), np.diff(cdf), strict=True)}
    r0, r1, r_sd = _RECOMMEND
    sd_r = np.sqrt(r1**2 * var_u + r_sd**2)
    promoters = float(norm.sf(8.5, r0, sd_r))
    detractors = float(norm.cdf(6.5, r0, sd_r))
    rows = []
    k9, k7 = np.arange(1, 10), np.arange(1, 8)
    for s, seg in enumerate(SEGMENTS):
        for a in ATTRIBUTES:
            adequate_mean, desired_mean = EXPECTATIONS[a][s], EXPECTATIONS[a][2 + s]
            p_des = _pmf(desired_mean, _DESIRED_SD, 1, 9)
            p_ade = _pmf(adequate_mean, _ADEQUATE_SD, 1, 9)
            # The adequate level is capped at the desired one: E[min(A, D)], A and D independent.
            adequate = float((np.minimum.outer(k9, k9) * np.outer(p_ade, p_des)).sum())
            sd_p = np.hypot(_HALO_SD, _PERCEIVED_SD)
            rows.append(
                {
                    "segment": seg,
                    "attribute": a,
                    "importance": float(k7 @ _pmf(STATED_IMPORTANCE[a], _IMPORTANCE_SD, 1, 7)),
                    "adequate": adequate,
                    "desired": float(k9 @ p_des),
                    "perceived": float(k9 @ _pmf(PERCEIVED[a], sd_p, 1, 9))
                    if seg == "existing"
                    else np.nan,
                }
            )
    means = pd.DataFrame(rows).set_index(["segment", "attribute"])
    return SurveyTruth(dict(TRUE_WEIGHTS), csat_shares, promoters, detractors, means)


def survey_responses(
    n: int = 1_000, share_existing: float = 0.7, random_state=None
) -> tuple[dict[str, pd.DataFrame], SurveyTruth]:
    """Simulate a service-quality survey of existing and potential customers.

    Generating process (the truth):

    * a respondent is an existing customer with probability ``share_existing``, otherwise a
      potential customer;
    * stated importance of attribute ``j`` (1-7): ``round(STATED_IMPORTANCE[j] + e)``,
      ``e ~ N(0, 0.9)``, clipped to the scale;
    * desired level ``D`` and adequate level ``A`` (1-9): rounded normals around the segment's
      :data:`EXPECTATIONS` (sd 0.8 and 0.9), and ``A`` is capped at ``D`` (nobody's minimum is
      above what they wish for);
    * existing customers only: latent perceived quality ``q_j = PERCEIVED[j] + g + s + e_j``
      with a respondent halo ``g ~ N(0, 0.8)`` shared by all attributes, an impression of the
      staff ``s ~ N(0, 0.6)`` shared by the personal attributes only (0 for procedural ones),
      and ``e_j`` normal with sd 1 (procedural) or 0.8 (personal), so that every ``q_j`` has
      the same spread; the perceived score is ``q_j`` rounded and clipped to 1-9;
    * latent satisfaction ``U = sum_j TRUE_WEIGHTS[j] (q_j - PERCEIVED[j]) + N(0, 0.6)``;
      CSAT (1-5) counts the :data:`CSAT_CUTPOINTS` below ``U`` plus one;
    * likelihood to recommend (0-10): ``round(7.8 + 1.3 U + N(0, 1.2))``, clipped.

    Parameters
    ----------
    n : int
        Number of respondents.
    share_existing : float
        Expected share of existing customers among them, in (0, 1].
    random_state : None, int or numpy.random.Generator
        Seed or generator; the same seed gives the same survey.

    Returns
    -------
    data : dict of pandas.DataFrame
        ``"respondents"``: one row per respondent, indexed by ``respondent_id``, with
        ``segment`` ("existing" or "potential"), ``csat`` (1-5) and ``recommend`` (0-10),
        both missing for potential customers. ``"ratings"``: one row per respondent and
        attribute (long format) with ``respondent_id``, ``segment``, ``attribute``,
        ``dimension`` ("procedural" or "personal"), ``importance`` (1-7), ``adequate``,
        ``desired`` and ``perceived`` (1-9; perceived missing for potential customers).
    truth : SurveyTruth
        The planted weights and the exact population CSAT share, NPS and mean scores.

    Raises
    ------
    ParameterError
        If ``n`` is below 10 or ``share_existing`` is not in (0, 1].

    Examples
    --------
    >>> data, truth = survey_responses(200, random_state=1)
    >>> data["ratings"].shape
    (1600, 8)
    >>> round(truth.csat, 3), round(truth.nps, 1)
    (0.675, 10.2)
    >>> truth.weight_order[:3]
    ['problem solving', 'waiting time', 'attitude']
    """
    n = check_int("n", n, 10, 10_000_000)
    share = check_probability("share_existing", share_existing, allow_zero=False, allow_one=True)
    rng = np.random.default_rng(random_state)
    attrs = list(ATTRIBUTES)
    m = len(attrs)

    existing = rng.random(n) < share
    seg_idx = np.where(existing, 0, 1)
    ids = pd.Index([f"R{i:05d}" for i in range(1, n + 1)], name="respondent_id")

    stated = np.array([STATED_IMPORTANCE[a] for a in attrs])
    importance = _scale(stated + rng.normal(0, _IMPORTANCE_SD, (n, m)), 1, 7)
    exp = np.array([EXPECTATIONS[a] for a in attrs])  # (m, 4)
    desired = _scale(exp[:, 2 + seg_idx].T + rng.normal(0, _DESIRED_SD, (n, m)), 1, 9)
    adequate = _scale(exp[:, seg_idx].T + rng.normal(0, _ADEQUATE_SD, (n, m)), 1, 9)
    adequate = np.minimum(adequate, desired)

    mu = np.array([PERCEIVED[a] for a in attrs])
    personal = np.array([ATTRIBUTES[a] == "personal" for a in attrs])
    halo = rng.normal(0, _HALO_SD, (n, 1))
    staff = rng.normal(0, _PERSONAL_SD, (n, 1)) * personal
    noise_sd = np.where(personal, _PERSONAL_NOISE_SD, _PERCEIVED_SD)
    latent = halo + staff + rng.normal(0, 1, (n, m)) * noise_sd  # q - mu
    perceived = _scale(mu + latent, 1, 9)
    w = np.array([TRUE_WEIGHTS[a] for a in attrs])
    u = latent @ w + rng.normal(0, _SATISFACTION_SD, n)
    csat = 1.0 + (u[:, None] > np.array(CSAT_CUTPOINTS)).sum(axis=1)
    r0, r1, r_sd = _RECOMMEND
    recommend = _scale(r0 + r1 * u + rng.normal(0, r_sd, n), 0, 10)
    perceived[~existing] = np.nan
    csat[~existing] = np.nan
    recommend[~existing] = np.nan

    segment = np.array(SEGMENTS)[seg_idx]
    respondents = pd.DataFrame(
        {"segment": segment, "csat": csat, "recommend": recommend}, index=ids
    )
    ratings = pd.DataFrame(
        {
            "respondent_id": np.repeat(ids.to_numpy(), m),
            "segment": np.repeat(segment, m),
            "attribute": np.tile(attrs, n),
            "dimension": np.tile([ATTRIBUTES[a] for a in attrs], n),
            "importance": importance.ravel(),
            "adequate": adequate.ravel(),
            "desired": desired.ravel(),
            "perceived": perceived.ravel(),
        }
    )
    return {"respondents": respondents, "ratings": ratings}, _truth()
