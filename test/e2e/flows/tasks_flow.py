"""Scenario a: a flow with five tasks, run with `python tasks_flow.py`.

- `flaky` fails on its first attempt and succeeds on its retry;
- `double` is submitted (`.submit()`);
- `square` is mapped over three numbers (`.map()`);
- `boom` fails, and the flow catches the failure;
- `total` adds everything up.
The flow run's id is printed on a line of its own for the suite to look the run up.
"""

from prefect import flow, get_run_logger, task
from prefect.runtime import flow_run

attempts = {"flaky": 0}


@task(retries=1, retry_delay_seconds=0)
def flaky() -> int:
    attempts["flaky"] += 1
    if attempts["flaky"] == 1:
        raise ValueError("flaky fails on its first attempt")
    get_run_logger().info("flaky succeeded on attempt %d", attempts["flaky"])
    return 1


@task
def double(x: int) -> int:
    return 2 * x


@task
def square(x: int) -> int:
    return x * x


@task
def boom() -> None:
    raise RuntimeError("boom fails on purpose")


@task
def total(*parts: int) -> int:
    return sum(parts)


@flow(name="e2e-tasks")
def e2e_tasks() -> int:
    logger = get_run_logger()
    print(f"E2E_FLOW_RUN_ID {flow_run.id}", flush=True)
    logger.info("e2e flow started")
    one = flaky()
    doubled = double.submit(one)
    squares = square.map([1, 2, 3])
    try:
        boom()
    except RuntimeError:
        logger.info("caught the expected failure of boom")
    result = total(doubled.result(), *squares.result())
    logger.info("e2e flow total %d", result)
    return result


if __name__ == "__main__":
    assert e2e_tasks() == 2 + 1 + 4 + 9
