"""
Generates the block types and schemas that Prefect's server registers when it starts, from the
installed Prefect package, as prefect-edge's block seed: the newest drizzle/*_block_seed_data.sql
migration, the one place the seed lives. It stores the seed as one JSON document in the block_seed
table and then installs it with the statement of src/queries/block-seed.ts, which
POST /block_types/install_system_block_types runs again over the same row.

Run it with the Python of a Prefect 3.9.1 virtualenv:

    /work/prefect-3.9.1/bin/python scripts/block-seed.py

It runs Prefect's own start-up registration (`run_block_auto_registration`) against a throwaway SQLite
database, so the rows are exactly those a fresh server stores: block types upserted by slug, block
schemas with their definitions split off into block_schema_reference rows. Ids are made deterministic
(uuid5 of the slug, of checksum+version, of the reference) so that regenerating changes nothing unless
Prefect's data did.
"""

import asyncio
import json
import os
import re
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAMESPACE = uuid.UUID("6f1c3a0e-6b0e-4f55-9a4e-0c2b1f7d5e21")
MARKER = "$seed$"

tmp = tempfile.mkdtemp(prefix="block-seed-")
os.environ["PREFECT_HOME"] = tmp
os.environ["PREFECT_API_DATABASE_CONNECTION_URL"] = f"sqlite+aiosqlite:///{tmp}/seed.db"
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION"] = "false"

import prefect  # noqa: E402
import prefect.plugins  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from prefect.server.api.server import create_app  # noqa: E402

# Import what the server imports before it registers blocks: the block registry is filled by imports.
create_app(ephemeral=True)
prefect.plugins.load_prefect_collections()

from prefect.server.database import provide_database_interface  # noqa: E402
from prefect.server.models.block_registration import run_block_auto_registration  # noqa: E402


async def read_rows():
    db = provide_database_interface()
    await db.create_db()
    session = await db.session()
    async with session:
        await run_block_auto_registration(session=session)
    async with db.session_context() as s:
        types = (await s.execute(sa.select(db.BlockType).order_by(db.BlockType.created))).scalars().all()
        schemas = (await s.execute(sa.select(db.BlockSchema).order_by(db.BlockSchema.created))).scalars().all()
        refs = (
            await s.execute(sa.select(db.BlockSchemaReference).order_by(db.BlockSchemaReference.created))
        ).scalars().all()
        return types, schemas, refs


def main():
    types, schemas, refs = asyncio.run(read_rows())
    type_ids = {t.id: str(uuid.uuid5(NAMESPACE, f"block_type:{t.slug}")) for t in types}
    schema_ids = {s.id: str(uuid.uuid5(NAMESPACE, f"block_schema:{s.checksum}:{s.version}")) for s in schemas}
    seed = {
        "prefect_version": prefect.__version__,
        "block_types": [
            {
                "id": type_ids[t.id],
                "name": t.name,
                "slug": t.slug,
                "logo_url": t.logo_url,
                "documentation_url": t.documentation_url,
                "description": t.description,
                "code_example": t.code_example,
                "is_protected": bool(t.is_protected),
            }
            for t in types
        ],
        # In creation order: reads order schemas by `created`, and nested ones come before their parents.
        "block_schemas": [
            {
                "id": schema_ids[s.id],
                "checksum": s.checksum,
                "fields": s.fields,
                # Prefect builds capabilities from a set: sorted, so that a rerun writes the same bytes.
                "capabilities": sorted(s.capabilities),
                "version": s.version,
                "block_type_id": type_ids[s.block_type_id],
            }
            for s in schemas
        ],
        "block_schema_references": [
            {
                "id": str(uuid.uuid5(NAMESPACE, f"ref:{schema_ids[r.parent_block_schema_id]}:{r.name}:{schema_ids[r.reference_block_schema_id]}")),
                "name": r.name,
                "parent_block_schema_id": schema_ids[r.parent_block_schema_id],
                "reference_block_schema_id": schema_ids[r.reference_block_schema_id],
            }
            for r in refs
        ],
    }
    text = json.dumps(seed, separators=(",", ":"), ensure_ascii=False)
    if MARKER in text:
        sys.exit(f"the seed contains {MARKER}; pick another dollar-quote tag")
    print(f"{len(seed['block_types'])} block types, {len(seed['block_schemas'])} schemas, "
          f"{len(seed['block_schema_references'])} references, {len(text)} bytes")

    migrations = sorted((ROOT / "drizzle").glob("*_block_seed_data.sql"))
    if not migrations:
        sys.exit("no drizzle/*_block_seed_data.sql: create it with "
                 "`npx drizzle-kit generate --custom --name block_seed_data`")
    # The install statement lives in src/queries/block-seed.ts (the endpoint runs it too).
    ts = (ROOT / "src" / "queries" / "block-seed.ts").read_text(encoding="utf-8")
    statement = re.search(r"INSTALL_BLOCK_SEED_SQL = `(.*?)`;", ts, re.S).group(1)
    header = (
        f"-- Prefect {prefect.__version__}'s block types and schemas, as its server registers them at start-up:\n"
        "-- the seed document (block_seed), then src/queries/block-seed.ts's statement that installs it.\n"
        "-- Generated by scripts/block-seed.py from the installed package; do not edit by hand.\n"
    )
    insert = (
        "INSERT INTO block_seed (id, prefect_version, document)\n"
        f"VALUES (1, '{prefect.__version__}', {MARKER}{text}{MARKER})\n"
        "ON CONFLICT (id) DO UPDATE SET prefect_version = excluded.prefect_version, document = excluded.document;\n"
    )
    migrations[-1].write_text(header + insert + "--> statement-breakpoint\n" + statement + ";\n", encoding="utf-8")
    print(f"{migrations[-1]} written")


if __name__ == "__main__":
    main()
