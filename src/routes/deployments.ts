/**
 * Deployment writes (../shared/spec/prefect-filters.md §4.4): the upsert, PATCH, DELETE, bulk delete,
 * pause / resume, and the schedules sub-resource. Every write runs in one transaction.
 */
import { Hono } from 'hono';
import { eq } from 'drizzle-orm';
import type { AppEnv } from '../env';
import { methodNotAllowed } from '../http/method-not-allowed';
import { deployment, deploymentSchedule } from '../db/schema';
import { automationActor } from '../http/actor';
import { detailError, notFound, sqlState } from '../http/errors';
import { pathUuid, uuidParam } from '../http/params';
import { embeddedBody, modelBody } from '../http/validation';
import { list } from '../schemas/common';
import { DeploymentBulkDelete, DeploymentCreate, DeploymentUpdate } from '../schemas/actions/deployments';
import { BULK_OPERATION_LIMIT } from '../schemas/actions/fields';
import { DEPLOYMENT_ORDER, deploymentsCondition } from '../queries/filters';
import { DeploymentScheduleCreate, DeploymentScheduleRuns, DeploymentScheduleUpdate } from '../schemas/actions/schedules';
import { scheduleSoon } from '../services';
import { scheduleLoaded, loadDeploymentsToSchedule } from '../services/scheduler';
import { serviceSettings } from '../services/settings';
import { nowMicros, parseMicros } from '../time';
import {
  applySlugPlan,
  deleteAllSchedules,
  deleteSchedule,
  deleteScheduledRuns,
  insertSchedules,
  planScheduleUpdate,
  readSchedules,
  updateSchedule,
} from '../queries/deployment-schedules';
import { deleteDeployments, findDeployment, setDeploymentPaused, updateDeployment, upsertDeployment } from '../queries/deployments';
import { readDeployments } from '../queries/read-models';
import type { DbOrTx } from '../db/client';
import type { Context } from 'hono';
import { describe } from '../openapi/describe';

/** After a write that changes what a deployment schedules: its runs appear within seconds. */
function scheduleAfterWrite(c: Context<AppEnv>, id: string | undefined) {
  if (!id) return;
  let ctx;
  try {
    ctx = c.executionCtx;
  } catch {
    return; // no execution context (called outside a Worker request): the next tick schedules it
  }
  scheduleSoon(c.env, ctx, [id]);
}

const ID = `/${uuidParam('id')}`;
const SCHEDULE = `${ID}/schedules/${uuidParam('schedule_id')}`;

/** The deployment, or 404 with the trailing period Prefect's update and schedule routes use. */
async function requireDeployment(db: DbOrTx, id: string) {
  const found = await findDeployment(db, id);
  if (!found) throw notFound('Deployment not found.');
  return found;
}

export const deploymentRoutes = new Hono<AppEnv>()
  .post('/', describe({ body: DeploymentCreate }), async (c) => {
    const body = await modelBody(c, DeploymentCreate);
    const createdBy = automationActor(c);
    const { response, created } = await c.var.db.transaction(async (tx) => {
      const { id, created } = await upsertDeployment(tx, body, { createdBy });
      const [response] = await readDeployments(tx, { where: eq(deployment.id, id) });
      return { response, created };
    });
    scheduleAfterWrite(c, (response as { id?: string } | undefined)?.id);
    return c.json(response, created ? 201 : 200);
  })
  .patch(ID, describe({ body: DeploymentUpdate }), async (c) => {
    const id = pathUuid(c, 'id');
    const body = await modelBody(c, DeploymentUpdate);
    await c.var.db.transaction(async (tx) => {
      const current = await requireDeployment(tx, id);
      const existing = await tx
        .select({ slug: deploymentSchedule.slug })
        .from(deploymentSchedule)
        .where(eq(deploymentSchedule.deploymentId, id));
      // Decided (and rejected with 422) before anything is written.
      const plan = planScheduleUpdate(
        existing.map((s) => s.slug),
        body.schedules,
      );
      await updateDeployment(tx, current, body);
      if (plan.kind === 'replace') {
        await deleteAllSchedules(tx, id);
        await insertSchedules(
          tx,
          id,
          plan.schedules
            .filter((s) => s.schedule != null)
            .map((s) => ({ schedule: s.schedule, active: s.active ?? true, parameters: s.parameters, slug: s.slug, max_scheduled_runs: null })),
        );
      } else if (plan.kind === 'by_slug') {
        await applySlugPlan(tx, id, plan);
      }
    });
    scheduleAfterWrite(c, id);
    return c.body(null, 204);
  })
  .post('/bulk_delete', describe({ body: DeploymentBulkDelete }), async (c) => {
    const body = await embeddedBody(c, DeploymentBulkDelete);
    const deleted = await c.var.db.transaction(async (tx) => {
      const chosen = await tx
        .select({ id: deployment.id })
        .from(deployment)
        .where(deploymentsCondition({ deployments: body.deployments }))
        .orderBy(...DEPLOYMENT_ORDER.NAME_ASC)
        .limit(body.limit ?? BULK_OPERATION_LIMIT)
        .for('update');
      const ids = chosen.map((d) => d.id);
      await deleteDeployments(tx, ids);
      return ids;
    });
    return c.json({ deleted });
  })
  .all('/bulk_delete', methodNotAllowed)
  .delete(ID, async (c) => {
    const id = pathUuid(c, 'id');
    const deleted = await c.var.db.transaction((tx) => deleteDeployments(tx, [id]));
    if (deleted.length === 0) throw notFound('Deployment not found');
    return c.body(null, 204);
  })
  .post(`${ID}/pause_deployment`, async (c) => {
    const found = await c.var.db.transaction((tx) => setDeploymentPaused(tx, pathUuid(c, 'id'), true));
    if (!found) throw notFound('Deployment not found');
    return c.json(null);
  })
  .post(`${ID}/resume_deployment`, async (c) => {
    const id = pathUuid(c, 'id');
    const found = await c.var.db.transaction((tx) => setDeploymentPaused(tx, id, false));
    if (!found) throw notFound('Deployment not found');
    scheduleAfterWrite(c, id);
    return c.json(null);
  })
  // Creates runs for a window (backfills too), with the scheduler's own code; paused deployments too.
  .post(`${ID}/schedule`, describe({ body: DeploymentScheduleRuns }), async (c) => {
    const id = pathUuid(c, 'id');
    const body = await embeddedBody(c, DeploymentScheduleRuns);
    const settings = serviceSettings(c.env).scheduler;
    const now = nowMicros();
    const start = body.start_time ? parseMicros(body.start_time)! : now;
    const window = {
      start,
      end: body.end_time ? parseMicros(body.end_time)! : start + settings.maxScheduledTime * 1_000_000,
      minTime: body.min_time ?? settings.minScheduledTime,
      minRuns: body.min_runs ?? settings.minRuns,
      maxRuns: body.max_runs ?? settings.maxRuns,
    };
    await c.var.db.transaction(async (tx) => {
      const deployments = await loadDeploymentsToSchedule(tx, { kind: 'ids', ids: [id], includePaused: true }, now, {
        after: '00000000-0000-0000-0000-000000000000',
        upTo: 'ffffffff-ffff-ffff-ffff-ffffffffffff',
        limit: 1,
      });
      await scheduleLoaded(tx, deployments, window, { autoScheduled: true, now, insertBatchSize: settings.insertBatchSize, includePaused: true });
    });
    return c.json(null);
  })
  .get(`${ID}/schedules`, async (c) => {
    const id = pathUuid(c, 'id');
    await requireDeployment(c.var.db, id);
    return c.json(await readSchedules(c.var.db, id));
  })
  .post(`${ID}/schedules`, describe({ body: list(DeploymentScheduleCreate) }), async (c) => {
    const id = pathUuid(c, 'id');
    const schedules = await modelBody(c, list(DeploymentScheduleCreate));
    try {
      const created = await c.var.db.transaction(async (tx) => {
        await requireDeployment(tx, id);
        return insertSchedules(tx, id, schedules);
      });
      scheduleAfterWrite(c, id);
      return c.json(created, 201);
    } catch (e) {
      if (sqlState(e) === '23505') throw detailError(409, 'Schedule slugs must be unique within a deployment.');
      throw e;
    }
  })
  .patch(SCHEDULE, describe({ body: DeploymentScheduleUpdate }), async (c) => {
    const id = pathUuid(c, 'id');
    const body = await modelBody(c, DeploymentScheduleUpdate);
    await c.var.db.transaction(async (tx) => {
      await requireDeployment(tx, id);
      if (!(await updateSchedule(tx, id, { id: pathUuid(c, 'schedule_id') }, body))) throw notFound('Schedule not found.');
      await deleteScheduledRuns(tx, id, { autoScheduledOnly: true, futureOnly: true });
    });
    scheduleAfterWrite(c, id);
    return c.body(null, 204);
  })
  .delete(SCHEDULE, async (c) => {
    const id = pathUuid(c, 'id');
    await c.var.db.transaction(async (tx) => {
      await requireDeployment(tx, id);
      if (!(await deleteSchedule(tx, id, pathUuid(c, 'schedule_id')))) throw notFound('Schedule not found.');
      await deleteScheduledRuns(tx, id, { autoScheduledOnly: true, futureOnly: false });
    });
    return c.body(null, 204);
  });
