"""The flow the deployment scenarios run (copied into a temporary folder that serves as the source)."""

from prefect import flow, get_run_logger


@flow
def fn(greeting: str = "hello") -> str:
    get_run_logger().info("fn says %s", greeting)
    return greeting
