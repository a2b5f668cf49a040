"""Helper package of the open CRM analytics course, grouped by course part.

=====================  ================================================  ========================
module                 what it holds                                     chapters
=====================  ================================================  ========================
helpers.data           bundled data sets (CDNOW, donations), checks      00-05, 08, 12-16
                       of transaction logs, data contracts, the
                       DuckDB and Spark summary engines
helpers.customer_base  summaries and RFM, concentration, segments and    01-04, 12, 16
                       value tiers, B2B portfolio matrices, customer
                       equity
helpers.clv            lifetime-value models (BG/NBD, Pareto/NBD,        03-05, 08, 12, 16
                       Gamma-Gamma, sBG, BG/BB), baselines, held-out
                       evaluation
helpers.churn          survival analysis and churn early warning         06, 07, 09
helpers.service        satisfaction (CSAT, NPS, IPA) and complaints      09
helpers.operations     the sales funnel and the unified customer view    10
helpers.strategy       randomised campaigns, channels, recommendations   11, 15
                       and the KPI dashboard
helpers.cases          the case studies: retail, craft_store,            12-15, 17
                       port_terminal, bank, manufacturer
helpers.simulate       seeded simulators with planted truth              02, 06, 07, 09-11, 13-17
helpers.params         checks of a chapter's parameters                  all
helpers.exercises      exercise self-checks                              all
helpers.language       the chapter's language (en, zh): labels, fonts    all
helpers.plots          house style and shared plots                      all
helpers.validation     the input checks every function uses              (internal)
helpers.exceptions     the package's errors and warnings                 all
=====================  ================================================  ========================

Every public name of the library subpackages, of ``params``, ``exercises``, ``language``,
``plots`` and ``exceptions`` is importable from ``helpers`` itself
(``from helpers import summarize, BGNBD``).
The case studies and the simulators are imported from their own subpackage
(``from helpers.cases.bank import assign_tiers``, ``from helpers.simulate import subscriptions``).
Names are loaded on first use, so ``import helpers`` is quick.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

#: The modules whose public names the top-level namespace re-exports.
_SOURCES = (
    "helpers.exceptions",
    "helpers.params",
    "helpers.exercises",
    "helpers.language",
    "helpers.plots",
    "helpers.data",
    "helpers.customer_base",
    "helpers.clv",
    "helpers.churn",
    "helpers.service",
    "helpers.operations",
    "helpers.strategy",
)
_SUBPACKAGES = (
    "cases",
    "churn",
    "clv",
    "customer_base",
    "data",
    "exceptions",
    "exercises",
    "language",
    "operations",
    "params",
    "plots",
    "service",
    "simulate",
    "strategy",
    "validation",
)

# name -> module, written out so that the names are known without importing anything.
_WHERE: dict[str, str] = {
    "ConvergenceError": "helpers.exceptions",
    "DataQualityWarning": "helpers.exceptions",
    "DataValidationError": "helpers.exceptions",
    "NotFittedError": "helpers.exceptions",
    "ParameterError": "helpers.exceptions",
    "check_choice": "helpers.params",
    "check_date": "helpers.params",
    "check_injected_parameters": "helpers.params",
    "check_int": "helpers.params",
    "check_number": "helpers.params",
    "check_parameter_names": "helpers.params",
    "check_read_options": "helpers.params",
    "check_probability": "helpers.params",
    "FontNotFoundError": "helpers.exceptions",
    "LANGUAGES": "helpers.language",
    "Text": "helpers.language",
    "current_language": "helpers.language",
    "localize": "helpers.language",
    "set_language": "helpers.language",
    "text": "helpers.language",
    "chinese_font": "helpers.language",
    "CheckResult": "helpers.exercises",
    "check_answer": "helpers.exercises",
    "money_formatter": "helpers.plots",
    "plot_equity_projection": "helpers.plots",
    "plot_lever_effects": "helpers.plots",
    "plot_lorenz": "helpers.plots",
    "plot_purchases_over_time": "helpers.plots",
    "plot_service_matrix": "helpers.plots",
    "plot_target_matrix": "helpers.plots",
    "set_style": "helpers.plots",
    "Column": "helpers.data",
    "DIALECTS": "helpers.data",
    "DataContract": "helpers.data",
    "FILE_FORMATS": "helpers.data",
    "READ_FORMATS": "helpers.data",
    "TransactionCheck": "helpers.data",
    "contract_of": "helpers.data",
    "datasets_dir": "helpers.data",
    "day_number_sql": "helpers.data",
    "load_cdnow": "helpers.data",
    "load_cdnow_published_summary": "helpers.data",
    "load_donations": "helpers.data",
    "read_table": "helpers.data",
    "spark_missing": "helpers.data",
    "summary_sql": "helpers.data",
    "validate_transactions": "helpers.data",
    "BehaviourSegmenter": "helpers.customer_base",
    "DEFAULT_SEGMENT_RULES": "helpers.customer_base",
    "ENGINES": "helpers.customer_base",
    "EquityInputs": "helpers.customer_base",
    "RELATIONSHIP_TYPES": "helpers.customer_base",
    "SERVICE_POLICY": "helpers.customer_base",
    "TARGET_POLICY": "helpers.customer_base",
    "TIME_UNITS": "helpers.customer_base",
    "abc_classes": "helpers.customer_base",
    "choose_k": "helpers.customer_base",
    "customer_equity": "helpers.customer_base",
    "gini": "helpers.customer_base",
    "lever_effects": "helpers.customer_base",
    "lorenz_curve": "helpers.customer_base",
    "pareto_table": "helpers.customer_base",
    "retention_clv": "helpers.customer_base",
    "rfm_scores": "helpers.customer_base",
    "rfm_table": "helpers.customer_base",
    "segment_profiles": "helpers.customer_base",
    "service_matrix": "helpers.customer_base",
    "summarize": "helpers.customer_base",
    "target_customer_matrix": "helpers.customer_base",
    "top_share": "helpers.customer_base",
    "value_score": "helpers.customer_base",
    "value_tiers": "helpers.customer_base",
    "BGBB": "helpers.clv",
    "BGNBD": "helpers.clv",
    "GammaGamma": "helpers.clv",
    "MBGNBD": "helpers.clv",
    "ParetoNBD": "helpers.clv",
    "ShiftedBetaGeometric": "helpers.clv",
    "by_calibration_frequency": "helpers.clv",
    "cohort_retention_clv": "helpers.clv",
    "cumulative_tracking": "helpers.clv",
    "customer_lifetime_value": "helpers.clv",
    "historical_clv": "helpers.clv",
    "holdout_scorecard": "helpers.clv",
    "load_model": "helpers.clv",
    "parameter_draws": "helpers.clv",
    "prediction_interval": "helpers.clv",
    "save_model": "helpers.clv",
    "CAUSES": "helpers.churn",
    "COMPLAINT_LOG": "helpers.churn",
    "EXIT_REASONS": "helpers.churn",
    "SUBSCRIPTIONS": "helpers.churn",
    "UpliftClassifier": "helpers.churn",
    "cumulative_incidence": "helpers.churn",
    "fit_cause_specific_cox": "helpers.churn",
    "plot_cumulative_incidence": "helpers.churn",
    "plot_qini": "helpers.churn",
    "qini_coefficient": "helpers.churn",
    "qini_curve": "helpers.churn",
    "USAGE_LOG": "helpers.churn",
    "alerts": "helpers.churn",
    "check_proportional_hazards": "helpers.churn",
    "churn_risk": "helpers.churn",
    "fit_cox": "helpers.churn",
    "fit_weibull": "helpers.churn",
    "kaplan_meier_by_group": "helpers.churn",
    "load_subscriptions": "helpers.churn",
    "logrank": "helpers.churn",
    "retained_value": "helpers.churn",
    "snapshot_features": "helpers.churn",
    "survival_clv": "helpers.churn",
    "survival_table": "helpers.churn",
    "targeting": "helpers.churn",
    "GROUPS": "helpers.service",
    "OUTCOMES": "helpers.service",
    "QUADRANTS": "helpers.service",
    "SERVICE_TIERS": "helpers.service",
    "compare_expectations": "helpers.service",
    "complaint_kpis": "helpers.service",
    "csat": "helpers.service",
    "derived_importance": "helpers.service",
    "first_contact_resolution_rate": "helpers.service",
    "handling_hours": "helpers.service",
    "hazard_ratios_by_group": "helpers.service",
    "ipa": "helpers.service",
    "mean_satisfaction": "helpers.service",
    "nps": "helpers.service",
    "plot_ipa": "helpers.service",
    "plot_retention_by_complaint": "helpers.service",
    "plot_zone_of_tolerance": "helpers.service",
    "repeat_complaint_rate": "helpers.service",
    "retention_by_complaint": "helpers.service",
    "timeliness_rate": "helpers.service",
    "service_tiers": "helpers.service",
    "service_triggers": "helpers.service",
    "zone_of_tolerance": "helpers.service",
    "BUSINESS_RECORD": "helpers.operations",
    "CUTOFFS": "helpers.operations",
    "DATE_FORMATS": "helpers.operations",
    "FIELDS": "helpers.operations",
    "FUNNEL_STAGES": "helpers.operations",
    "QualityReport": "helpers.operations",
    "RULES": "helpers.operations",
    "WEIGHTS": "helpers.operations",
    "accuracy_flags": "helpers.operations",
    "candidate_pairs": "helpers.operations",
    "cluster_records": "helpers.operations",
    "compare": "helpers.operations",
    "completeness": "helpers.operations",
    "growth_trend": "helpers.operations",
    "hit_rate": "helpers.strategy",
    "match_quality": "helpers.operations",
    "match_quality_by_threshold": "helpers.operations",
    "merge_customers": "helpers.operations",
    "new_customer_growth": "helpers.operations",
    "new_customer_share": "helpers.operations",
    "parse_dates": "helpers.operations",
    "plot_funnel": "helpers.operations",
    "quality_report": "helpers.operations",
    "record_completeness": "helpers.operations",
    "stage_conversion": "helpers.operations",
    "stage_outcomes": "helpers.operations",
    "standardise": "helpers.operations",
    "standardise_address": "helpers.operations",
    "standardise_email": "helpers.operations",
    "standardise_name": "helpers.operations",
    "standardise_phone": "helpers.operations",
    "time_in_stage": "helpers.operations",
    "timeliness": "helpers.operations",
    "CampaignROI": "helpers.strategy",
    "EffectEstimate": "helpers.strategy",
    "IMPLEMENTATION_OBSTACLES": "helpers.strategy",
    "ItemRecommender": "helpers.strategy",
    "KPI_LABELS": "helpers.strategy",
    "Obstacle": "helpers.strategy",
    "best_channels": "helpers.strategy",
    "campaign_roi": "helpers.strategy",
    "channel_response": "helpers.strategy",
    "compare_means": "helpers.strategy",
    "compare_proportions": "helpers.strategy",
    "kpi_status": "helpers.strategy",
    "minimum_detectable_lift": "helpers.strategy",
    "obstacle_checks": "helpers.strategy",
    "plot_campaign_effect": "helpers.strategy",
    "plot_kpi_dashboard": "helpers.strategy",
    "popular_items": "helpers.strategy",
    "power_proportions": "helpers.strategy",
    "sample_size_proportions": "helpers.strategy",
    "split_last_order": "helpers.strategy",
}

__all__ = sorted({*_WHERE, *_SUBPACKAGES})


def __getattr__(name: str):
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name]), name)
    elif name in _SUBPACKAGES:
        value = importlib.import_module(f"helpers.{name}")
    else:
        raise AttributeError(f"module 'helpers' has no attribute {name!r}")
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
