/**
 * Triggered actions: claimed by a runner (status RUNNING with a lease in `next_attempt_at`), then
 * finished (EXECUTED or FAILED, with their events, in one transaction) or put back for a retry.
 * A RUNNING action whose lease ran out (its runner died) is claimed again.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import type { ActionOutcome } from '../events/automations/actions';
import type { AutomationEvent } from '../events/automations/triggers';
import { insertEvents } from './events';

/** How long a runner holds an action before another may take it over. */
const LEASE_SECONDS = 300;

export interface ClaimedAction {
  id: string;
  attempts: number;
  triggeredAction: Record<string, unknown>;
}

export async function claimTriggeredActions(db: Db, limit: number): Promise<ClaimedAction[]> {
  const result = await db.execute<{ id: string; attempts: number; triggered_action: Record<string, unknown> }>(sql`
    UPDATE automation_triggered_action SET status = 'RUNNING', attempts = attempts + 1,
      next_attempt_at = now() + make_interval(secs => ${LEASE_SECONDS}), updated = now()
    WHERE id IN (
      SELECT id FROM automation_triggered_action
      WHERE status IN ('PENDING', 'RUNNING') AND next_attempt_at <= now()
      ORDER BY triggered, action_index LIMIT ${limit} FOR UPDATE SKIP LOCKED)
    RETURNING id, attempts, triggered_action`);
  return result.rows
    .map((r) => ({ id: r.id, attempts: r.attempts, triggeredAction: r.triggered_action }))
    .sort((a, b) => String(a.triggeredAction.triggered).localeCompare(String(b.triggeredAction.triggered)) || Number(a.triggeredAction.action_index) - Number(b.triggeredAction.action_index));
}

/** Back to PENDING, tried again after a pause that grows with the attempts. */
export async function retryTriggeredAction(db: Db, id: string, error: string, attempts: number): Promise<void> {
  await db.execute(sql`
    UPDATE automation_triggered_action SET status = 'PENDING', last_error = ${error},
      next_attempt_at = now() + make_interval(secs => ${5 * attempts}), updated = now()
    WHERE id = ${id} AND status = 'RUNNING'`);
}

/** Records the outcome and stores the action's events, once (a second finisher changes nothing). */
export async function finishTriggeredAction(db: Db, id: string, failure: string | null, outcome: ActionOutcome, events: AutomationEvent[]): Promise<void> {
  await db.transaction(async (tx) => {
    const updated = await tx.execute(sql`
      UPDATE automation_triggered_action SET status = ${failure === null ? 'EXECUTED' : 'FAILED'}, last_error = ${failure},
        result = ${JSON.stringify({ details: outcome.details, related: outcome.related })}::jsonb, updated = now()
      WHERE id = ${id} AND status = 'RUNNING' RETURNING id`);
    if (updated.rows.length > 0) await insertEvents(tx, events);
  });
}
