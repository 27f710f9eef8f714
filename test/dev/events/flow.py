# A flow with five kinds of task (retried once, submitted, mapped, failing and caught, final) for checking
# the task-run recorder with the real SDK: python flow.py <suffix> against each server, then compare.py.
import sys
from prefect import flow, task

attempts = {"n": 0}

@task(retries=2, retry_delay_seconds=0)
def flaky(x):
    attempts["n"] += 1
    if attempts["n"] == 1:
        raise ValueError("first try fails")
    return x * 2

@task
def add(a, b):
    return a + b

@task
def square(x):
    return x * x

@task
def boom():
    raise RuntimeError("expected failure")

@task
def final(values):
    return sum(values)

@flow(name=f"events-check-{sys.argv[1] if len(sys.argv) > 1 else 'x'}")
def events_flow():
    a = flaky(3)
    fut = add.submit(a, 1)
    squares = square.map([1, 2, 3])
    try:
        boom()
    except RuntimeError:
        pass
    return final([fut.result(), *[s.result() for s in squares]])

if __name__ == "__main__":
    print("result", events_flow())
