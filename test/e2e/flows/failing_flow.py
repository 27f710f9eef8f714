"""A flow that fails (scenario k): its Failed state must fire the automation that runs another deployment."""

import os

from prefect import flow
from prefect.context import get_run_context


@flow(name=os.environ["E2E_FAILING_FLOW_NAME"])
def failing() -> None:
    print(f"E2E_FLOW_RUN_ID {get_run_context().flow_run.id}", flush=True)
    raise RuntimeError("this flow fails on purpose")


if __name__ == "__main__":
    try:
        failing()
    except RuntimeError:
        pass
