"""Item-to-item recommendations: planted complements found, hit rates by hand, baseline."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.exceptions import DataValidationError, NotFittedError
from helpers.simulate.baskets import shop_orders
from helpers.strategy.recommend import ItemRecommender, hit_rate, popular_items, split_last_order


def test_split_last_order_hides_each_customers_last_purchase():
    orders = pd.DataFrame(
        {"customer_id": ["a", "a", "a", "b", "c", "c"], "order_no": [1, 2, 3, 1, 1, 2],
         "product": ["x", "y", "z", "x", "y", "x"]}
    )  # fmt: skip
    history, holdout = split_last_order(orders)
    assert holdout.to_dict() == {"a": "z", "c": "x"}
    assert history["product"].tolist() == ["x", "y", "y"]
    assert holdout.attrs["n_single"] == 1


def test_recommender_and_hit_rate_by_hand():
    history = pd.DataFrame(
        {"customer_id": ["a", "a", "b", "b", "c", "d"],
         "product": ["tent", "stove", "tent", "stove", "tent", "lamp"]}
    )  # fmt: skip
    rec = ItemRecommender(k=1).fit(history)
    assert rec.similarity_.loc["tent", "stove"] == pytest.approx(2 / (3**0.5 * 2**0.5))
    recs = rec.recommend(history)
    assert recs["rec_1"].to_dict() == {"a": None, "b": None, "c": "stove", "d": None}
    got = hit_rate(recs, pd.Series({"c": "stove", "d": "tent"}))
    assert (got["hits"], got["n"], got["hit_rate"]) == (1, 2, 0.5)
    assert popular_items(history, 1)["rec_1"].to_dict() == {
        "a": "lamp",
        "b": "lamp",
        "c": "stove",
        "d": "tent",
    }
    with pytest.raises(NotFittedError):
        ItemRecommender().recommend(history)
    with pytest.raises(DataValidationError, match=r"no customer has both"):
        hit_rate(recs, pd.Series({"z": "tent"}))


def test_planted_complements_are_the_most_similar_and_beat_best_sellers():
    tables, truth = shop_orders(3000, random_state=4)
    history, holdout = split_last_order(tables["orders"])
    rec = ItemRecommender(k=3).fit(history)
    # each planted complement is among the three products most similar to its first product
    # (47 other products; a chain P001 -> P007 -> P013 ... shares neighbours)
    ranks = [rec.similarity_.loc[a].rank(ascending=False)[b] for a, b in truth.complements.items()]
    assert max(ranks) <= 3
    ours = hit_rate(rec.recommend(history), holdout)
    base = hit_rate(popular_items(history, 3), holdout)
    assert ours["ci_low"] > base["ci_high"]


def test_cross_sell_test_recovers_its_planted_effect():
    from helpers.simulate.baskets import cross_sell_test
    from helpers.strategy import compare_proportions

    tables, truth = shop_orders(20_000, random_state=9)
    orders = tables["orders"]
    recs = ItemRecommender(k=1).fit(orders).recommend(orders)
    test, planted = cross_sell_test(truth, orders, recs, uplift=0.6, random_state=9)
    effect = compare_proportions(test["test"], outcome_col="new_category")
    assert effect.ci_low <= planted.effect <= effect.ci_high
    assert planted.effect > 0
    none, zero = cross_sell_test(truth, orders, recs, uplift=0.0, random_state=9)
    assert zero.effect == 0.0
