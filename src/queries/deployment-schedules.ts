/**
 * Writes of deployment schedules, and the plan PATCH /deployments/{id} follows when every schedule
 * has a slug (patch by slug instead of replacing all).
 */
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../db/client';
import { deploymentSchedule, flowRun } from '../db/schema';
import { detailError } from '../http/errors';
import { toScheduleResponse, type DeploymentScheduleResponse } from './read-models';
import type { DeploymentScheduleCreate, DeploymentScheduleUpdate } from '../schemas/actions/schedules';

type ScheduleInsert = typeof deploymentSchedule.$inferInsert;

/** The columns of a schedule, as toScheduleResponse reads them. */
const scheduleColumns = {
  id: deploymentSchedule.id,
  created: deploymentSchedule.created,
  updated: deploymentSchedule.updated,
  deployment_id: deploymentSchedule.deploymentId,
  schedule: deploymentSchedule.schedule,
  active: deploymentSchedule.active,
  max_scheduled_runs: deploymentSchedule.maxScheduledRuns,
  parameters: deploymentSchedule.parameters,
  slug: deploymentSchedule.slug,
};

export async function readSchedules(db: DbOrTx, deploymentId: string): Promise<DeploymentScheduleResponse[]> {
  const rows = await db
    .select(scheduleColumns)
    .from(deploymentSchedule)
    .where(eq(deploymentSchedule.deploymentId, deploymentId))
    .orderBy(desc(deploymentSchedule.updated), deploymentSchedule.id);
  return rows.map(toScheduleResponse);
}

/** Inserts schedules (`replaces` is a deploy-time directive and is not stored). */
export async function insertSchedules(
  db: DbOrTx,
  deploymentId: string,
  schedules: Pick<DeploymentScheduleCreate, 'schedule' | 'active' | 'max_scheduled_runs' | 'parameters' | 'slug'>[],
): Promise<DeploymentScheduleResponse[]> {
  if (schedules.length === 0) return [];
  const values: ScheduleInsert[] = schedules.map((s) => ({
    deploymentId,
    schedule: s.schedule as Record<string, unknown>,
    active: s.active ?? true,
    maxScheduledRuns: s.max_scheduled_runs ?? null,
    parameters: s.parameters ?? {},
    slug: s.slug ?? null,
  }));
  const rows = await db.insert(deploymentSchedule).values(values).returning(scheduleColumns);
  return rows.map(toScheduleResponse);
}

export async function deleteAllSchedules(db: DbOrTx, deploymentId: string): Promise<void> {
  await db.delete(deploymentSchedule).where(eq(deploymentSchedule.deploymentId, deploymentId));
}

/**
 * Updates one schedule by id or by slug with the non-null fields sent. `parameters` defaults to
 * `{}` and is therefore always written (Prefect does the same).
 */
export async function updateSchedule(
  db: DbOrTx,
  deploymentId: string,
  target: { id: string } | { slug: string },
  s: DeploymentScheduleUpdate,
): Promise<boolean> {
  const set: PgUpdateSetSource<typeof deploymentSchedule> = { updated: sql`now()`, parameters: s.parameters ?? {} };
  if (s.active != null) set.active = s.active;
  if (s.schedule != null) set.schedule = s.schedule as Record<string, unknown>;
  if (s.max_scheduled_runs != null) set.maxScheduledRuns = s.max_scheduled_runs;
  if (s.slug != null) set.slug = s.slug;
  const which = 'id' in target ? eq(deploymentSchedule.id, target.id) : eq(deploymentSchedule.slug, target.slug);
  const rows = await db
    .update(deploymentSchedule)
    .set(set)
    .where(and(eq(deploymentSchedule.deploymentId, deploymentId), which))
    .returning({ id: deploymentSchedule.id });
  return rows.length > 0;
}

export async function deleteSchedule(db: DbOrTx, deploymentId: string, scheduleId: string): Promise<boolean> {
  const rows = await db
    .delete(deploymentSchedule)
    .where(and(eq(deploymentSchedule.deploymentId, deploymentId), eq(deploymentSchedule.id, scheduleId)))
    .returning({ id: deploymentSchedule.id });
  return rows.length > 0;
}

/**
 * Deletes a deployment's runs that are SCHEDULED and have never run, except those waiting for a
 * concurrency slot; optionally only auto-scheduled ones, or only those due in the future. Run
 * whenever a deployment changes, so future runs follow its latest settings.
 */
export async function deleteScheduledRuns(
  db: DbOrTx,
  deploymentIds: string | string[],
  opts: { autoScheduledOnly: boolean; futureOnly: boolean },
): Promise<void> {
  const conditions = [
    typeof deploymentIds === 'string' ? eq(flowRun.deploymentId, deploymentIds) : inArray(flowRun.deploymentId, deploymentIds),
    eq(flowRun.stateType, 'SCHEDULED'),
    sql`${flowRun.stateName} <> 'AwaitingConcurrencySlot'`,
    eq(flowRun.runCount, 0),
  ];
  if (opts.autoScheduledOnly) conditions.push(eq(flowRun.autoScheduled, true));
  if (opts.futureOnly) conditions.push(sql`${flowRun.nextScheduledStartTime} > now()`);
  await db.delete(flowRun).where(and(...conditions));
}

/** What a PATCH with schedules does to them. */
export type SchedulePlan =
  | { kind: 'keep' }
  | { kind: 'replace'; schedules: DeploymentScheduleUpdate[] }
  | { kind: 'by_slug'; patch: DeploymentScheduleUpdate[]; create: DeploymentScheduleUpdate[] };

/**
 * Decides how to apply `schedules` from a PATCH, given the slugs of the existing schedules (null
 * for a schedule without one). Pure: the 422s are thrown before anything is written.
 */
export function planScheduleUpdate(existingSlugs: (string | null)[], provided: DeploymentScheduleUpdate[] | undefined): SchedulePlan {
  const allProvidedHaveSlugs = (provided ?? []).every((s) => s.slug != null);
  const allExistingHaveSlugs = existingSlugs.length > 0 && existingSlugs.every((s) => s !== null);
  if (allExistingHaveSlugs && !allProvidedHaveSlugs) {
    throw detailError(422, 'Please provide a slug for each schedule in your request to ensure schedules are updated correctly.');
  }
  if (!allExistingHaveSlugs) return provided === undefined ? { kind: 'keep' } : { kind: 'replace', schedules: provided };

  const schedules = provided ?? [];
  const current = new Set(existingSlugs as string[]);
  const replaced = new Set<string>();
  for (const s of schedules) {
    if (!s.replaces) continue;
    if (replaced.has(s.replaces)) {
      throw detailError(422, `Multiple schedules have 'replaces' targeting the same slug: ${s.replaces}`);
    }
    replaced.add(s.replaces);
  }
  for (const s of schedules) {
    if (s.replaces && s.slug && current.has(s.slug) && !replaced.has(s.slug)) {
      throw detailError(
        422,
        `Cannot rename schedule from '${s.replaces}' to '${s.slug}': a schedule with slug '${s.slug}' already exists.`,
      );
    }
  }
  const patch: DeploymentScheduleUpdate[] = [];
  const create: DeploymentScheduleUpdate[] = [];
  for (const s of schedules) {
    const target = s.replaces ?? s.slug;
    if (target && current.has(target)) patch.push(s);
    else if (s.schedule) create.push(s);
    else throw detailError(422, 'Unable to create new deployment schedules without a schedule configuration.');
  }
  return { kind: 'by_slug', patch, create };
}

/**
 * Applies a by-slug plan. Renames (`replaces`) first clear the old slugs so the unique index on
 * (deployment_id, slug) cannot block a swap, then every schedule is updated and new ones created.
 */
export async function applySlugPlan(
  tx: DbOrTx,
  deploymentId: string,
  plan: Extract<SchedulePlan, { kind: 'by_slug' }>,
): Promise<void> {
  const renames = plan.patch.filter((s) => s.replaces);
  const renamedIds = new Map<string, string>();
  if (renames.length > 0) {
    const oldSlugs = renames.map((s) => s.replaces as string);
    const rows = await tx
      .select({ id: deploymentSchedule.id, slug: deploymentSchedule.slug })
      .from(deploymentSchedule)
      .where(and(eq(deploymentSchedule.deploymentId, deploymentId), inArray(deploymentSchedule.slug, oldSlugs)));
    for (const r of rows) if (r.slug) renamedIds.set(r.slug, r.id);
    for (const slug of oldSlugs) {
      if (!renamedIds.has(slug)) throw detailError(404, `Schedule with slug '${slug}' no longer exists.`);
    }
    await tx
      .update(deploymentSchedule)
      .set({ slug: null })
      .where(and(eq(deploymentSchedule.deploymentId, deploymentId), inArray(deploymentSchedule.slug, oldSlugs)));
  }
  for (const s of plan.patch) {
    const target = s.replaces ? { id: renamedIds.get(s.replaces) as string } : { slug: s.slug as string };
    await updateSchedule(tx, deploymentId, target, s);
  }
  await insertSchedules(
    tx,
    deploymentId,
    plan.create.map((s) => ({ schedule: s.schedule, active: s.active ?? true, parameters: s.parameters, slug: s.slug, max_scheduled_runs: null })),
  );
}
