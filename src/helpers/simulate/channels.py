"""Seeded simulator of a contact-channel test: which channel reaches which customers.

The curriculum's example of choosing a channel by audience: social media for younger,
high-value customers, phone and mail for older ones. :func:`channel_test` sends one offer to a
customer base through a channel drawn at random for each customer (a randomised test, so the
response rates per channel are not confounded with who was chosen), and plants the response
rate of every channel in every age band and value tier, so that the analysis of
:func:`helpers.strategy.channel_response` can be checked against the truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers.validation import check_int

__all__ = [
    "AGE_BANDS",
    "CHANNELS",
    "CONTACT_COST",
    "MARGIN_PER_RESPONSE",
    "RESPONSE_RATE",
    "TIER_FACTOR",
    "VALUE_TIERS",
    "ChannelTruth",
    "channel_test",
]

#: Age bands and their shares of the customer base.
AGE_BANDS: dict[str, float] = {"18-29": 0.25, "30-44": 0.30, "45-59": 0.25, "60+": 0.20}
#: Value tiers and their shares.
VALUE_TIERS: dict[str, float] = {"high": 0.2, "medium": 0.3, "low": 0.5}
#: The contact channels of the test.
CHANNELS = ("social media", "phone", "mail")
#: Planted response rate of a medium-tier customer, by channel and age band.
RESPONSE_RATE: dict[str, dict[str, float]] = {
    "social media": {"18-29": 0.12, "30-44": 0.09, "45-59": 0.04, "60+": 0.02},
    "phone": {"18-29": 0.03, "30-44": 0.05, "45-59": 0.08, "60+": 0.10},
    "mail": {"18-29": 0.02, "30-44": 0.03, "45-59": 0.06, "60+": 0.09},
}
#: Response rate multiplier of each value tier (high-value customers answer more often).
TIER_FACTOR: dict[str, float] = {"high": 1.3, "medium": 1.0, "low": 0.8}
#: Cost of one contact through each channel (yuan).
CONTACT_COST: dict[str, float] = {"social media": 0.5, "phone": 4.0, "mail": 1.5}
#: Margin of one response, by value tier (yuan).
MARGIN_PER_RESPONSE: dict[str, float] = {"high": 120.0, "medium": 60.0, "low": 30.0}


@dataclass(frozen=True)
class ChannelTruth:
    """What :func:`channel_test` planted."""

    response_rate: dict = field(
        default_factory=lambda: {c: dict(r) for c, r in RESPONSE_RATE.items()}
    )
    tier_factor: dict = field(default_factory=lambda: dict(TIER_FACTOR))
    contact_cost: dict = field(default_factory=lambda: dict(CONTACT_COST))
    margin: dict = field(default_factory=lambda: dict(MARGIN_PER_RESPONSE))

    def rate(self, channel: str, age_band: str, tier: str = "medium") -> float:
        """The planted response rate of one channel for one age band and tier."""
        return self.response_rate[channel][age_band] * self.tier_factor[tier]


def channel_test(
    n_customers: int = 12_000, random_state=None
) -> tuple[dict[str, pd.DataFrame], ChannelTruth]:
    """A randomised test of three contact channels on a customer base.

    Parameters
    ----------
    n_customers : int
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    tables : dict
        ``{"contacts": DataFrame}`` indexed by ``customer_id`` with ``age_band``,
        ``value_tier``, ``channel`` (drawn at random, equal shares) and ``responded`` (0/1).
    truth : ChannelTruth

    Examples
    --------
    >>> tables, truth = channel_test(3_000, random_state=1)
    >>> sorted(tables["contacts"]["channel"].unique())
    ['mail', 'phone', 'social media']
    >>> truth.rate("social media", "18-29", "high")
    0.156
    """
    n = check_int("n_customers", n_customers, 100, 50_000_000)
    rng = np.random.default_rng(random_state)
    age = rng.choice(list(AGE_BANDS), n, p=list(AGE_BANDS.values()))
    tier = rng.choice(list(VALUE_TIERS), n, p=list(VALUE_TIERS.values()))
    channel = rng.choice(CHANNELS, n)
    truth = ChannelTruth()
    p = np.array([truth.rate(c, a, t) for c, a, t in zip(channel, age, tier, strict=True)])
    responded = (rng.random(n) < p).astype(int)
    df = pd.DataFrame(
        {"age_band": age, "value_tier": tier, "channel": channel, "responded": responded},
        index=pd.Index([f"C{i:06d}" for i in range(1, n + 1)], name="customer_id"),
    )
    return {"contacts": df}, truth
