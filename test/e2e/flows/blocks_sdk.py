"""Scenario j: the SDK saves and loads blocks (a Secret, a Secret holding JSON, a block with a nested block)."""

import sys

from prefect.blocks.core import Block
from prefect.blocks.system import Secret
from pydantic import SecretStr

suffix = sys.argv[1] if len(sys.argv) > 1 else ""


class E2eCredentials(Block):
    _block_type_slug = "e2e-credentials"
    username: str
    password: SecretStr


class E2eService(Block):
    _block_type_slug = "e2e-service"
    url: str
    credentials: E2eCredentials


secret_name = f"e2e-secret{suffix}"
Secret(value="first-value").save(secret_name)
assert Secret.load(secret_name).get() == "first-value"
try:
    Secret(value="other").save(secret_name)
    raise SystemExit("saving an existing name without overwrite should fail")
except ValueError as e:
    print("E2E_DUPLICATE_REFUSED", e)
Secret(value="s3cr3t-value").save(secret_name, overwrite=True)
assert Secret.load(secret_name).get() == "s3cr3t-value"

json_name = f"e2e-json{suffix}"
Secret(value={"user": "me", "token": 42}).save(json_name)
assert Secret.load(json_name).get() == {"user": "me", "token": 42}

creds = E2eCredentials(username="alice", password="hunter2")
creds_id = creds.save(f"e2e-creds{suffix}")
service = E2eService(url="https://example.invalid", credentials=creds)
service_id = service.save(f"e2e-service{suffix}")
loaded = E2eService.load(f"e2e-service{suffix}")
assert loaded.url == "https://example.invalid"
assert loaded.credentials.username == "alice"
assert loaded.credentials.password.get_secret_value() == "hunter2"

# A nested block that was never saved is stored inline, in the parent's data.
inline = E2eService(url="https://inline.invalid", credentials=E2eCredentials(username="bob", password="pw"))
inline.save(f"e2e-inline{suffix}")
assert E2eService.load(f"e2e-inline{suffix}").credentials.password.get_secret_value() == "pw"

print("E2E_SECRET_ID", Secret.load(secret_name)._block_document_id)
print("E2E_CREDS_ID", creds_id)
print("E2E_SERVICE_ID", service_id)
print("E2E_BLOCKS_OK")
