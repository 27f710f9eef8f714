"""Writes the installed Prefect server's OpenAPI document (what `prefect server start` serves at
/api/openapi.json) to the file named by the first argument, generated from the package without starting
a server or touching a database.
"""
import json
import os
import sys
import tempfile

# A throwaway home, so that building the app touches nothing of the user's.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="prefect-openapi-"))

from prefect.server.api.server import create_app  # noqa: E402

spec = create_app(ephemeral=True).openapi()
with open(sys.argv[1], "w") as out:
    json.dump(spec, out)
