"""Saving and loading fitted CLV models (helpers/clv/persistence.py)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from helpers.clv import (
    BGBB,
    BGNBD,
    MBGNBD,
    GammaGamma,
    ParetoNBD,
    ShiftedBetaGeometric,
    load_model,
    prediction_interval,
    save_model,
)
from helpers.exceptions import DataValidationError, NotFittedError, ParameterError
from helpers.simulate import simulate_bgbb, simulate_bgnbd_summary, simulate_gammagamma_spend


@pytest.fixture(scope="module")
def data():
    s = simulate_bgnbd_summary(800, 0.243, 4.414, 0.793, 2.426, T=39.0, random_state=3)[0]
    s = s["summary"]
    spend = simulate_gammagamma_spend(s["frequency"], 6.25, 3.74, 15.44, random_state=4)[0]
    s["monetary_value"] = spend["spend"]["monetary_value"]
    discrete = simulate_bgbb(800, 1.2, 0.75, 0.66, 2.78, n_periods=6, random_state=5)[0]
    return s, discrete["summary"]


def _fitted(data):
    """One fitted model of every class with a few predictions to compare."""
    s, d = data
    rep = s[s["frequency"] > 0]
    head = s.head(5)
    return {
        "BGNBD": (BGNBD().fit(s), lambda m: m.conditional_expected_purchases(39, head)),
        "MBGNBD": (MBGNBD().fit(s), lambda m: m.probability_alive(head)),
        "ParetoNBD": (ParetoNBD().fit(s), lambda m: m.conditional_expected_purchases(20, head)),
        "GammaGamma": (
            GammaGamma().fit(rep),
            lambda m: m.conditional_expected_average_spend(rep.head(5)),
        ),
        "GammaGamma(q>1)": (
            GammaGamma(q_constraint=True).fit(rep),
            lambda m: m.population_mean_spend(),
        ),
        "ShiftedBetaGeometric": (
            ShiftedBetaGeometric().fit([1000, 631, 468, 382, 326, 289, 262, 241]),
            lambda m: m.survival(np.arange(10)),
        ),
        "BGBB": (BGBB().fit(d), lambda m: m.conditional_expected_purchases(5, d.head(5))),
    }


@pytest.fixture(scope="module")
def fitted(data):
    return _fitted(data)


@pytest.mark.parametrize(
    "name",
    [
        "BGNBD",
        "MBGNBD",
        "ParetoNBD",
        "GammaGamma",
        "GammaGamma(q>1)",
        "ShiftedBetaGeometric",
        "BGBB",
    ],
)
def test_round_trip_predicts_exactly_the_same(fitted, name, tmp_path):
    model, predict = fitted[name]
    path = model.save(tmp_path / "model.json", metadata={"time_unit": "W", "end": "1997-09-30"})
    loaded = type(model).load(path)
    assert type(loaded) is type(model)
    assert loaded.params_ == model.params_  # exact: floats are written with repr precision
    assert np.array_equal(loaded.covariance_log_, model.covariance_log_)
    assert loaded.standard_errors_ == model.standard_errors_
    pd.testing.assert_frame_equal(loaded.confidence_intervals_, model.confidence_intervals_)
    pd.testing.assert_frame_equal(loaded.summary(), model.summary())
    assert loaded.log_likelihood_ == model.log_likelihood_
    assert loaded.n_customers_ == model.n_customers_
    assert vars(loaded).keys() - {"metadata_"} == vars(model).keys()
    assert loaded.metadata_ == {"time_unit": "W", "end": "1997-09-30"}
    a, b = predict(model), predict(loaded)
    if isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b, check_exact=True)
    else:
        assert np.array_equal(a, b)
    # The same draws from the loaded model give the same interval.
    args = {"confidence_level": 0.9, "n_draws": 50, "random_state": 1}
    pd.testing.assert_frame_equal(
        prediction_interval(loaded, predict, **args), prediction_interval(model, predict, **args)
    )
    # A loaded model saves to the same file (its metadata kept).
    again = loaded.save(tmp_path / "again.json")
    assert json.loads(again.read_text()) == json.loads(path.read_text())


def test_file_is_plain_json_with_the_documented_keys(fitted, tmp_path):
    model = fitted["GammaGamma(q>1)"][0]
    doc = json.loads(save_model(model, tmp_path / "gg.json").read_text())
    assert doc["format_version"] == 1
    assert doc["model_class"] == "GammaGamma"
    assert doc["hyper_parameters"] == {
        "penalizer": 0.0,
        "tol": 1e-10,
        "maxiter": 2000,
        "q_constraint": True,
    }
    assert doc["params"] == model.params_
    assert doc["log_likelihood"] == model.log_likelihood_
    assert doc["metadata"] == {}
    assert isinstance(load_model(tmp_path / "gg.json"), GammaGamma)


def test_bad_files_give_clear_errors(fitted, tmp_path):
    model = fitted["BGNBD"][0]
    path = model.save(tmp_path / "bg.json")
    doc = json.loads(path.read_text())

    bad = tmp_path / "bad.json"
    bad.write_text("not json at all")
    with pytest.raises(DataValidationError, match=r"bad\.json is not a JSON file.*save_model"):
        load_model(bad)
    bad.write_text("[1, 2]")
    with pytest.raises(DataValidationError, match="does not hold a saved model"):
        load_model(bad)
    for key in ("params", "model_class"):
        partial = {k: v for k, v in doc.items() if k != key}
        bad.write_text(json.dumps(partial))
        with pytest.raises(DataValidationError, match=rf"lacks the key\(s\) \['{key}'\]"):
            load_model(bad)
    bad.write_text(json.dumps({**doc, "format_version": 99}))
    with pytest.raises(DataValidationError, match="format version 99.*reads version 1"):
        load_model(bad)
    bad.write_text(json.dumps({**doc, "model_class": "os.system"}))
    with pytest.raises(DataValidationError, match="'os.system', which is not a CLV model"):
        load_model(bad)
    bad.write_text(json.dumps({**doc, "hyper_parameters": {"evil": 1}}))
    with pytest.raises(DataValidationError, match="hyper-parameters.*BGNBD does not take"):
        load_model(bad)
    with pytest.raises(
        DataValidationError, match=r"holds a BGNBD model, not a ParetoNBD.*BGNBD\.load"
    ):
        ParetoNBD.load(path)
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "missing.json")


def test_save_refuses_unfitted_models_and_bad_metadata(fitted, tmp_path):
    with pytest.raises(NotFittedError, match=r"BGNBD is not fitted.*x\.json.*fit\(\.\.\.\) first"):
        BGNBD().save(tmp_path / "x.json")
    model = fitted["BGNBD"][0]
    with pytest.raises(ParameterError, match="metadata cannot be written as JSON.*isoformat"):
        model.save(tmp_path / "x.json", metadata={"end": pd.Timestamp("1997-09-30")})
    with pytest.raises(ParameterError, match="metadata must be a dict"):
        model.save(tmp_path / "x.json", metadata=["W"])
    with pytest.raises(ParameterError, match="save_model needs a CLV model"):
        save_model(object(), tmp_path / "x.json")
    assert not (tmp_path / "x.json").exists()


def test_covariate_fit_round_trips(tmp_path):
    from helpers.simulate import simulate_covariate_summary

    params = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    tables, truth = simulate_covariate_summary(
        1000, "BG/NBD", params, T=52, random_state=3, purchase={"online": 0.5}
    )
    s = tables["summary"]
    model = BGNBD().fit(s, purchase_covariates=truth.purchase_covariates)
    loaded = BGNBD.load(model.save(tmp_path / "cov.json"))
    assert loaded.coefficients_ == model.coefficients_
    assert np.array_equal(loaded.covariance_, model.covariance_)
    pd.testing.assert_frame_equal(loaded.summary(), model.summary())
    head = s.head(5)
    pd.testing.assert_series_equal(
        loaded.conditional_expected_purchases(39, head),
        model.conditional_expected_purchases(39, head),
        check_exact=True,
    )
    args = (39, head)
    kw = {"confidence_level": 0.9, "n_draws": 50, "random_state": 2}
    pd.testing.assert_frame_equal(
        prediction_interval(loaded, "conditional_expected_purchases", *args, **kw),
        prediction_interval(model, "conditional_expected_purchases", *args, **kw),
    )
