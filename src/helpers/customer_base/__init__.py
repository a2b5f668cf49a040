"""The customer base: per-customer summaries and RFM, concentration (Pareto, Lorenz, Gini, ABC),
segments and value tiers, B2B portfolio matrices, and customer equity.

Chapters: 01 (equity), 02 (RFM, concentration, segments, matrices), 03, 04, 12, 16 (summaries).
"""

from helpers.customer_base.concentration import (
    abc_classes,
    gini,
    lorenz_curve,
    pareto_table,
    top_share,
)
from helpers.customer_base.equity import (
    EquityInputs,
    customer_equity,
    lever_effects,
    retention_clv,
)
from helpers.customer_base.portfolio import (
    RELATIONSHIP_TYPES,
    SERVICE_POLICY,
    TARGET_POLICY,
    service_matrix,
    target_customer_matrix,
)
from helpers.customer_base.rfm import (
    DEFAULT_SEGMENT_RULES,
    ENGINES,
    TIME_UNITS,
    rfm_scores,
    rfm_table,
    summarize,
)
from helpers.customer_base.segment import (
    BehaviourSegmenter,
    choose_k,
    segment_profiles,
    value_score,
    value_tiers,
)

__all__ = [
    "BehaviourSegmenter",
    "DEFAULT_SEGMENT_RULES",
    "ENGINES",
    "EquityInputs",
    "RELATIONSHIP_TYPES",
    "SERVICE_POLICY",
    "TARGET_POLICY",
    "TIME_UNITS",
    "abc_classes",
    "choose_k",
    "customer_equity",
    "gini",
    "lever_effects",
    "lorenz_curve",
    "pareto_table",
    "retention_clv",
    "rfm_scores",
    "rfm_table",
    "segment_profiles",
    "service_matrix",
    "summarize",
    "target_customer_matrix",
    "top_share",
    "value_score",
    "value_tiers",
]
