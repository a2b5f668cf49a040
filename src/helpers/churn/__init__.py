"""Churn: survival analysis of contractual customers (durations, Kaplan-Meier, Cox, Weibull,
survival CLV), early warning (snapshot features, alerts, targeting), and the contracts and
loader of a user's own subscriber base.

Chapters: 06 (survival), 07 (early warning), 09 (complaints and churn).
"""

from helpers.churn.data import (
    COMPLAINT_LOG,
    EXIT_REASONS,
    SUBSCRIPTIONS,
    USAGE_LOG,
    load_subscriptions,
)
from helpers.churn.early_warning import (
    CAUSES,
    alerts,
    retained_value,
    snapshot_features,
    targeting,
)
from helpers.churn.survival import (
    check_proportional_hazards,
    churn_risk,
    fit_cox,
    fit_weibull,
    kaplan_meier_by_group,
    logrank,
    survival_clv,
    survival_table,
)

__all__ = [
    "CAUSES",
    "COMPLAINT_LOG",
    "EXIT_REASONS",
    "SUBSCRIPTIONS",
    "USAGE_LOG",
    "alerts",
    "check_proportional_hazards",
    "churn_risk",
    "fit_cox",
    "fit_weibull",
    "kaplan_meier_by_group",
    "load_subscriptions",
    "logrank",
    "retained_value",
    "snapshot_features",
    "survival_clv",
    "survival_table",
    "targeting",
]
