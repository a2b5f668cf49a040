"""The subscription simulator's optional frailty and renewal spikes recover what they plant."""

import numpy as np
import pandas as pd
import pytest

from helpers.churn import survival_table
from helpers.exceptions import ParameterError
from helpers.simulate import subscriptions

OBS = "2024-12-31"


def _monthly_hazard(table, months):
    """Share of the customers reaching month m (whole months of tenure) who leave in it."""
    m = np.floor(table["duration"]).astype(int)
    return np.array(
        [((m == i) & (table["event"] == 1)).sum() / (m >= i).sum() for i in range(months)]
    )


def _table(**kwargs):
    data, truth = subscriptions(
        20_000, random_state=7, start="2019-01-01", observation_end=OBS, **kwargs
    )
    table = survival_table(data["customers"], observation_end=OBS, time_unit="M")
    return table.assign(plan=data["customers"]["plan"]), truth


def test_defaults_plant_no_frailty_and_no_spikes():
    _, truth = subscriptions(500, random_state=1)
    assert truth.frailty_variance == 0 and truth.renewal_hazard == 0
    assert (truth.frailty == 1).all()
    again, _ = subscriptions(500, random_state=1, frailty_variance=0.0, renewal_hazard=0.0)
    first, _ = subscriptions(500, random_state=1)
    pd.testing.assert_frame_equal(first["customers"], again["customers"])


def test_renewal_spikes_sit_in_the_month_a_term_ends():
    table, truth = _table(renewal_hazard=0.5)
    assert truth.renewal_hazard == 0.5
    expected = 1 - np.exp(-0.5)  # share leaving at a renewal, before the smooth hazard
    annual = _monthly_hazard(table[table["plan"] == "annual"], 36)
    assert annual[[11, 23, 35]] == pytest.approx([expected] * 3, abs=0.06)
    assert annual[[9, 10, 13, 20]].max() < 0.06
    two_year = _monthly_hazard(table[table["plan"] == "two-year"], 25)
    assert two_year[11] < 0.06 and two_year[23] == pytest.approx(expected, abs=0.06)
    monthly = _monthly_hazard(table[table["plan"] == "monthly"], 25)
    assert monthly.max() < 0.1  # monthly plans renew every month: no spike


def test_gamma_frailty_has_the_planted_variance_and_bends_the_population_hazard_down():
    table, truth = _table(frailty_variance=1.0)
    assert truth.frailty.mean() == pytest.approx(1.0, abs=0.03)
    assert truth.frailty.var() == pytest.approx(1.0, abs=0.1)
    haz = _monthly_hazard(table, 48)
    # Each customer's hazard rises with tenure (shape 1.3); the population's falls late on.
    assert haz[36:48].mean() < 0.8 * haz[9:15].mean()
    plain, _ = _table()
    assert _monthly_hazard(plain, 48)[36:48].mean() > haz[9:15].mean()


@pytest.mark.parametrize("name", ["frailty_variance", "renewal_hazard"])
def test_negative_frailty_or_renewal_hazard_is_refused(name):
    with pytest.raises(ParameterError, match=name):
        subscriptions(100, random_state=1, **{name: -0.1})
