"""The Great Expectations project: committed config, per-home stores, one checkpoint per gate, Data Docs.

`data_checks/gx/great_expectations.yml` is the project; what a run writes (suites, validation
definitions, checkpoints, validation results, Data Docs) lands under `$VOCWH_HOME/gx/`, never in
the checkout, and processes validating at the same time in one home do not spoil each other.
"""

import contextlib
import hashlib
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from urllib.parse import unquote

import duckdb
import pandas as pd
import pytest

from data_checks import gx_runner
from orchestration import settings
from orchestration.publish import publish

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("VOCWH_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _committed_listing() -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(gx_runner.PROJECT_DIR)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(gx_runner.PROJECT_DIR.rglob("*"))
    }


def _expectations():
    import great_expectations as gx

    return [
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="rate", min_value=0, max_value=100, meta={"rule_id": "Q002"}
        ),
        gx.expectations.ExpectColumnValuesToNotBeNull(column="rate", meta={"rule_id": "V002"}),
    ]


FRAME = pd.DataFrame({"row_key": ["2024/a/X1", "2024/b/X1", "2024/c/X1"], "rate": [12.5, 140.0, 99.0]})


def test_a_gate_runs_as_a_stored_checkpoint_in_the_home(home):
    before = _committed_listing()

    failures, evaluated = gx_runner.validate(FRAME, _expectations(), "mart_2024", ["row_key"])

    assert evaluated == 2
    assert [(f.meta["rule_id"], f.expectation_type) for f in failures] == [
        ("Q002", "expect_column_values_to_be_between")
    ]
    assert [row["row_key"] for row in failures[0].unexpected_rows] == ["2024/b/X1"]
    gx_home = settings.gx_dir()
    assert gx_home == home.resolve() / "gx"
    for store in ("expectations", "validation_definitions", "checkpoints"):
        assert (gx_home / store / "mart_2024.json").is_file(), store
    checkpoint = json.loads((gx_home / "checkpoints" / "mart_2024.json").read_text())
    assert checkpoint["result_format"]["unexpected_index_column_names"] == ["row_key"]
    assert [v["name"] for v in checkpoint["validation_definitions"]] == ["mart_2024"]
    definition = json.loads((gx_home / "validation_definitions" / "mart_2024.json").read_text())
    assert definition["data"]["asset"]["name"] == "mart" and definition["suite"]["name"] == "mart_2024"
    assert len(list((gx_home / "validations" / "mart_2024").rglob("*.json"))) == 1
    assert _committed_listing() == before, "a run wrote into data_checks/gx/"
    assert sorted(_committed_listing()) == [".gitignore", "great_expectations.yml"]


def test_the_suite_follows_the_rules_and_only_the_last_validation_is_kept(home):
    import great_expectations as gx

    gx_runner.validate(FRAME, _expectations(), "submissions_高职_2024", ["row_key"])
    rule = {"column": "rate", "min_value": 0, "max_value": 200, "meta": {"rule_id": "Q002"}}
    looser = [gx.expectations.ExpectColumnValuesToBeBetween(**rule)]
    failures, evaluated = gx_runner.validate(FRAME, looser, "submissions_高职_2024", ["row_key"])

    assert (failures, evaluated) == ([], 1)
    gx_home = settings.gx_dir()
    suite = json.loads((gx_home / "expectations" / "submissions_高职_2024.json").read_text())
    assert [e["kwargs"]["max_value"] for e in suite["expectations"]] == [200]
    # each expectation says which rule it is, in the rule's words and severity (Data Docs show the notes)
    [stored] = suite["expectations"]
    assert stored["notes"].startswith("Q002 比例超出 0–100%：") and stored["severity"] == "critical"
    results = list((gx_home / "validations" / "submissions_高职_2024").rglob("*.json"))
    assert len(results) == 1 and json.loads(results[0].read_text())["success"] is True


def test_a_value_set_from_reference_data_is_a_suite_parameter_not_stored_in_the_suite(home):
    """The registry's codes (thousands at national scale) are given at run time: the stored suite holds the
    parameter, a change of registry does not re-store the gate, and a code outside the set still fails."""
    import great_expectations as gx

    def known():  # a run builds its expectations afresh
        return gx.expectations.ExpectColumnValuesToBeInSet(
            column="row_key", value_set={"$PARAMETER": "school_known"}, meta={"rule_id": "M001"}
        )

    marker = settings.gx_dir() / "fingerprints" / "submissions_中职_2024.sha256"
    codes = ["2024/a/X1", "2024/b/X1"]
    [failure], _ = gx_runner.validate(
        FRAME, [known()], "submissions_中职_2024", ["row_key"], parameters={"school_known": codes}
    )
    assert [row["row_key"] for row in failure.unexpected_rows] == ["2024/c/X1"]
    stored = marker.read_text()
    codes.append("2024/c/X1")  # the registry grows
    failures, _ = gx_runner.validate(
        FRAME, [known()], "submissions_中职_2024", ["row_key"], parameters={"school_known": codes}
    )
    assert failures == [] and marker.read_text() == stored
    suite = json.loads((settings.gx_dir() / "expectations" / "submissions_中职_2024.json").read_text())
    assert [e["kwargs"]["value_set"] for e in suite["expectations"]] == [{"$PARAMETER": "school_known"}]


def test_a_validation_builds_each_expectation_configuration_once_and_finds_the_same(home, monkeypatch):
    """GX re-builds an expectation's configuration each time it reads an argument, and the expectation from its
    configuration for each metric it plans; within a validation each is built once. The failures, rows and values
    found are those of GX's own methods, a parameter's value included; outside a validation they build afresh, so
    a changed expectation is never served stale."""
    import great_expectations as gx
    from great_expectations.expectations.expectation import Expectation
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    def expectations():
        return [
            *_expectations(),
            gx.expectations.ExpectColumnValuesToBeInSet(
                column="row_key", value_set={"$PARAMETER": "known"}, meta={"rule_id": "M001"}
            ),
        ]

    def outcome(failures):
        return [(f.meta, f.expectation_type, f.unexpected_rows, f.observed) for f in failures]

    parameters = {"known": ["2024/a/X1", "2024/b/X1"]}
    cached = gx_runner.validate(FRAME, expectations(), "mart_2024", ["row_key"], parameters=parameters)
    assert [f.meta["rule_id"] for f in cached[0]] == ["Q002", "M001"]
    # the objects built from, kept: an id compared after its object died could be a new object's
    calls, domains = [], []
    build, domain = Expectation.configuration.fget, ExpectationConfiguration.to_domain_obj

    def distinct(objects):
        return len({id(o) for o in objects})

    def counting():
        monkeypatch.setattr(Expectation, "configuration", property(lambda e: calls.append(e) or build(e)))
        monkeypatch.setattr(ExpectationConfiguration, "to_domain_obj", lambda c: domains.append(c) or domain(c))

    counting()
    monkeypatch.setattr(gx_runner, "configurations_built_once", contextlib.nullcontext)  # GX as it is
    plain = gx_runner.validate(FRAME, expectations(), "mart_2024", ["row_key"], parameters=parameters)
    assert outcome(cached[0]) == outcome(plain[0]) and cached[1] == plain[1] == 3
    # what the cache saves: GX builds each several times
    assert len(calls) > 3 * distinct(calls)
    planned = len(domains)
    monkeypatch.undo()

    calls.clear()
    domains.clear()
    counting()
    gx_runner._cache_configurations.cache_clear()  # installed over the counting methods
    try:
        again = gx_runner.validate(FRAME, expectations(), "mart_2024", ["row_key"], parameters=parameters)
        assert outcome(again[0]) == outcome(cached[0])
        assert len(calls) == distinct(calls) and len(domains) == distinct(domains)
        assert len(domains) < planned  # 48 against 72 here; with 50,000 codes in a value set, a third of the intake
        [one] = _expectations()[:1]
        assert one.configuration is not one.configuration  # outside a validation: built afresh
        assert one.configuration.to_domain_obj() is not one.configuration.to_domain_obj()
    finally:
        monkeypatch.undo()  # the caching property of the first validation is back, and installed as far as it knows


def test_data_docs_show_the_last_validation_of_each_gate(home):
    gx_runner.validate(FRAME, _expectations(), "mart_2024", ["row_key"])
    gx_runner.validate(FRAME, _expectations(), "recon_2024", ["row_key"])
    gx_runner.validate(FRAME, _expectations(), "recon_2024", ["row_key"])

    index = gx_runner.build_data_docs()

    assert index == settings.gx_dir().resolve() / "data_docs" / "local_site" / "index.html"
    html = index.read_text(encoding="utf-8")
    assert "mart_2024" in html and "recon_2024" in html
    pages = sorted(p.relative_to(index.parent).parts[:2] for p in (index.parent / "validations").rglob("*.html"))
    assert pages == [("validations", "mart_2024"), ("validations", "recon_2024")]  # one page per gate
    # readable offline: the gates listed as plain HTML, without GX's CDN scripts, linked to their pages
    static = html[html.index("各检查关卡最近一次验证") : html.index("</section>")]
    links = re.findall(r'<a href="(validations/[^"]+)">(\w+)</a>：(通过|未通过)', static)
    assert [(name, status) for _, name, status in links] == [("mart_2024", "未通过"), ("recon_2024", "未通过")]
    assert all((index.parent / unquote(href)).exists() for href, _, _ in links)


CONCURRENT = textwrap.dedent(
    r"""
    import sys, time
    from pathlib import Path
    import pandas as pd
    import great_expectations as gx
    from data_checks import gx_runner

    own, go = sys.argv[1], Path(sys.argv[2])
    frame = pd.DataFrame({"row_key": ["a", "b"], "rate": [5.0, 500.0]})
    gx_runner.open_context()
    while not go.exists():  # both processes have imported GX: start together
        time.sleep(0.01)
    for n in range(12):
        for gate in (own, "mart_2024"):  # one gate of its own, one shared with the other process
            rule = gx.expectations.ExpectColumnValuesToBeBetween(
                column="rate", min_value=0, max_value=100 + n, meta={"rule_id": "Q002"}
            )
            failures, evaluated = gx_runner.validate(frame, [rule], gate, ["row_key"])
            assert evaluated == 1 and [r["row_key"] for r in failures[0].unexpected_rows] == ["b"], failures
    print("ok")
    """
)


def test_two_processes_validating_at_once_in_one_home(home, tmp_path):
    config = gx_runner.PROJECT_DIR / "great_expectations.yml"
    digest = hashlib.sha256(config.read_bytes()).hexdigest()
    go = tmp_path / "go"
    env = {**os.environ, "VOCWH_HOME": str(home)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CONCURRENT, gate, str(go)],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for gate in ("submissions_高职_2024", "submissions_中职_2024")
    ]
    go.touch()
    outputs = [p.communicate(timeout=180) for p in procs]

    assert [p.returncode for p in procs] == [0, 0], [err[-3000:] for _, err in outputs]
    assert [out.strip() for out, _ in outputs] == ["ok", "ok"]
    assert hashlib.sha256(config.read_bytes()).hexdigest() == digest
    gx_home = settings.gx_dir()
    gates = {"mart_2024", "submissions_高职_2024", "submissions_中职_2024"}
    for store in ("expectations", "validation_definitions", "checkpoints"):
        assert {p.stem for p in (gx_home / store).glob("*.json")} == gates, store
        for path in (gx_home / store).glob("*.json"):
            json.loads(path.read_text())  # whole, parseable files
    for gate in gates:
        assert len(list((gx_home / "validations" / gate).rglob("*.json"))) == 1, gate
    # The project still opens (fresh context in this process) and every gate's checkpoint resolves.
    context = gx_runner.open_context()
    assert {c.name for c in context.checkpoints.all()} == gates
    assert {v.name for v in context.validation_definitions.all()} == gates


def _warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute("create table facts as select 1 as x")
    return con


def test_publish_puts_the_data_docs_beside_the_published_copy(home, tmp_path):
    gx_runner.validate(FRAME, _expectations(), "mart_2024", ["row_key"])
    target = settings.published_path()
    con = _warehouse(tmp_path / "warehouse.duckdb")
    try:
        info = publish(con, target, "run-1", 2024)
        first = Path(info["data_docs"])
        assert first == target.parent / "data_docs" / "index.html"
        assert "mart_2024" in first.read_text(encoding="utf-8")

        gx_runner.validate(FRAME, _expectations(), "recon_2024", ["row_key"])
        info = publish(con, target, "run-2", 2024)
    finally:
        con.close()

    html = Path(info["data_docs"]).read_text(encoding="utf-8")
    assert "mart_2024" in html and "recon_2024" in html  # the docs follow the new validation …
    assert sorted(p.name for p in target.parent.iterdir()) == ["data_docs", "warehouse.duckdb"]  # no temp left
    assert not info["replaced"]  # … while the copy, whose marts did not change, is kept
    with duckdb.connect(str(target), read_only=True) as published:
        assert published.execute("select run_id from main.publication").fetchone() == ("run-1",)


def test_publish_without_any_validation_publishes_no_docs(home, tmp_path):
    target = settings.published_path()
    con = _warehouse(tmp_path / "warehouse.duckdb")
    try:
        info = publish(con, target, "run-1", 2024)
    finally:
        con.close()

    assert info["data_docs"] is None
    assert not (target.parent / "data_docs").exists() and target.is_file()
