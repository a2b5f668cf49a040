"""Benchmark ``helpers.summarize`` against its peers on one synthetic transaction log.

What it measures
----------------
The per-customer RFM summary (frequency, recency, T, monetary_value in weeks, same-day purchases
merged, ``observation_end`` = the last purchase day) computed five ways on identical rows:

* ``helpers.summarize(df, amount_col="amount", observation_end=...)`` (ours);
* the same summary written in polars (two ``group_by`` steps, every core), starting from the
  pandas DataFrame: ``pl.from_pandas(df)`` is inside the timed call, as a user would run it;
* the same polars query on a frame that is already a polars DataFrame (its conversion from
  pandas is not timed), for a fair view of polars itself;
* a hand-written DuckDB SQL query over the same pandas DataFrame (default threads);
* ``lifetimes.utils.summary_data_from_transaction_data(..., freq="D", freq_multiplier=7)``.

Each contender runs in its own fresh subprocess that rebuilds the log from the seed (the generator
is deterministic), so the memory figures are its own. Per contender it reports the wall time of
the call (best of ``--repeat``, a single run for lifetimes), the resident memory right after the
input frame was built (baseline) and the peak resident memory of the whole process (VmHWM, reset
after the log was generated, so the generator's temporaries do not count). Peak minus baseline
is the summary's own extra memory. Ours and polars run back to back, so they share the load of a
busy machine.

The outputs are compared: same customers, ``frequency`` exactly equal, the float columns equal
within 1e-9 relative (values below 1 within 1e-9 absolute). The script then checks the goals:
ours no slower than polars from the pandas DataFrame, ours at most 1.5x DuckDB's time, ours at
least 4x faster than lifetimes (on the same rows), ours below 3 GB peak memory. Results also go
to ``build/bench/summarize.json`` under the repository root.

lifetimes is slow on large logs; ``--lifetimes-rows L`` (L < ``--rows``) runs it on a smaller log
instead, and then the other contenders also run on that smaller log, so its ratio is same-size.
``--contenders`` runs a subset (ours always runs; a goal whose peer did not run is left out).

How to run
----------
    make bench                                   # full size: 10,000,000 rows, 1,000,000 customers
    python bench/bench_summarize.py --quick      # smoke run: 200,000 rows, 20,000 customers
    python bench/bench_summarize.py --rows 10000000 --lifetimes-rows 1000000
    python bench/bench_summarize.py --contenders ours,polars,polars-native

Needs the ``bench`` extra (duckdb, lifetimes); polars comes with the package. Exit status: 0 all
well, 1 a goal failed, 2 the outputs differ (or a contender failed). OPENBLAS_CORETYPE may be set
on these machines; it does not matter here, as no contender uses BLAS.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pickle
import platform
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _memory import peak_mb as _peak_mb
from _memory import reset_peak as _reset_peak
from _memory import status_kb as _status_kb

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_JSON = Path("build") / "bench" / "summarize.json"  # relative to REPO_ROOT

CONTENDERS = ("ours", "polars", "polars-native", "duckdb", "lifetimes")
FULL = {"rows": 10_000_000, "customers": 1_000_000}
QUICK = {"rows": 200_000, "customers": 20_000}

# Goals checked at the end.
MAX_RATIO_VS_POLARS = 1.0  # ours no slower than polars starting from the pandas DataFrame
MAX_RATIO_VS_DUCKDB = 1.5
MIN_SPEEDUP_VS_LIFETIMES = 4.0
MAX_PEAK_MB = 3000.0

RTOL = 1e-9

# Synthetic log: about 18 months of purchases.
START_DAY = np.datetime64("2023-01-01", "D")
N_DAYS = 547  # 2023-01-01 .. 2024-06-30


# --------------------------------------------------------------------------------------------
# Synthetic transaction log
# --------------------------------------------------------------------------------------------


def make_log(rows: int, customers: int, seed: int) -> pd.DataFrame:
    """A seeded, realistic-looking transaction log: customer_id, date, amount.

    Every customer buys at least once. Customers join over the whole window (a launch cohort in
    the first two months, the rest spread out), buy at gamma-distributed rates until an
    exponential dropout time, some purchases share a day with the previous one (split baskets),
    and spend around a customer-specific lognormal level. Dates carry a time of day, rows are in
    time order (like an export from a shop), amounts are in cents and about 1% are zero.
    """
    if not 1 <= customers <= rows:
        raise ValueError(f"need 1 <= customers <= rows, got {customers=} {rows=}")
    rng = np.random.default_rng(seed)

    # Per customer: first purchase day, active span in days, purchase rate, spend level.
    launch = rng.random(customers) < 0.3
    birth = np.where(
        launch, rng.integers(0, 60, customers), rng.integers(0, N_DAYS, customers)
    ).astype(np.int64)
    lifetime = rng.exponential(270.0, customers)
    span = np.minimum(lifetime, N_DAYS - birth).astype(np.int64) + 1  # >= 1 day, within window
    span = np.minimum(span, N_DAYS - birth)
    rate = rng.gamma(0.6, 1.0, customers)
    spend_level = rng.lognormal(np.log(35.0), 0.6, customers)

    # Number of purchases: one first purchase each, the rest in proportion to rate x span.
    weight = rate * span
    n_tx = 1 + rng.multinomial(rows - customers, weight / weight.sum())
    cust = np.repeat(np.arange(customers), n_tx)
    first_row = np.cumsum(n_tx) - n_tx

    # Repeat purchases fall uniformly in the active span; the first one is on the join day.
    day = birth[cust] + (rng.random(rows) * span[cust]).astype(np.int64)
    day[first_row] = birth
    # Split baskets: ~10% of repeat purchases are on the same day as the customer's previous one.
    same = rng.random(rows) < 0.10
    same[first_row] = False
    day[1:] = np.where(same[1:], day[:-1], day[1:])

    seconds = rng.integers(7 * 3600, 23 * 3600, rows)  # shop hours, 07:00-23:00
    stamp = (START_DAY + day).astype("datetime64[s]") + seconds.astype("timedelta64[s]")

    amount = np.round(rng.gamma(4.0, spend_level[cust] / 4.0), 2)
    amount[rng.random(rows) < 0.01] = 0.0  # free items, fully discounted orders

    # Customer ids: distinct integers with gaps, unrelated to join order.
    ids = rng.choice(3 * customers, customers, replace=False).astype(np.int64) + 100_001

    order = np.argsort(stamp, kind="stable")
    return pd.DataFrame(
        {
            "customer_id": ids[cust[order]],
            "date": stamp[order].astype("datetime64[ns]"),
            "amount": amount[order],
        }
    )


def observation_end_of(df: pd.DataFrame) -> pd.Timestamp:
    """The last purchase day (midnight), the observation end every contender is given."""
    return pd.Timestamp(df["date"].max()).normalize()


# --------------------------------------------------------------------------------------------
# Contenders
# --------------------------------------------------------------------------------------------

DUCKDB_SQL = """
WITH purchase_days AS (
    SELECT customer_id, CAST(date AS DATE) AS day, SUM(amount) AS spend
    FROM tx
    GROUP BY customer_id, CAST(date AS DATE)
),
per_customer AS (
    SELECT
        customer_id,
        COUNT(*) - 1 AS frequency,
        MIN(day) AS first_day,
        MAX(day) AS last_day,
        SUM(spend) AS total,
        arg_min(spend, day) AS first_spend
    FROM purchase_days
    GROUP BY customer_id
)
SELECT
    customer_id,
    frequency,
    date_diff('day', first_day, last_day) / 7.0 AS recency,
    date_diff('day', first_day, DATE '{obs_end}') / 7.0 AS "T",
    CASE WHEN frequency > 0 THEN (total - first_spend) / frequency ELSE 0.0 END
        AS monetary_value
FROM per_customer
ORDER BY customer_id
"""


def polars_summary(frame, obs_end: pd.Timestamp):
    """The summary in idiomatic polars: purchase days first, then one row per customer."""
    import polars as pl

    end = obs_end.date()
    days = (
        frame.lazy()
        .with_columns(pl.col("date").dt.date().alias("day"))
        .filter(pl.col("day") <= end)
        .group_by("customer_id", "day")
        .agg(pl.col("amount").sum().alias("spend"))
    )
    per_customer = days.group_by("customer_id").agg(
        (pl.len() - 1).alias("frequency"),
        pl.col("day").min().alias("first_day"),
        pl.col("day").max().alias("last_day"),
        pl.col("spend").sum().alias("total"),
        pl.col("spend").sort_by("day").first().alias("first_spend"),
    )
    out = per_customer.select(
        "customer_id",
        "frequency",
        ((pl.col("last_day") - pl.col("first_day")).dt.total_days() / 7.0).alias("recency"),
        ((pl.lit(end) - pl.col("first_day")).dt.total_days() / 7.0).alias("T"),
        pl.when(pl.col("frequency") > 0)
        .then((pl.col("total") - pl.col("first_spend")) / pl.col("frequency"))
        .otherwise(0.0)
        .alias("monetary_value"),
    )
    return out.sort("customer_id").collect().to_pandas().set_index("customer_id")


def _prepare(name: str):
    """Import the contender's library; return ``(setup, run)``.

    ``setup(df)`` turns the pandas log into the contender's input (not timed; the identity but
    for ``polars-native``), ``run(data, obs_end) -> DataFrame`` is the timed call.
    """
    setup = None
    if name == "ours":
        from helpers.customer_base.rfm import summarize

        def run(df: pd.DataFrame, obs_end: pd.Timestamp) -> pd.DataFrame:
            return summarize(df, amount_col="amount", observation_end=obs_end, time_unit="W")

    elif name == "polars":
        import polars as pl

        def run(df: pd.DataFrame, obs_end: pd.Timestamp) -> pd.DataFrame:
            return polars_summary(pl.from_pandas(df), obs_end)

    elif name == "polars-native":
        import polars as pl

        setup = pl.from_pandas
        run = polars_summary

    elif name == "duckdb":
        import duckdb

        def run(df: pd.DataFrame, obs_end: pd.Timestamp) -> pd.DataFrame:
            con = duckdb.connect()
            try:
                con.register("tx", df)
                out = con.execute(DUCKDB_SQL.format(obs_end=obs_end.date().isoformat())).df()
            finally:
                con.close()
            return out.set_index("customer_id")

    elif name == "lifetimes":
        from lifetimes.utils import summary_data_from_transaction_data

        def run(df: pd.DataFrame, obs_end: pd.Timestamp) -> pd.DataFrame:
            return summary_data_from_transaction_data(
                df,
                "customer_id",
                "date",
                monetary_value_col="amount",
                observation_period_end=obs_end,
                freq="D",
                freq_multiplier=7,
            )

    else:
        raise ValueError(name)
    return setup, run


def _version(name: str) -> str:
    module = {
        "ours": "helpers",
        "polars": "polars",
        "polars-native": "polars",
        "duckdb": "duckdb",
        "lifetimes": "lifetimes",
    }[name]
    return getattr(sys.modules.get(module), "__version__", "?")


# --------------------------------------------------------------------------------------------
# Worker: one contender, one log size, in a fresh process
# --------------------------------------------------------------------------------------------


def worker(name: str, rows: int, customers: int, seed: int, repeat: int, result: Path) -> None:
    setup, run = _prepare(name)  # import first: library memory belongs to the baseline
    df = make_log(rows, customers, seed)
    obs_end = observation_end_of(df)
    if setup is not None:
        df = setup(df)  # a polars frame for polars-native; its conversion is not timed
    gc.collect()
    peak_reset = _reset_peak()
    rss_kb = _status_kb("VmRSS")
    baseline_mb = rss_kb * 1024 / 1e6 if rss_kb is not None else None

    times, caught, out = [], set(), None
    for _ in range(repeat):
        out = None
        gc.collect()
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            t0 = time.perf_counter()
            out = run(df, obs_end)
            times.append(time.perf_counter() - t0)
        caught.update(f"{x.category.__name__}: {x.message}" for x in w)
    peak_mb = _peak_mb()

    out = out.sort_index()  # lifetimes returns customers in order of appearance; not timed
    out.index = out.index.rename("customer_id")
    with open(result, "wb") as f:
        pickle.dump(out[["frequency", "recency", "T", "monetary_value"]], f)
    report = {
        "contender": name,
        "version": _version(name),
        "rows": rows,
        "customers_in": customers,
        "customers_out": len(out),
        "observation_end": obs_end.date().isoformat(),
        "times": times,
        "seconds": min(times),
        "baseline_rss_mb": baseline_mb,
        "peak_rss_mb": peak_mb,
        "peak_reset_after_generation": peak_reset,
        "warnings": sorted(caught),
    }
    print(json.dumps(report))


# --------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------


def run_worker(name: str, rows: int, customers: int, args, tmp: Path) -> tuple[dict, Path]:
    result = tmp / f"{name}-{rows}.pkl"
    repeat = 1 if name == "lifetimes" else args.repeat
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", name]
    cmd += ["--rows", str(rows), "--customers", str(customers), "--seed", str(args.seed)]
    cmd += ["--repeat", str(repeat), "--result", str(result)]
    print(f"  {name:<13} {rows:>12,} rows x{repeat} ...", end="", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        print(f" failed (exit {proc.returncode})", file=sys.stderr)
        print(proc.stderr, file=sys.stderr)
        raise SystemExit(2)
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    report["subprocess_seconds"] = time.perf_counter() - t0
    print(f" {report['seconds']:.2f} s, peak {report['peak_rss_mb']:,.0f} MB", file=sys.stderr)
    return report, result


def compare(ours: pd.DataFrame, peer: pd.DataFrame) -> tuple[bool, str]:
    """Same customers, frequency exactly equal, float columns equal within RTOL."""
    if len(ours) != len(peer) or not np.array_equal(
        ours.index.to_numpy(np.int64), peer.index.to_numpy(np.int64)
    ):
        missing = len(ours.index.difference(peer.index))
        extra = len(peer.index.difference(ours.index))
        return False, f"customer sets differ ({missing} missing, {extra} extra)"
    f_ours = ours["frequency"].to_numpy(np.float64)
    f_peer = peer["frequency"].to_numpy(np.float64)
    if not np.array_equal(f_ours, f_peer):
        return False, f"frequency differs for {int((f_ours != f_peer).sum())} customers"
    worst = {}
    for col in ("recency", "T", "monetary_value"):
        a = ours[col].to_numpy(np.float64)
        b = peer[col].to_numpy(np.float64)
        scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), 1.0)
        err = np.abs(a - b) / scale
        err[np.isnan(err)] = np.inf  # NaN on either side is a mismatch
        worst[col] = float(err.max()) if len(err) else 0.0
        if worst[col] > RTOL:
            n_bad = int((err > RTOL).sum())
            return False, f"{col} differs for {n_bad} customers (max rel. error {worst[col]:.3g})"
    detail = ", ".join(f"{c} {e:.1e}" for c, e in worst.items())
    return True, f"max rel. error: {detail}"


LABELS = {
    "ours": "helpers.summarize",
    "polars": "polars, from the pandas DataFrame",
    "polars-native": "polars, frame already in polars",
    "duckdb": "DuckDB SQL",
    "lifetimes": "lifetimes summary_data_from_transaction_data",
}


def print_table(reports: list[dict], ours_by_rows: dict[int, dict]) -> None:
    print(
        "| contender | rows | customers | seconds | Mrows/s | baseline RSS (MB) "
        "| peak RSS (MB) | extra (MB) | time vs ours |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|")
    for r in reports:
        ours = ours_by_rows[r["rows"]]
        runs = "best of " + str(len(r["times"])) if len(r["times"]) > 1 else "1 run"
        label = f"{LABELS[r['contender']]} {r['version']} ({runs})"
        base = r["baseline_rss_mb"]
        extra = r["peak_rss_mb"] - base if base is not None else float("nan")
        ratio = r["seconds"] / ours["seconds"]
        print(
            f"| {label} | {r['rows']:,} | {r['customers_out']:,} | {r['seconds']:.2f} "
            f"| {r['rows'] / r['seconds'] / 1e6:.2f} | {base or float('nan'):,.0f} "
            f"| {r['peak_rss_mb']:,.0f} | {extra:,.0f} | {ratio:.2f}x |"
        )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, help="transactions (default 10,000,000; --quick 200,000)")
    p.add_argument("--customers", type=int, help="customers (default 1,000,000; --quick 20,000)")
    p.add_argument("--seed", type=int, default=20240630, help="seed of the synthetic log")
    p.add_argument("--repeat", type=int, default=3, help="runs per contender (lifetimes: 1)")
    p.add_argument(
        "--lifetimes-rows",
        type=int,
        help="rows lifetimes runs on (default: --rows); when smaller, all three contenders also "
        "run on a log of that size (customers scaled alike) for a same-size comparison",
    )
    p.add_argument("--quick", action="store_true", help="smoke run: 200,000 rows, 20,000 customers")
    p.add_argument(
        "--contenders",
        default=",".join(CONTENDERS),
        help="comma-separated subset of " + ", ".join(CONTENDERS) + " (ours always runs)",
    )
    p.add_argument("--worker", choices=CONTENDERS, help=argparse.SUPPRESS)
    p.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    size = QUICK if args.quick else FULL
    rows = args.rows if args.rows is not None else size["rows"]
    customers = args.customers if args.customers is not None else size["customers"]
    if args.worker:
        worker(args.worker, rows, customers, args.seed, args.repeat, args.result)
        return 0

    if not 1 <= customers <= rows:
        p.error("need 1 <= --customers <= --rows")
    if args.repeat < 1:
        p.error("--repeat must be at least 1")
    lt_rows = args.lifetimes_rows if args.lifetimes_rows is not None else rows
    if not 1 <= lt_rows <= rows:
        p.error("--lifetimes-rows must be between 1 and --rows")
    lt_customers = max(1, min(lt_rows, round(customers * lt_rows / rows)))
    chosen = {c.strip() for c in args.contenders.split(",") if c.strip()} | {"ours"}
    if chosen - set(CONTENDERS):
        p.error(f"unknown contender(s) {sorted(chosen - set(CONTENDERS))}")
    # Ours and the peers in one block per size; lifetimes (slow) last.
    peers = [c for c in CONTENDERS if c in chosen and c != "lifetimes"]
    plan = [(c, rows, customers) for c in peers]
    if "lifetimes" in chosen:
        if lt_rows < rows:
            plan += [(c, lt_rows, lt_customers) for c in peers]
        plan.append(("lifetimes", lt_rows, lt_customers))

    print(
        f"bench_summarize: seed {args.seed}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}",
        file=sys.stderr,
    )
    reports, outputs = [], {}
    with tempfile.TemporaryDirectory(prefix="bench_summarize-") as tmp:
        for name, n_rows, n_customers in plan:
            report, path = run_worker(name, n_rows, n_customers, args, Path(tmp))
            reports.append(report)
            with open(path, "rb") as f:
                outputs[name, n_rows] = pickle.load(f)

    ours_by_rows = {r["rows"]: r for r in reports if r["contender"] == "ours"}
    checks = []
    for r in reports:
        if r["contender"] == "ours":
            continue
        same, detail = compare(outputs["ours", r["rows"]], outputs[r["contender"], r["rows"]])
        checks.append(
            {"peer": r["contender"], "rows": r["rows"], "identical": same, "detail": detail}
        )

    print()
    print_table(reports, ours_by_rows)
    print()
    print(
        "time vs ours = contender seconds / ours seconds on the same rows (above 1: slower than "
        "ours); extra = peak - baseline RSS."
    )
    if lt_rows < rows and "lifetimes" in chosen:
        print(
            f"note: lifetimes ran on {lt_rows:,} of {rows:,} rows (--lifetimes-rows); its time "
            f"ratio is against ours on the same {lt_rows:,}-row log."
        )
    if not all(r["peak_reset_after_generation"] for r in reports):
        print("note: peak RSS could not be reset after generating the log; it may include it.")
    for c in checks:
        print(
            f"identical ({c['peer']} vs ours, {c['rows']:,} rows): "
            f"{'yes' if c['identical'] else 'no'} ({c['detail']})"
        )

    full = {r["contender"]: r for r in reports if r["rows"] == rows}
    ours_full = full["ours"]
    goals = []
    if "polars" in full:
        vs_polars = ours_full["seconds"] / full["polars"]["seconds"]
        goals.append(
            {
                "goal": f"ours <= {MAX_RATIO_VS_POLARS:g}x polars time, from the pandas "
                f"DataFrame ({rows:,} rows)",
                "value": f"{vs_polars:.2f}x",
                "met": vs_polars <= MAX_RATIO_VS_POLARS,
            }
        )
    if "duckdb" in full:
        vs_duckdb = ours_full["seconds"] / full["duckdb"]["seconds"]
        goals.append(
            {
                "goal": f"ours <= {MAX_RATIO_VS_DUCKDB}x DuckDB time ({rows:,} rows)",
                "value": f"{vs_duckdb:.2f}x",
                "met": vs_duckdb <= MAX_RATIO_VS_DUCKDB,
            }
        )
    lt = next((r for r in reports if r["contender"] == "lifetimes"), None)
    if lt is not None:
        speedup_lt = lt["seconds"] / ours_by_rows[lt_rows]["seconds"]
        goals.append(
            {
                "goal": f"ours >= {MIN_SPEEDUP_VS_LIFETIMES:g}x faster than lifetimes "
                f"({lt_rows:,} rows)",
                "value": f"{speedup_lt:.1f}x",
                "met": speedup_lt >= MIN_SPEEDUP_VS_LIFETIMES,
            }
        )
    goals.append(
        {
            "goal": f"ours peak RSS < {MAX_PEAK_MB / 1000:g} GB ({rows:,} rows)",
            "value": f"{ours_full['peak_rss_mb']:,.0f} MB",
            "met": ours_full["peak_rss_mb"] < MAX_PEAK_MB,
        }
    )
    print()
    for g in goals:
        print(f"goal: {g['goal']}: {g['value']} -> {'met' if g['met'] else 'FAILED'}")

    out_path = REPO_ROOT / RESULTS_JSON
    out_path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "benchmark": "helpers.summarize vs polars vs DuckDB SQL vs lifetimes",
        "config": {
            "rows": rows,
            "customers": customers,
            "lifetimes_rows": lt_rows,
            "lifetimes_customers": lt_customers,
            "contenders": sorted(chosen),
            "seed": args.seed,
            "repeat": args.repeat,
            "quick": args.quick,
        },
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "numpy": np.__version__,
            "pandas": pd.__version__,
        },
        "results": reports,
        "identical": checks,
        "goals": goals,
    }
    out_path.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"\nresults written to {RESULTS_JSON.as_posix()}")

    if not all(c["identical"] for c in checks):
        print("FAILED: outputs differ", file=sys.stderr)
        return 2
    failed = [g["goal"] for g in goals if not g["met"]]
    if failed:
        print("FAILED goals: " + "; ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
