"""Service: satisfaction (CSAT, NPS, importance-performance, zone of tolerance, service tiers,
satisfaction triggers) and complaint handling (KPIs, timeliness, complaints and churn).

Chapter: 09.
"""

from helpers.service.complaints import (
    GROUPS,
    OUTCOMES,
    complaint_kpis,
    first_contact_resolution_rate,
    handling_hours,
    hazard_ratios_by_group,
    mean_satisfaction,
    plot_retention_by_complaint,
    repeat_complaint_rate,
    retention_by_complaint,
    timeliness_rate,
)
from helpers.service.satisfaction import (
    QUADRANTS,
    SERVICE_TIERS,
    compare_expectations,
    csat,
    derived_importance,
    ipa,
    nps,
    plot_ipa,
    plot_zone_of_tolerance,
    service_tiers,
    service_triggers,
    zone_of_tolerance,
)

__all__ = [
    "GROUPS",
    "OUTCOMES",
    "QUADRANTS",
    "SERVICE_TIERS",
    "compare_expectations",
    "complaint_kpis",
    "csat",
    "derived_importance",
    "first_contact_resolution_rate",
    "handling_hours",
    "hazard_ratios_by_group",
    "ipa",
    "mean_satisfaction",
    "nps",
    "plot_ipa",
    "plot_retention_by_complaint",
    "plot_zone_of_tolerance",
    "repeat_complaint_rate",
    "retention_by_complaint",
    "service_tiers",
    "service_triggers",
    "timeliness_rate",
    "zone_of_tolerance",
]
