"""Makes a deployment with the SDK: `python deploy.py SOURCE_DIR NAME POOL [INTERVAL_SECONDS]`.

`flow.from_source(source=SOURCE_DIR, entrypoint="flow.py:fn").deploy(...)`, as a user deploys to a
process work pool; prints the deployment's id on a line of its own.
"""

import sys

from prefect import flow

source, name, pool = sys.argv[1:4]
interval = float(sys.argv[4]) if len(sys.argv) > 4 else None

deployment_id = flow.from_source(source=source, entrypoint="flow.py:fn").deploy(
    name=name,
    work_pool_name=pool,
    interval=interval,
    print_next_steps=False,
)
print(f"E2E_DEPLOYMENT_ID {deployment_id}", flush=True)
