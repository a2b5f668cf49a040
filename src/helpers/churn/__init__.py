"""Churn: survival analysis of contractual customers (durations, Kaplan-Meier, Cox, Weibull,
survival CLV) and early warning (snapshot features, alerts, targeting).

Chapters: 06 (survival), 07 (early warning), 09 (complaints and churn).
"""

from helpers.churn.early_warning import (
    alerts,
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
    "alerts",
    "check_proportional_hazards",
    "churn_risk",
    "fit_cox",
    "fit_weibull",
    "kaplan_meier_by_group",
    "logrank",
    "snapshot_features",
    "survival_clv",
    "survival_table",
    "targeting",
]
