/**
 * The trigger evaluator's reads and writes: queued events, automation locks, buckets, child firings,
 * and what firings produce (automation events and triggered actions). Each runs inside the
 * evaluator's transaction (src/events/automations/engine.ts).
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { automation } from '../db/schema';
import type { Bucket, ChildFiring, EvaluationState, Firing, TriggeredActionRecord } from '../events/automations/evaluation';
import type { AutomationEvent } from '../events/automations/triggers';
import { formatTimestamp, parseMicros, toPgTimestamp } from '../time';
import { insertEvents } from './events';
import { toAutomationResponse, type AutomationResponse } from './automations';

export async function loadEnabledAutomations(db: DbOrTx): Promise<AutomationResponse[]> {
  const rows = await db.select().from(automation).where(sql`${automation.enabled}`);
  return rows.map(toAutomationResponse);
}

const eventJson = (r: Record<string, unknown>): AutomationEvent => ({
  occurred: formatTimestamp(r.occurred as string) as string,
  event: r.event as string,
  resource: r.resource as Record<string, string>,
  related: (r.related as Record<string, string>[]) ?? [],
  payload: (r.payload as Record<string, unknown>) ?? {},
  id: r.id as string,
  follows: (r.follows as string | null) ?? null,
  received: formatTimestamp(r.received as string) as string,
});

/**
 * Takes up to `limit` queued events, oldest first, skipping rows another evaluator holds: they leave
 * the queue when the caller's transaction commits, and come back if it rolls back.
 */
export async function claimQueuedEvents(tx: DbOrTx, limit: number): Promise<AutomationEvent[]> {
  const result = await tx.execute<Record<string, unknown>>(sql`
    WITH claimed AS (
      DELETE FROM automation_event_queue
      WHERE event_id IN (
        SELECT event_id FROM automation_event_queue ORDER BY occurred, event_id LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      RETURNING event_id
    )
    SELECT e.id, e.occurred, e.event, e.resource, e.related, e.payload, e.follows, e.received
    FROM event e JOIN claimed ON claimed.event_id = e.id
    ORDER BY e.occurred, e.id`);
  return result.rows.map(eventJson);
}

/**
 * Serialises evaluation per automation across isolates: a transaction-scoped advisory lock per
 * automation, taken in id order so that two evaluators never wait on each other in a cycle.
 */
export async function lockAutomations(tx: DbOrTx, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const sorted = [...ids].sort();
  await tx.execute(sql`
    SELECT pg_advisory_xact_lock(hashtextextended('automation:' || a.id, 0))
    FROM unnest(${`{${sorted.join(',')}}`}::text[]) WITH ORDINALITY AS a(id, n) ORDER BY a.n`);
}

/** The buckets and child firings of the automations, into the evaluation state. */
export async function loadTriggerState(tx: DbOrTx, ids: string[], s: EvaluationState): Promise<void> {
  if (ids.length === 0) return;
  const arr = `{${ids.join(',')}}`;
  const buckets = await tx.execute<Record<string, unknown>>(sql`
    SELECT automation_id, trigger_id, bucketing_key, start, "end", count, last_event, triggered_at
    FROM automation_bucket WHERE automation_id = ANY(${arr}::uuid[])`);
  for (const r of buckets.rows) {
    s.load({
      automationId: r.automation_id as string,
      triggerId: r.trigger_id as string,
      key: r.bucketing_key as string[],
      start: parseMicros(r.start as string) ?? 0,
      end: parseMicros(r.end as string) ?? 0,
      count: r.count as number,
      lastEvent: (r.last_event as AutomationEvent | null) ?? null,
      triggeredAt: r.triggered_at ? parseMicros(r.triggered_at as string) : null,
    });
  }
  const firings = await tx.execute<Record<string, unknown>>(sql`
    SELECT parent_trigger_id, child_trigger_id, child_firing, child_fired_at
    FROM composite_trigger_child_firing WHERE automation_id = ANY(${arr}::uuid[])`);
  for (const r of firings.rows) {
    const parent = r.parent_trigger_id as string;
    const list = s.childFirings.get(parent) ?? [];
    list.push({
      parentTriggerId: parent,
      childTriggerId: r.child_trigger_id as string,
      firing: r.child_firing as Firing,
      firedAt: parseMicros(r.child_fired_at as string) ?? 0,
    });
    s.childFirings.set(parent, list);
  }
}

const bucketRow = (b: Bucket) => ({
  automation_id: b.automationId,
  trigger_id: b.triggerId,
  bucketing_key: b.key,
  start: toPgTimestamp(b.start),
  end: toPgTimestamp(b.end),
  count: b.count,
  last_event: b.lastEvent,
  triggered_at: b.triggeredAt === null ? null : toPgTimestamp(b.triggeredAt),
});

/** Writes back the buckets and child firings the pass changed (two statements each at most). */
export async function saveTriggerState(tx: DbOrTx, s: EvaluationState): Promise<void> {
  const removed: { automation_id: string; trigger_id: string; bucketing_key: string[] }[] = [];
  const kept: ReturnType<typeof bucketRow>[] = [];
  for (const id of s.changedBuckets) {
    const b = s.buckets.get(id);
    if (b) kept.push(bucketRow(b));
    else {
      const [automationId, triggerId, key] = JSON.parse(id) as [string, string, string[]];
      removed.push({ automation_id: automationId, trigger_id: triggerId, bucketing_key: key });
    }
  }
  if (removed.length) {
    await tx.execute(sql`
      DELETE FROM automation_bucket b USING jsonb_to_recordset(${JSON.stringify(removed)}::jsonb) AS r(automation_id uuid, trigger_id uuid, bucketing_key jsonb)
      WHERE b.automation_id = r.automation_id AND b.trigger_id = r.trigger_id AND b.bucketing_key = r.bucketing_key`);
  }
  if (kept.length) {
    await tx.execute(sql`
      INSERT INTO automation_bucket (automation_id, trigger_id, bucketing_key, start, "end", count, last_event, triggered_at, last_operation)
      SELECT automation_id, trigger_id, bucketing_key, start, "end", count, last_event, triggered_at, 'evaluate'
      FROM jsonb_to_recordset(${JSON.stringify(kept)}::jsonb) AS r(
        automation_id uuid, trigger_id uuid, bucketing_key jsonb, start timestamptz, "end" timestamptz, count int,
        last_event jsonb, triggered_at timestamptz)
      ON CONFLICT (automation_id, trigger_id, bucketing_key) DO UPDATE SET
        start = excluded.start, "end" = excluded."end", count = excluded.count, last_event = excluded.last_event,
        triggered_at = excluded.triggered_at, last_operation = excluded.last_operation, updated = now()`);
  }
  if (s.changedComposites.size) {
    const parents = [...s.changedComposites];
    const rows = parents.flatMap((p) =>
      (s.childFirings.get(p) ?? []).map((c: ChildFiring) => ({
        automation_id: automationOfFiring(s, p),
        parent_trigger_id: p,
        child_trigger_id: c.childTriggerId,
        child_firing_id: c.firing.id,
        child_fired_at: toPgTimestamp(c.firedAt),
        child_firing: c.firing,
      })),
    );
    await tx.execute(sql`DELETE FROM composite_trigger_child_firing WHERE parent_trigger_id = ANY(${`{${parents.join(',')}}`}::uuid[])`);
    if (rows.length) {
      await tx.execute(sql`
        INSERT INTO composite_trigger_child_firing (automation_id, parent_trigger_id, child_trigger_id, child_firing_id, child_fired_at, child_firing)
        SELECT automation_id, parent_trigger_id, child_trigger_id, child_firing_id, child_fired_at, child_firing
        FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(
          automation_id uuid, parent_trigger_id uuid, child_trigger_id uuid, child_firing_id uuid, child_fired_at timestamptz, child_firing jsonb)`);
    }
  }
}

function automationOfFiring(s: EvaluationState, parentTriggerId: string): string {
  for (const a of s.automations.values()) {
    if (JSON.stringify(a.trigger).includes(parentTriggerId)) return a.id;
  }
  throw new Error(`no automation has trigger ${parentTriggerId}`);
}

/** Stores the automations' triggered events and their triggered actions (two statements). */
export async function recordFirings(tx: DbOrTx, events: AutomationEvent[], actions: TriggeredActionRecord[]): Promise<void> {
  await insertEvents(tx, events);
  if (actions.length === 0) return;
  const rows = actions.map((a) => ({
    id: a.id,
    automation_id: a.automationId,
    action_index: a.actionIndex,
    action: a.action,
    triggered_action: a.triggeredAction,
    triggered: a.triggered,
  }));
  await tx.execute(sql`
    INSERT INTO automation_triggered_action (id, automation_id, action_index, action, triggered_action, triggered)
    SELECT id, automation_id, action_index, action, triggered_action, triggered
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(
      id uuid, automation_id uuid, action_index int, action jsonb, triggered_action jsonb, triggered timestamptz)
    ON CONFLICT (id) DO NOTHING`);
}

/**
 * Prefect's sweep of closed buckets (end more than PREFECT_EVENTS_EXPIRED_BUCKET_BUFFER, 60 s, ago:
 * nothing can count into them any more, including those of triggers an update replaced), and ours of
 * finished triggered actions older than `keepSeconds`.
 */
export async function sweepAutomationState(db: DbOrTx, now: number, keepSeconds: number): Promise<{ buckets: number; actions: number }> {
  const result = await db.execute<{ buckets: number; actions: number }>(sql`
    WITH buckets AS (
      DELETE FROM automation_bucket WHERE "end" <= ${toPgTimestamp(now - 60_000_000)}::timestamptz RETURNING 1
    ), actions AS (
      DELETE FROM automation_triggered_action
      WHERE status IN ('EXECUTED', 'FAILED') AND updated < ${toPgTimestamp(now - keepSeconds * 1_000_000)}::timestamptz RETURNING 1
    )
    SELECT (SELECT count(*) FROM buckets)::int AS buckets, (SELECT count(*) FROM actions)::int AS actions`);
  return result.rows[0] ?? { buckets: 0, actions: 0 };
}
