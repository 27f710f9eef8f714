/** Storing events: `event` rows de-duplicated by id, and their `event_resource` rows, in one statement. */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { eventResourceRows, eventRow, type ReceivedEvent } from '../events/received';

/**
 * Inserts a batch of events (ids unique within the batch). An id already stored is skipped, and so are
 * its resource rows: only the events this statement inserted get `event_resource` rows. Returns the ids
 * inserted.
 */
export async function insertEvents(db: DbOrTx, events: readonly ReceivedEvent[]): Promise<string[]> {
  if (events.length === 0) return [];
  const rows = JSON.stringify(events.map(eventRow));
  const resources = JSON.stringify(events.flatMap(eventResourceRows));
  const result = await db.execute<{ id: string }>(sql`
    WITH inserted AS (
      INSERT INTO event (id, occurred, event, resource_id, resource, related_resource_ids, related, payload, received, recorded, follows)
      SELECT id, occurred, event, resource_id, resource, related_resource_ids, related, payload, received, now(), follows
      FROM json_to_recordset(${rows}::json) AS v(
        id uuid, occurred timestamptz, event text, resource_id text, resource jsonb, related_resource_ids jsonb,
        related jsonb, payload jsonb, received timestamptz, follows uuid)
      ORDER BY id
      ON CONFLICT (id) DO NOTHING
      RETURNING id
    ), resources AS (
      INSERT INTO event_resource (occurred, resource_id, resource_role, resource, event_id)
      SELECT r.occurred, r.resource_id, r.resource_role, r.resource, r.event_id
      FROM json_to_recordset(${resources}::json) AS r(
        event_id uuid, occurred timestamptz, resource_id text, resource_role text, resource jsonb)
      JOIN inserted ON inserted.id = r.event_id
    )
    SELECT id FROM inserted`);
  return result.rows.map((r) => r.id);
}
