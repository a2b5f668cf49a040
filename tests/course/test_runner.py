"""The course runner behind `make run`: planning checks and failure reporting."""

from __future__ import annotations

import nbformat
import pytest
import runner  # course/tools/, put on the import path by tests/conftest.py
from nbformat.v4 import new_code_cell, new_notebook

from helpers.exceptions import ParameterError


def test_plan_everything_by_default():
    jobs = runner.plan()
    assert [j.name for j in jobs] == [p.stem for p in runner.chapters()]
    assert all(j.parameters == {} for j in jobs)


def test_plan_one_chapter_by_number_or_name():
    assert [j.name for j in runner.plan(["01"])] == ["01_crm_foundations"]
    assert [j.name for j in runner.plan(["1"])] == ["01_crm_foundations"]
    assert [j.name for j in runner.plan(["00_welcome"])] == ["00_welcome"]


def test_plan_smoke_profile_applies_its_parameters():
    jobs = {j.name: j for j in runner.plan(profile="smoke")}
    assert jobs["01_crm_foundations"].parameters["cdnow_kind"] == "sample"


def test_overrides_go_to_the_chapters_that_have_them():
    jobs = {j.name: j for j in runner.plan(overrides={"retention_rate": 0.8})}
    assert jobs["01_crm_foundations"].parameters == {"retention_rate": 0.8}
    assert jobs["00_welcome"].parameters == {}


def test_unknown_profile_chapter_and_parameter_fail_before_running():
    with pytest.raises(
        ParameterError, match=r"unknown profile 'nope'; available profiles: .*smoke"
    ):
        runner.plan(profile="nope")
    with pytest.raises(ParameterError, match=r"no chapter '42'; the chapters are: 00_welcome"):
        runner.plan(["42"])
    with pytest.raises(
        ParameterError,
        match=r"no selected chapter has a parameter 'retension_rate' \(did you mean "
        r"'retention_rate'\?\)",
    ):
        runner.plan(overrides={"retension_rate": 0.8})


def test_profile_with_unknown_parameter(tmp_path):
    (tmp_path / "typo.yaml").write_text(
        "chapters: [01_crm_foundations]\nparameters:\n  01_crm_foundations:\n    horizn: 5\n"
    )
    with pytest.raises(ParameterError, match=r"unknown parameter\(s\) \['horizn'\] for 01_crm"):
        runner.plan(profile="typo", profiles=tmp_path)
    (tmp_path / "badkey.yaml").write_text("chapter: all\n")
    with pytest.raises(ParameterError, match=r"unknown key\(s\) \['chapter'\]"):
        runner.plan(profile="badkey", profiles=tmp_path)


def test_the_repository_is_found_from_the_working_directory(tmp_path, monkeypatch):
    root = runner.find_root()
    assert (root / "notebooks").is_dir() and (root / "course" / "profiles").is_dir()
    monkeypatch.chdir(root / "notebooks")
    assert runner.find_root() == root
    assert runner.NOTEBOOKS == root / "notebooks"
    assert runner.PROFILES == root / "course" / "profiles"
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="is not inside the course repository"):
        runner.find_root()
    assert runner.main(["--nb", "01"]) == 2


def test_tooling_is_not_in_the_learner_package():
    import importlib.util

    assert importlib.util.find_spec("helpers.runner") is None
    assert importlib.util.find_spec("helpers.coursebuild") is None


def test_main_reports_plan_errors_with_exit_code_2(capsys):
    assert runner.main(["--profile", "nope"]) == 2
    assert "unknown profile 'nope'" in capsys.readouterr().err


def _notebook(path, *sources):
    nb = new_notebook(cells=[new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


def test_failure_names_notebook_and_cell_and_others_still_run(tmp_path):
    src = tmp_path / "nb"
    src.mkdir()
    bad = _notebook(src / "01_bad.ipynb", "x = 1", "y = 2\nraise ValueError('planted failure')")
    good = _notebook(src / "02_good.ipynb", "print('fine')")
    results = runner.run_jobs([runner.Job(bad), runner.Job(good)], tmp_path / "build")
    assert [(r.name, r.status) for r in results] == [("01_bad", "FAILED"), ("02_good", "ok")]
    assert results[0].error == "cell 2 (`y = 2`): ValueError: planted failure"
    assert (tmp_path / "build" / "executed" / "02_good.ipynb").exists()
    index = (tmp_path / "build" / "html" / "index.html").read_text()
    assert "01_bad.html" in index and "FAILED" in index and "02_good.html" in index
    assert (tmp_path / "build" / "html" / "01_bad.html").exists()
    table = runner.format_table(results)
    lines = [line.split() for line in table.splitlines()]
    assert ["01_bad", "FAILED"] == lines[2][:2] and ["02_good", "ok"] == lines[3][:2]
    assert lines[-1][0] == "total"


@pytest.mark.parametrize("profile", runner.available_profiles())
def test_every_shipped_profile_plans_cleanly(profile):
    spec = runner.load_profile(profile)
    assert spec.get("description"), f"profile {profile} needs a description"
    jobs = runner.plan(profile=profile)
    assert jobs, f"profile {profile} selects no chapter"


def test_required_profiles_exist():
    assert {"full", "half_day", "one_day", "research", "smoke"} <= set(runner.available_profiles())
    day = runner.plan(profile="one_day")
    assert [j.name for j in day] == [
        "00_welcome",
        "01_crm_foundations",
        "02_segmentation",
        "04_clv_models",
        "07_churn_early_warning",
        "12_case_retail_value",
    ]
    assert all(
        j.parameters.get("cdnow_kind") == "sample" for j in day if "cdnow_kind" in j.parameters
    )
    half = [j.name for j in runner.plan(profile="half_day")]
    assert half[:3] == ["00_welcome", "01_crm_foundations", "02_segmentation"]


def test_a_chinese_run_passes_lang_unless_it_is_set():
    assert runner.plan(["01"])[0].parameters == {}
    assert runner.plan(["01"], lang="zh")[0].parameters == {"lang": "zh"}
    assert runner.plan(["01"], None, {"lang": "en"}, lang="zh")[0].parameters == {"lang": "en"}
