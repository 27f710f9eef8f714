/**
 * Automations, /automations (Prefect 3.9.1 server/api/automations.py): create, read, replace (PUT),
 * enable/disable (PATCH), delete, filter, count, `related-to/{resource_id}`, `owned-by/{resource_id}`
 * (which `flow.deploy()`, `prefect deploy` and `flow.serve()` call to drop a deployment's triggers
 * before re-creating them), and our `actions/preview` (dry run of a bulk action).
 * `templates/validate` is served by ./templates.ts, mounted here too.
 */
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../env';
import { detailError, objectNotFound, RequestValidationError } from '../http/errors';
import { methodNotAllowed } from '../http/method-not-allowed';
import { pathUuid, uuidParam } from '../http/params';
import { modelBody, readJson, validate } from '../http/validation';
import { previewBulkAction } from '../events/automations/bulk';
import { selfApi } from '../http/self-api';
import {
  AUTOMATION_ORDER,
  automationById,
  automationFilterSql,
  deleteAutomations,
  insertAutomation,
  readAutomation,
  readAutomations,
  relatedToResource,
  replaceAutomation,
  setAutomationEnabled,
} from '../queries/automations';
import { automation } from '../db/schema';
import {
  ActionSchema,
  AUTOMATION_SORTS,
  AutomationCreate,
  AutomationFilter,
  AutomationPartialUpdate,
  AutomationUpdate,
  checkAutomationLoops,
} from '../schemas/automations';
import { opt } from '../schemas/common';
import { describe } from '../openapi/describe';
import { filterCount } from './read-support';
import { sql } from 'drizzle-orm';
import { jobVariablesProblem } from '../queries/automation-deployments';

const automationNotFound = () => objectNotFound('Automation not found');

const ID = `/${uuidParam('id')}`;

/** Prefect checks run-deployment job variables against the selected deployment's work pool schema. */
async function checkJobVariables(c: Context<AppEnv>, actions: readonly Record<string, unknown>[], skipEmpty: boolean) {
  const errors: string[] = [];
  for (const a of actions) {
    if (a.type !== 'run-deployment' || !a.deployment_id || a.job_variables === null || a.job_variables === undefined) continue;
    if (skipEmpty && Object.keys(a.job_variables as object).length === 0) continue;
    const problem = await jobVariablesProblem(c.var.db, String(a.deployment_id), a.job_variables as Record<string, unknown>);
    if (problem) errors.push(problem);
  }
  if (errors.length) throw detailError(422, `Error creating automation: ${errors.join(' ')}`);
}

export const automationRoutes = new Hono<AppEnv>()
  .post('/', describe({ body: AutomationCreate }), async (c) => {
    const body = await modelBody(c, AutomationCreate);
    await checkJobVariables(c, body.actions, true);
    const created = await c.var.db.transaction((tx) => insertAutomation(tx, body));
    return c.json(created, 201);
  })
  .route(
    '/',
    filterCount({
      filters: { automations: opt(AutomationFilter) },
      sorts: AUTOMATION_SORTS,
      defaultSort: 'NAME_ASC',
      order: AUTOMATION_ORDER,
      table: automation,
      condition: (body) => (body.automations ? automationFilterSql(body.automations) : undefined),
      read: readAutomations,
      pagingFirst: true, // Prefect's parameter order
    }),
  )
  .post('/actions/preview', describe({ body: ActionSchema }), async (c) => {
    const raw = await readJson(c);
    const action = validate(ActionSchema, raw ?? null);
    if (action.type !== 'bulk-set-state' && action.type !== 'bulk-delete') {
      throw new RequestValidationError(
        [{ type: 'value_error', loc: ['body', 'type'], msg: "Value error, only 'bulk-set-state' and 'bulk-delete' actions can be previewed", input: action.type, ctx: { error: {} } }],
        raw,
      );
    }
    return c.json(await previewBulkAction(selfApi(c.env), action));
  })
  .get(ID, async (c) => {
    const found = await readAutomation(c.var.db, pathUuid(c, 'id'));
    if (!found) throw automationNotFound();
    return c.json(found);
  })
  .put(ID, describe({ body: AutomationUpdate }), async (c) => {
    const body = await modelBody(c, AutomationUpdate);
    await checkJobVariables(c, body.actions, false);
    const id = pathUuid(c, 'id');
    const updated = await c.var.db.transaction((tx) => replaceAutomation(tx, id, body));
    if (!updated) throw automationNotFound();
    return c.body(null, 204);
  })
  .patch(ID, describe({ body: AutomationPartialUpdate }), async (c) => {
    const body = await modelBody(c, AutomationPartialUpdate);
    const id = pathUuid(c, 'id');
    await c.var.db.transaction(async (tx) => {
      const current = await readAutomation(tx, id, true);
      if (!current) throw automationNotFound();
      // Prefect validates the automation as it would be after the change.
      const problem = checkAutomationLoops({ ...current, enabled: body.enabled });
      if (problem) {
        throw new RequestValidationError([{ type: 'value_error', loc: [], msg: `Value error, ${problem}`, input: { ...current, enabled: body.enabled }, ctx: { error: {} } }], body);
      }
      await setAutomationEnabled(tx, id, body.enabled);
    });
    return c.body(null, 204);
  })
  .delete(ID, async (c) => {
    const id = pathUuid(c, 'id');
    const deleted = await c.var.db.transaction((tx) => deleteAutomations(tx, automationById(id), true));
    if (deleted === 0) throw automationNotFound();
    return c.body(null, 204);
  })
  .get('/related-to/:resource_id{.+}', async (c) => {
    const resourceId = c.req.param('resource_id');
    return c.json(await readAutomations(c.var.db, { where: relatedToResource(resourceId), orderBy: AUTOMATION_ORDER.NAME_ASC }));
  })
  .delete('/owned-by/:resource_id{.+}', async (c) => {
    const resourceId = c.req.param('resource_id');
    // Only automations created before this request, as Prefect filters them.
    await c.var.db.transaction((tx) => deleteAutomations(tx, sql`${relatedToResource(resourceId, true)} AND ${automation.created} <= now()`, false));
    return c.json(null, 202);
  })
  .all('/', methodNotAllowed)
  .all(ID, methodNotAllowed);
