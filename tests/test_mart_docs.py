"""Every mart and every mart column is documented, and the documentation reaches DuckDB as comments.

Analysts query the marts of a DuckDB copy: the yml descriptions are persisted as table, view and column
comments (persist_docs), so a column without a description is a column without a comment. Quick tier:
reads the dbt manifest the session prepares (conftest) and the model files, builds nothing.
"""

import json
import re
from pathlib import Path

import pytest
import sqlglot
import yaml
from sqlglot import exp

from orchestration.dbt_manifest import dbt_project

DBT = Path(__file__).parent.parent / "dbt_project"
MARTS = DBT / "models" / "marts"

# Columns of the marts whose final select list has a star that is not `select * from ref('<mart>')`
# (the star is over a CTE or a staging model): checked against a built warehouse, 2026-11.
STAR_COLUMNS = {
    "mart_ch2_quality_monitoring": [
        "dataset_code",
        "data_year",
        "key_kind",
        "key",
        "label",
        "sort_order",
        "major_count",
        "share",
    ],
    "fct_report_facts": [
        "data_year",
        "fact_code",
        "chapter_code",
        "statement",
        "value",
        "unit",
        "decimals",
        "source_document",
        "source_date",
        "entered_by",
    ],
}


def _manifest() -> dict:
    return json.loads(Path(dbt_project.manifest_path).read_text(encoding="utf-8"))


def _mart_nodes() -> dict[str, dict]:
    return {
        node["name"]: node
        for node in _manifest()["nodes"].values()
        if node["resource_type"] == "model" and node["original_file_path"].startswith("models/marts/")
    }


def _yml_models() -> dict[str, dict]:
    models = {}
    for path in sorted(MARTS.rglob("*.yml")):
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models", []):
            models[model["name"]] = {**model, "_file": path.relative_to(DBT)}
    return models


def _select_list(sql: str) -> tuple[list[str], str | None]:
    """Names of the final select list of a model's SQL, and the mart a bare `select *` reads, if any."""
    sql = re.sub(r"\{\{\s*ref\('([^']+)'\)\s*\}\}", r"\1", sql)
    # macros/year_on_year.sql: the three change columns
    sql = re.sub(
        r"\{\{\s*change_columns\(.*?\)\s*\}\}", "null as change_abs, null as change_pct, null as change_pp", sql
    )
    sql = re.sub(r"'\{\{.*?\}\}'", "'x'", sql, flags=re.S)
    sql = re.sub(r"\{\{.*?\}\}", "true", sql, flags=re.S)
    sql = re.sub(r"\{%.*?%\}", "", sql, flags=re.S)
    tree = sqlglot.parse_one(sql, read="duckdb")
    stars = [
        e
        for e in tree.selects
        if isinstance(e, exp.Star) or (isinstance(e, exp.Column) and isinstance(e.this, exp.Star))
    ]
    if not stars:
        return list(tree.named_selects), None
    source = tree.args.get("from_") or tree.args.get("from")
    bare = (
        len(tree.selects) == 1
        and isinstance(tree.selects[0], exp.Star)
        and not tree.selects[0].args.get("except")
        and not tree.args.get("joins")
        and isinstance(source.this, exp.Table)
    )
    return [], (source.this.name if bare else "")


def _produced_columns(name: str, nodes: dict[str, dict]) -> list[str] | None:
    """The columns a mart's SQL produces: its select list; for `select * from ref('<mart>')` that mart's."""
    sql = (DBT / nodes[name]["original_file_path"]).read_text(encoding="utf-8")
    names, star_source = _select_list(sql)
    if star_source is None:
        return names
    if star_source in nodes:
        return _produced_columns(star_source, nodes)
    return STAR_COLUMNS.get(name)


def test_the_marts_are_found():
    nodes = _mart_nodes()
    assert {"fct_city_indicator_year", "dim_school", "mart_ch1_indicators", "fct_submission_findings"} <= set(nodes)


def test_every_mart_has_a_description():
    missing = [name for name, node in _mart_nodes().items() if not node["description"].strip()]
    assert not missing, f"marts without a description in their yml: {missing}"


def test_every_mart_lists_its_columns_with_descriptions():
    nodes, ymls = _mart_nodes(), _yml_models()
    problems = []
    for name, node in nodes.items():
        if name not in ymls:
            problems.append(f"{name}: no yml under models/marts")
            continue
        listed = [c["name"] for c in ymls[name].get("columns") or []]
        if not listed:
            problems.append(f"{name}: its yml lists no columns")
        if len(set(listed)) != len(listed):
            problems.append(f"{name}: a column is listed twice")
        undocumented = [c for c, col in node["columns"].items() if not (col.get("description") or "").strip()]
        if undocumented:
            problems.append(f"{name} ({ymls[name]['_file']}): columns without a description: {undocumented}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", sorted(_mart_nodes()) if Path(dbt_project.manifest_path).exists() else [])
def test_documented_columns_are_the_columns_the_mart_produces(name):
    nodes = _mart_nodes()
    produced = _produced_columns(name, nodes)
    assert produced is not None, (
        f"{name} selects a star that is neither a column list nor `select * from ref('<mart>')`: "
        "add its columns to STAR_COLUMNS (query information_schema.columns of a built warehouse)"
    )
    documented = list(nodes[name]["columns"])
    assert set(documented) == set(produced), (
        f"{name}: documented but not produced {sorted(set(documented) - set(produced))}, "
        f"produced but not documented {sorted(set(produced) - set(documented))}"
    )


def test_persist_docs_is_enabled_for_the_marts():
    config = yaml.safe_load((DBT / "dbt_project.yml").read_text(encoding="utf-8"))
    marts = config["models"]["vocwh"]["marts"]
    assert marts.get("+persist_docs") == {"relation": True, "columns": True}
    # and dbt resolved it for every mart (no folder overrides it)
    for name, node in _mart_nodes().items():
        assert node["config"].get("persist_docs") == {"relation": True, "columns": True}, name


def test_the_static_docs_site_documents_the_marts_offline():
    """`vocwh prepare` writes dbt's static docs site; publication puts it beside the analysts' copy."""
    from orchestration.dbt_manifest import DOCS_SITE

    html = DOCS_SITE.read_text(encoding="utf-8")
    assert "fct_city_indicator_year" in html and "mart_school_reporting" in html
    assert json.dumps("数据年度")[1:-1] in html  # the column descriptions (JSON inside the page), not only names
    assert not re.search(r"<(?:script|link)[^>]+(?:src|href)=\"https?://", html)  # nothing fetched when opened


def test_publication_puts_the_docs_site_beside_the_copy(tmp_path):
    import duckdb

    from orchestration.publish import publish

    site = tmp_path / "static_index.html"
    site.write_text("<html>docs</html>", encoding="utf-8")
    target = tmp_path / "published" / "warehouse.duckdb"
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        info = publish(con, target, "run-1", 2025, gx_home=tmp_path / "gx", dbt_docs=site)
    assert info["dbt_docs"] == str(target.parent / "dbt_docs" / "index.html")
    assert (target.parent / "dbt_docs" / "index.html").read_text(encoding="utf-8") == "<html>docs</html>"


def _model_nodes() -> dict[str, dict]:
    return {node["name"]: node for node in _manifest()["nodes"].values() if node["resource_type"] == "model"}


def test_every_model_column_has_a_description_and_a_data_type():
    """Each dbt model is its own asset in the catalogue, with its columns' names, types and descriptions."""
    problems = []
    for name, node in sorted(_model_nodes().items()):
        if not node["columns"]:
            problems.append(f"{name} ({node['original_file_path']}): no columns listed in its yml")
        for column, col in node["columns"].items():
            if not (col.get("description") or "").strip():
                problems.append(f"{name}.{column}: no description")
            if not (col.get("data_type") or "").strip():
                problems.append(f"{name}.{column}: no data_type")
    assert not problems, "\n".join(problems)


def test_every_mart_has_an_enforced_contract():
    nodes = _mart_nodes()
    missing = sorted(name for name, node in nodes.items() if not node["config"].get("contract", {}).get("enforced"))
    assert not missing, f"marts without `contract: {{enforced: true}}` in their yml: {missing}"
