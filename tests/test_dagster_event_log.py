"""The home's event log keeps its SQLite connections between events, and stores what Dagster's own does, in
the same files: a home written by either is read by the other."""

import dagster as dg
import pytest
from dagster._core.storage.event_log.sqlite import sqlite_event_log
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from orchestration import dagster_event_log, dagster_instance
from orchestration.dagster_event_log import KeptConnectionsSqliteEventLogStorage


@dg.asset
def counted() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"rows": 3})


@dg.asset_check(asset=counted)
def counted_has_rows() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


@pytest.fixture
def home(monkeypatch, tmp_path):
    monkeypatch.setenv("VOCWH_HOME", str(tmp_path))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    return dagster_instance.ensure_home()


def _run(instance: dg.DagsterInstance) -> str:
    result = dg.materialize([counted, counted_has_rows], instance=instance)
    assert result.success
    return result.run_id


def _summary(instance: dg.DagsterInstance, run_id: str) -> tuple:
    """What the UI shows of a run: its events by type, the asset's latest materialization and check."""
    kinds = sorted(e.dagster_event_type.value for e in instance.all_logs(run_id) if e.dagster_event)
    latest = instance.get_latest_materialization_event(dg.AssetKey("counted"))
    check = instance.event_log_storage.get_latest_asset_check_execution_by_key(
        [dg.AssetCheckKey(dg.AssetKey("counted"), "counted_has_rows")]
    )
    return kinds, latest.run_id, latest.asset_materialization.metadata["rows"].value, len(check)


def test_the_home_stores_events_with_kept_connections_readable_by_dagsters_own(home):
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.event_log_storage) is KeptConnectionsSqliteEventLogStorage
        first = _run(instance)
        ours = _summary(instance, first)
    assert "ASSET_MATERIALIZATION" in ours[0] and "ASSET_CHECK_EVALUATION" in ours[0]
    assert ours[1:] == (first, 3, 1)

    # the same files read by Dagster's own storage (a home written before this class, or with it removed)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")  # an operator's own
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.event_log_storage) is SqliteEventLogStorage
        assert _summary(instance, first) == ours
        second = _run(instance)  # written by Dagster's own, then read by ours
    (home / "dagster.yaml").unlink()
    dagster_instance.ensure_home()
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.event_log_storage) is KeptConnectionsSqliteEventLogStorage
        assert _summary(instance, second)[1:] == (second, 3, 1)
        assert _summary(instance, first)[0] == ours[0]


def test_an_engine_per_database_not_per_event(home, monkeypatch):
    created, by_dagster = [], []
    original = dagster_event_log.create_engine
    monkeypatch.setattr(dagster_event_log, "create_engine", lambda *a, **k: created.append(a[0]) or original(*a, **k))
    monkeypatch.setattr(sqlite_event_log, "create_engine", lambda *a, **k: by_dagster.append(a[0]) or original(*a, **k))
    with dg.DagsterInstance.from_config(str(home)) as instance:
        run_ids = [_run(instance)]
        by_dagster.clear()  # Dagster's own, for a new home's index and the tables asked for the first time
        run_ids += [_run(instance) for _ in range(KeptConnectionsSqliteEventLogStorage.KEPT)]
        assert by_dagster == []
        storage = instance.event_log_storage
        # each run: its own database once, and the index (kept throughout: it is used by every event)
        assert sorted(created) == sorted(
            [storage.conn_string_for_shard("index")] + [storage.conn_string_for_shard(r) for r in run_ids]
        )
        assert len(storage._engines) == KeptConnectionsSqliteEventLogStorage.KEPT
        # a database whose engine was dropped is opened again when read
        assert _summary(instance, run_ids[0])[0] == _summary(instance, run_ids[-1])[0]


def test_wipe_closes_the_connections_before_deleting_the_databases(home):
    with dg.DagsterInstance.from_config(str(home)) as instance:
        first = _run(instance)
        instance.event_log_storage.wipe()
        assert instance.all_logs(first) == []
        assert instance.get_latest_materialization_event(dg.AssetKey("counted")) is None
        second = _run(instance)
        assert _summary(instance, second)[1:] == (second, 3, 1)
