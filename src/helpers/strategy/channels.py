"""Choosing the contact channel by audience: response and profit per channel in each segment.

A channel test sends the same offer through several channels, each customer's channel drawn at
random. :func:`channel_response` gives, for every segment (an age band, a value tier, or both)
and channel, the response rate with a Wilson interval and, given the margin of a response and
the cost of a contact, the expected profit per contact. :func:`best_channels` picks the best
channel of each segment and says whether the runner-up is clearly worse.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.stats import binomtest, norm

from helpers.exceptions import DataValidationError
from helpers.validation import binary_column, check_columns, check_probability, numeric_column, rows

__all__ = ["best_channels", "channel_response"]


def channel_response(
    contacts: pd.DataFrame,
    by: str | list[str],
    channel_col: str = "channel",
    outcome_col: str = "responded",
    margin_col: str | None = None,
    cost: Mapping[str, float] | None = None,
    confidence_level: float = 0.95,
) -> pd.DataFrame:
    """Response rate (and profit) of each channel in each segment.

    Parameters
    ----------
    contacts : pandas.DataFrame
        One row per contacted customer: the segment column(s), the channel, the outcome (0/1).
    by : str or list of str
        Segment column(s), e.g. ``"age_band"`` or ``["age_band", "value_tier"]``.
    channel_col, outcome_col : str
    margin_col : str, optional
        Column with the margin a response of that customer brings.
    cost : mapping, optional
        Cost of one contact per channel; needs ``margin_col``.
    confidence_level : float
        Of the Wilson interval of each rate.

    Returns
    -------
    pandas.DataFrame
        Indexed by the segment column(s) and the channel: ``n``, ``responses``, ``rate``,
        ``ci_low``, ``ci_high``, ``rate_se``; with ``margin_col`` and ``cost`` also
        ``profit_per_contact`` (mean margin of the responses per contact, minus the cost) and
        its standard error ``profit_per_contact_se``.

    Raises
    ------
    DataValidationError
        Missing columns or segment labels, an outcome that is not 0/1, a channel without a
        cost, or negative margins.

    Examples
    --------
    >>> c = pd.DataFrame({"age_band": ["young"] * 4 + ["old"] * 4,
    ...                   "channel": ["social", "social", "phone", "phone"] * 2,
    ...                   "responded": [1, 1, 0, 1, 0, 0, 1, 1]})
    >>> channel_response(c, "age_band")["rate"].to_dict()  # doctest: +NORMALIZE_WHITESPACE
    {('old', 'phone'): 1.0, ('old', 'social'): 0.0, ('young', 'phone'): 0.5,
     ('young', 'social'): 1.0}
    """
    by = [by] if isinstance(by, str) else list(by)
    confidence_level = check_probability("confidence_level", confidence_level, allow_zero=False)
    check_columns(
        contacts,
        [*by, channel_col, outcome_col, *([margin_col] if margin_col else [])],
        "contacts",
    )
    for col in [*by, channel_col]:
        missing = contacts[col].isna().to_numpy()
        if missing.any():
            raise DataValidationError(
                f"column {col!r} of contacts has {int(missing.sum())} missing value(s) "
                f"({rows(contacts.index, missing)}); every contact needs it: fill or drop them"
            )
    y = binary_column(contacts, outcome_col, "contacts")
    d = contacts[[*by, channel_col]].copy()
    d["__y__"] = y
    keys = [*by, channel_col]
    g = d.groupby(keys, sort=True, observed=True)["__y__"]
    out = pd.DataFrame({"n": g.size(), "responses": g.sum()})
    out["rate"] = out["responses"] / out["n"]
    ci = [
        binomtest(int(k), int(n)).proportion_ci(confidence_level, method="wilson")
        for k, n in zip(out["responses"], out["n"], strict=True)
    ]
    out["ci_low"] = [c.low for c in ci]
    out["ci_high"] = [c.high for c in ci]
    out["rate_se"] = np.sqrt(out["rate"] * (1 - out["rate"]) / out["n"])
    if cost is not None or margin_col is not None:
        if cost is None or margin_col is None:
            raise DataValidationError(
                "profit per contact needs both margin_col (the margin of a response) and cost "
                "(the cost of a contact per channel); pass both, or neither"
            )
        unknown = sorted(set(d[channel_col]) - set(cost))
        if unknown:
            raise DataValidationError(
                f"cost has no value for channel(s) {unknown}; give the cost of one contact for "
                "every channel of the test"
            )
        m = numeric_column(contacts, margin_col, "contacts", low=0)
        d["__profit__"] = np.asarray(y, dtype=float) * m - d[channel_col].map(cost).to_numpy(
            dtype=float
        )
        profit = d.groupby(keys, sort=True, observed=True)["__profit__"]
        out["profit_per_contact"] = profit.mean()
        out["profit_per_contact_se"] = profit.std(ddof=1) / np.sqrt(out["n"])
    return out


def best_channels(
    table: pd.DataFrame, measure: str | None = None, confidence_level: float = 0.95
) -> pd.DataFrame:
    """The best channel of each segment in a :func:`channel_response` table.

    Parameters
    ----------
    table : pandas.DataFrame
        The output of :func:`channel_response`.
    measure : {"rate", "profit_per_contact"}, optional
        ``"profit_per_contact"`` when the table has it, else ``"rate"``.
    confidence_level : float
        Of the interval of the difference between the best channel and the runner-up.

    Returns
    -------
    pandas.DataFrame
        One row per segment: the ``best`` channel and the ``runner_up``, the measure of each,
        the ``difference`` with its interval (``diff_low``, ``diff_high``; normal
        approximation, the two channels' groups being independent), and ``clear``: True when
        the interval lies above 0, so the test separates the two channels.

    Examples
    --------
    >>> c = pd.DataFrame({"segment": "all", "channel": ["a"] * 100 + ["b"] * 100,
    ...                   "responded": [1] * 30 + [0] * 70 + [1] * 10 + [0] * 90})
    >>> best = best_channels(channel_response(c, "segment"))
    >>> best.loc["all", "best"], best.loc["all", "runner_up"], bool(best.loc["all", "clear"])
    ('a', 'b', True)
    """
    if measure is None:
        measure = "profit_per_contact" if "profit_per_contact" in table else "rate"
    confidence_level = check_probability("confidence_level", confidence_level, allow_zero=False)
    z = norm.ppf(0.5 + confidence_level / 2)
    n_levels = table.index.nlevels - 1
    level = 0 if n_levels == 1 else list(range(n_levels))
    found = {}
    for segment, part in table.groupby(level=level, sort=False):
        ranked = part.sort_values(measure, ascending=False)
        best = ranked.iloc[0]
        row = {"best": ranked.index[0][-1], measure: best[measure]}
        if len(ranked) > 1:
            second = ranked.iloc[1]
            diff = best[measure] - second[measure]
            se = float(np.hypot(best[f"{measure}_se"], second[f"{measure}_se"]))
            row.update(
                runner_up=ranked.index[1][-1],
                **{f"runner_up_{measure}": second[measure]},
                difference=diff,
                diff_low=diff - z * se,
                diff_high=diff + z * se,
                clear=bool(diff - z * se > 0),
            )
        found[segment] = row
    out = pd.DataFrame.from_dict(found, orient="index")
    names = table.index.names[:-1]
    out.index = (
        pd.Index(list(found), name=names[0])
        if n_levels == 1
        else pd.MultiIndex.from_tuples(list(found), names=names)
    )
    return out
