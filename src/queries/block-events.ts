/**
 * Prefect's lifecycle events of blocks (events/schemas/lifecycle.py): `prefect.block-type.created|updated|deleted`
 * and `prefect.block-document.created|updated|deleted` (not for anonymous documents). Each is written by
 * one statement in the transaction of the change, so it commits or rolls back with it.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { insertEventResources, insertEvents, sqlUuid7 } from '../events/status-events';
import type { BlockDocumentResponse } from './block-documents';
import type { BlockTypeResponse } from './block-types';

type Verb = 'created' | 'updated' | 'deleted';

async function emit(db: DbOrTx, event: string, resource: Record<string, string>, related: Record<string, string>[], payload: unknown) {
  const row = sql`select ${sqlUuid7} as id, clock_timestamp() as occurred, ${event}::text as event, ${JSON.stringify(resource)}::jsonb as resource,
    ${JSON.stringify(related)}::jsonb as related, null::uuid as follows, ${JSON.stringify(payload)}::jsonb as payload`;
  await db.execute(sql`with events as (${insertEvents(row)}), event_resources as (${insertEventResources}) select 1`);
}

export function emitBlockTypeEvent(db: DbOrTx, verb: Verb, t: BlockTypeResponse) {
  return emit(db, `prefect.block-type.${verb}`, { 'prefect.resource.id': `prefect.block-type.${t.id}`, 'prefect.resource.name': t.name }, [], {
    name: t.name,
    slug: t.slug,
    logo_url: t.logo_url,
    documentation_url: t.documentation_url,
    description: t.description,
    code_example: t.code_example,
    is_protected: t.is_protected,
  });
}

/** The payload names the document, its non-secret top-level string values, and its schema's capabilities and type. */
export async function emitBlockDocumentEvent(db: DbOrTx, verb: Verb, d: BlockDocumentResponse): Promise<void> {
  if (d.is_anonymous) return;
  const secretFields = d.block_schema?.fields.secret_fields;
  const secret = new Set(Array.isArray(secretFields) ? (secretFields as unknown[]) : []);
  const data = Object.fromEntries(Object.entries(d.data).filter(([k, v]) => !secret.has(k) && typeof v === 'string'));
  const blockTypeRef: Record<string, string> = { 'prefect.resource.id': `prefect.block-type.${d.block_type_id}`, 'prefect.resource.role': 'block-type' };
  if (d.block_type_name) blockTypeRef['prefect.resource.name'] = d.block_type_name;
  await emit(
    db,
    `prefect.block-document.${verb}`,
    { 'prefect.resource.id': `prefect.block-document.${d.id}`, 'prefect.resource.name': d.name },
    [blockTypeRef, { 'prefect.resource.id': `prefect.block-schema.${d.block_schema_id}`, 'prefect.resource.role': 'block-schema' }],
    {
      name: d.name,
      data,
      block_schema: d.block_schema ? { capabilities: d.block_schema.capabilities, block_type: { id: d.block_type_id, name: d.block_type_name ?? '' } } : null,
    },
  );
}
