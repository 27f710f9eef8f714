"""Scenario i: the SDK's variables, artifacts and flow-run input inside one flow run.

Usage: python cli_families.py <suffix>
- `Variable.set` / `Variable.get` (and an overwrite);
- a markdown and a table artifact;
- `send_input` to its own run, read back with `receive_input` (the /flow_runs/{id}/input API:
  create, filter by prefix with exclude_keys, read);
- `pause_flow_run(wait_for_input=str)` answered by `resume_flow_run(run_input=...)` from a thread
  (the run input is checked against the schema the pause stored);
- a log line for `prefect flow-run logs`.
The flow run's id is printed on a line of its own for the suite to look the run up.
"""

import sys
import threading
import time

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.flow_runs import pause_flow_run, resume_flow_run
from prefect.input import receive_input, send_input
from prefect.runtime import flow_run
from prefect.variables import Variable

SUFFIX = sys.argv[1] if len(sys.argv) > 1 else ""


@flow(name="e2e-cli-families")
def cli_families() -> str:
    logger = get_run_logger()
    print(f"E2E_FLOW_RUN_ID {flow_run.id}", flush=True)

    name = f"e2e-sdk-var{SUFFIX}"
    Variable.set(name, {"answer": 42, "tags": ["a", "b"]})
    Variable.set(name, {"answer": 43}, overwrite=True)
    value = Variable.get(name)
    assert value == {"answer": 43}, value

    create_markdown_artifact(key=f"e2e-md{SUFFIX}", markdown="# Report\n\nall good", description="e2e markdown")
    create_table_artifact(key=f"e2e-table{SUFFIX}", table=[{"n": 1, "sq": 1}, {"n": 2, "sq": 4}])

    send_input("first message", flow_run_id=flow_run.id)
    send_input("second message", flow_run_id=flow_run.id)
    received = []
    for message in receive_input(str, flow_run_id=flow_run.id, timeout=30, poll_interval=0.5):
        received.append(message)
        if len(received) == 2:
            break
    assert received == ["first message", "second message"], received

    # Pause for input; another thread answers as a person in the UI would, through resume_flow_run.
    this_run = flow_run.id

    def approve() -> None:
        time.sleep(3)
        resume_flow_run(this_run, run_input={"value": "approved"})

    threading.Thread(target=approve, daemon=True).start()
    answer = pause_flow_run(wait_for_input=str, timeout=90)
    assert answer == "approved", answer

    logger.info("e2e cli families: variable %s, inputs %s, answer %s", value["answer"], received, answer)
    return "ok"


if __name__ == "__main__":
    assert cli_families() == "ok"
