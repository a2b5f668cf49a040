"""The data a chapter starts from: the bundled data sets, checks of transaction logs, data
contracts for a user's own tables, and the SQL engines (DuckDB, Spark) for logs too large
for pandas.

Chapters: 00-05, 08 (bundled data), 12-15 (contracts), 16 (engines).
"""

from helpers.data.contracts import (
    Column,
    DataContract,
    contract_of,
)
from helpers.data.datasets import (
    datasets_dir,
    load_cdnow,
    load_cdnow_published_summary,
    load_donations,
)
from helpers.data.reading import READ_FORMATS, read_table
from helpers.data.scale import (
    DIALECTS,
    FILE_FORMATS,
    day_number_sql,
    spark_missing,
    summary_sql,
)
from helpers.data.transactions import (
    TransactionCheck,
    validate_transactions,
)

__all__ = [
    "Column",
    "DIALECTS",
    "DataContract",
    "FILE_FORMATS",
    "READ_FORMATS",
    "TransactionCheck",
    "contract_of",
    "datasets_dir",
    "day_number_sql",
    "load_cdnow",
    "load_cdnow_published_summary",
    "load_donations",
    "read_table",
    "spark_missing",
    "summary_sql",
    "validate_transactions",
]
