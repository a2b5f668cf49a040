"""Seeded simulators of customer behaviour with known parameters."""

from helpers.simulate.accounts import RELATIONSHIP_TYPES, STATUSES, b2b_accounts
from helpers.simulate.covariates import CovariateTruth, simulate_covariate_summary
from helpers.simulate.mbgnbd import simulate_mbgnbd_summary
from helpers.simulate.purchases import (
    PurchaseTruth,
    simulate_bgbb,
    simulate_bgnbd_summary,
    simulate_bgnbd_transactions,
    simulate_gammagamma_spend,
    simulate_paretonbd_summary,
    simulate_paretonbd_transactions,
)
from helpers.simulate.subscriptions import (
    EXIT_REASONS,
    TRUE_HAZARD_RATIOS,
    SubscriptionTruth,
    design_matrix,
    subscriptions,
)

__all__ = [
    "EXIT_REASONS",
    "SubscriptionTruth",
    "TRUE_HAZARD_RATIOS",
    "design_matrix",
    "subscriptions",
    "RELATIONSHIP_TYPES",
    "STATUSES",
    "b2b_accounts",
    "CovariateTruth",
    "simulate_covariate_summary",
    "PurchaseTruth",
    "simulate_bgbb",
    "simulate_bgnbd_summary",
    "simulate_bgnbd_transactions",
    "simulate_gammagamma_spend",
    "simulate_mbgnbd_summary",
    "simulate_paretonbd_summary",
    "simulate_paretonbd_transactions",
]
