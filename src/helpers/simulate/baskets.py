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

__all__ = ["ShopTruth", "shop_orders"]


@dataclass(frozen=True)
class ShopTruth:
    """What :func:`shop_orders` planted."""

    n_products: int
    n_categories: int
    complements: dict = field(repr=False)  # product -> its complement
    complement_boost: float = 0.0
    category: pd.Series = field(default=None, repr=False)  # category of each product


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
        category=pd.Series(category, index=products, name="category"),
    )
    return {"orders": orders}, truth
