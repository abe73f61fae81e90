"""The UI shows what a run did: `vocwh ui` (dagster dev: webserver and daemon) on the project's Dagster home,
a backfill of both data years of `annual_report` launched through its GraphQL API, run one year after the
other, oldest first (each year's changes read the year before), and the runs, their materializations and
their blocking check results read back through the same API, on the job's page too (issue 11, "How it is
shown")."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from orchestration import settings
from orchestration.dagster_instance import STOP_GRACE_SECONDS

pytestmark = pytest.mark.e2e  # runs the real Dagster graph, in processes the UI's daemon starts

YEARS = ["2024", "2025"]
YEAR = YEARS[-1]
JOB = "annual_report"
STARTUP_TIMEOUT = 300  # the webserver and its code server import dagster, dbt and GX: slow on a shared machine
RUN_TIMEOUT = 3600  # a hang stopper only; a backfill of two data years takes a few minutes
TERMINAL = {"SUCCESS", "FAILURE", "CANCELED"}

REPOSITORIES = """
query Repositories {
  repositoriesOrError {
    __typename
    ... on RepositoryConnection { nodes { name location { name } jobs { name } } }
    ... on PythonError { message }
  }
}
"""

RUN = """
query Run($runId: ID!) {
  runOrError(runId: $runId) {
    __typename
    ... on Run {
      runId
      status
      jobName
      tags { key value }
      stepStats { stepKey status }
    }
    ... on RunNotFoundError { message }
    ... on PythonError { message }
  }
}
"""

PARTITION_SETS = """
query PartitionSets($repositorySelector: RepositorySelector!, $pipelineName: String!) {
  partitionSetsOrError(repositorySelector: $repositorySelector, pipelineName: $pipelineName) {
    __typename
    ... on PartitionSets { results { name } }
    ... on PythonError { message }
  }
}
"""

BACKFILL = """
mutation Backfill($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message stack }
    ... on Error { message }
  }
}
"""

JOB_RUNS = """
query JobRuns($filter: RunsFilter) {
  runsOrError(filter: $filter) {
    __typename
    ... on Runs { results { runId status jobName startTime endTime tags { key value } } }
    ... on InvalidPipelineRunsFilterError { message }
    ... on PythonError { message }
  }
}
"""

MATERIALIZATIONS = """
query Materializations($assetKey: AssetKeyInput!, $partitions: [String!]) {
  assetOrError(assetKey: $assetKey) {
    __typename
    ... on Asset {
      key { path }
      assetMaterializations(partitions: $partitions, limit: 10) { runId partition stepKey assetKey { path } }
    }
    ... on AssetNotFoundError { message }
  }
}
"""

CHECK_EXECUTIONS = """
query CheckExecutions($assetKey: AssetKeyInput!, $checkName: String!) {
  assetCheckExecutions(assetKey: $assetKey, checkName: $checkName, limit: 10) {
    runId
    status
    partition
    evaluation { success severity checkName partition assetKey { path } }
  }
}
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Webserver:
    """`vocwh ui` (dagster dev on the code location: webserver and daemon) in its own process group, logging
    to a file."""

    def __init__(self, env: dict[str, str], log_path: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        command = [str(Path(sys.executable).parent / "vocwh"), "ui", "--host", "127.0.0.1", "--port", str(self.port)]
        self._log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            command,
            cwd=settings.REPO_ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its code server and run workers are in its group, for stop()
        )

    def log_tail(self, lines: int = 60) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(
            self.url + "/graphql", data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            answer = json.loads(response.read())
        assert not answer.get("errors"), f"GraphQL errors: {answer['errors']}"
        return answer["data"]

    def wait_until_up(self, timeout: float) -> None:
        """Until /server_info answers and the code location serves the job."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"webserver exited ({self.process.returncode}):\n{self.log_tail()}"
            try:
                with urllib.request.urlopen(self.url + "/server_info", timeout=10) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(2)
        else:
            pytest.fail(f"webserver did not answer /server_info within {timeout} s:\n{self.log_tail()}")
        while time.monotonic() < deadline:
            repositories = self.graphql(REPOSITORIES)["repositoriesOrError"]
            if repositories["__typename"] == "RepositoryConnection" and any(
                job["name"] == JOB for node in repositories["nodes"] for job in node["jobs"]
            ):
                return
            time.sleep(2)
        pytest.fail(f"code location did not serve job {JOB} within {timeout} s:\n{self.log_tail()}")

    def stop(self, timeout: float = STOP_GRACE_SECONDS + 60) -> None:
        """SIGTERM (vocwh passes it on as the Ctrl-C dagster dev stops on), then SIGKILL to the group on
        timeout. The timeout outlasts vocwh's own grace: dagster dev runs in a session of its own, which only
        vocwh can kill; killing vocwh first would leave dagster dev, its daemon and code servers running."""
        try:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    os.killpg(self.process.pid, signal.SIGKILL)
                    self.process.wait(timeout=timeout)
            try:  # anything of its group left behind (a code server that ignored the shutdown)
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        finally:
            self._log.close()


@pytest.fixture
def ui_home(tmp_path, monkeypatch) -> Path:
    """A fresh warehouse home with the project's Dagster home and the sample submissions of both years."""
    from orchestration import dagster_instance
    from orchestration.samples.generator import generate

    home = tmp_path / "home"
    monkeypatch.setenv(settings.HOME_ENV, str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    monkeypatch.delenv(settings.DUCKDB_ENV, raising=False)
    dagster_home = dagster_instance.ensure_home()
    assert dagster_home == home / "dagster"
    config = dagster_home / "dagster.yaml"
    assert config.read_text(encoding="utf-8") == dagster_instance.dagster_yaml(dagster_home)
    assert generate(settings.landing_dir(), [int(y) for y in YEARS])
    assert all(any(settings.landing_dir(y).iterdir()) for y in YEARS)
    return home


@pytest.fixture
def webserver(ui_home, tmp_path):
    env = {**os.environ, settings.HOME_ENV: str(ui_home), "DAGSTER_HOME": str(ui_home / "dagster")}
    env.pop(settings.DUCKDB_ENV, None)
    server = Webserver(env, tmp_path / "webserver.log")
    try:
        server.wait_until_up(STARTUP_TIMEOUT)
        yield server
    finally:
        server.stop()


def wait_for_backfill(server: Webserver, backfill_id: str, runs: int, timeout: float) -> list[dict]:
    """The backfill's runs, once `runs` of them exist and all have ended."""
    deadline = time.monotonic() + timeout
    found: list[dict] = []
    while time.monotonic() < deadline:
        answer = server.graphql(JOB_RUNS, {"filter": {"tags": [{"key": "dagster/backfill", "value": backfill_id}]}})
        found = answer["runsOrError"]["results"]
        if len(found) == runs and all(r["status"] in TERMINAL for r in found):
            return found
        assert server.process.poll() is None, f"the UI exited during the backfill:\n{server.log_tail()}"
        time.sleep(5)
    pytest.fail(f"backfill {backfill_id} not done after {timeout} s: {found}\n{server.log_tail()}")


def asset_key(*path: str) -> dict:
    return {"path": list(path)}


def tags_of(run: dict) -> dict[str, str]:
    return {t["key"]: t["value"] for t in run["tags"]}


def test_ui_backfills_the_data_years_in_order_and_shows_runs_materializations_and_checks(webserver, ui_home):
    from orchestration.dagster_instance import CODE_LOCATION, REPOSITORY_LABEL

    repository = {"repositoryName": "__repository__", "repositoryLocationName": CODE_LOCATION}
    sets = webserver.graphql(PARTITION_SETS, {"repositorySelector": repository, "pipelineName": JOB})
    [partition_set] = [s["name"] for s in sets["partitionSetsOrError"]["results"]]
    params = {
        "selector": {"partitionSetName": partition_set, "repositorySelector": repository},
        "partitionNames": YEARS,
    }
    launched = webserver.graphql(BACKFILL, {"params": params})["launchPartitionBackfill"]
    assert launched["__typename"] == "LaunchBackfillSuccess", launched
    runs = wait_for_backfill(webserver, launched["backfillId"], len(YEARS), RUN_TIMEOUT)

    # one run per year, each succeeded, the older year finished before the newer one started
    by_year = {tags_of(r)["dagster/partition"]: r for r in runs}
    assert sorted(by_year) == YEARS
    for year in YEARS:
        run = webserver.graphql(RUN, {"runId": by_year[year]["runId"]})["runOrError"]
        failed = [s["stepKey"] for s in run["stepStats"] if s["status"] != "SUCCESS"]
        assert run["status"] == "SUCCESS", f"{year}: run {run['status']}; steps not succeeded: {failed}"
        assert run["jobName"] == JOB and not failed
        assert len(run["stepStats"]) >= 3  # intake, dbt, feedback, reports, publication: several steps
    assert by_year["2024"]["endTime"] <= by_year["2025"]["startTime"], runs
    run_id = by_year[YEAR]["runId"]

    # the job's page lists runs by job name and code location label (a hidden tag the API filters on but does
    # not return): the UI's runs carry the label the CLI gives its own runs (orchestration/dagster_instance.py),
    # so both show there
    [(label, value)] = REPOSITORY_LABEL.items()
    job_page = {"pipelineName": JOB, "tags": [{"key": label, "value": value}]}
    listed = {r["runId"]: r for r in webserver.graphql(JOB_RUNS, {"filter": job_page})["runsOrError"]["results"]}
    assert {r["runId"] for r in runs} <= set(listed)
    assert {r["jobName"] for r in listed.values()} == {JOB}

    # the assets' partition materializations
    for path in (("marts", "mart_ch1_indicators"), ("published", "warehouse")):
        asset = webserver.graphql(MATERIALIZATIONS, {"assetKey": asset_key(*path), "partitions": [YEAR]})
        asset = asset["assetOrError"]
        assert asset["__typename"] == "Asset", asset
        assert asset["key"]["path"] == list(path)
        materializations = asset["assetMaterializations"]
        assert [(m["runId"], m["partition"]) for m in materializations] == [(run_id, YEAR)], (path, materializations)
        assert materializations[0]["assetKey"]["path"] == list(path)

    # the blocking checks' results. Dagster 1.13 stores these checks' executions without a partition (the
    # checks are not partition-aware; the UI ties them to the year through the run, tagged 2025), so they
    # are read unfiltered (`partition` omitted = every execution) and matched by run id.
    for path, check_name in (
        (("marts", "mart_ch1_indicators"), "quality_gate"),
        (("feedback", "school_feedback"), "warnings_resolved"),
    ):
        executions = webserver.graphql(CHECK_EXECUTIONS, {"assetKey": asset_key(*path), "checkName": check_name})
        executions = executions["assetCheckExecutions"]
        expected = {(by_year[y]["runId"], "SUCCEEDED") for y in YEARS}
        assert {(e["runId"], e["status"]) for e in executions} == expected, (path, check_name, executions)
        [execution] = [e for e in executions if e["runId"] == run_id]
        assert execution["partition"] in (None, YEAR)
        evaluation = execution["evaluation"]
        assert evaluation["success"] is True
        assert evaluation["checkName"] == check_name
        assert evaluation["assetKey"]["path"] == list(path)
        assert evaluation["partition"] in (None, YEAR)
        assert evaluation["severity"] == "ERROR"
