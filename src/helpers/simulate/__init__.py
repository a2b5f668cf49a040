"""Seeded simulators of customer behaviour with known parameters."""

from .accounts import RELATIONSHIP_TYPES, STATUSES, b2b_accounts
from .purchases import (
    simulate_bgbb,
    simulate_bgnbd_summary,
    simulate_bgnbd_transactions,
    simulate_gammagamma_spend,
    simulate_paretonbd_summary,
    simulate_paretonbd_transactions,
)

__all__ = [
    "RELATIONSHIP_TYPES",
    "STATUSES",
    "b2b_accounts",
    "simulate_bgbb",
    "simulate_bgnbd_summary",
    "simulate_bgnbd_transactions",
    "simulate_gammagamma_spend",
    "simulate_paretonbd_summary",
    "simulate_paretonbd_transactions",
]
