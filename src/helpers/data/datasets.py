"""The bundled data sets: CDNOW and the donations data of the CLV papers.

The data sets live in the repository's ``datasets/`` folder (see its README for sources,
licences and checksums) and ship inside the package as ``helpers/data/files/``; nothing is
downloaded at run time.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import pandas as pd

from helpers.exceptions import ParameterError

__all__ = ["datasets_dir", "load_cdnow", "load_cdnow_published_summary", "load_donations"]


def datasets_dir() -> Path:
    """Folder that holds the bundled data sets.

    In order: the folder named by the environment variable ``HELPERS_DATASETS_DIR``; the
    package data ``helpers/data/files/`` of an installed wheel (``pip install .``); the
    ``datasets/`` folder of the clone an editable install points at (``pip install -e .``).

    Raises
    ------
    FileNotFoundError
        If the folder does not exist, with the way to point the package at it.

    Examples
    --------
    >>> (datasets_dir() / "donations.csv").is_file()
    True
    """
    override = os.environ.get("HELPERS_DATASETS_DIR")
    if override:
        path = Path(override)
        if not path.is_dir():
            raise FileNotFoundError(
                f"HELPERS_DATASETS_DIR={override!r} is not a folder; point it at the folder "
                "that holds the data files (the course repository's datasets/), or unset it "
                "to use the data that ship with the package"
            )
        return path
    packaged = resources.files("helpers.data") / "files"
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged  # a wheel install: the data are package data
    source = Path(__file__).resolve().parents[3] / "datasets"
    if source.is_dir():
        return source  # an editable install: the clone's own datasets/ folder
    raise FileNotFoundError(
        "the bundled data sets are missing: neither the package data helpers/data/files/ nor "
        f"the folder {source} exists; reinstall the package (pip install crm-course-helpers, "
        "or pip install -e . in a clone of the course repository), or set HELPERS_DATASETS_DIR "
        "to the folder that holds the data files"
    )


def load_cdnow(kind: str = "master") -> pd.DataFrame:
    """Load the CDNOW transaction log used by the BG/NBD and Pareto/NBD papers.

    The customers are the cohort of 23,570 people who made their first purchase at the CDNOW
    online music store in the first quarter of 1997; their purchases are followed to the end of
    June 1998.

    Parameters
    ----------
    kind : {"master", "sample"}
        ``"master"``: the full log, 69,659 transactions of 23,570 customers.
        ``"sample"``: the 1/10 sample of 2,357 customers (6,919 transactions) on which
        Fader, Hardie & Lee (2005) fit the BG/NBD model.

    Returns
    -------
    pandas.DataFrame
        One row per transaction, in file order, with columns ``customer_id`` (str),
        ``date`` (datetime64), ``quantity`` (int, number of CDs) and ``amount``
        (float, US dollars). The sample also has ``master_customer_id``, the customer's id in
        the master log; its ``customer_id`` is the sample's own id (``"0001"`` … ``"2357"``),
        the one the published summary uses.

    Raises
    ------
    ParameterError
        If ``kind`` is not one of the two names.

    Examples
    --------
    >>> tx = load_cdnow("sample")
    >>> tx.shape
    (6919, 5)

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting your customers" the easy
    way: an alternative to the Pareto/NBD model. *Marketing Science* 24(2), 275-284.
    """
    if kind == "master":
        names = ["customer_id", "date", "quantity", "amount"]
        file = "CDNOW_master.txt.gz"
        header_lines = 1  # the master log has a header line, the sample has none
    elif kind == "sample":
        names = ["master_customer_id", "customer_id", "date", "quantity", "amount"]
        file = "CDNOW_sample.txt.gz"
        header_lines = 0
    else:
        raise ParameterError(
            f"kind={kind!r} is not a CDNOW log; use kind='master' or kind='sample'"
        )
    df = pd.read_csv(
        datasets_dir() / file,
        sep=r"\s+",
        header=None,
        skiprows=header_lines,
        names=names,
        dtype={"customer_id": str, "master_customer_id": str, "date": str},
    )
    df["date"] = pd.to_datetime(df["date"], format="%Y%m%d")
    df["quantity"] = df["quantity"].astype("int64")
    df["amount"] = df["amount"].astype("float64")
    if kind == "sample":
        df = df[["customer_id", "master_customer_id", "date", "quantity", "amount"]]
    return df


def load_cdnow_published_summary() -> pd.DataFrame:
    """The published calibration summary of the CDNOW sample (Fader, Hardie & Lee 2005).

    Calibration period 1997-01-01 to 1997-09-30 (39 weeks), times in weeks, two decimals.

    Returns
    -------
    pandas.DataFrame
        Indexed by the sample's customer id as ``"0001"`` … ``"2357"`` (the ``customer_id`` of
        ``load_cdnow("sample")``), with ``frequency`` (x), ``recency`` (t_x), ``T`` and
        ``monetary_value`` (zbar, mean spend of the repeat purchases, 0 without any).
    """
    pub = pd.read_csv(datasets_dir() / "cdnow_customers_summary_with_transactions.csv")
    pub.index = pub["ID"].map("{:04d}".format).rename("customer_id")
    return pub.rename(columns={"x": "frequency", "t_x": "recency", "zbar": "monetary_value"})[
        ["frequency", "recency", "T", "monetary_value"]
    ]


def load_donations() -> pd.DataFrame:
    """Load the donations data of the BG/BB paper (Fader, Hardie & Shang 2010).

    11,104 first-time supporters of a US non-profit organisation in 1995, observed over the
    six annual giving opportunities 1996-2001. Donors with the same history are pooled.

    Returns
    -------
    pandas.DataFrame
        One row per (frequency, recency) pattern: ``frequency`` (number of years with a
        donation), ``recency`` (the last such year, 0 without any), ``n_periods`` (6) and
        ``weight`` (number of donors with that pattern; the weights sum to 11,104).

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Shang, J. (2010). Customer-base analysis in a
    discrete-time noncontractual setting. *Marketing Science* 29(6), 1086-1108.
    """
    df = pd.read_csv(datasets_dir() / "donations.csv")
    df = df.rename(columns={"periods": "n_periods", "weights": "weight"})
    return df.astype("int64")
