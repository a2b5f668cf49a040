"""Coverage of the CLV prediction intervals on customers simulated with known parameters.

Each replication simulates a new customer base from fixed true parameters (the published
CDNOW estimates), fits the model, and computes nominal 90% intervals for a fixed set of
customer histories. An interval covers when it holds the prediction at the TRUE parameters.
Intervals of one data set are correlated across customers, so the Monte-Carlo standard error
comes from the replications: the standard deviation of the per-replication coverage shares
divided by the square root of the number of replications.

Goal (issue 18): every pooled coverage within 85-95%. The exit status is 1 when one is not;
the table also goes to ``build/bench/coverage.json`` under the repository root.

Run: ``python bench/coverage_clv.py [--reps 200] [--customers 2000] [--draws 1000]``
(about 10-20 minutes on 2 cores; ``--reps 20`` for a smoke run).
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.clv import (
    BGNBD,
    GammaGamma,
    ParetoNBD,
    customer_lifetime_value,
    prediction_interval,
)
from helpers.simulate import (
    simulate_bgnbd_summary,
    simulate_gammagamma_spend,
    simulate_paretonbd_summary,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_JSON = REPO_ROOT / "build" / "bench" / "coverage.json"
#: The acceptance band of the pooled coverage of nominal 90% intervals.
GOAL = (0.85, 0.95)

#: BG/NBD on CDNOW (Fader, Hardie & Lee 2005), weeks.
BGNBD_TRUTH = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
#: Pareto/NBD on CDNOW (Fader, Hardie & Lee 2005), weeks.
PARETO_TRUTH = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
#: Gamma-Gamma on CDNOW (Fader, Hardie & Lee 2005).
GG_TRUTH = {"p": 6.25, "q": 3.74, "gamma": 15.44}

#: The fixed customer histories (weeks): a one-time buyer, light, regular, heavy, lapsed.
HISTORIES = pd.DataFrame(
    {
        "frequency": [0, 1, 2, 5, 10, 7],
        "recency": [0.0, 10.0, 30.0, 35.0, 38.0, 12.0],
        "T": [39.0, 39.0, 39.0, 39.0, 39.0, 39.0],
        "monetary_value": [0.0, 20.0, 35.0, 50.0, 30.0, 80.0],
    },
    index=pd.Index(["new", "light", "regular", "steady", "heavy", "lapsed"], name="customer"),
)


def _at(model, params):
    """A copy of a fitted model at the given (true) parameters."""
    new = copy.copy(model)
    new.params_ = dict(params)
    return new


def _base(kind, n, rng):
    """A simulated customer base (T uniform on 27..39 weeks as CDNOW's 12-week cohort)."""
    T = rng.uniform(27, 39, size=n)
    if kind == "pareto":
        return simulate_paretonbd_summary(n, **PARETO_TRUTH, T=T, random_state=rng)[0]["summary"]
    return simulate_bgnbd_summary(n, **BGNBD_TRUTH, T=T, random_state=rng)[0]["summary"]


def coverage(kind, n_reps, n_customers, n_draws, seed, level=0.9, shrink=1.0):
    """Coverage indicators, shape (n_reps, n_histories).

    ``kind``: "bgnbd" or "pareto" (conditional expected purchases in the next 39 weeks) or
    "clv" (BG/NBD + Gamma-Gamma, 4 quarters, 13 weeks each, 3% a quarter). ``shrink`` > 1
    narrows every interval around its estimate by that factor (to show the check's power).
    """
    rng = np.random.default_rng(seed)
    hits = np.zeros((n_reps, len(HISTORIES)), dtype=bool)
    for i in range(n_reps):
        s = _base(kind, n_customers, rng)
        model = (ParetoNBD() if kind == "pareto" else BGNBD()).fit(s)
        truth_params = PARETO_TRUTH if kind == "pareto" else BGNBD_TRUTH
        if kind == "clv":
            spend = simulate_gammagamma_spend(s["frequency"], **GG_TRUTH, random_state=rng)
            gg = GammaGamma().fit(spend[0]["spend"].loc[s["frequency"] > 0])
            args = {"horizon": 4, "period_length": 13.0, "discount_rate": 0.03}
            ci = customer_lifetime_value(
                model, gg, HISTORIES, **args, confidence_level=level, n_draws=n_draws,
                random_state=rng,
            )  # fmt: skip
            est = ci["clv"].to_numpy()
            truth = customer_lifetime_value(
                _at(model, truth_params), _at(gg, GG_TRUTH), HISTORIES, **args
            ).to_numpy()
        else:
            ci = prediction_interval(
                model, "conditional_expected_purchases", 39.0, HISTORIES,
                confidence_level=level, n_draws=n_draws, random_state=rng,
            )  # fmt: skip
            est = ci["estimate"].to_numpy()
            truth = _at(model, truth_params).conditional_expected_purchases(39.0, HISTORIES)
            truth = truth.to_numpy()
        low = est - (est - ci["ci_low"].to_numpy()) / shrink
        high = est + (ci["ci_high"].to_numpy() - est) / shrink
        hits[i] = (low <= truth) & (truth <= high)
    return hits


def summarise(hits) -> tuple[float, float]:
    """Pooled coverage and its Monte-Carlo standard error over replications."""
    per_rep = hits.mean(axis=1)
    return float(per_rep.mean()), float(per_rep.std(ddof=1) / np.sqrt(len(per_rep)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--clv-draws", type=int, default=400)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--kinds", default="bgnbd,pareto,clv")
    args = parser.parse_args()
    rows = []
    for kind in args.kinds.split(","):
        start = time.perf_counter()
        draws = args.clv_draws if kind == "clv" else args.draws
        hits = coverage(kind, args.reps, args.customers, draws, args.seed)
        cov, se = summarise(hits)
        row = {"prediction": kind, "coverage": cov, "mc_se": se}
        row.update({h: float(c) for h, c in zip(HISTORIES.index, hits.mean(axis=0), strict=True)})
        row["seconds"] = time.perf_counter() - start
        rows.append(row)
        print(f"{kind}: coverage {cov:.3f} (MC s.e. {se:.3f})", flush=True)
    table = pd.DataFrame(rows).set_index("prediction")
    print(
        f"\nNominal 90% intervals, {args.reps} replications of {args.customers} customers "
        f"({args.draws} draws; CLV {args.clv_draws}); coverage of the value at the true "
        "parameters, pooled over the histories and per history:"
    )
    print(table.round(3).to_string())
    missed = [k for k, c in table["coverage"].items() if not GOAL[0] <= c <= GOAL[1]]
    RESULTS_JSON.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_JSON.write_text(
        json.dumps({"args": vars(args), "goal": GOAL, "rows": rows, "missed": missed}, indent=1)
    )
    for kind in table.index:
        met = "met" if kind not in missed else "MISSED"
        print(f"goal {GOAL[0]:.0%}-{GOAL[1]:.0%} coverage, {kind}: {met}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
