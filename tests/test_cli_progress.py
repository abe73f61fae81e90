"""The terminal of a CLI run: one line per finished step (with its data year and duration), nothing of
Dagster's debug stream."""

import dagster as dg
import pytest

from orchestration.defs.progress import step_progress


@dg.asset(partitions_def=dg.StaticPartitionsDefinition(["2025"]))
def loaded(context: dg.AssetExecutionContext) -> None:
    context.log.info("an info line the terminal does not show")


@dg.asset(partitions_def=dg.StaticPartitionsDefinition(["2025"]), deps=[loaded])
def broken() -> None:
    raise RuntimeError("boom")


def test_one_line_per_finished_step(capsys):
    defs = dg.Definitions(
        assets=[loaded, broken],
        jobs=[dg.define_asset_job("j", selection=dg.AssetSelection.all())],
        loggers={"progress": step_progress},
    )
    result = defs.resolve_job_def("j").execute_in_process(
        partition_key="2025",
        run_config={"loggers": {"progress": {}}},
        raise_on_error=False,
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert not result.success
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith("data year 2025 · loaded: done (") and lines[0].endswith(" s)")
    assert lines[1] == "data year 2025 · broken: FAILED"


@pytest.mark.parametrize("run_config", [{}, {"loggers": {"console": {}}}])
def test_runs_without_the_progress_logger_print_no_step_lines(capsys, run_config):
    defs = dg.Definitions(
        assets=[loaded],
        jobs=[dg.define_asset_job("j", selection=dg.AssetSelection.all())],
        loggers={"console": dg.colored_console_logger, "progress": step_progress},
    )
    defs.resolve_job_def("j").execute_in_process(
        partition_key="2025", run_config=run_config, instance=dg.DagsterInstance.ephemeral()
    )
    assert "loaded: done" not in capsys.readouterr().out
