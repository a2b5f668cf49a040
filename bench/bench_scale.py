"""Scale table: ``summarize`` on pandas, DuckDB and Spark, and the CLV fits, up to 100M rows.

What it measures
----------------
1. **Summary.** ``helpers.summarize(..., amount_col="amount", compressed=True)`` (the pooled
   table the models take, observation end = the last purchase day) on synthetic transaction logs
   of 1M, 10M and 100M rows (a tenth as many customers), stored as Parquet files under
   ``build/bench/scale/`` (written once, in chunks of 2M rows, so the generator never holds the
   whole log), with three engines:

   * ``pandas``: the log read into a pandas DataFrame (not timed), then summarised in memory;
   * ``duckdb``: the Parquet files summarised by DuckDB out of core (``memory_limit`` 4GB, every
     core, spilling to a temporary folder);
   * ``spark``: the Parquet files read by a local Spark session (``local[<cores>]``, driver memory
     4g) and summarised by Spark; the session's start-up is reported apart, not timed.

   Each run is a fresh child process. Peak memory is the peak resident memory (VmHWM) of the
   child, reset after its input is built, plus for Spark the peak of the Java process it starts.
   pandas is capped at ``--pandas-max-rows`` (default 10M): it must hold the whole log in
   memory, and the cap is printed in the table as the reason it did not run.
   The engines' pooled tables are compared: same customers per (frequency, recency, T) and the
   same total spend per row, up to rounding of the sums.

2. **Fits.** BG/NBD + Gamma-Gamma maximum likelihood fits (``helpers.clv``) on 1M and 10M
   simulated customers (the models' own processes, CDNOW-like parameters, times in whole days
   as weeks, spend rounded to cents), once on one row per customer and once on pooled tables
   with ``weight_col="count"``: BG/NBD on the distinct (frequency, recency, T), Gamma-Gamma on
   the distinct (frequency, monetary_value) of the repeat customers. Pooling is done beforehand
   (it is part of the summary) and not timed.

Goals checked: DuckDB summarises the largest log with peak memory below ``MAX_DUCKDB_PEAK_MB``,
every engine's pooled table agrees, and compressed fits give the same estimates as full fits.

How to run
----------
    python bench/bench_scale.py                      # full: 1M, 10M, 100M rows; 1M, 10M customers
    python bench/bench_scale.py --quick              # smoke run: 200k and 1M rows; 100k customers
    python bench/bench_scale.py --rows 1000000 10000000 --fit-customers 1000000

Needs the ``bench`` and ``spark`` extras and a Java runtime (``make java``). Exit status: 0 all
well, 1 a goal failed, 2 a run failed or the engines disagree. Results also go to
``build/bench/scale.json`` under the repository root; the logs stay in ``build/bench/scale/``
for the next run (delete the folder to regenerate them).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pickle
import platform
import shutil
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
from bench_summarize import make_log

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_JSON = Path("build") / "bench" / "scale.json"  # relative to REPO_ROOT
DATA_DIR = Path("build") / "bench" / "scale"  # relative to REPO_ROOT

ENGINES = ("pandas", "duckdb", "spark")
FULL = {"rows": [1_000_000, 10_000_000, 100_000_000], "fit_customers": [1_000_000, 10_000_000]}
QUICK = {"rows": [200_000, 1_000_000], "fit_customers": [100_000]}
CHUNK_ROWS = 2_000_000
CUSTOMERS_PER_ROW = 0.1
DUCKDB_MEMORY_LIMIT = "4GB"
SPARK_DRIVER_MEMORY = "4g"
MAX_DUCKDB_PEAK_MB = 8000.0

# True parameters of the fit benchmark's simulation (CDNOW-like, weeks).
BGNBD_TRUTH = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
GG_TRUTH = {"p": 6.25, "q": 3.74, "gamma": 15.44}


# --------------------------------------------------------------------------------------------
# Synthetic logs as Parquet, written in chunks
# --------------------------------------------------------------------------------------------


def log_dir(rows: int, seed: int) -> Path:
    return REPO_ROOT / DATA_DIR / f"log-{rows}-seed{seed}"


def ensure_log(rows: int, seed: int) -> Path:
    """Parquet parts of ``rows`` transactions (reused when already written).

    Each chunk is ``bench_summarize.make_log`` with its own seed and customers; customer ids
    are offset per chunk so that no two chunks share a customer.
    """
    import duckdb

    folder = log_dir(rows, seed)
    done = folder / "_done.json"
    if done.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    n_chunks = -(-rows // CHUNK_ROWS)
    t0 = time.perf_counter()
    con = duckdb.connect(config={"threads": os.cpu_count() or 1})
    for i in range(n_chunks):
        chunk_rows = min(CHUNK_ROWS, rows - i * CHUNK_ROWS)
        chunk_customers = max(1, round(chunk_rows * CUSTOMERS_PER_ROW))
        df = make_log(chunk_rows, chunk_customers, seed * 100_003 + i)
        df["customer_id"] += i * 10**8  # make_log's ids are below 4 x customers + 100,001
        con.register("chunk", df)
        path = folder / f"part-{i:05d}.parquet"
        con.execute(
            "COPY (SELECT customer_id, CAST(date AS TIMESTAMP) AS date, amount FROM chunk) "
            f"TO '{path.as_posix()}' (FORMAT parquet, COMPRESSION zstd)"
        )
        con.unregister("chunk")
        del df
        print(
            f"\r  writing {rows:,}-row log: {i + 1}/{n_chunks} parts",
            end="",
            file=sys.stderr,
            flush=True,
        )
    obs = con.execute(
        f"SELECT CAST(MAX(date) AS DATE) FROM read_parquet('{(folder / '*.parquet').as_posix()}')"
    ).fetchone()[0]
    con.close()
    meta = {"rows": rows, "seed": seed, "parts": n_chunks, "observation_end": str(obs)}
    meta["seconds"] = time.perf_counter() - t0
    done.write_text(json.dumps(meta))
    print(f" ({meta['seconds']:.0f} s)", file=sys.stderr)
    return folder


# --------------------------------------------------------------------------------------------
# Workers: one engine or one fit in a fresh process
# --------------------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    """Every descendant process of ``pid`` (Linux /proc), e.g. the JVM a Spark session starts."""
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        kids.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for c in kids.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def _peak_of(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        pass
    return 0.0


def _spark_session(rows: int):
    from pyspark.sql import SparkSession

    cores = os.cpu_count() or 1
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # local mode: this machine only
    spark = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("bench_scale")
        .config("spark.driver.memory", SPARK_DRIVER_MEMORY)
        .config("spark.sql.shuffle.partitions", str(max(4, rows // 5_000_000)))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def summary_worker(engine: str, rows: int, seed: int, result: Path) -> None:
    from helpers.customer_base.rfm import summarize

    folder = log_dir(rows, seed)
    meta = json.loads((folder / "_done.json").read_text())
    obs_end = meta["observation_end"]
    glob = str(folder / "*.parquet")
    startup = None
    if engine == "pandas":
        import duckdb

        t0 = time.perf_counter()
        source = duckdb.sql(f"SELECT * FROM read_parquet('{glob}')").df()
        startup = time.perf_counter() - t0  # reading the log into memory
        kw = {}
    elif engine == "duckdb":
        source = glob
        kw = {"memory_limit": DUCKDB_MEMORY_LIMIT, "threads": os.cpu_count()}
    else:
        t0 = time.perf_counter()
        spark = _spark_session(rows)
        source = spark.read.parquet(glob)
        startup = time.perf_counter() - t0
        kw = {}
    gc.collect()
    _reset_peak()
    rss_kb = _status_kb("VmRSS")
    baseline = rss_kb * 1024 / 1e6 if rss_kb is not None else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # make_log's exact duplicates, in the pandas path
        t0 = time.perf_counter()
        pooled = summarize(
            source, amount_col="amount", observation_end=obs_end, compressed=True, **kw
        )
        seconds = time.perf_counter() - t0
    peak = _peak_mb()
    jvm = sum(_peak_of(p) for p in _children(os.getpid())) if engine == "spark" else 0.0
    if engine == "spark":
        spark.stop()
    with open(result, "wb") as f:
        pickle.dump(pooled, f)
    report = {
        "step": "summary",
        "engine": engine,
        "rows": rows,
        "customers": int(pooled["count"].sum()),
        "pooled_rows": len(pooled),
        "seconds": seconds,
        "startup_seconds": startup,
        "baseline_rss_mb": baseline,
        "python_peak_rss_mb": peak,
        "jvm_peak_rss_mb": jvm if engine == "spark" else None,
        "peak_rss_mb": peak + jvm,
    }
    print(json.dumps(report))


def simulate_summary(customers: int, seed: int) -> pd.DataFrame:
    """BG/NBD purchases and Gamma-Gamma spend per customer, at daily resolution (weeks)."""
    from helpers.simulate.purchases import simulate_bgnbd_summary, simulate_gammagamma_spend

    rng = np.random.default_rng(seed)
    t_days = rng.integers(365, 731, customers)  # acquired over a year, observed one more
    tables, _ = simulate_bgnbd_summary(customers, T=t_days / 7.0, random_state=rng, **BGNBD_TRUTH)
    s = tables["summary"]
    days = np.where(s["frequency"] > 0, np.clip(np.ceil(s["recency"] * 7), 1, t_days), 0)
    s["recency"] = days / 7.0
    spend, _ = simulate_gammagamma_spend(s["frequency"], random_state=rng, **GG_TRUTH)
    s["monetary_value"] = np.round(spend["spend"]["monetary_value"], 2)
    return s


def fit_worker(customers: int, compressed: bool, seed: int) -> None:
    """Both fits on one row per customer, or each on its own pooled table: BG/NBD on the
    distinct (frequency, recency, T), Gamma-Gamma on the distinct (frequency, monetary_value)
    of the repeat customers (its likelihood depends on nothing else)."""
    from helpers.clv import BGNBD, GammaGamma

    s = simulate_summary(customers, seed)
    repeat = s[s["frequency"] > 0]
    if compressed:
        bg_table = s[["frequency", "recency", "T"]].value_counts().rename("count").reset_index()
        gg_table = (
            repeat[["frequency", "monetary_value"]].value_counts().rename("count").reset_index()
        )
        weight = "count"
    else:
        bg_table, gg_table, weight = s, repeat, None
    gc.collect()
    _reset_peak()
    t0 = time.perf_counter()
    bg = BGNBD().fit(bg_table, weight_col=weight)
    t_bg = time.perf_counter() - t0
    t0 = time.perf_counter()
    gg = GammaGamma().fit(gg_table, weight_col=weight)
    t_gg = time.perf_counter() - t0
    report = {
        "step": "fit",
        "engine": "compressed" if compressed else "one row per customer",
        "customers": customers,
        "table_rows": len(bg_table),
        "gg_table_rows": len(gg_table),
        "bgnbd_seconds": t_bg,
        "gammagamma_seconds": t_gg,
        "seconds": t_bg + t_gg,
        "peak_rss_mb": _peak_mb(),
        "bgnbd": bg.params_,
        "gammagamma": gg.params_,
    }
    print(json.dumps(report))


# --------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------


def run_child(args: list[str], label: str) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), *args]
    print(f"  {label} ...", end="", file=sys.stderr, flush=True)
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        print(f" failed (exit {proc.returncode})", file=sys.stderr)
        print(proc.stderr[-4000:], file=sys.stderr)
        return {"failed": True, "stderr": proc.stderr[-4000:]}
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f" {report['seconds']:.1f} s, peak {report['peak_rss_mb']:,.0f} MB", file=sys.stderr)
    return report


def by_frt(pooled: pd.DataFrame) -> pd.DataFrame:
    """Customers and total spend per (frequency, recency, T): robust to last-bit differences
    of the spend sums that could split or merge pooled rows."""
    spend = pooled["monetary_value"] * pooled["frequency"] * pooled["count"]
    g = pooled.assign(spend=spend).groupby(["frequency", "recency", "T"])
    return g.agg(count=("count", "sum"), spend=("spend", "sum"))


def agree(a: pd.DataFrame, b: pd.DataFrame) -> tuple[bool, str]:
    x, y = by_frt(a), by_frt(b)
    if not x.index.equals(y.index) or not (x["count"] == y["count"]).all():
        return False, "customers per (frequency, recency, T) differ"
    err = float(np.max(np.abs(x["spend"] - y["spend"]) / np.maximum(x["spend"].abs(), 1.0)))
    return err < 1e-9, f"max rel. spend difference {err:.1e}"


def machine() -> dict:
    mem_kb = None
    try:
        with open("/proc/meminfo") as f:
            mem_kb = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
    except (OSError, StopIteration):
        pass
    java = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False)
    import duckdb
    import pyspark

    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(mem_kb / 2**20, 1) if mem_kb else None,
        "load_average_at_start": os.getloadavg(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "duckdb": duckdb.__version__,
        "pyspark": pyspark.__version__,
        "java": (java.stderr.splitlines() or ["?"])[0],
    }


def print_tables(summaries: list[dict], fits: list[dict]) -> None:
    print("| summary of | engine | seconds | peak RSS (MB) | pooled rows | note |")
    print("|--:|---|--:|--:|--:|---|")
    for r in summaries:
        if r.get("skipped"):
            print(f"| {r['rows']:,} rows | {r['engine']} | - | - | - | not run: {r['skipped']} |")
            continue
        if r.get("failed"):
            print(f"| {r['rows']:,} rows | {r['engine']} | - | - | - | failed (see stderr) |")
            continue
        if r["engine"] == "pandas":
            note = f"log read into memory first ({r['startup_seconds']:.0f} s, not timed)"
        elif r["engine"] == "duckdb":
            note = f"memory_limit {DUCKDB_MEMORY_LIMIT}, {os.cpu_count()} threads, from Parquet"
        else:
            note = (
                f"local[{os.cpu_count()}], driver {SPARK_DRIVER_MEMORY}, from Parquet; start-up "
                f"{r['startup_seconds']:.0f} s not timed; JVM peak "
                f"{r['jvm_peak_rss_mb']:,.0f} MB included"
            )
        print(
            f"| {r['rows']:,} rows | {r['engine']} | {r['seconds']:.1f} "
            f"| {r['peak_rss_mb']:,.0f} | {r['pooled_rows']:,} | {note} |"
        )
    print()
    print(
        "| fit on | table | BG/NBD rows | Gamma-Gamma rows | BG/NBD s | Gamma-Gamma s | total s "
        "| peak RSS (MB) |"
    )
    print("|--:|---|--:|--:|--:|--:|--:|--:|")
    for r in fits:
        if r.get("failed"):
            print(f"| {r['customers']:,} customers | {r['engine']} | failed | | | | | |")
            continue
        print(
            f"| {r['customers']:,} customers | {r['engine']} | {r['table_rows']:,} "
            f"| {r['gg_table_rows']:,} | {r['bgnbd_seconds']:.1f} "
            f"| {r['gammagamma_seconds']:.1f} | {r['seconds']:.1f} "
            f"| {r['peak_rss_mb']:,.0f} |"
        )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, nargs="+", help="log sizes (default 1M 10M 100M)")
    p.add_argument("--fit-customers", type=int, nargs="+", help="fit sizes (default 1M 10M)")
    p.add_argument(
        "--pandas-max-rows",
        type=int,
        default=10_000_000,
        help="largest log pandas runs on (it holds the whole log in memory)",
    )
    p.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    p.add_argument("--seed", type=int, default=20240630, help="seed of the synthetic data")
    p.add_argument("--quick", action="store_true", help="smoke run: 200k and 1M rows")
    p.add_argument("--worker", choices=(*ENGINES, "fit"), help=argparse.SUPPRESS)
    p.add_argument("--size", type=int, help=argparse.SUPPRESS)
    p.add_argument("--compressed", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.worker == "fit":
        fit_worker(args.size, args.compressed, args.seed)
        return 0
    if args.worker:
        summary_worker(args.worker, args.size, args.seed, args.result)
        return 0

    size = QUICK if args.quick else FULL
    rows_list = args.rows or size["rows"]
    fit_sizes = args.fit_customers or size["fit_customers"]
    info = machine()
    print(
        f"bench_scale: seed {args.seed}, {info['cpus']} CPUs, {info['memory_gib']} GiB, load "
        f"{info['load_average_at_start'][0]:.1f}, duckdb {info['duckdb']}, pyspark "
        f"{info['pyspark']}, {info['java']}",
        file=sys.stderr,
    )
    summaries, outputs = [], {}
    with tempfile.TemporaryDirectory(prefix="bench_scale-") as tmp:
        for rows in rows_list:
            ensure_log(rows, args.seed)
            for engine in args.engines:
                if engine == "pandas" and rows > args.pandas_max_rows:
                    summaries.append(
                        {
                            "step": "summary",
                            "engine": engine,
                            "rows": rows,
                            "skipped": f"above --pandas-max-rows {args.pandas_max_rows:,}: "
                            f"pandas holds the whole log in memory (about "
                            f"{rows * 24 / 1e9:.1f} GB as a DataFrame, several times that while "
                            "summarising) on a shared machine; the file engines are for this size",
                        }
                    )
                    continue
                result = Path(tmp) / f"{engine}-{rows}.pkl"
                cmd = ["--worker", engine, "--size", str(rows), "--seed", str(args.seed)]
                report = run_child([*cmd, "--result", str(result)], f"{engine:<6} {rows:>11,} rows")
                report.update({"step": "summary", "engine": engine, "rows": rows})
                summaries.append(report)
                if not report.get("failed"):
                    with open(result, "rb") as f:
                        outputs[engine, rows] = pickle.load(f)
                    result.unlink()
    fits = []
    for n in fit_sizes:
        for compressed in (False, True):
            label = f"fit {n:>11,} customers {'compressed' if compressed else 'full'}"
            cmd = ["--worker", "fit", "--size", str(n), "--seed", str(args.seed)]
            report = run_child(cmd + (["--compressed"] if compressed else []), label)
            report.setdefault("customers", n)
            report.setdefault("engine", "compressed" if compressed else "one row per customer")
            fits.append(report)

    print()
    print_tables(summaries, fits)
    print()
    print(
        f"Measured on {info['cpus']} cores, {info['memory_gib']} GiB, load average "
        f"{info['load_average_at_start'][0]:.1f} at the start. Summary = summarize(..., "
        "amount_col='amount', compressed=True); peak RSS is the child process's (plus the JVM "
        "for Spark)."
    )

    checks = []
    for rows in rows_list:
        engines = [e for e in args.engines if (e, rows) in outputs]
        for e in engines[1:]:
            ok, detail = agree(outputs[engines[0], rows], outputs[e, rows])
            checks.append(
                {"rows": rows, "pair": f"{engines[0]} vs {e}", "ok": ok, "detail": detail}
            )
            print(f"same pooled table ({engines[0]} vs {e}, {rows:,} rows): {ok} ({detail})")
    goals = []
    duck = [r for r in summaries if r["engine"] == "duckdb" and "peak_rss_mb" in r]
    if duck:
        big = max(duck, key=lambda r: r["rows"])
        goals.append(
            {
                "goal": f"DuckDB peak RSS < {MAX_DUCKDB_PEAK_MB / 1000:g} GB "
                f"({big['rows']:,} rows)",
                "value": f"{big['peak_rss_mb']:,.0f} MB",
                "met": big["peak_rss_mb"] < MAX_DUCKDB_PEAK_MB,
            }
        )
    for n in fit_sizes:
        pair = [r for r in fits if r["customers"] == n and not r.get("failed")]
        if len(pair) == 2:
            same = all(
                np.isclose(pair[0][m][k], pair[1][m][k], rtol=1e-5)
                for m in ("bgnbd", "gammagamma")
                for k in pair[0][m]
            )
            goals.append(
                {
                    "goal": f"compressed fit = full fit to 1e-5 ({n:,} customers)",
                    "value": "same" if same else "differ",
                    "met": bool(same),
                }
            )
    for g in goals:
        print(f"goal: {g['goal']}: {g['value']} -> {'met' if g['met'] else 'FAILED'}")

    out_path = REPO_ROOT / RESULTS_JSON
    out_path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "benchmark": "summarize on pandas / DuckDB / Spark, and BG/NBD + Gamma-Gamma fits",
        "config": {
            "rows": rows_list,
            "fit_customers": fit_sizes,
            "pandas_max_rows": args.pandas_max_rows,
            "seed": args.seed,
            "quick": args.quick,
            "duckdb_memory_limit": DUCKDB_MEMORY_LIMIT,
            "spark_driver_memory": SPARK_DRIVER_MEMORY,
        },
        "machine": info,
        "summaries": summaries,
        "fits": fits,
        "identical": checks,
        "goals": goals,
    }
    out_path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    print(f"\nresults written to {RESULTS_JSON.as_posix()}")
    failed_runs = [r for r in summaries + fits if r.get("failed")]
    if failed_runs or not all(c["ok"] for c in checks):
        print("FAILED: a run failed or the engines disagree", file=sys.stderr)
        return 2
    if not all(g["met"] for g in goals):
        print("FAILED goals: " + "; ".join(g["goal"] for g in goals if not g["met"]))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
