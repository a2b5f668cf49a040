"""Benchmark the BG/NBD and Pareto/NBD fits of ``helpers.clv`` against lifetimes.

What it measures
----------------
Maximum likelihood fits of the BG/NBD (``helpers.clv.BGNBD().fit``) and the Pareto/NBD
(``helpers.clv.ParetoNBD().fit``) against lifetimes' ``BetaGeoFitter().fit`` and
``ParetoNBDFitter().fit`` (their defaults, one row per customer, as lifetimes' documentation
shows) on identical data:

* ``cdnow``: the CDNOW sample of the papers (2,357 customers, weeks, calibration to
  1997-09-30), the size of the course's chapters;
* ``sim``: customers drawn from each model's own process (``helpers.simulate``) with the CDNOW
  estimates as true parameters, acquired uniformly over a year and observed for one more, at
  daily resolution (T and recency are whole days, in weeks), so that the pooling of identical
  (frequency, recency, T) rows is as effective as on real data and no more.

Each contender runs in its own fresh subprocess that rebuilds the data from the seed, so the
memory figures are its own: resident memory after the data were built (baseline) and the peak
resident memory (VmHWM, reset after the data were built). Per run it reports the wall time of the
fit (best of ``--repeat`` for ours, a single run for lifetimes), the estimates, and the
log-likelihood of those estimates computed by one and the same function (ours), so the two
contenders' optima are compared on the same scale. lifetimes' Pareto/NBD starts from random
values of numpy's global generator, which each worker seeds with ``--seed``: without it, its
estimates along the likelihood's flattest direction (``s``, ``beta``) change from run to run.

lifetimes' Pareto/NBD fit (Nelder-Mead over every customer) takes many minutes at 1,000,000
customers, so it runs on ``--lifetimes-pnbd-customers`` (default 100,000) simulated customers
and ours runs on that same data too: the Pareto/NBD speed ratio is same-size. Ours also runs on
the full size.

Same-data comparison of our two models: the BG/NBD and the Pareto/NBD fitted on the SAME
full-size simulated customers, once on data drawn from the Pareto/NBD process and once on data
drawn from the BG/NBD process (same seed, same acquisition times). The Pareto/NBD is fitted
twice there: by its analytic-gradient objective (``ParetoNBD._objective``, the default) and by
the old path (the row log-likelihood ``_make_loglik`` with numerical gradients, a subclass
here), to show both give the same estimates and how much faster the new one is. The old path
runs once per data set (about ten seconds at 1,000,000 customers).

Goals checked: ours at least 10x faster than lifetimes (BG/NBD at the full size, Pareto/NBD at
the lifetimes size), the same estimates to 3 significant digits on every data set both ran on,
ours below 2 GB peak memory at the full size, and, on the same data for both processes, the
Pareto/NBD fit at most 3x the BG/NBD fit's time with the same estimates as the old path to 3
significant digits. Timings are wall times on a machine that may be shared: the load average
before and after the run is printed and stored with the results.

How to run
----------
    python bench/bench_clv.py                 # full: 1,000,000 customers (a few minutes)
    python bench/bench_clv.py --quick         # smoke run: 20,000 customers

Needs the ``bench`` extra (lifetimes). Exit status: 0 all well, 1 a goal failed, 2 a contender
failed. Results also go to ``build/bench/clv.json`` under the repository root.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _memory import peak_mb as _peak_mb
from _memory import reset_peak as _reset_peak
from _memory import status_kb as _status_kb

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_JSON = Path("build") / "bench" / "clv.json"  # relative to REPO_ROOT

MODELS = ("bgnbd", "pnbd")
CONTENDERS = ("ours", "lifetimes")
#: Workers: the contenders, plus our Pareto/NBD by its old fitting path (for the same-data check).
WORKERS = (*CONTENDERS, "ours-old")
FULL = {"customers": 1_000_000, "lifetimes_pnbd": 100_000}
QUICK = {"customers": 20_000, "lifetimes_pnbd": 5_000}

MIN_SPEEDUP = 10.0
MAX_PNBD_OVER_BGNBD = 3.0
MAX_PEAK_MB = 2000.0
SIG_DIGITS = 3

# True parameters of the simulations: the CDNOW estimates (weeks).
TRUTH = {
    "bgnbd": {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426},
    "pnbd": {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669},
}
NAMES = {"bgnbd": ("r", "alpha", "a", "b"), "pnbd": ("r", "alpha", "s", "beta")}


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


def make_data(process: str, data: str, customers: int, seed: int) -> pd.DataFrame:
    """The summary (frequency, recency, T in weeks) the contenders fit; simulated data come
    from the ``process`` model ("bgnbd" or "pnbd") with its CDNOW estimates as the truth."""
    if data == "cdnow":
        from helpers.customer_base.rfm import summarize
        from helpers.data import load_cdnow

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the sample's 21 duplicate rows
            s = summarize(load_cdnow("sample"), calibration_end="1997-09-30", time_unit="W")
        return s[["frequency", "recency", "T"]]
    from helpers.simulate import simulate_bgnbd_summary, simulate_paretonbd_summary

    rng = np.random.default_rng(seed)
    t_days = rng.integers(365, 731, customers)  # acquired over a year, observed one more
    sim = simulate_bgnbd_summary if process == "bgnbd" else simulate_paretonbd_summary
    s = sim(customers, T=t_days / 7.0, random_state=rng, **TRUTH[process])[0]["summary"]
    # Daily resolution: a repeat purchase is at least a day after the first one.
    days = np.where(s["frequency"] > 0, np.clip(np.ceil(s["recency"] * 7), 1, t_days), 0)
    s["recency"] = days / 7.0
    return s


def loglik(model: str, params: dict, s: pd.DataFrame) -> float:
    """Total log-likelihood of ``params`` on ``s``, by one function for both contenders."""
    from helpers.clv import BGNBD, ParetoNBD

    cls = BGNBD if model == "bgnbd" else ParetoNBD
    theta = np.array([params[k] for k in NAMES[model]])
    x, tx, T = (s[c].to_numpy(np.float64) for c in ("frequency", "recency", "T"))
    return float(np.sum(cls._loglik_rows(theta, x, tx, T)))


# --------------------------------------------------------------------------------------------
# Worker: one contender, one model, one data set, in a fresh process
# --------------------------------------------------------------------------------------------


def _prepare(name: str, model: str):
    """Import the contender's library and return ``fit(summary) -> params dict``."""
    if name in ("ours", "ours-old"):
        from helpers.clv import BGNBD, ParetoNBD

        cls = BGNBD if model == "bgnbd" else ParetoNBD
        if name == "ours-old":
            if model != "pnbd":
                raise ValueError("the old fitting path is the Pareto/NBD's")
            cls = _old_path_class(ParetoNBD)

        def fit(s: pd.DataFrame) -> dict:
            return dict(cls().fit(s).params_)

        return fit
    import lifetimes

    cls = lifetimes.BetaGeoFitter if model == "bgnbd" else lifetimes.ParetoNBDFitter

    def fit(s: pd.DataFrame) -> dict:
        f = cls().fit(s["frequency"], s["recency"], s["T"])
        return {k: float(v) for k, v in f.params_.items()}

    return fit


def _old_path_class(base):
    """The Pareto/NBD fitted as before its analytic gradient: the row log-likelihood
    ``_make_loglik`` and the optimiser's numerical gradients (the generic path of
    ``_objective_for`` in helpers.clv._base)."""

    class OldPathParetoNBD(base):
        def _objective_for(self, xu, txu, Tu, wu):
            loglik = self._make_loglik(xu, txu, Tu)
            return (lambda z: -float(np.dot(wu, loglik(np.exp(z))))), None

    return OldPathParetoNBD


def _version(name: str) -> str:
    module = {"ours": "helpers", "ours-old": "helpers", "lifetimes": "lifetimes"}[name]
    __import__(module)
    return getattr(sys.modules.get(module), "__version__", "?")


def worker(
    name: str, model: str, data: str, process: str, customers: int, seed: int, repeat: int
) -> None:
    fit = _prepare(name, model)  # import first: library memory belongs to the baseline
    s = make_data(process, data, customers, seed)
    # lifetimes' Pareto/NBD starts from random values of numpy's legacy global generator: seed
    # it, so that a run can be repeated.
    np.random.seed(seed % 2**32)  # noqa: NPY002
    gc.collect()
    peak_reset = _reset_peak()
    rss_kb = _status_kb("VmRSS")
    baseline_mb = rss_kb * 1024 / 1e6 if rss_kb is not None else None
    times, params = [], None
    for _ in range(repeat):
        gc.collect()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            params = fit(s)
            times.append(time.perf_counter() - t0)
    peak_mb = _peak_mb()
    distinct = int(s.groupby(["frequency", "recency", "T"]).ngroups)
    report = {
        "contender": name,
        "version": _version(name),
        "model": model,
        "data": data,
        "process": process if data == "sim" else "-",
        "customers": len(s),
        "distinct_rows": distinct,
        "times": times,
        "seconds": min(times),
        "baseline_rss_mb": baseline_mb,
        "peak_rss_mb": peak_mb,
        "peak_reset_after_data": peak_reset,
        "params": params,
        "log_likelihood": loglik(model, params, s),
    }
    print(json.dumps(report))


# --------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------


def run_worker(name, model, data, process, customers, args) -> dict:
    repeat = 1 if name in ("lifetimes", "ours-old") else args.repeat
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", name, "--model", model]
    cmd += ["--data", data, "--process", process, "--customers", str(customers)]
    cmd += ["--seed", str(args.seed), "--repeat", str(repeat)]
    where = f"{data}:{process}" if data == "sim" else data
    label = f"{name:<9} {model:<5} {where:<9} {customers:>9,}"
    print(f"  {label} x{repeat} ...", end="", file=sys.stderr, flush=True)
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        print(f" failed (exit {proc.returncode})", file=sys.stderr)
        print(proc.stderr, file=sys.stderr)
        raise SystemExit(2)
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f" {report['seconds']:.2f} s, peak {report['peak_rss_mb']:,.0f} MB", file=sys.stderr)
    return report


def same_digits(a: dict, b: dict, digits: int = SIG_DIGITS) -> bool:
    return all(f"{a[k]:.{digits - 1}e}" == f"{b[k]:.{digits - 1}e}" for k in a)


LABELS = {
    ("ours", "bgnbd"): "helpers.clv.BGNBD",
    ("ours", "pnbd"): "helpers.clv.ParetoNBD",
    ("ours-old", "pnbd"): "helpers.clv.ParetoNBD, old path",
    ("lifetimes", "bgnbd"): "lifetimes BetaGeoFitter",
    ("lifetimes", "pnbd"): "lifetimes ParetoNBDFitter",
}


def _key(r: dict) -> tuple:
    return r["model"], r["data"], r["process"], r["customers"]


def print_table(reports: list[dict]) -> None:
    ours = {_key(r): r for r in reports if r["contender"] == "ours"}
    print(
        "| model | contender | data | process | customers | distinct rows | seconds "
        "| peak RSS (MB) | time vs ours | estimates | log-likelihood |"
    )
    print("|---|---|---|---|--:|--:|--:|--:|--:|---|--:|")
    for r in reports:
        mine = ours.get(_key(r))
        ratio = f"{r['seconds'] / mine['seconds']:.1f}x" if mine else "-"
        runs = f"best of {len(r['times'])}" if len(r["times"]) > 1 else "1 run"
        est = ", ".join(f"{k} {v:.4g}" for k, v in r["params"].items())
        print(
            f"| {r['model']} | {LABELS[r['contender'], r['model']]} {r['version']} ({runs}) "
            f"| {r['data']} | {r['process']} | {r['customers']:,} | {r['distinct_rows']:,} "
            f"| {r['seconds']:.2f} "
            f"| {r['peak_rss_mb']:,.0f} | {ratio} | {est} | {r['log_likelihood']:,.2f} |"
        )


def print_same_data(reports: list[dict], find, n: int) -> None:
    """Our BG/NBD and Pareto/NBD (new and old fitting path) on the same customers."""
    print(
        "Same data: our BG/NBD and Pareto/NBD fitted on the same simulated customers "
        "(process = the model that generated them)."
    )
    print(
        "| process | customers | distinct rows | BG/NBD s | Pareto/NBD s | ratio "
        "| old path s | old / new | peak RSS MB (BG/NBD, Pareto/NBD, old) "
        "| Pareto/NBD estimates (new) | (old path) |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|---|---|")
    for process in MODELS:
        bg = find("ours", "bgnbd", "sim", n, process)
        new, old = (
            find("ours", "pnbd", "sim", n, process),
            find("ours-old", "pnbd", "sim", n, process),
        )
        peaks = ", ".join(f"{r['peak_rss_mb']:,.0f}" for r in (bg, new, old))
        est_new = ", ".join(f"{k} {v:.6g}" for k, v in new["params"].items())
        est_old = ", ".join(f"{k} {v:.6g}" for k, v in old["params"].items())
        print(
            f"| {process} | {n:,} | {new['distinct_rows']:,} | {bg['seconds']:.2f} "
            f"| {new['seconds']:.2f} | {new['seconds'] / bg['seconds']:.2f}x "
            f"| {old['seconds']:.2f} | {old['seconds'] / new['seconds']:.1f}x | {peaks} "
            f"| {est_new} | {est_old} |"
        )


def _load_average() -> list[float] | None:
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except (AttributeError, OSError):  # not on every platform
        return None


def _show_load(load: list[float] | None) -> str:
    return "n/a" if load is None else ", ".join(f"{v:.2f}" for v in load)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--customers", type=int, help="simulated customers (default 1,000,000)")
    p.add_argument(
        "--lifetimes-pnbd-customers",
        type=int,
        help="simulated customers lifetimes' Pareto/NBD runs on (default 100,000); ours also "
        "runs on them for a same-size ratio",
    )
    p.add_argument("--seed", type=int, default=20240630, help="seed of the simulations")
    p.add_argument("--repeat", type=int, default=3, help="runs of ours; the best counts")
    p.add_argument("--quick", action="store_true", help="smoke run: 20,000 customers")
    p.add_argument("--worker", choices=WORKERS, help=argparse.SUPPRESS)
    p.add_argument("--model", choices=MODELS, help=argparse.SUPPRESS)
    p.add_argument("--data", choices=("cdnow", "sim"), help=argparse.SUPPRESS)
    p.add_argument("--process", choices=MODELS, help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    size = QUICK if args.quick else FULL
    n = args.customers if args.customers is not None else size["customers"]
    n_lt = args.lifetimes_pnbd_customers
    n_lt = min(n, size["lifetimes_pnbd"]) if n_lt is None else n_lt
    if args.worker:
        process = args.process or args.model
        worker(args.worker, args.model, args.data, process, n, args.seed, args.repeat)
        return 0
    if n < 1 or not 1 <= n_lt <= n:
        p.error("need 1 <= --lifetimes-pnbd-customers <= --customers")
    if args.repeat < 1:
        p.error("--repeat must be at least 1")

    plan = []  # (worker, model, data, process of the simulation, customers)
    for model in MODELS:
        for name in CONTENDERS:
            plan.append((name, model, "cdnow", model, 2357))
    # Same data for both models, per process; the three fits of ours run one after the other
    # so that they see the same load.
    for process in MODELS:
        plan += [
            ("ours", "bgnbd", "sim", process, n),
            ("ours", "pnbd", "sim", process, n),
            ("ours-old", "pnbd", "sim", process, n),
        ]
    plan.append(("lifetimes", "bgnbd", "sim", "bgnbd", n))
    if n_lt < n:
        plan.append(("ours", "pnbd", "sim", "pnbd", n_lt))
    plan.append(("lifetimes", "pnbd", "sim", "pnbd", n_lt))

    load_start = _load_average()
    print(
        f"bench_clv: seed {args.seed}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
        f"load average {_show_load(load_start)}",
        file=sys.stderr,
    )
    reports = [run_worker(*job, args) for job in plan]
    load_end = _load_average()

    print()
    print_table(reports)
    print()
    print(
        "time vs ours = contender seconds / ours seconds on the same data; log-likelihood of "
        "each contender's estimates, computed by the same function."
    )
    if n_lt < n:
        print(
            f"note: lifetimes' Pareto/NBD ran on {n_lt:,} of {n:,} simulated customers "
            "(--lifetimes-pnbd-customers); its ratio is against ours on the same data."
        )

    def find(name, model, data, c, process=None):
        process = "-" if data == "cdnow" else (process or model)
        return next(
            r for r in reports if r["contender"] == name and _key(r) == (model, data, process, c)
        )

    print()
    print_same_data(reports, find, n)
    print()
    print(
        f"load average (1, 5, 15 min): {_show_load(load_start)} before, "
        f"{_show_load(load_end)} after"
    )

    goals = []
    for model, c in (("bgnbd", n), ("pnbd", n_lt)):
        o, lt = find("ours", model, "sim", c), find("lifetimes", model, "sim", c)
        speedup = lt["seconds"] / o["seconds"]
        goals.append(
            {
                "goal": f"{model}: ours >= {MIN_SPEEDUP:g}x faster than lifetimes "
                f"({c:,} customers)",
                "value": f"{speedup:.1f}x",
                "met": speedup >= MIN_SPEEDUP,
            }
        )
    for model in MODELS:
        for data, c in (("cdnow", 2357), ("sim", n if model == "bgnbd" else n_lt)):
            o, lt = find("ours", model, data, c), find("lifetimes", model, data, c)
            ok = same_digits(o["params"], lt["params"])
            dll = o["log_likelihood"] - lt["log_likelihood"]
            goals.append(
                {
                    "goal": f"{model}: same estimates to {SIG_DIGITS} significant digits "
                    f"({data}, {c:,} customers)",
                    "value": f"{'same' if ok else 'differ'}; LL ours - lifetimes = {dll:+.3f}",
                    "met": ok,
                }
            )
    for model in MODELS:
        o = find("ours", model, "sim", n)
        goals.append(
            {
                "goal": f"{model}: ours peak RSS < {MAX_PEAK_MB / 1000:g} GB ({n:,} customers)",
                "value": f"{o['peak_rss_mb']:,.0f} MB",
                "met": o["peak_rss_mb"] < MAX_PEAK_MB,
            }
        )
    for process in MODELS:
        bg = find("ours", "bgnbd", "sim", n, process)
        new, old = (
            find("ours", "pnbd", "sim", n, process),
            find("ours-old", "pnbd", "sim", n, process),
        )
        ratio = new["seconds"] / bg["seconds"]
        goals.append(
            {
                "goal": f"same data ({process} process, {n:,} customers): Pareto/NBD fit <= "
                f"{MAX_PNBD_OVER_BGNBD:g}x the BG/NBD fit",
                "value": f"{ratio:.2f}x ({new['seconds']:.2f} s / {bg['seconds']:.2f} s)",
                "met": ratio <= MAX_PNBD_OVER_BGNBD,
            }
        )
        ok = same_digits(new["params"], old["params"])
        dll = new["log_likelihood"] - old["log_likelihood"]
        goals.append(
            {
                "goal": f"same data ({process} process, {n:,} customers): Pareto/NBD estimates "
                f"equal the old path's to {SIG_DIGITS} significant digits",
                "value": f"{'same' if ok else 'differ'}; LL new - old = {dll:+.3f}",
                "met": ok,
            }
        )
    print()
    for g in goals:
        print(f"goal: {g['goal']}: {g['value']} -> {'met' if g['met'] else 'FAILED'}")

    out_path = REPO_ROOT / RESULTS_JSON
    out_path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "benchmark": "helpers.clv BG/NBD and Pareto/NBD fits vs lifetimes",
        "config": {
            "customers": n,
            "lifetimes_pnbd_customers": n_lt,
            "seed": args.seed,
            "repeat": args.repeat,
            "quick": args.quick,
            "truth": TRUTH,
        },
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "numpy": np.__version__,
            "pandas": pd.__version__,
            "load_average_before": load_start,
            "load_average_after": load_end,
        },
        "results": reports,
        "goals": goals,
    }
    out_path.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"\nresults written to {RESULTS_JSON.as_posix()}")
    failed = [g["goal"] for g in goals if not g["met"]]
    if failed:
        print("FAILED goals: " + "; ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
