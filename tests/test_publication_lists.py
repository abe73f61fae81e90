"""What the analysts' copy holds is data (seeds/published_reference.csv, seeds/personal_columns.csv);
these lists must name real seeds and cover every column that records who did something."""

import json
import re
from pathlib import Path

from orchestration.dbt_manifest import dbt_project
from orchestration.publish import personal_columns, published_reference


def _manifest() -> dict:
    return json.loads(Path(dbt_project.manifest_path).read_text(encoding="utf-8"))


def test_published_reference_names_enabled_seeds():
    seeds = {n["name"] for n in _manifest()["nodes"].values() if n["resource_type"] == "seed"}
    assert published_reference() <= seeds, published_reference() - seeds
    assert {"indicators", "quality_rules", "majors", "targets"} <= published_reference()
    # what the lists themselves are is not published
    assert not {"published_reference", "personal_columns"} & published_reference()


def test_every_column_recording_who_did_something_is_personal():
    manifest = _manifest()
    documented = {
        column.lower()
        for node in (*manifest["nodes"].values(), *manifest["sources"].values())
        for column in node.get("columns", {})
    }
    # the raw tables the intake creates are not all documented column by column in dbt: read their DDL too
    loader = Path(__file__).parents[1] / "orchestration" / "intake" / "loader.py"
    created = set(re.findall(r"\b(\w+_by) varchar", loader.read_text(encoding="utf-8")))
    who = {c for c in documented | created if c.endswith("_by")}
    assert {"filled_by", "explained_by", "granted_by", "entered_by"} <= who
    assert who <= personal_columns(), who - personal_columns()
    assert {"phone", "contact_name"} <= personal_columns()


def test_every_seed_row_has_as_many_fields_as_its_header():
    """A comma in an unquoted text field shifts the row: dbt refuses the whole seed at load time."""
    import csv

    seeds = Path(__file__).parents[1] / "seeds"
    bad = []
    for path in sorted(seeds.rglob("*.csv")):
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        bad += [
            f"{path.relative_to(seeds)}:{n}" for n, row in enumerate(rows[1:], 2) if row and len(row) != len(rows[0])
        ]
    assert not bad, bad
