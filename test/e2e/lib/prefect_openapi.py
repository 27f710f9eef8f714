"""Prints the REST operations of the installed Prefect server's OpenAPI document, as JSON lines.

Each line is {"method": "POST", "path": "/flow_runs/filter"}: the document that `prefect server start`
serves at /api/openapi.json, generated here from the installed package without starting a server.
"""
import json
import os
import tempfile

# A throwaway home, so that building the app touches nothing of the user's.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="prefect-openapi-"))

from prefect.server.api.server import create_app  # noqa: E402

spec = create_app(ephemeral=True).openapi()
for path, item in spec["paths"].items():
    for method in item:
        if method in ("get", "post", "put", "patch", "delete"):
            print(json.dumps({"method": method.upper(), "path": path.removeprefix("/api")}))
