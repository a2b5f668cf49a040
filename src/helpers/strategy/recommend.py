"""Item-to-item recommendations for cross-selling, judged on held-out purchases.

An online shop recommends to each customer the products most similar to those they bought,
where two products are similar when the same customers buy both (cosine similarity of the
products' customer columns; Linden, Smith & York 2003). A recommender is judged the way it will
be used: hide each customer's last purchase, recommend from the rest, and count how often the
hidden purchase is among the recommendations (the hit rate), against a baseline that
recommends the best sellers to everyone. Purchases in a category the customer had never bought
are the cross-sell the shop wants; the hit rate on those is reported on its own.

References
----------
Linden, G., Smith, B. and York, J. (2003). Amazon.com recommendations: item-to-item
collaborative filtering. *IEEE Internet Computing* 7(1), 76-80.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.stats import binomtest
from sklearn.metrics.pairwise import cosine_similarity

from helpers.exceptions import DataValidationError
from helpers.validation import check_columns, check_int, check_is_fitted, rows

__all__ = ["ItemRecommender", "hit_rate", "popular_items", "split_last_order"]


def split_last_order(
    orders: pd.DataFrame,
    customer_col: str = "customer_id",
    order_col: str = "order_no",
    item_col: str = "product",
) -> tuple[pd.DataFrame, pd.Series]:
    """Hide each customer's last order: ``(history, holdout)``.

    Customers with a single order have no history to recommend from; they are left out of
    both (their count is in ``holdout.attrs["n_single"]``).

    Returns
    -------
    history : pandas.DataFrame
        Every order but each customer's last.
    holdout : pandas.Series
        The item of each customer's last order, indexed by customer.
    """
    check_columns(orders, [customer_col, order_col, item_col], "orders")
    missing = orders[[customer_col, item_col]].isna().any(axis=1).to_numpy()
    if missing.any():
        raise DataValidationError(
            f"orders have {int(missing.sum())} row(s) without a customer or an item "
            f"({rows(orders.index, missing)}); fill or drop them"
        )
    last = orders.groupby(customer_col)[order_col].transform("max")
    n_orders = orders.groupby(customer_col)[order_col].transform("size")
    keep = (n_orders > 1).to_numpy()
    is_last = (orders[order_col] == last).to_numpy() & keep
    history = orders[keep & ~is_last]
    holdout = orders[is_last].drop_duplicates(customer_col).set_index(customer_col)[item_col]
    holdout.attrs["n_single"] = int(orders.loc[~keep, customer_col].nunique())
    return history, holdout


class ItemRecommender:
    """Item-to-item collaborative filtering with cosine similarity.

    Parameters
    ----------
    k : int
        How many products to recommend to each customer.

    Attributes
    ----------
    items_ : pandas.Index
        The products seen in ``fit``.
    similarity_ : pandas.DataFrame
        Cosine similarity between products (0 on the diagonal).

    Examples
    --------
    >>> orders = pd.DataFrame({"customer_id": ["a", "a", "b", "b", "c"],
    ...                        "product": ["tent", "stove", "tent", "stove", "tent"]})
    >>> ItemRecommender(k=1).fit(orders).recommend(orders)["rec_1"].to_dict()
    {'a': None, 'b': None, 'c': 'stove'}
    """

    def __init__(self, k: int = 3):
        self.k = k

    def fit(
        self, orders: pd.DataFrame, customer_col: str = "customer_id", item_col: str = "product"
    ):
        check_columns(orders, [customer_col, item_col], "orders")
        check_int("k", self.k, 1)
        customers, c_codes = np.unique(orders[customer_col].astype(str), return_inverse=True)
        items, i_codes = np.unique(orders[item_col].astype(str), return_inverse=True)
        m = sparse.csr_matrix(
            (np.ones(len(orders)), (c_codes, i_codes)), shape=(len(customers), len(items))
        )
        m.data[:] = 1.0  # bought or not; repeat purchases count once
        sim = cosine_similarity(m.T, dense_output=True)
        np.fill_diagonal(sim, 0.0)
        self.items_ = pd.Index([str(x) for x in items], name=item_col)  # not numpy str_
        self.similarity_ = pd.DataFrame(sim, index=self.items_, columns=self.items_)
        self.customer_col_, self.item_col_ = customer_col, item_col
        return self

    def recommend(self, history: pd.DataFrame) -> pd.DataFrame:
        """The ``k`` products most similar to each customer's purchases, not yet bought.

        Returns
        -------
        pandas.DataFrame
            Indexed by customer, columns ``rec_1`` ... ``rec_k`` (None where fewer products
            have any similarity).
        """
        check_is_fitted(self, "similarity_")
        check_columns(history, [self.customer_col_, self.item_col_], "history")
        pos = self.items_.get_indexer(history[self.item_col_].astype(str))
        known = pos >= 0
        customers, c_codes = np.unique(
            history.loc[known, self.customer_col_].astype(str), return_inverse=True
        )
        bought = sparse.csr_matrix(
            (np.ones(known.sum()), (c_codes, pos[known])), shape=(len(customers), len(self.items_))
        )
        bought.data[:] = 1.0
        score = np.asarray(bought @ self.similarity_.to_numpy())
        score[bought.toarray() > 0] = -np.inf  # never recommend what was bought
        order = np.argsort(-score, axis=1, kind="stable")[:, : self.k]
        top = np.take_along_axis(score, order, axis=1)
        names = self.items_.to_numpy(dtype=object)[order]
        names[~(top > 0)] = None
        return pd.DataFrame(
            names,
            index=pd.Index([str(x) for x in customers], name=self.customer_col_),
            columns=[f"rec_{j}" for j in range(1, self.k + 1)],
        )


def popular_items(
    history: pd.DataFrame, k: int = 3, customer_col: str = "customer_id", item_col: str = "product"
) -> pd.DataFrame:
    """The baseline: the ``k`` best sellers each customer has not bought yet."""
    k = check_int("k", k, 1)
    check_columns(history, [customer_col, item_col], "history")
    ranking = history[item_col].astype(str).value_counts().index.tolist()
    seen = history.groupby(history[customer_col].astype(str))[item_col].agg(
        lambda s: set(s.astype(str))
    )
    out = {c: [p for p in ranking if p not in bought][:k] for c, bought in seen.items()}
    cols = [f"rec_{j}" for j in range(1, k + 1)]
    frame = pd.DataFrame.from_dict(out, orient="index").reindex(columns=range(k))
    frame.columns = cols
    frame.index.name = customer_col
    return frame


def hit_rate(
    recommendations: pd.DataFrame, holdout: pd.Series, confidence_level: float = 0.95
) -> dict:
    """Share of held-out purchases that were among the customer's recommendations.

    Returns
    -------
    dict
        ``hits``, ``n`` (customers with both a recommendation list and a held-out purchase),
        ``hit_rate`` and its Wilson interval ``ci_low``, ``ci_high``.
    """
    common = recommendations.index.intersection(holdout.index.astype(str))
    if len(common) == 0:
        raise DataValidationError(
            "no customer has both recommendations and a held-out purchase; check that both "
            "are indexed by the same customer ids"
        )
    recs = recommendations.loc[common]
    actual = holdout.copy()
    actual.index = actual.index.astype(str)
    actual = actual.loc[common].astype(str)
    hits = int(recs.eq(actual, axis=0).any(axis=1).sum())
    ci = binomtest(hits, len(common)).proportion_ci(confidence_level, method="wilson")
    return {
        "hits": hits,
        "n": len(common),
        "hit_rate": hits / len(common),
        "ci_low": float(ci.low),
        "ci_high": float(ci.high),
    }
