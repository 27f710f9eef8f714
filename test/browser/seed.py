"""Seeds a Prefect server (PREFECT_API_URL) with what the UI's main pages show, through the real
Prefect client: a work pool with a queue, a flow run with tasks, logs and an artifact, a deployment
of that flow in the pool, a variable, a global and a tag concurrency limit. Prints the ids the
browser suite opens, as one JSON line."""

import asyncio
import json
import sys

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import (
    GlobalConcurrencyLimitCreate,
    VariableCreate,
    WorkPoolCreate,
)
from prefect.client.schemas.schedules import IntervalSchedule
from prefect.runtime import flow_run

SUFFIX = sys.argv[1] if len(sys.argv) > 1 else ""


@task
def extract(n: int) -> list[int]:
    return list(range(n))


@task(tags=["browser-db"])
def transform(x: int) -> int:
    return x * 2


@task
def load(rows: list[int]) -> int:
    get_run_logger().info("loaded %d rows", len(rows))
    return sum(rows)


@flow(name=f"browser-etl{SUFFIX}", log_prints=True)
def etl(n: int = 3) -> int:
    rows = extract(n)
    doubled = transform.map(rows).result()
    total = load(doubled)
    create_markdown_artifact(key=f"etl-report{SUFFIX.lower()}", markdown=f"# ETL\n\n{len(doubled)} rows, total **{total}**")
    create_table_artifact(key=f"etl-rows{SUFFIX.lower()}", table=[{"row": i, "value": v} for i, v in enumerate(doubled)])
    print(f"etl done in {flow_run.get_id()}")
    return total


async def main() -> None:
    pool = f"browser-pool{SUFFIX.lower()}"
    async with get_client() as client:
        await client.create_work_pool(WorkPoolCreate(name=pool, type="process", description="Seeded by the browser suite"))
        await client.create_work_queue(name="high", work_pool_name=pool, priority=1)
        await client.create_variable(VariableCreate(name=f"browser_var{SUFFIX.lower()}", value={"region": "eu", "retries": 3}, tags=["browser"]))
        await client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=f"browser-gcl{SUFFIX.lower()}", limit=5))
        await client.create_concurrency_limit(tag="browser-db", concurrency_limit=10)

    state = await asyncio.to_thread(etl, 3, return_state=True)
    flow_run_id = str(state.state_details.flow_run_id)

    async with get_client() as client:
        run = await client.read_flow_run(flow_run_id)
        deployment_id = await client.create_deployment(
            flow_id=run.flow_id,
            name="nightly",
            # A deployment without an entrypoint cannot be paused or resumed in the v2 UI.
            entrypoint="etl.py:etl",
            work_pool_name=pool,
            work_queue_name="high",
            parameters={"n": 5},
            tags=["browser"],
            description="Seeded by the browser suite",
            schedules=[{"schedule": IntervalSchedule(interval=3600), "active": False}],
        )
        scheduled = await client.create_flow_run_from_deployment(deployment_id, parameters={"n": 4})
    print(json.dumps({
        "flow_run_id": flow_run_id,
        "flow_id": str(run.flow_id),
        "deployment_id": str(deployment_id),
        "scheduled_run_id": str(scheduled.id),
        "work_pool": pool,
        "variable": f"browser_var{SUFFIX.lower()}",
        "suffix": SUFFIX.lower(),
    }))


asyncio.run(main())
