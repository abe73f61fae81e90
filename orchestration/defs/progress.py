"""The terminal's view of a CLI run: one line per finished step (`vocwh run` configures this logger); every
event stays in the run's log in the Dagster UI."""

from __future__ import annotations

import logging
import sys

import dagster as dg

OUTCOMES = {"STEP_SUCCESS": "done", "STEP_FAILURE": "FAILED", "STEP_UP_FOR_RETRY": "retrying"}


def step_line(meta: dict) -> str | None:
    """'data year 2025 · warehouse_dbt_models: done (41.2 s)' for a step's outcome event, else None."""
    event = meta.get("dagster_event")
    if event is None or event.event_type_value not in OUTCOMES:
        return None
    year = (meta.get("job_tags") or {}).get("dagster/partition")
    prefix = f"data year {year} · " if year else ""
    seconds = getattr(event.event_specific_data, "duration_ms", None)
    took = f" ({seconds / 1000:.1f} s)" if seconds is not None else ""
    return f"{prefix}{event.step_key}: {OUTCOMES[event.event_type_value]}{took}"


class _StepLines(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        line = step_line(getattr(record, "dagster_meta", None) or {})
        if line:
            print(line, file=sys.stdout, flush=True)


@dg.logger(description="One line per finished step on the terminal (steps' outcomes and durations).")
def step_progress(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.Logger("vocwh.progress", level=logging.DEBUG)
    logger.addHandler(_StepLines())
    return logger
