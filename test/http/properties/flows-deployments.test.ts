/**
 * Properties of the flow and deployment write endpoints (filters spec §4.1, §4.4): creates, PATCHes,
 * deletes and bulk deletes, the schedules sub-resource, pause / resume and create_flow_run. Valid
 * bodies (existing references filled in) get a 2xx and Prefect's objects, and what a write answers
 * is what a later read answers; a body with one fault gets a 422 at the fault and writes nothing;
 * ids in any accepted spelling reach their row, unknown ids get Prefect's 404, malformed ones no route.
 */
import { beforeAll, describe, it } from 'vitest';
import fc from 'fast-check';
import * as v from 'valibot';
import { sql } from 'drizzle-orm';
import { del, get, patch, post, withDb, type ApiResponse } from '../helpers';
import { batches, BATCH, check, timeoutFor } from './config';
import { expectDetail, expectSuccess } from './errors';
import { seedPropertyFixtures, type PropertyFixtures } from './fixtures';
import { faultyBodiesRejected } from './harness';
import { deploymentFlowRunCreate } from './request-shapes';
import { BulkDeleteResult, conform, Deployment, DeploymentSchedule, Flow, FlowRun } from './response-schemas';
import { invalid, list, name, uuid, valid, type Fault } from './shapes';
import {
  deploymentCreate,
  DeploymentBulkDelete,
  DeploymentUpdate,
  FlowBulkDelete,
  FlowCreate,
  FlowUpdate,
  ScheduleCreate,
  ScheduleUpdate,
} from './write-shapes';
import {
  canonicalUuid,
  countRows,
  existingBodyId,
  expectThat,
  faultsReported,
  insertIds,
  jsonEqual,
  laxBool,
  laxInt,
  pathRouteBehaves,
  sameJson,
  tableFingerprint,
  type PathRoute,
} from './write-support';

let fx: PropertyFixtures;
/** Flow names by id (GET /deployments/name/{flow}/{deployment}). */
const flowNames = new Map<string, string>();
/** A deployment without schedules: the target of schedule creates and faulty PATCHes. */
let scheduleTarget: string;
let scheduleTargetSlugged: string;

beforeAll(async () => {
  fx = await seedPropertyFixtures();
  for (const id of fx.flowIds) flowNames.set(id, (await get(`/flows/${id}`)).body.name as string);
  const made = await post('/deployments/', { name: 'schedule-target', flow_id: fx.flowIds[1] });
  const slugged = await post('/deployments/', { name: 'schedule-target-slugged', flow_id: fx.flowIds[1] });
  if (made.status !== 201 || slugged.status !== 201) throw new Error(`fixture deployment: ${made.status} ${slugged.status}`);
  scheduleTarget = made.body.id;
  scheduleTargetSlugged = slugged.body.id;
});

type Body = Record<string, unknown>;
const has = (b: Body, k: string) => Object.prototype.hasOwnProperty.call(b, k);
const dotsOnly = (s: string) => /^\.*$/.test(s);
/**
 * Uniqueness of names, slugs and idempotency keys comes from a nonce added when sending, not from
 * generated values: shrinking would make generated ones equal.
 */
const nonce = () => crypto.randomUUID().slice(0, 8);

/** Fresh flows (one statement). */
const freshFlows = (n: number) =>
  insertIds(sql`INSERT INTO flow (name) SELECT 'prop-flow-' || gen_random_uuid() FROM generate_series(1, ${n}) RETURNING id`);

/** Fresh deployments of the second fixture flow, as the API would create them (schema enforcement on, an open schema). */
const freshDeployments = (n: number) =>
  insertIds(sql`
    INSERT INTO deployment (name, flow_id, enforce_parameter_schema, parameter_openapi_schema, pull_steps)
    SELECT 'prop-dep-' || gen_random_uuid(), ${fx.flowIds[1]}, true, '{"type": "object", "properties": {}}', '[]'
    FROM generate_series(1, ${n}) RETURNING id`);

/** Global concurrency limits, one per case (a deployment that links one may delete it later). */
const freshLimits = (n: number) =>
  insertIds(sql`INSERT INTO concurrency_limit_v2 (name, "limit") SELECT 'prop-gcl-' || gen_random_uuid(), 7 FROM generate_series(1, ${n}) RETURNING id`);

/** Schedules of a deployment, one per case. */
const freshSchedules = (deploymentId: string, n: number) =>
  insertIds(sql`
    INSERT INTO deployment_schedule (deployment_id, schedule, active, slug)
    SELECT ${deploymentId}, '{"interval": 3600.0, "anchor_date": "2024-01-01T00:00:00Z", "timezone": "UTC"}', true, 'fresh-' || gen_random_uuid()
    FROM generate_series(1, ${n}) RETURNING id`);

/** bulk_delete bodies restricted to the given rows (an and_ filter with an id criterion). */
const restrictedTo = (ids: string[], filter: unknown) => {
  const f = { ...(filter as Body | null) };
  delete f.operator;
  return { ...f, id: { any_: ids } };
};

const byIdNotFound = (res: ApiResponse, what: string, detail: string) => expectDetail(res, 404, what, detail);

// ---------------------------------------------------------------------------------------------
// Flows

describe('POST /flows/', () => {
  it('valid bodies: 201 with the flow (200 with the existing one for a known name), found again by id and by name', async () => {
    await check(
      'POST /flows/ valid',
      fc.asyncProperty(batches(valid(FlowCreate)), async (bodies) => {
        const responses = await Promise.all(bodies.map((b) => post('/flows/', b)));
        for (const [i, res] of responses.entries()) {
          const body = bodies[i] as Body & { name: string };
          const what = `POST /flows/ ${JSON.stringify(body)}`;
          try {
            expectSuccess(res, what);
            const flow = conform(Flow, res.body, 'flow');
            expectThat(res.status === 201 || res.status === 200, `status ${res.status}`);
            expectThat(flow.name === body.name, `name ${JSON.stringify(flow.name)}`);
            if (res.status === 201) {
              expectThat(sameJson(flow.tags, body.tags ?? []), `tags ${JSON.stringify(flow.tags)}`);
              expectThat(jsonEqual(flow.labels, body.labels ?? {}), `labels ${JSON.stringify(flow.labels)}`);
            }
            const byId = await get(`/flows/${flow.id}`);
            expectThat(byId.status === 200 && jsonEqual(byId.body, flow), `GET by id: ${byId.status} ${JSON.stringify(byId.body)}`);
            if (!dotsOnly(body.name)) {
              const byName = await get(`/flows/name/${encodeURIComponent(body.name)}`);
              expectThat(byName.status === 200 && (byName.body as { id: string }).id === flow.id, `GET by name: ${byName.status} ${JSON.stringify(byName.body)}`);
            }
          } catch (e) {
            throw new Error(`${what}: ${(e as Error).message}`);
          }
        }
      }),
      0.5,
      BATCH,
    );
  }, timeoutFor(0.5));

  it('one fault: a 422 at the fault, and no flow created', () =>
    faultyBodiesRejected({ name: 'POST /flows/', send: (b) => post('/flows/', b), shape: FlowCreate, expectOk: () => {}, rowCount: countRows('flow') }),
  timeoutFor());

  it('GET by name: an unknown flow is a 404 "Flow not found", an unknown deployment (of a known flow or not) "Deployment not found"', async () => {
    await check(
      'GET by name unknown',
      fc.asyncProperty(batches(fc.tuple(valid(name()), fc.constantFrom('flow', 'deployment', 'deployment of a known flow'))), async (cases) => {
        const names = cases.map(([n]) => `${n as string}-${nonce()}`);
        const paths = cases.map(([, kind], i) => {
          const n = encodeURIComponent(names[i]!);
          if (kind === 'flow') return `/flows/name/${n}`;
          return `/deployments/name/${kind === 'deployment' ? n : encodeURIComponent(flowNames.get(fx.flowIds[0]!)!)}/${n}`;
        });
        const responses = await Promise.all(paths.map((p) => get(p)));
        responses.forEach((res, i) => byIdNotFound(res, `GET ${paths[i]}`, cases[i]![1] === 'flow' ? 'Flow not found' : 'Deployment not found'));
      }),
      0.25,
      BATCH,
    );
  }, timeoutFor(0.25));
});

describe('PATCH /flows/{id}', () => {
  it('valid bodies: 204, and the tags sent are the tags read', async () => {
    await check(
      'PATCH /flows/{id} valid',
      fc.asyncProperty(batches(valid(FlowUpdate)), async (bodies) => {
        const ids = await freshFlows(bodies.length);
        const responses = await Promise.all(bodies.map((b, i) => patch(`/flows/${ids[i]}`, b)));
        const after = await Promise.all(ids.map((id) => get(`/flows/${id}`)));
        for (const [i, res] of responses.entries()) {
          const body = bodies[i] as Body;
          const what = `PATCH /flows/{id} ${JSON.stringify(body)}`;
          expectSuccess(res, what);
          expectThat(res.status === 204, `${what}: status ${res.status}`);
          const flow = conform(Flow, after[i]!.body, `${what}: GET`);
          expectThat(sameJson(flow.tags, body.tags ?? []), `${what}: tags read ${JSON.stringify(flow.tags)}`);
        }
      }),
      0.5,
      BATCH,
    );
  }, timeoutFor(0.5));

  it('one fault: a 422 at the fault, and no flow changed', () =>
    faultyBodiesRejected({
      name: 'PATCH /flows/{id}',
      send: (b) => patch(`/flows/${fx.flowIds[0]}`, b),
      shape: FlowUpdate,
      expectOk: () => {},
      rowCount: tableFingerprint('flow'),
    }),
  timeoutFor());
});

// ---------------------------------------------------------------------------------------------
// Path routes: every accepted spelling reaches the row, unknown ids get Prefect's 404.

const fixtureIds = (ids: () => string[]) => async (n: number) => Array.from({ length: n }, (_, i) => ids()[i % ids().length]!);

const PATH_ROUTES: PathRoute[] = [
  {
    name: 'GET /flows/{id}',
    method: 'GET',
    path: (id) => `/flows/${id}`,
    fresh: fixtureIds(() => fx.flowIds),
    expectFound: (res, id) => expectThat(conform(Flow, res.body, 'flow').id === id, 'another flow'),
    notFound: { detail: 'Flow not found' },
  },
  {
    name: 'PATCH /flows/{id}',
    method: 'PATCH',
    path: (id) => `/flows/${id}`,
    body: { tags: ['patched'] },
    fresh: freshFlows,
    expectFound: async (res, id) => {
      expectThat(res.status === 204, `status ${res.status}`);
      expectThat(sameJson((await get(`/flows/${id}`)).body.tags, ['patched']), 'tags not written');
    },
    notFound: { detail: 'Flow not found' },
  },
  {
    name: 'DELETE /flows/{id}',
    method: 'DELETE',
    path: (id) => `/flows/${id}`,
    fresh: freshFlows,
    expectFound: async (res, id) => {
      expectThat(res.status === 204, `status ${res.status}`);
      byIdNotFound(await get(`/flows/${id}`), 'GET after DELETE', 'Flow not found');
    },
    notFound: { detail: 'Flow not found' },
  },
  {
    name: 'GET /deployments/{id}',
    method: 'GET',
    path: (id) => `/deployments/${id}`,
    fresh: fixtureIds(() => fx.deploymentIds),
    expectFound: (res, id) => expectThat(conform(Deployment, res.body, 'deployment').id === id, 'another deployment'),
    notFound: { detail: 'Deployment not found' },
  },
  {
    name: 'DELETE /deployments/{id}',
    method: 'DELETE',
    path: (id) => `/deployments/${id}`,
    fresh: freshDeployments,
    expectFound: async (res, id) => {
      expectThat(res.status === 204, `status ${res.status}`);
      byIdNotFound(await get(`/deployments/${id}`), 'GET after DELETE', 'Deployment not found');
    },
    notFound: { detail: 'Deployment not found' },
  },
  ...(['pause_deployment', 'resume_deployment'] as const).map(
    (action): PathRoute => ({
      name: `POST /deployments/{id}/${action}`,
      method: 'POST',
      path: (id) => `/deployments/${id}/${action}`,
      fresh: freshDeployments,
      expectFound: async (res, id) => {
        expectThat(res.status === 200 && res.body === null, `${res.status} ${JSON.stringify(res.body)}`);
        const paused = conform(Deployment, (await get(`/deployments/${id}`)).body, 'deployment').paused;
        expectThat(paused === (action === 'pause_deployment'), `paused is ${paused}`);
      },
      notFound: { detail: 'Deployment not found' },
    }),
  ),
  {
    name: 'GET /deployments/{id}/schedules',
    method: 'GET',
    path: (id) => `/deployments/${id}/schedules`,
    fresh: fixtureIds(() => fx.deploymentIds),
    expectFound: (res, id) => {
      const schedules = conform(v.array(DeploymentSchedule), res.body, 'schedules');
      expectThat(schedules.every((s) => s.deployment_id === id), 'a schedule of another deployment');
      // Fixed-width timestamps sort as text: a whole second prints without its fraction.
      const updated = schedules.map((s) => (s.updated.includes('.') ? s.updated : s.updated.replace('Z', '.000000Z')));
      expectThat(sameJson(updated, [...updated].sort().reverse()), 'not ordered updated DESC');
    },
    notFound: { detail: 'Deployment not found.' },
  },
  {
    name: 'DELETE /deployments/{id}/schedules/{schedule_id}',
    method: 'DELETE',
    path: (id) => `/deployments/${scheduleTarget}/schedules/${id}`,
    fresh: (n) => freshSchedules(scheduleTarget, n),
    expectFound: async (res, id) => {
      expectThat(res.status === 204, `status ${res.status}`);
      const left = conform(v.array(DeploymentSchedule), (await get(`/deployments/${scheduleTarget}/schedules`)).body, 'schedules');
      expectThat(!left.some((s) => s.id === id), 'the schedule is still there');
    },
    notFound: { detail: 'Schedule not found.' },
  },
  {
    name: 'PATCH /deployments/{id}/schedules/{schedule_id}',
    method: 'PATCH',
    path: (id) => `/deployments/${scheduleTarget}/schedules/${id}`,
    body: { active: false },
    fresh: (n) => freshSchedules(scheduleTarget, n),
    expectFound: (res) => expectThat(res.status === 204, `status ${res.status}`),
    notFound: { detail: 'Schedule not found.' },
  },
];

describe.each(PATH_ROUTES)('$name', (route) => {
  it('an existing row in any accepted spelling: 2xx; an unknown id: 404; a malformed one: no route (404)', () => pathRouteBehaves(route), timeoutFor(0.5));
});

describe('schedules of an unknown deployment', () => {
  it('GET, POST, PATCH and DELETE answer 404 "Deployment not found."', async () => {
    await check(
      'schedules of an unknown deployment',
      fc.asyncProperty(batches(fc.tuple(fc.uuid(), fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE'))), async (cases) => {
        const responses = await Promise.all(
          cases.map(([id, method]) => {
            if (method === 'GET') return get(`/deployments/${id}/schedules`);
            if (method === 'POST') return post(`/deployments/${id}/schedules`, [{ schedule: { interval: 60 } }]);
            if (method === 'PATCH') return patch(`/deployments/${id}/schedules/${crypto.randomUUID()}`, { active: true });
            return del(`/deployments/${id}/schedules/${crypto.randomUUID()}`);
          }),
        );
        responses.forEach((res, i) => byIdNotFound(res, `${cases[i]![1]} /deployments/${cases[i]![0]}/schedules`, 'Deployment not found.'));
      }),
      0.25,
      BATCH,
    );
  }, timeoutFor(0.25));
});

// ---------------------------------------------------------------------------------------------
// Deployments

/** Pool and queue names that exist, or that a deployment may create (a legacy queue, a new queue of a pool). */
const poolAndQueue = fc.record({
  pool: fc.constantFrom('absent', 'null', 'pool'),
  queue: fc.oneof(fc.constantFrom<unknown>(undefined, null, 'default', 'fast', 'shared-queue'), valid(name())),
});

function placeInPool(b: Body, choice: { pool: string; queue: unknown }) {
  delete b.work_pool_name;
  delete b.work_queue_name;
  if (choice.pool === 'null') b.work_pool_name = null;
  if (choice.pool === 'pool') b.work_pool_name = fx.poolName;
  if (choice.queue !== undefined) b.work_queue_name = choice.queue;
}

/** Slugs unique within the request (a duplicate is Prefect's 409); `replaces` is a PATCH-time directive. */
function uniqueSlugs(schedules: unknown, suffix: string) {
  if (!Array.isArray(schedules)) return schedules;
  return schedules.map((s: Body, i) => {
    const out: Body = { ...s };
    delete out.replaces;
    if (typeof out.slug === 'string') out.slug = `${out.slug}-${suffix}-${i}`;
    return out;
  });
}

/**
 * The pool and queue a deployment must end up in, given the names sent (§4.4 queue resolution of a
 * create; a PATCH is only checked when it names a pool).
 */
function expectedPlacement(b: Body, patching: boolean): { pool: string | null | undefined; queue: string | null } | undefined {
  const pool = b.work_pool_name as string | null | undefined;
  const queue = b.work_queue_name as string | null | undefined;
  if (pool) return { pool, queue: queue || 'default' };
  if (patching) return undefined;
  // A legacy queue name alone: that queue of default-agent-pool, or (before that pool exists) of any pool.
  if (queue) return { pool: undefined, queue };
  return queue === undefined ? { pool: null, queue: null } : undefined;
}

/** The fields of a deployment that the body sent must decide (create, or PATCH when `patching`). */
function expectDeploymentFields(dep: v.InferOutput<typeof Deployment>, b: Body, patching: boolean): void {
  for (const k of ['version', 'description', 'path', 'entrypoint'] as const) {
    if (has(b, k)) expectThat(dep[k] === (b[k] ?? null), `${k} ${JSON.stringify(dep[k])}`);
  }
  if (b.paused != null) expectThat(dep.paused === laxBool(b.paused), `paused ${dep.paused}`);
  else if (!patching) expectThat(dep.paused === false, 'paused by default');
  if (b.tags != null) expectThat(sameJson(dep.tags, b.tags), `tags ${JSON.stringify(dep.tags)}`);
  if (b.parameters != null || !patching) expectThat(jsonEqual(dep.parameters, b.parameters ?? {}), `parameters ${JSON.stringify(dep.parameters)}`);
  if (b.enforce_parameter_schema != null) expectThat(dep.enforce_parameter_schema === laxBool(b.enforce_parameter_schema), 'enforce_parameter_schema');
  else if (!patching) expectThat(dep.enforce_parameter_schema === true, 'enforce_parameter_schema defaults to true');
  const jobVariables = b.job_variables as Body | null | undefined;
  if (jobVariables && Object.keys(jobVariables).length > 0) expectThat(jsonEqual(dep.job_variables, jobVariables), `job_variables ${JSON.stringify(dep.job_variables)}`);
  if (has(b, 'pull_steps')) expectThat(jsonEqual(dep.pull_steps, b.pull_steps), `pull_steps ${JSON.stringify(dep.pull_steps)}`);
  const gcl = dep.global_concurrency_limit;
  if (b.concurrency_limit != null) {
    expectThat(gcl?.limit === laxInt(b.concurrency_limit) && gcl.name === `deployment:${dep.id}`, `global_concurrency_limit ${JSON.stringify(gcl)}`);
  } else if (b.global_concurrency_limit_id) {
    expectThat(gcl?.id === canonicalUuid(b.global_concurrency_limit_id as string), `global_concurrency_limit ${JSON.stringify(gcl)}`);
  } else if (has(b, 'concurrency_limit') || !patching) expectThat(gcl === null, `global_concurrency_limit ${JSON.stringify(gcl)}`);
  const options = b.concurrency_options as Body | null | undefined;
  if (options) {
    expectThat(
      dep.concurrency_options?.collision_strategy === options.collision_strategy &&
        dep.concurrency_options?.grace_period_seconds === (options.grace_period_seconds == null ? null : laxInt(options.grace_period_seconds)),
      `concurrency_options ${JSON.stringify(dep.concurrency_options)}`,
    );
  } else if (has(b, 'concurrency_options') || !patching) expectThat(dep.concurrency_options === null, 'concurrency_options');
  const placement = expectedPlacement(b, patching);
  if (placement) {
    const poolOk = placement.pool === undefined ? dep.work_pool_name !== null : dep.work_pool_name === placement.pool;
    expectThat(poolOk && dep.work_queue_name === placement.queue, `placed in ${dep.work_pool_name}/${dep.work_queue_name}`);
  }
  if (patching && b.work_pool_name === null && !b.work_queue_name) expectThat(dep.work_queue_id === null, 'a null pool detaches the queue');
}

/** Schedules as sent (create: all; PATCH replacing them: those with a schedule). */
function expectSchedules(dep: v.InferOutput<typeof Deployment>, sent: Body[]): void {
  expectThat(dep.schedules.length === sent.length, `${dep.schedules.length} schedules for ${sent.length} sent`);
  for (const s of sent) {
    const kind = ['interval', 'cron', 'rrule'].find((k) => k in (s.schedule as Body))!;
    const match = dep.schedules.find(
      (r) =>
        r.slug === (s.slug ?? null) &&
        r.active === (s.active == null ? true : laxBool(s.active)) &&
        jsonEqual(r.parameters, s.parameters ?? {}) &&
        kind in r.schedule &&
        r.deployment_id === dep.id,
    );
    expectThat(match !== undefined, `no schedule like ${JSON.stringify(s)} in ${JSON.stringify(dep.schedules)}`);
  }
}

/**
 * A deployment body's model-level rules run on the raw body before its fields (Pydantic "before"
 * validators), and report at `body` instead of the field: a faulty global limit id next to a
 * concurrency limit is "both limits", a faulty parameters or schema under enforcement is "does not
 * conform". A field fault is kept clear of them.
 */
function oneFaultOnly(f: Fault): Fault {
  const value = f.value as Body | null;
  if (!value || typeof value !== 'object' || Array.isArray(value) || f.loc.length === 0) return f;
  const copy = { ...value };
  if (f.loc[0] === 'global_concurrency_limit_id') delete copy.concurrency_limit;
  if (f.loc[0] === 'parameters' || f.loc[0] === 'parameter_openapi_schema') copy.enforce_parameter_schema = false;
  return { ...f, value: copy };
}

describe('POST /deployments/', () => {
  const shape = () => deploymentCreate(uuid(existingBodyId(() => fx.flowIds)));
  const cases = () =>
    fc.record({ body: valid(shape()), placement: poolAndQueue, linkLimit: fc.boolean(), again: fc.boolean() });

  it('valid bodies: 201 with the deployment as read back by id and by name; the same (flow, name) again: 200, same id', async () => {
    await check(
      'POST /deployments/ valid',
      fc.asyncProperty(batches(fc.constant(null).chain(cases)), async (batch) => {
        const limits = await freshLimits(batch.length);
        const bodies = batch.map((k, i) => {
          const suffix = nonce();
          const b: Body = { ...(k.body as Body), name: `${(k.body as Body).name as string}~${suffix}` };
          b.schedules = uniqueSlugs(b.schedules, suffix);
          placeInPool(b, k.placement);
          if (k.linkLimit) {
            delete b.concurrency_limit;
            b.global_concurrency_limit_id = limits[i];
          }
          return b;
        });
        const responses = await Promise.all(bodies.map((b) => post('/deployments/', b)));
        for (const [i, res] of responses.entries()) {
          const b = bodies[i]!;
          const what = `POST /deployments/ ${JSON.stringify(b)}`;
          try {
            expectSuccess(res, what);
            expectThat(res.status === 201, `status ${res.status}`);
            const dep = conform(Deployment, res.body, 'deployment');
            expectThat(dep.name === b.name && dep.flow_id === canonicalUuid(b.flow_id as string), `${dep.name} of ${dep.flow_id}`);
            expectThat(dep.status === 'NOT_READY', `status ${dep.status}`);
            expectDeploymentFields(dep, b, false);
            expectSchedules(dep, (b.schedules as Body[] | undefined) ?? []);
            const userLabels = (b.labels as Body | null | undefined) ?? {};
            for (const [k, x] of Object.entries(userLabels)) expectThat(jsonEqual(dep.labels[k], x), `label ${k}: ${JSON.stringify(dep.labels[k])}`);
            if (!('prefect.flow.id' in userLabels)) expectThat(dep.labels['prefect.flow.id'] === dep.flow_id, 'no prefect.flow.id label');
            const byId = await get(`/deployments/${dep.id}`);
            expectThat(byId.status === 200 && jsonEqual(byId.body, res.body), `GET by id differs: ${JSON.stringify(byId.body)}`);
            const flowName = flowNames.get(dep.flow_id)!;
            const byName = await get(`/deployments/name/${encodeURIComponent(flowName)}/${encodeURIComponent(dep.name)}`);
            expectThat(byName.status === 200 && byName.body.id === dep.id, `GET by name: ${byName.status} ${JSON.stringify(byName.body)}`);
            if (batch[i]!.again) {
              const again = await post('/deployments/', { ...b, schedules: [] });
              expectThat(again.status === 200 && again.body.id === dep.id, `again: ${again.status} ${JSON.stringify(again.body)}`);
              expectThat(conform(Deployment, again.body, 'again').schedules.length === 0, 'an upsert without schedules keeps them');
            }
          } catch (e) {
            throw new Error(`${what}: ${(e as Error).message}`);
          }
        }
      }),
      0.5,
      BATCH,
    );
  }, timeoutFor(0.5, 400));

  it('one fault: a 422 at the fault, and no deployment written', async () => {
    // The model-level rule: a concurrency limit and a global limit together.
    const bothLimits = fc
      .tuple(valid(shape()), fc.integer({ min: 1, max: 9 }), fc.uuid())
      .map(([b, limit, id]): Fault => ({ value: { ...(b as Body), concurrency_limit: limit, global_concurrency_limit_id: id }, loc: [], types: ['value_error'] }));
    await faultsReported('POST /deployments/ invalid', fc.oneof(invalid(shape())!.map(oneFaultOnly), bothLimits), (b) => post('/deployments/', b), countRows('deployment'));
  }, timeoutFor());

  it('references: an unknown flow is a 409, an unknown pool or global limit a 404, a block a 409; nothing written', async () => {
    const faults = fc.tuple(valid(shape()), fc.constantFrom('flow', 'pool', 'limit', 'block'), fc.uuid()).map(([body, which, id]) => {
      const b: Body = { ...(body as Body), schedules: [] };
      placeInPool(b, { pool: 'absent', queue: undefined });
      if (which === 'flow') b.flow_id = id;
      if (which === 'pool') b.work_pool_name = `missing-${id}`;
      if (which === 'limit') {
        delete b.concurrency_limit;
        b.global_concurrency_limit_id = id;
      }
      if (which === 'block') b.infrastructure_document_id = id;
      return { b, which };
    });
    await check(
      'POST /deployments/ references',
      fc.asyncProperty(batches(faults), async (batch) => {
        const before = await countRows('deployment')();
        const responses = await Promise.all(batch.map(({ b }) => post('/deployments/', b)));
        responses.forEach((res, i) => {
          const { b, which } = batch[i]!;
          const what = `POST /deployments/ (unknown ${which}) ${JSON.stringify(b)}`;
          const expected = { flow: [409, /^Data integrity conflict/], pool: [404, /^Work pool ".*" not found\.$/], limit: [404, /^Concurrency limit not found$/], block: [409, /block/] } as const;
          expectDetail(res, expected[which][0], what, expected[which][1]);
        });
        const after = await countRows('deployment')();
        expectThat(after === before, `rejected creates wrote deployments (${before} → ${after})`);
      }),
      0.25,
      BATCH,
    );
  }, timeoutFor(0.25));
});

describe('PATCH /deployments/{id}', () => {
  const cases = fc.record({ body: valid(DeploymentUpdate), placement: poolAndQueue, linkLimit: fc.boolean() });

  it('valid bodies: 204, and a read shows the fields sent', async () => {
    await check(
      'PATCH /deployments/{id} valid',
      fc.asyncProperty(batches(cases), async (batch) => {
        const [ids, limits] = await Promise.all([freshDeployments(batch.length), freshLimits(batch.length)]);
        const bodies = batch.map((k, i) => {
          const b: Body = { ...(k.body as Body) };
          b.schedules = uniqueSlugs(b.schedules, nonce());
          placeInPool(b, k.placement);
          if (k.linkLimit) {
            delete b.concurrency_limit;
            b.global_concurrency_limit_id = limits[i];
          }
          return b;
        });
        const responses = await Promise.all(bodies.map((b, i) => patch(`/deployments/${ids[i]}`, b)));
        const after = await Promise.all(ids.map((id) => get(`/deployments/${id}`)));
        for (const [i, res] of responses.entries()) {
          const b = bodies[i]!;
          const what = `PATCH /deployments/{id} ${JSON.stringify(b)}`;
          try {
            expectSuccess(res, what);
            expectThat(res.status === 204, `status ${res.status}`);
            const dep = conform(Deployment, after[i]!.body, 'deployment read back');
            expectDeploymentFields(dep, b, true);
            if (Array.isArray(b.schedules)) expectSchedules(dep, (b.schedules as Body[]).filter((s) => s.schedule != null));
          } catch (e) {
            throw new Error(`${what}: ${(e as Error).message}`);
          }
        }
      }),
      0.5,
      BATCH,
    );
  }, timeoutFor(0.5));

  it('one fault: a 422 at the fault, and no deployment changed', async () => {
    const bothLimits = fc
      .tuple(valid(DeploymentUpdate), fc.integer({ min: 1, max: 9 }), fc.uuid())
      .map(([b, limit, id]): Fault => ({ value: { ...(b as Body), concurrency_limit: limit, global_concurrency_limit_id: id }, loc: [], types: ['value_error'] }));
    await faultsReported(
      'PATCH /deployments/{id} invalid',
      fc.oneof(invalid(DeploymentUpdate)!.map(oneFaultOnly), bothLimits),
      (b) => patch(`/deployments/${scheduleTarget}`, b),
      tableFingerprint('deployment'),
    );
  }, timeoutFor());

  it('an unknown deployment: 404 "Deployment not found."', async () => {
    await check(
      'PATCH /deployments unknown',
      fc.asyncProperty(batches(fc.tuple(fc.uuid(), valid(DeploymentUpdate))), async (cases) => {
        const responses = await Promise.all(cases.map(([id, b]) => patch(`/deployments/${id}`, { ...(b as Body), work_pool_name: null, work_queue_name: null, global_concurrency_limit_id: null })));
        responses.forEach((res, i) => byIdNotFound(res, `PATCH /deployments/${cases[i]![0]}`, 'Deployment not found.'));
      }),
      0.25,
      BATCH,
    );
  }, timeoutFor(0.25));
});

describe('concurrent writes of one deployment', () => {
  // Only these are answers to a valid PATCH that a concurrent one may cause (the slug rules of §4.4).
  const RACE_DETAILS = /^(Please provide a slug for each schedule|Schedule with slug '.*' no longer exists\.|Unable to create new deployment schedules without a schedule configuration\.|Multiple schedules have 'replaces'|Cannot rename schedule)/;
  const cases = fc.record({
    patching: fc.boolean(),
    update: valid(DeploymentUpdate),
    create: fc.constant(null).chain(() => valid(deploymentCreate(uuid(fc.constant(fx.flowIds[1]!))))),
    placement: poolAndQueue,
  });

  it('PATCHes and upserts of the same deployment at once: each 2xx (or a slug-rule 4xx), never a 5xx or integrity 409', async () => {
    await check(
      'concurrent deployment writes',
      fc.asyncProperty(batches(cases), async (batch) => {
        const [id] = await freshDeployments(1);
        const name = (await get(`/deployments/${id}`)).body.name as string;
        const requests = batch.map((k) => {
          const b: Body = { ...((k.patching ? k.update : k.create) as Body) };
          b.schedules = uniqueSlugs(b.schedules, nonce());
          placeInPool(b, k.placement);
          if (k.patching) return { what: `PATCH ${JSON.stringify(b)}`, send: () => patch(`/deployments/${id}`, b) };
          const body = { ...b, name, flow_id: fx.flowIds[1] };
          return { what: `POST ${JSON.stringify(body)}`, send: () => post('/deployments/', body) };
        });
        const responses = await Promise.all(requests.map((r) => r.send()));
        responses.forEach((res, i) => {
          const what = `concurrent ${requests[i]!.what}`;
          if (res.status >= 400) expectDetail(res, res.status === 404 ? 404 : 422, what, RACE_DETAILS);
          else if (batch[i]!.patching) expectThat(res.status === 204, `${what}: ${res.status}`);
          else expectThat(res.status === 200 && res.body.id === id, `${what}: ${res.status} ${JSON.stringify(res.body)?.slice(0, 200)}`);
        });
        conform(Deployment, (await get(`/deployments/${id}`)).body, 'the deployment after concurrent writes');
      }),
      0.5,
      BATCH,
    );
  }, timeoutFor(0.5));
});

describe('POST /deployments/{id}/schedules', () => {
  // Slugs made unique when sent (a nonce, not generated: shrinking would make them equal).
  const body = valid(list(ScheduleCreate)) as fc.Arbitrary<Body[]>;

  it('valid bodies: 201 with the schedules created, as sent', async () => {
    await check(
      'POST /deployments/{id}/schedules valid',
      fc.asyncProperty(batches(body), async (bodies) => {
        const sentBodies = bodies.map((b) => uniqueSlugs(b, nonce()) as Body[]);
        const responses = await Promise.all(sentBodies.map((b) => post(`/deployments/${scheduleTarget}/schedules`, b)));
        responses.forEach((res, i) => {
          const sent = sentBodies[i]!;
          const what = `POST /deployments/{id}/schedules ${JSON.stringify(sent)}`;
          expectSuccess(res, what);
          expectThat(res.status === 201, `${what}: status ${res.status}`);
          const created = conform(v.array(DeploymentSchedule), res.body, what);
          expectThat(created.length === sent.length, `${what}: ${created.length} created`);
          created.forEach((c, k) => {
            const s = sent[k]!;
            const ok =
              c.deployment_id === scheduleTarget &&
              c.slug === (s.slug ?? null) &&
              c.active === (s.active == null ? true : laxBool(s.active)) &&
              c.max_scheduled_runs === (s.max_scheduled_runs == null ? null : laxInt(s.max_scheduled_runs)) &&
              jsonEqual(c.parameters, s.parameters ?? {}) &&
              ['interval', 'cron', 'rrule'].some((kind) => kind in c.schedule && kind in (s.schedule as Body));
            expectThat(ok, `${what}: created ${JSON.stringify(c)} for ${JSON.stringify(s)}`);
          });
        });
      }),
      0.5,
      BATCH,
    );
  }, timeoutFor(0.5));

  it('one fault: a 422 at the fault, and no schedule written', () =>
    faultyBodiesRejected({
      name: 'POST /deployments/{id}/schedules',
      send: (b) => post(`/deployments/${scheduleTarget}/schedules`, b),
      shape: list(ScheduleCreate),
      expectOk: () => {},
      rowCount: countRows('deployment_schedule'),
    }),
  timeoutFor());

  it('a slug the deployment already has: 409, and nothing written', async () => {
    await check(
      'POST /deployments/{id}/schedules duplicate slug',
      fc.asyncProperty(batches(fc.tuple(valid(ScheduleCreate))), async (cases) => {
        const slugs = cases.map(() => `dup-${nonce()}`);
        await Promise.all(slugs.map((slug) => post(`/deployments/${scheduleTargetSlugged}/schedules`, [{ schedule: { interval: 60 }, slug }])));
        const before = await countRows('deployment_schedule')();
        const responses = await Promise.all(cases.map(([s], i) => post(`/deployments/${scheduleTargetSlugged}/schedules`, [{ ...(s as Body), replaces: null, slug: slugs[i] }])));
        responses.forEach((res, i) => expectDetail(res, 409, `duplicate slug ${slugs[i]}`, 'Schedule slugs must be unique within a deployment.'));
        expectThat((await countRows('deployment_schedule')()) === before, 'rejected schedules were written');
      }),
      0.25,
      BATCH,
    );
  }, timeoutFor(0.25));
});

describe('PATCH /deployments/{id}/schedules/{schedule_id}', () => {
  const body = valid(ScheduleUpdate) as fc.Arbitrary<Body>;

  it('valid bodies: 204, and the schedule read back has the fields sent', async () => {
    await check(
      'PATCH /deployments/{id}/schedules/{schedule_id} valid',
      fc.asyncProperty(batches(body), async (generated) => {
        const bodies = generated.map((b) => (uniqueSlugs([b], nonce()) as Body[])[0]!);
        const ids = await freshSchedules(scheduleTarget, bodies.length);
        const responses = await Promise.all(bodies.map((b, i) => patch(`/deployments/${scheduleTarget}/schedules/${ids[i]}`, b)));
        const all = conform(v.array(DeploymentSchedule), (await get(`/deployments/${scheduleTarget}/schedules`)).body, 'schedules');
        responses.forEach((res, i) => {
          const s = bodies[i]!;
          const what = `PATCH /deployments/{id}/schedules/{schedule_id} ${JSON.stringify(s)}`;
          expectSuccess(res, what);
          expectThat(res.status === 204, `${what}: status ${res.status}`);
          const read = all.find((x) => x.id === ids[i]);
          const ok =
            read !== undefined &&
            (s.slug == null || read.slug === s.slug) &&
            (s.active == null || read.active === laxBool(s.active)) &&
            (s.max_scheduled_runs == null || read.max_scheduled_runs === laxInt(s.max_scheduled_runs)) &&
            jsonEqual(read.parameters, s.parameters ?? {}) &&
            (s.schedule == null || ['interval', 'cron', 'rrule'].some((kind) => kind in read.schedule && kind in (s.schedule as Body)));
          expectThat(ok, `${what}: read back ${JSON.stringify(read)}`);
        });
      }),
      0.5,
      BATCH,
    );
  }, timeoutFor(0.5));

  it('one fault: a 422 at the fault, and no schedule changed', async () => {
    const [id] = await freshSchedules(scheduleTarget, 1);
    await faultyBodiesRejected({
      name: 'PATCH /deployments/{id}/schedules/{schedule_id}',
      send: (b) => patch(`/deployments/${scheduleTarget}/schedules/${id}`, b),
      shape: ScheduleUpdate,
      expectOk: () => {},
      rowCount: tableFingerprint('deployment_schedule'),
    });
  }, timeoutFor());
});

describe('POST /deployments/{id}/create_flow_run', () => {
  const item = () => deploymentFlowRunCreate({ parentTaskRunId: uuid(existingBodyId(() => fx.taskRunIds)), workQueueNames: ['default', 'fast'] });
  const cases = () => fc.record({ body: valid(item()), again: fc.boolean() });

  it('valid bodies: 201 with a run of the deployment in the state proposed (SCHEDULED by default); its idempotency key again: the same run', async () => {
    await check(
      'create_flow_run valid',
      fc.asyncProperty(batches(fc.constant(null).chain(cases)), async (batch) => {
        const bodies = batch.map((k) => {
          const b: Body = { ...(k.body as Body) };
          if (typeof b.idempotency_key === 'string') b.idempotency_key = `${b.idempotency_key}-${nonce()}`;
          return b;
        });
        const responses = await Promise.all(bodies.map((b) => post(`/deployments/${fx.deploymentIds[0]}/create_flow_run`, b)));
        for (const [i, res] of responses.entries()) {
          const b = bodies[i]!;
          const what = `POST /deployments/{id}/create_flow_run ${JSON.stringify(b)}`;
          try {
            expectSuccess(res, what);
            expectThat(res.status === 201, `status ${res.status}`);
            const run = conform(FlowRun, res.body, 'flow run');
            expectThat(run.deployment_id === fx.deploymentIds[0] && run.flow_id === fx.flowIds[0], 'another deployment or flow');
            const proposed = (b.state as { type?: string } | null | undefined)?.type ?? 'SCHEDULED';
            expectThat(run.state_type === proposed && run.state?.type === proposed, `created in ${run.state_type}, proposed ${proposed}`);
            expectThat(run.state?.state_details.flow_run_id === run.id, 'state of another run');
            for (const t of (b.tags as string[] | null | undefined) ?? []) expectThat(run.tags.includes(t), `tag ${t} missing`);
            for (const [k, x] of Object.entries((b.parameters as Body | null | undefined) ?? {})) expectThat(jsonEqual(run.parameters[k], x), `parameter ${k}`);
            if (typeof b.name === 'string' && b.name !== '') expectThat(run.name === b.name, `name ${run.name}`);
            expectThat(run.idempotency_key === (b.idempotency_key ?? null), `idempotency_key ${run.idempotency_key}`);
            expectThat(run.parent_task_run_id === (b.parent_task_run_id ? canonicalUuid(b.parent_task_run_id as string) : null), 'parent_task_run_id');
            expectThat(run.work_pool_name === fx.poolName && run.work_queue_name === ((b.work_queue_name as string | null | undefined) || 'default'), `queue ${run.work_pool_name}/${run.work_queue_name}`);
            expectThat(run.labels['prefect.deployment.id'] === fx.deploymentIds[0] || 'prefect.deployment.id' in ((b.labels as Body | null) ?? {}), 'no deployment label');
            const byId = await get(`/flow_runs/${run.id}`);
            expectThat(byId.status === 200 && byId.body.state_id === run.state_id && byId.body.name === run.name, `GET: ${JSON.stringify(byId.body)}`);
            if (batch[i]!.again && b.idempotency_key != null) {
              const again = await post(`/deployments/${fx.deploymentIds[0]}/create_flow_run`, { idempotency_key: b.idempotency_key });
              expectThat(again.status === 201 && again.body.id === run.id && again.body.state_id === run.state_id, `again: ${again.status} ${JSON.stringify(again.body)?.slice(0, 200)}`);
            }
          } catch (e) {
            throw new Error(`${what}: ${(e as Error).message}`);
          }
        }
      }),
      0.5,
      BATCH,
    );
  }, timeoutFor(0.5));

  it('one fault: a 422 at the fault, and no run created', () =>
    faultyBodiesRejected({
      name: 'POST /deployments/{id}/create_flow_run',
      send: (b) => post(`/deployments/${fx.deploymentIds[0]}/create_flow_run`, b),
      shape: item(),
      expectOk: () => {},
      rowCount: countRows('flow_run'),
    }),
  timeoutFor());

  it('an unknown deployment: 404 "Deployment not found"; a queue not in its pool: 400; nothing written', async () => {
    await check(
      'create_flow_run unknown',
      fc.asyncProperty(batches(fc.tuple(fc.boolean(), fc.uuid().chain((u) => fc.constantFrom(u, u.replace(/-/g, ''), u.toUpperCase())))), async (cases) => {
        const before = await countRows('flow_run')();
        const responses = await Promise.all(
          cases.map(([unknownDeployment, id]) =>
            unknownDeployment
              ? post(`/deployments/${id}/create_flow_run`, {})
              : post(`/deployments/${fx.deploymentIds[0]}/create_flow_run`, { work_queue_name: `missing-${id}` }),
          ),
        );
        responses.forEach((res, i) => {
          const [unknownDeployment, id] = cases[i]!;
          if (unknownDeployment) expectDetail(res, 404, `create_flow_run of ${id}`, 'Deployment not found');
          else expectDetail(res, 400, `create_flow_run in queue missing-${id}`, `Work queue "missing-${id}" not found.`);
        });
        expectThat((await countRows('flow_run')()) === before, 'a rejected create wrote a run');
      }),
      0.25,
      BATCH,
    );
  }, timeoutFor(0.25));
});

// ---------------------------------------------------------------------------------------------
// Bulk deletes: last, since a broken one could remove the fixtures. Every valid request is
// restricted to rows its case owns.

describe('POST /flows/bulk_delete', () => {
  it('valid bodies: 200, deletes only matching flows (and their deployments), within limit', async () => {
    await check(
      'POST /flows/bulk_delete valid',
      fc.asyncProperty(batches(valid(FlowBulkDelete)), async (bodies) => {
        const fresh = await freshFlows(2 * bodies.length);
        // Each case's first flow has a deployment, which goes with it.
        const deps = await insertIds(sql`
          INSERT INTO deployment (name, flow_id) SELECT 'bulk-' || f, f FROM unnest(${`{${fresh.filter((_, k) => k % 2 === 0).join(',')}}`}::uuid[]) f RETURNING id`);
        const owned = bodies.map((_, i) => fresh.slice(2 * i, 2 * i + 2));
        const sent = bodies.map((b, i): Body => ({ ...(b as Body), flows: restrictedTo(owned[i]!, (b as Body | null)?.flows) }));
        const responses = await Promise.all(sent.map((b) => post('/flows/bulk_delete', b)));
        const remaining = await withDb(async (db) => {
          const flows = await db.execute(sql`SELECT id FROM flow WHERE id = ANY(${`{${fresh.join(',')}}`}::uuid[])`);
          const left = await db.execute(sql`SELECT flow_id AS id FROM deployment WHERE id = ANY(${`{${deps.join(',')}}`}::uuid[])`);
          return { flows: new Set((flows.rows as { id: string }[]).map((r) => r.id)), withDeployment: new Set((left.rows as { id: string }[]).map((r) => r.id)) };
        });
        responses.forEach((res, i) => {
          const what = `POST /flows/bulk_delete ${JSON.stringify(sent[i])}`;
          expectSuccess(res, what);
          const { deleted } = conform(BulkDeleteResult, res.body, what);
          const limit = laxInt(sent[i]!.limit ?? 50);
          expectThat(deleted.length <= limit && deleted.every((id) => owned[i]!.includes(id)), `${what}: deleted ${JSON.stringify(deleted)}`);
          for (const id of owned[i]!) {
            expectThat(deleted.includes(id) !== remaining.flows.has(id), `${what}: ${id} deleted=${deleted.includes(id)}, still there=${remaining.flows.has(id)}`);
            if (deleted.includes(id)) expectThat(!remaining.withDeployment.has(id), `${what}: the deployment of ${id} is still there`);
          }
        });
      }),
      0.5,
      BATCH,
    );
  }, timeoutFor(0.5));

  it('one fault: a 422 at the fault, and no flow deleted', () =>
    faultyBodiesRejected({ name: 'POST /flows/bulk_delete', send: (b) => post('/flows/bulk_delete', b), shape: FlowBulkDelete, expectOk: () => {}, rowCount: countRows('flow') }),
  timeoutFor());
});

describe('POST /deployments/bulk_delete', () => {
  it('valid bodies: 200, deletes only matching deployments (their never-run scheduled runs and limits too), within limit', async () => {
    await check(
      'POST /deployments/bulk_delete valid',
      fc.asyncProperty(batches(valid(DeploymentBulkDelete)), async (bodies) => {
        const fresh = await freshDeployments(2 * bodies.length);
        const list = `{${fresh.join(',')}}`;
        await withDb(async (db) => {
          await db.execute(sql`
            INSERT INTO flow_run (flow_id, name, deployment_id, state_type, state_name)
            SELECT ${fx.flowIds[1]}, 'bulk-scheduled', d, 'SCHEDULED', 'Scheduled' FROM unnest(${list}::uuid[]) d`);
          await db.execute(sql`
            WITH l AS (INSERT INTO concurrency_limit_v2 (name, "limit") SELECT 'deployment:' || d, 3 FROM unnest(${list}::uuid[]) d RETURNING id, name)
            UPDATE deployment SET concurrency_limit_id = l.id, concurrency_limit = 3 FROM l WHERE l.name = 'deployment:' || deployment.id`);
        });
        const owned = bodies.map((_, i) => fresh.slice(2 * i, 2 * i + 2));
        const sent = bodies.map((b, i): Body => ({ ...(b as Body), deployments: restrictedTo(owned[i]!, (b as Body | null)?.deployments) }));
        const responses = await Promise.all(sent.map((b) => post('/deployments/bulk_delete', b)));
        const remaining = await withDb(async (db) => {
          const q = async (query: ReturnType<typeof sql>) => new Set(((await db.execute(query)).rows as { id: string }[]).map((r) => r.id));
          return {
            deployments: await q(sql`SELECT id FROM deployment WHERE id = ANY(${list}::uuid[])`),
            runs: await q(sql`SELECT deployment_id AS id FROM flow_run WHERE deployment_id = ANY(${list}::uuid[])`),
            limits: await q(sql`SELECT substr(name, 12)::uuid AS id FROM concurrency_limit_v2 WHERE name = ANY(SELECT 'deployment:' || d FROM unnest(${list}::uuid[]) d)`),
          };
        });
        responses.forEach((res, i) => {
          const what = `POST /deployments/bulk_delete ${JSON.stringify(sent[i])}`;
          expectSuccess(res, what);
          const { deleted } = conform(BulkDeleteResult, res.body, what);
          const limit = laxInt(sent[i]!.limit ?? 50);
          expectThat(deleted.length <= limit && deleted.every((id) => owned[i]!.includes(id)), `${what}: deleted ${JSON.stringify(deleted)}`);
          for (const id of owned[i]!) {
            const gone = deleted.includes(id);
            expectThat(gone !== remaining.deployments.has(id), `${what}: ${id} deleted=${gone}, still there=${remaining.deployments.has(id)}`);
            expectThat(gone !== remaining.runs.has(id), `${what}: ${id} deleted=${gone}, its scheduled run there=${remaining.runs.has(id)}`);
            expectThat(gone !== remaining.limits.has(id), `${what}: ${id} deleted=${gone}, its limit there=${remaining.limits.has(id)}`);
          }
        });
      }),
      0.5,
      BATCH,
    );
  }, timeoutFor(0.5));

  it('one fault: a 422 at the fault, and no deployment deleted', () =>
    faultyBodiesRejected({
      name: 'POST /deployments/bulk_delete',
      send: (b) => post('/deployments/bulk_delete', b),
      shape: DeploymentBulkDelete,
      expectOk: () => {},
      rowCount: countRows('deployment'),
    }),
  timeoutFor());
});
