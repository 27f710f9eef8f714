/**
 * Automations: reads and writes for /automations (Prefect's server/events/models/automations.py).
 * Each write also keeps `automation_related_resource` in step (the deployments that run-deployment
 * actions select; the owner), in the caller's transaction. The statement that creates, replaces, enables
 * or deletes an automation also stores Prefect's `prefect.automation.{created,updated,deleted}` event
 * (lifecycle-events.ts); deleting the automations a resource owns stores none, as in Prefect.
 */
import { and, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { automation, automationRelatedResource } from '../db/schema';
import type { Action, AutomationCreate, AutomationFilter, AutomationUpdate, Trigger } from '../schemas/automations';
import { formatTimestamp } from '../time';
import { AUTOMATION_EVENTS, withLifecycleEvents, type LifecycleVerb } from './lifecycle-events';
import { applyReadQuery, type ReadQuery } from './read/query';

type AutomationRow = typeof automation.$inferSelect;

export interface AutomationResponse {
  name: string;
  description: string;
  enabled: boolean;
  tags: string[];
  trigger: Trigger;
  actions: Action[];
  actions_on_trigger: Action[];
  actions_on_resolve: Action[];
  id: string;
  created: string;
  updated: string;
}

/** Prefect's field order. */
export function toAutomationResponse(r: AutomationRow): AutomationResponse {
  return {
    name: r.name,
    description: r.description,
    enabled: r.enabled,
    tags: r.tags,
    trigger: r.trigger as unknown as Trigger,
    actions: r.actions as Action[],
    actions_on_trigger: r.actionsOnTrigger as Action[],
    actions_on_resolve: r.actionsOnResolve as Action[],
    id: r.id,
    created: formatTimestamp(r.created) as string,
    updated: formatTimestamp(r.updated) as string,
  };
}

export const AUTOMATION_ORDER: Record<string, SQL[]> = {
  CREATED_DESC: [desc(automation.created), asc(automation.id)],
  UPDATED_DESC: [desc(automation.updated), asc(automation.id)],
  NAME_ASC: [asc(automation.name), asc(automation.id)],
  NAME_DESC: [desc(automation.name), asc(automation.id)],
};

export function automationFilterSql(f: AutomationFilter): SQL | undefined {
  const parts: SQL[] = [];
  if (f.id?.any_) parts.push(f.id.any_.length ? inArray(automation.id, f.id.any_) : sql`false`);
  if (f.name?.any_) parts.push(f.name.any_.length ? inArray(automation.name, f.name.any_) : sql`false`);
  if (f.created?.before_) parts.push(sql`${automation.created} <= ${f.created.before_}::timestamptz`);
  if (f.tags) {
    const tagParts: SQL[] = [];
    if (f.tags.all_) tagParts.push(sql`${automation.tags} @> ${JSON.stringify(f.tags.all_)}::jsonb`);
    if (f.tags.any_) tagParts.push(sql`${automation.tags} ?| ${sql`ARRAY[${sql.join(f.tags.any_.map((t) => sql`${t}`), sql`, `)}]::text[]`}`);
    if (f.tags.is_null_ !== undefined && f.tags.is_null_ !== null) {
      tagParts.push(f.tags.is_null_ ? sql`${automation.tags} = '[]'::jsonb` : sql`${automation.tags} <> '[]'::jsonb`);
    }
    if (tagParts.length) parts.push(sql.join(tagParts, f.tags.operator === 'or_' ? sql` OR ` : sql` AND `));
  }
  if (parts.length === 0) return undefined;
  const joined = sql.join(
    parts.map((p) => sql`(${p})`),
    f.operator === 'or_' ? sql` OR ` : sql` AND `,
  );
  return sql`(${joined})`;
}

export const automationById = (id: string): SQL => eq(automation.id, id);

export async function readAutomations(
  db: DbOrTx,
  q: ReadQuery,
): Promise<AutomationResponse[]> {
  const rows = await applyReadQuery(db.select().from(automation).$dynamic(), { ...q, orderBy: q.orderBy ?? AUTOMATION_ORDER.NAME_ASC });
  return rows.map(toAutomationResponse);
}

/** The changed rows as Drizzle selects them (the two multi-word columns renamed). */
const changedRows = sql`SELECT id, created, updated, name, description, enabled, tags, trigger, actions,
  actions_on_trigger AS "actionsOnTrigger", actions_on_resolve AS "actionsOnResolve" FROM changed`;

/** `change` with a `prefect.automation.<verb>` per row, in one statement; the rows. */
const withAutomationEvents = (db: DbOrTx, verb: LifecycleVerb, change: SQL) =>
  withLifecycleEvents<AutomationRow>(db, AUTOMATION_EVENTS, verb, change, changedRows);

/** The deployments that `run-deployment` actions with a selected deployment name. */
const selectedDeployments = (actions: readonly Action[]) =>
  [...new Set(actions.filter((a) => a.type === 'run-deployment' && a.source === 'selected').map((a) => String(a.deployment_id)))];

/** Replaces the automation's non-owning deployment relations with those its actions name now. */
async function syncRelatedResources(tx: DbOrTx, automationId: string, actions: readonly Action[] | null): Promise<void> {
  await tx
    .delete(automationRelatedResource)
    .where(
      and(
        eq(automationRelatedResource.automationId, automationId),
        sql`${automationRelatedResource.resourceId} LIKE 'prefect.deployment.%'`,
        eq(automationRelatedResource.automationOwnedByResource, false),
      ),
    );
  const ids = actions ? selectedDeployments(actions) : [];
  if (ids.length === 0) return;
  await relateToResource(
    tx,
    automationId,
    ids.map((id) => `prefect.deployment.${id}`),
    false,
  );
}

async function relateToResource(tx: DbOrTx, automationId: string, resourceIds: string[], owned: boolean): Promise<void> {
  await tx
    .insert(automationRelatedResource)
    .values(resourceIds.map((resourceId) => ({ automationId, resourceId, automationOwnedByResource: owned })))
    .onConflictDoUpdate({
      target: [automationRelatedResource.automationId, automationRelatedResource.resourceId],
      set: {
        automationOwnedByResource: owned ? sql`true` : sql`${automationRelatedResource.automationOwnedByResource}`,
        updated: sql`now()`,
      },
    });
}

/** The columns a create (POST) or a replace (PUT) writes from its body. */
const automationColumns = (body: AutomationCreate | AutomationUpdate) => ({
  name: body.name,
  description: body.description,
  enabled: body.enabled,
  tags: body.tags,
  trigger: body.trigger as unknown as Record<string, unknown>,
  actions: body.actions,
  actionsOnTrigger: body.actions_on_trigger,
  actionsOnResolve: body.actions_on_resolve,
});

export async function insertAutomation(tx: DbOrTx, body: AutomationCreate): Promise<AutomationResponse> {
  const insert = tx.insert(automation).values(automationColumns(body));
  const [row] = await withAutomationEvents(tx, 'created', sql`${insert.getSQL()} RETURNING *`);
  const created = toAutomationResponse(row as AutomationRow);
  await syncRelatedResources(tx, created.id, body.actions);
  if (body.owner_resource) await relateToResource(tx, created.id, [body.owner_resource], true);
  return created;
}

/** Replaces an automation (PUT); false when there is none. */
export async function replaceAutomation(tx: DbOrTx, id: string, body: AutomationUpdate): Promise<boolean> {
  const update = tx
    .update(automation)
    .set({ ...automationColumns(body), updated: sql`now()` })
    .where(automationById(id));
  const [row] = await withAutomationEvents(tx, 'updated', sql`${update.getSQL()} RETURNING *`);
  if (!row) return false;
  await syncRelatedResources(tx, id, body.actions);
  return true;
}

/** Turns an automation on or off (PATCH, and the pause/resume-automation actions). */
export async function setAutomationEnabled(tx: DbOrTx, id: string, enabled: boolean): Promise<boolean> {
  const update = tx.update(automation).set({ enabled, updated: sql`now()` }).where(automationById(id));
  const [row] = await withAutomationEvents(tx, 'updated', sql`${update.getSQL()} RETURNING *`);
  return row !== undefined;
}

export async function readAutomation(db: DbOrTx, id: string, lock = false): Promise<AutomationResponse | null> {
  const q = db.select().from(automation).where(automationById(id));
  const [row] = lock ? await q.for('update') : await q;
  return row ? toAutomationResponse(row) : null;
}

/**
 * Deletes automations (their buckets, relations and child firings go by cascade); returns how many.
 * `events` stores a `prefect.automation.deleted` per automation (DELETE /automations/{id}); Prefect's
 * DELETE /automations/owned-by/{resource} stores none.
 */
export async function deleteAutomations(tx: DbOrTx, where: SQL, events: boolean): Promise<number> {
  if (!events) return (await tx.delete(automation).where(where).returning({ id: automation.id })).length;
  return (await withAutomationEvents(tx, 'deleted', sql`${tx.delete(automation).where(where).getSQL()} RETURNING *`)).length;
}

/** Automations related to a resource (optionally only those it owns). */
export function relatedToResource(resourceId: string, ownedOnly = false): SQL {
  return sql`${automation.id} IN (SELECT ${automationRelatedResource.automationId} FROM ${automationRelatedResource}
    WHERE ${automationRelatedResource.resourceId} = ${resourceId}${ownedOnly ? sql` AND ${automationRelatedResource.automationOwnedByResource}` : sql``})`;
}
