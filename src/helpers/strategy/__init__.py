"""Strategy evaluation: randomised campaigns (effects, ROI, power, sample size), the contact
channel by audience, item-to-item recommendations for cross-selling, and the KPI dashboard
with implementation checks.

Chapter: 11.
"""

from helpers.strategy.channels import best_channels, channel_response
from helpers.strategy.dashboard import (
    IMPLEMENTATION_OBSTACLES,
    KPI_LABELS,
    Obstacle,
    kpi_status,
    obstacle_checks,
    plot_kpi_dashboard,
)
from helpers.strategy.experiment import (
    CampaignROI,
    EffectEstimate,
    campaign_roi,
    compare_means,
    compare_proportions,
    minimum_detectable_lift,
    plot_campaign_effect,
    power_proportions,
    sample_size_proportions,
)
from helpers.strategy.recommend import (
    ItemRecommender,
    hit_rate,
    popular_items,
    split_last_order,
)

__all__ = [
    "CampaignROI",
    "EffectEstimate",
    "IMPLEMENTATION_OBSTACLES",
    "ItemRecommender",
    "KPI_LABELS",
    "Obstacle",
    "best_channels",
    "campaign_roi",
    "channel_response",
    "compare_means",
    "compare_proportions",
    "hit_rate",
    "kpi_status",
    "minimum_detectable_lift",
    "obstacle_checks",
    "plot_campaign_effect",
    "plot_kpi_dashboard",
    "popular_items",
    "power_proportions",
    "sample_size_proportions",
    "split_last_order",
]
