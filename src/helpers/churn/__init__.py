"""Churn: survival analysis of contractual customers (durations, Kaplan-Meier, Cox, Weibull,
survival CLV), competing exit reasons (cumulative incidence, cause-specific Cox), early
warning (snapshot features, alerts, targeting), uplift targeting (T-learner, Qini curve),
and the contracts and loader of a user's own subscriber base.

Chapters: 06 (survival), 07 (early warning), 09 (complaints and churn).
"""

from helpers.churn.competing import (
    cumulative_incidence,
    fit_cause_specific_cox,
    plot_cumulative_incidence,
)
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
from helpers.churn.uplift import UpliftClassifier, plot_qini, qini_coefficient, qini_curve

__all__ = [
    "CAUSES",
    "COMPLAINT_LOG",
    "EXIT_REASONS",
    "SUBSCRIPTIONS",
    "USAGE_LOG",
    "UpliftClassifier",
    "alerts",
    "check_proportional_hazards",
    "churn_risk",
    "cumulative_incidence",
    "fit_cause_specific_cox",
    "fit_cox",
    "fit_weibull",
    "kaplan_meier_by_group",
    "load_subscriptions",
    "logrank",
    "plot_cumulative_incidence",
    "plot_qini",
    "qini_coefficient",
    "qini_curve",
    "retained_value",
    "snapshot_features",
    "survival_clv",
    "survival_table",
    "targeting",
]
