"""Seeded simulator of an online shop's orders, with planted tastes and complementary products.

Each customer likes a few of the shop's categories (a Dirichlet taste vector) and buys
products of those categories, the popular ones more often. Some products are planted
complements: a customer who bought the first of a pair is much more likely to buy the second
later (a camera, then its lens). These co-purchases are what an item-to-item recommender can
learn; the truth holds the pairs so the recommender can be checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers.validation import check_int, check_number

__all__ = ["CrossSellTruth", "ShopTruth", "cross_sell_test", "shop_orders"]


@dataclass(frozen=True)
class ShopTruth:
    """What :func:`shop_orders` planted."""

    n_products: int
    n_categories: int
    complements: dict = field(repr=False)  # product -> its complement
    complement_boost: float = 0.0
    category: pd.Series = field(default=None, repr=False)  # category of each product
    taste: pd.DataFrame = field(default=None, repr=False)  # customer x category shares
    popularity: pd.DataFrame = field(default=None, repr=False)  # category x rank shares


def shop_orders(
    n_customers: int = 4_000,
    n_categories: int = 8,
    products_per_category: int = 6,
    mean_orders: float = 6.0,
    complement_boost: float = 0.5,
    random_state=None,
) -> tuple[dict[str, pd.DataFrame], ShopTruth]:
    """Orders of an online shop: one product per order, in time order per customer.

    Parameters
    ----------
    n_customers : int
    n_categories, products_per_category : int
        The catalogue: products ``P001``, ``P002``, ... grouped in categories ``C1``, ``C2``, ...
    mean_orders : float
        Mean number of orders per customer (1 + Poisson(mean_orders - 1)).
    complement_boost : float
        Probability that the order after buying the first product of a complement pair is its
        complement (in [0, 1)); the other orders follow the customer's taste.
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    tables : dict
        ``{"orders": DataFrame}`` with ``customer_id``, ``order_no`` (1, 2, ... per customer),
        ``product`` and ``category``.
    truth : ShopTruth

    Examples
    --------
    >>> tables, truth = shop_orders(200, random_state=1)
    >>> int(tables["orders"]["order_no"].min()), truth.complements["P001"]
    (1, 'P007')
    """
    n = check_int("n_customers", n_customers, 10, 10_000_000)
    n_cat = check_int("n_categories", n_categories, 2, 1_000)
    per = check_int("products_per_category", products_per_category, 2, 1_000)
    mean_orders = check_number("mean_orders", mean_orders, 1)
    boost = check_number("complement_boost", complement_boost, 0, 1, high_open=True)
    rng = np.random.default_rng(random_state)
    n_prod = n_cat * per
    products = np.array([f"P{i:03d}" for i in range(1, n_prod + 1)])
    category = np.repeat([f"C{c}" for c in range(1, n_cat + 1)], per)
    popularity = rng.dirichlet(np.full(per, 1.0), n_cat)  # within each category
    # complement pairs: the first product of a category leads to the first product of the next
    comp = {int(c * per): int(((c + 1) % n_cat) * per) for c in range(n_cat)}
    taste = rng.dirichlet(np.full(n_cat, 0.3), n)
    n_orders = 1 + rng.poisson(mean_orders - 1, n)
    rows_out = []
    for i in range(n):
        last = None
        for k in range(1, n_orders[i] + 1):
            if last is not None and last in comp and rng.random() < boost:
                item = comp[last]
            else:
                c = rng.choice(n_cat, p=taste[i])
                item = int(c * per + rng.choice(per, p=popularity[c]))
            rows_out.append((f"U{i + 1:05d}", k, str(products[item]), str(category[item])))
            last = item
    orders = pd.DataFrame(rows_out, columns=["customer_id", "order_no", "product", "category"])
    truth = ShopTruth(
        n_products=n_prod,
        n_categories=n_cat,
        complements={str(products[a]): str(products[b]) for a, b in comp.items()},
        complement_boost=boost,
        category=pd.Series(category.tolist(), index=products.tolist(), name="category"),
        taste=pd.DataFrame(
            taste,
            index=[f"U{i + 1:05d}" for i in range(n)],
            columns=[f"C{c}" for c in range(1, n_cat + 1)],
        ),
        popularity=pd.DataFrame(popularity, index=[f"C{c}" for c in range(1, n_cat + 1)]),
    )
    return {"orders": orders}, truth


@dataclass(frozen=True)
class CrossSellTruth:
    """What :func:`cross_sell_test` planted: the uplift and the true effect on new-category
    purchases (the mean difference of each customer's two potential outcomes)."""

    uplift: float
    treat_share: float
    effect: float


def cross_sell_test(
    truth: ShopTruth,
    history: pd.DataFrame,
    recommendations: pd.DataFrame,
    treat_share: float = 0.5,
    uplift: float = 0.15,
    random_state=None,
) -> tuple[dict[str, pd.DataFrame], CrossSellTruth]:
    """A randomised test of recommendations: each customer's next purchase, with or without them.

    Every customer's next purchase is drawn twice from the shop's planted behaviour: without
    recommendations (their taste, or the complement of their last purchase), and with them
    (with probability ``uplift`` the first recommended product, otherwise the same purchase as
    without). A random ``treat_share`` of the customers get the recommendations; the data show
    only the purchase of the arm they are in. ``effect`` in the truth is the true mean
    difference in the share of purchases from a category the customer had not bought before.

    Parameters
    ----------
    truth : ShopTruth
        From :func:`shop_orders`.
    history : pandas.DataFrame
        The orders so far (``customer_id``, ``order_no``, ``product``, ``category``).
    recommendations : pandas.DataFrame
        Indexed by customer, first column the product recommended first (e.g. from
        :class:`helpers.strategy.ItemRecommender`).
    treat_share, uplift : float
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    tables : dict
        ``{"test": DataFrame}`` indexed by customer: ``treated`` (0/1), ``product``,
        ``category`` and ``new_category`` (0/1) of the next purchase.
    truth : CrossSellTruth
    """
    treat_share = check_number("treat_share", treat_share, 0, 1, low_open=True, high_open=True)
    uplift = check_number("uplift", uplift, 0, 1)
    rng = np.random.default_rng(random_state)
    customers = recommendations.index.intersection(history["customer_id"].unique())
    last = history.sort_values("order_no").groupby("customer_id")["product"].last()
    seen = history.groupby("customer_id")["category"].agg(set)
    per = truth.popularity.shape[1]
    cats = list(truth.taste.columns)
    rows_out = []
    for cid in customers:
        prev = last[cid]
        if prev in truth.complements and rng.random() < truth.complement_boost:
            base = truth.complements[prev]
        else:
            c = rng.choice(len(cats), p=truth.taste.loc[cid].to_numpy())
            r = rng.choice(per, p=truth.popularity.iloc[c].to_numpy())
            base = f"P{c * per + r + 1:03d}"
        rec = recommendations.loc[cid].iloc[0]
        with_rec = rec if (rec is not None and rng.random() < uplift) else base
        treated = rng.random() < treat_share
        new_base = truth.category[base] not in seen[cid]
        new_rec = truth.category[with_rec] not in seen[cid]
        bought = with_rec if treated else base
        rows_out.append(
            (
                cid,
                int(treated),
                bought,
                truth.category[bought],
                int(new_rec if treated else new_base),
                int(new_rec) - int(new_base),
            )
        )
    df = pd.DataFrame(
        rows_out,
        columns=["customer_id", "treated", "product", "category", "new_category", "_effect"],
    ).set_index("customer_id")
    out = CrossSellTruth(uplift=uplift, treat_share=treat_share, effect=float(df["_effect"].mean()))
    return {"test": df.drop(columns="_effect")}, out
