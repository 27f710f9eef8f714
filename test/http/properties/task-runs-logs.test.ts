/**
 * Properties of the task-run writes (create, PATCH, set_state, DELETE), the flow-run field updates
 * (PATCH /flow_runs/{id} and its labels), a run's state history, and logs (POST /logs/ and
 * /logs/filter). Valid bodies get a 2xx and Prefect's objects, and a later read shows what was
 * written; a body with one fault gets a 422 at the fault and writes nothing; ids in any accepted
 * spelling reach their row, unknown ids get Prefect's 404, malformed ones no route.
 */
import { beforeAll, describe, it } from 'vitest';
import fc from 'fast-check';
import * as v from 'valibot';
import { sql } from 'drizzle-orm';
import { get, patch, post, withDb, type ApiResponse } from '../helpers';
import { batches, BATCH, check, timeoutFor } from './config';
import { expectDetail, expectSuccess, expectValidationAt } from './errors';
import { seedPropertyFixtures, type PropertyFixtures } from './fixtures';
import { faultyBodiesRejected, validBodiesSucceed } from './harness';
import { FlowRunPolicy, setStateBody, StateCreate } from './request-shapes';
import { conform, DETAILS_FOR_STATUS, FlowRun, Log, OrchestrationResult, State, TaskRun } from './response-schemas';
import { labels, uuid, uuidSpelling, valid } from './shapes';
import { flowRunUpdate, LogCreateList, LogFilterBody, taskRunCreate, TaskRunUpdate } from './write-shapes';
import {
  canonicalUuid,
  countRows,
  freshLike,
  existingBodyId,
  expectThat,
  insertIds,
  jsonEqual,
  laxBool,
  laxInt,
  malformedId,
  pathRouteBehaves,
  sameJson,
  tableFingerprint,
  type PathRoute,
} from './write-support';

let fx: PropertyFixtures;
/** One task run in each fixture flow run (their runs are in every state), and a background one. */
let taskRunTargets: string[];
let stateIds: string[];

beforeAll(async () => {
  fx = await seedPropertyFixtures();
  taskRunTargets = [];
  for (const flowRunId of [...fx.runIds, null]) {
    const res = await post('/task_runs/', { task_key: 'target', dynamic_key: String(taskRunTargets.length), flow_run_id: flowRunId });
    if (res.status !== 201) throw new Error(`fixture task run: ${res.status} ${JSON.stringify(res.body)}`);
    taskRunTargets.push(res.body.id);
  }
  stateIds = await insertIds(sql`SELECT id FROM flow_run_state ORDER BY id`);
});

type Body = Record<string, unknown>;
const SLUG = /^[a-z]+-[a-z]+$/;
/** Computed at response time (§1.12): two reads may differ there. */
const COMPUTED = ['estimated_run_time', 'estimated_start_time_delta'];
const withoutComputed = (o: unknown) => Object.fromEntries(Object.entries(o as Body).filter(([k]) => !COMPUTED.includes(k)));

const freshTaskRuns = (n: number) =>
  insertIds(sql`INSERT INTO task_run (name, task_key, dynamic_key) SELECT 'prop-task', 'fresh-' || gen_random_uuid(), '0' FROM generate_series(1, ${n}) RETURNING id`);

/** Runs whose job variables may change: SCHEDULED, of an existing deployment. */
const freshRuns = (n: number, stateType: string | null = 'SCHEDULED') =>
  insertIds(sql`
    INSERT INTO flow_run (flow_id, name, state_type, state_name, deployment_id, labels)
    SELECT ${fx.flowIds[0]}, 'prop-run', ${stateType}::state_type, ${stateType === null ? null : 'x'}, ${fx.deploymentIds[0]}, '{"a": 1}'
    FROM generate_series(1, ${n}) RETURNING id`);

// ---------------------------------------------------------------------------------------------
// Task runs

describe('POST /task_runs/', () => {
  const shape = () => taskRunCreate({ flowRunId: uuid(existingBodyId(() => fx.runIds)), state: StateCreate });
  const cases = () => fc.record({ body: valid(shape()), again: fc.boolean() });

  it('valid bodies: 201 with the task run as read back (200 with the existing one for known keys); the same keys again: 200, same id', async () => {
    await check(
      'POST /task_runs/ valid',
      fc.asyncProperty(batches(fc.constant(null).chain(cases)), async (batch) => {
        // Given ids are made unique when sent (shrinking would make generated ones equal).
        const sent = batch.map((k) => {
          const b = { ...(k.body as Body) };
          if (typeof b.id === 'string') b.id = freshLike(b.id);
          return b;
        });
        const responses = await Promise.all(sent.map((b) => post('/task_runs/', b)));
        for (const [i, res] of responses.entries()) {
          const b = sent[i]!;
          const what = `POST /task_runs/ ${JSON.stringify(b)}`;
          try {
            expectSuccess(res, what);
            expectThat(res.status === 201 || res.status === 200, `status ${res.status}`);
            const run = conform(TaskRun, res.body, 'task run');
            const flowRunId = b.flow_run_id ? canonicalUuid(b.flow_run_id as string) : null;
            expectThat(run.task_key === b.task_key && run.dynamic_key === b.dynamic_key && run.flow_run_id === flowRunId, 'another task run');
            if (res.status === 201) {
              if (b.id) expectThat(run.id === canonicalUuid(b.id as string), `id ${run.id}`);
              if (typeof b.name === 'string' && b.name !== '') expectThat(run.name === b.name, `name ${run.name}`);
              else expectThat(SLUG.test(run.name), `name ${run.name}`);
              const proposed = (b.state as { type?: string } | null | undefined)?.type ?? 'PENDING';
              expectThat(run.state_type === proposed && run.state?.type === proposed && run.state_id === run.state.id, `created in ${run.state_type}, proposed ${proposed}`);
              expectThat(run.state?.state_details.task_run_id === run.id && run.state.state_details.flow_run_id === flowRunId, 'state details of another run');
              expectThat(sameJson(run.tags, b.tags ?? []), `tags ${JSON.stringify(run.tags)}`);
              expectThat(jsonEqual(run.task_inputs, b.task_inputs ?? {}), `task_inputs ${JSON.stringify(run.task_inputs)}`);
              expectThat(run.cache_key === (b.cache_key ?? null) && run.task_version === (b.task_version ?? null), 'cache_key / task_version');
              const userLabels = (b.labels as Body | null | undefined) ?? {};
              for (const [k, x] of Object.entries(userLabels)) expectThat(jsonEqual(run.labels?.[k], x), `label ${k}`);
              if (flowRunId && !('prefect.flow-run.id' in userLabels)) expectThat(run.labels?.['prefect.flow-run.id'] === flowRunId, 'no prefect.flow-run.id label');
              const policy = (b.empirical_policy as Body | undefined) ?? {};
              expectThat(run.empirical_policy.max_retries === laxInt(policy.max_retries ?? 0), `empirical_policy ${JSON.stringify(run.empirical_policy)}`);
            }
            const read = await get(`/task_runs/${run.id}`);
            expectThat(read.status === 200 && jsonEqual(withoutComputed(read.body), withoutComputed(res.body)), `GET differs: ${JSON.stringify(read.body)}`);
            if (batch[i]!.again) {
              const again = await post('/task_runs/', { task_key: b.task_key, dynamic_key: b.dynamic_key, flow_run_id: b.flow_run_id ?? null, state: { type: 'RUNNING' } });
              expectThat(again.status === 200 && again.body.id === run.id && again.body.state_id === run.state_id, `again: ${again.status} ${JSON.stringify(again.body)?.slice(0, 200)}`);
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

  it('one fault: a 422 at the fault, and no task run created', () =>
    faultyBodiesRejected({ name: 'POST /task_runs/', send: (b) => post('/task_runs/', b), shape: shape(), expectOk: () => {}, rowCount: countRows('task_run') }),
  timeoutFor());

  it('an unknown flow run: 409, and nothing written', async () => {
    await check(
      'POST /task_runs/ unknown flow run',
      fc.asyncProperty(batches(fc.tuple(fc.constant(null).chain(() => valid(shape())), fc.uuid().chain(uuidSpelling))), async (cases) => {
        const before = await countRows('task_run')();
        const responses = await Promise.all(cases.map(([b, id]) => post('/task_runs/', { ...(b as Body), flow_run_id: id })));
        responses.forEach((res, i) => expectDetail(res, 409, `POST /task_runs/ with flow run ${cases[i]![1]}`, /^Data integrity conflict/));
        expectThat((await countRows('task_run')()) === before, 'a rejected create wrote a task run');
      }),
      0.25,
      BATCH,
    );
  }, timeoutFor(0.25));
});

describe('PATCH /task_runs/{id}', () => {
  it('valid bodies: 204, and the name read back is the one sent (a fresh slug for none)', async () => {
    await check(
      'PATCH /task_runs/{id} valid',
      fc.asyncProperty(batches(valid(TaskRunUpdate)), async (bodies) => {
        const ids = await freshTaskRuns(bodies.length);
        const responses = await Promise.all(bodies.map((b, i) => patch(`/task_runs/${ids[i]}`, b)));
        const after = await Promise.all(ids.map((id) => get(`/task_runs/${id}`)));
        responses.forEach((res, i) => {
          const b = bodies[i] as Body;
          const what = `PATCH /task_runs/{id} ${JSON.stringify(b)}`;
          expectSuccess(res, what);
          expectThat(res.status === 204, `${what}: status ${res.status}`);
          const name = conform(TaskRun, after[i]!.body, what).name;
          const expected = !('name' in b) ? name === 'prop-task' : typeof b.name === 'string' && b.name !== '' ? name === b.name : SLUG.test(name);
          expectThat(expected, `${what}: name read back ${JSON.stringify(name)}`);
        });
      }),
      0.5,
      BATCH,
    );
  }, timeoutFor(0.5));

  it('one fault: a 422 at the fault, and no task run changed', () =>
    faultyBodiesRejected({
      name: 'PATCH /task_runs/{id}',
      send: (b) => patch(`/task_runs/${taskRunTargets[0]}`, b),
      shape: TaskRunUpdate,
      expectOk: () => {},
      rowCount: tableFingerprint('task_run'),
    }),
  timeoutFor());
});

describe('POST /task_runs/{id}/set_state', () => {
  it('valid bodies: 200/201 with a consistent orchestration result; the run ends in a state written by the batch', async () => {
    const arb = fc.record({ target: fc.nat(100), body: valid(setStateBody) });
    await check(
      'POST /task_runs/{id}/set_state valid',
      fc.asyncProperty(batches(arb), async (cases) => {
        const targets = cases.map((k) => taskRunTargets[k.target % taskRunTargets.length]!);
        const responses = await Promise.all(cases.map((k, i) => post(`/task_runs/${targets[i]}/set_state`, k.body)));
        const written = new Map<string, string[]>();
        responses.forEach((res, i) => {
          const what = `POST /task_runs/${targets[i]}/set_state ${JSON.stringify(cases[i]!.body)}`;
          expectSuccess(res, what);
          const result = conform(OrchestrationResult, res.body, what);
          expectThat(result.status !== 'WAIT' && DETAILS_FOR_STATUS[result.status].includes(result.details.type), `${what}: ${result.status} with ${result.details.type}`);
          // 201 exactly when a state was written: always on ACCEPT, on REJECT only with a replacement.
          const wrote = res.status === 201;
          expectThat(wrote ? result.status === 'ACCEPT' || result.status === 'REJECT' : result.status !== 'ACCEPT', `${what}: ${res.status} for ${result.status}`);
          if (result.status === 'ACCEPT') {
            expectThat(result.state?.state_details.task_run_id === targets[i], `${what}: accepted a state of another task run`);
          }
          if (res.status === 201) written.set(targets[i]!, [...(written.get(targets[i]!) ?? []), result.state!.id]);
        });
        for (const [id, states] of written) {
          const run = conform(TaskRun, (await get(`/task_runs/${id}`)).body, 'task run');
          expectThat(states.includes(run.state_id!), `task run ${id} is in ${run.state_id}, not one of ${JSON.stringify(states)}`);
        }
      }),
      0.5,
      BATCH,
    );
  }, timeoutFor(0.5));

  it('one fault: a 422 at the fault, and no state written', () =>
    faultyBodiesRejected({
      name: 'POST /task_runs/{id}/set_state',
      send: (b) => post(`/task_runs/${taskRunTargets[2]}/set_state`, b),
      shape: setStateBody,
      expectOk: () => {},
      rowCount: countRows('task_run_state'),
    }),
  timeoutFor());
});

// ---------------------------------------------------------------------------------------------
// Flow-run updates

describe('PATCH /flow_runs/{id}', () => {
  const shape = flowRunUpdate(FlowRunPolicy);

  it('valid bodies: 204, and a read shows the fields sent', async () => {
    await check(
      'PATCH /flow_runs/{id} valid',
      fc.asyncProperty(batches(valid(shape)), async (bodies) => {
        const ids = await freshRuns(bodies.length);
        const responses = await Promise.all(bodies.map((b, i) => patch(`/flow_runs/${ids[i]}`, b)));
        const after = await Promise.all(ids.map((id) => get(`/flow_runs/${id}`)));
        responses.forEach((res, i) => {
          const b = bodies[i] as Body;
          const what = `PATCH /flow_runs/{id} ${JSON.stringify(b)}`;
          expectSuccess(res, what);
          expectThat(res.status === 204, `${what}: status ${res.status}`);
          const run = conform(FlowRun, after[i]!.body, `${what}: GET`);
          const fails: string[] = [];
          if ('name' in b) {
            const ok = typeof b.name === 'string' && b.name !== '' ? run.name === b.name : SLUG.test(run.name);
            if (!ok) fails.push(`name ${run.name}`);
          } else if (run.name !== 'prop-run') fails.push(`name ${run.name}`);
          if ('flow_version' in b && run.flow_version !== (b.flow_version ?? null)) fails.push(`flow_version ${run.flow_version}`);
          if ('infrastructure_pid' in b && run.infrastructure_pid !== (b.infrastructure_pid ?? null)) fails.push(`infrastructure_pid ${run.infrastructure_pid}`);
          if (b.parameters !== undefined && !jsonEqual(run.parameters, b.parameters)) fails.push(`parameters ${JSON.stringify(run.parameters)}`);
          if (b.tags !== undefined && !sameJson(run.tags, b.tags)) fails.push(`tags ${JSON.stringify(run.tags)}`);
          if ('job_variables' in b && !jsonEqual(run.job_variables, b.job_variables ?? null)) fails.push(`job_variables ${JSON.stringify(run.job_variables)}`);
          const p = b.empirical_policy as Body | undefined;
          if (p) {
            const policy = run.empirical_policy;
            if (policy.max_retries !== (p.max_retries == null ? 0 : laxInt(p.max_retries))) fails.push(`max_retries ${policy.max_retries}`);
            if (policy.retry_type !== (p.retry_type ?? null)) fails.push(`retry_type ${policy.retry_type}`);
            if (policy.resuming !== (p.resuming == null ? false : laxBool(p.resuming))) fails.push(`resuming ${policy.resuming}`);
            const keys = [...new Set((p.pause_keys as string[] | null | undefined) ?? [])];
            if (!sameJson([...policy.pause_keys].sort(), keys.sort())) fails.push(`pause_keys ${JSON.stringify(policy.pause_keys)}`);
          }
          expectThat(fails.length === 0, `${what}: read back ${fails.join('; ')}`);
        });
      }),
      0.5,
      BATCH,
    );
  }, timeoutFor(0.5));

  it('one fault: a 422 at the fault, and no run changed', () =>
    faultyBodiesRejected({
      name: 'PATCH /flow_runs/{id}',
      send: (b) => patch(`/flow_runs/${fx.runIds[0]}`, b),
      shape,
      expectOk: () => {},
      rowCount: tableFingerprint('flow_run'),
    }),
  timeoutFor());

  it('job variables of a run that is not SCHEDULED, or has no state: 400, and nothing changed', async () => {
    await check(
      'PATCH /flow_runs/{id} job_variables',
      fc.asyncProperty(batches(fc.tuple(valid(shape), fc.constantFrom('RUNNING', 'PENDING', 'COMPLETED', null))), async (cases) => {
        const ids = await Promise.all(cases.map(([, state]) => freshRuns(1, state).then((r) => r[0]!)));
        const before = await tableFingerprint('flow_run')();
        const responses = await Promise.all(cases.map(([b], i) => patch(`/flow_runs/${ids[i]}`, { ...(b as Body), job_variables: { image: 'x' } })));
        responses.forEach((res, i) => {
          const state = cases[i]![1];
          const detail = state === null ? 'Flow run state is required to update job variables but none exists' : `Job variables for a flow run in state ${state} cannot be updated`;
          expectDetail(res, 400, `PATCH job_variables of a ${state} run`, detail);
        });
        expectThat((await tableFingerprint('flow_run')()) === before, 'a rejected PATCH changed a run');
      }),
      0.25,
      BATCH,
    );
  }, timeoutFor(0.25));
});

describe('PATCH /flow_runs/{id}/labels', () => {
  it('valid bodies: 204, and the labels sent are merged over the run’s', async () => {
    await check(
      'PATCH /flow_runs/{id}/labels valid',
      fc.asyncProperty(batches(valid(labels())), async (bodies) => {
        const ids = await freshRuns(bodies.length);
        const responses = await Promise.all(bodies.map((b, i) => patch(`/flow_runs/${ids[i]}/labels`, b)));
        const after = await Promise.all(ids.map((id) => get(`/flow_runs/${id}`)));
        responses.forEach((res, i) => {
          const b = bodies[i] as Body;
          const what = `PATCH /flow_runs/{id}/labels ${JSON.stringify(b)}`;
          expectSuccess(res, what);
          expectThat(res.status === 204, `${what}: status ${res.status}`);
          const read = conform(FlowRun, after[i]!.body, what).labels;
          expectThat(jsonEqual(read, { a: 1, ...b }), `${what}: labels read back ${JSON.stringify(read)}`);
        });
      }),
      0.5,
      BATCH,
    );
  }, timeoutFor(0.5));

  it('one fault: a 422 at the fault, and no run changed', () =>
    faultyBodiesRejected({
      name: 'PATCH /flow_runs/{id}/labels',
      send: (b) => patch(`/flow_runs/${fx.runIds[0]}/labels`, b),
      shape: labels(),
      expectOk: () => {},
      rowCount: tableFingerprint('flow_run'),
    }),
  timeoutFor());
});

describe('concurrent writes of one flow run', () => {
  const op = () =>
    fc.oneof(
      valid(setStateBody).map((body) => ({ kind: 'set_state' as const, body })),
      valid(flowRunUpdate(FlowRunPolicy)).map((body) => ({ kind: 'patch' as const, body: { ...(body as Body), job_variables: undefined } })),
      valid(labels()).map((body) => ({ kind: 'labels' as const, body })),
      fc.constant(null).chain(() => valid(taskRunCreate({ flowRunId: uuid(fc.constant('')), state: StateCreate }))).map((body) => ({ kind: 'task_run' as const, body })),
      valid(LogCreateList).map((body) => ({ kind: 'logs' as const, body })),
    );

  it('state changes, PATCHes, labels, task runs and logs of one run at once: each 2xx, never a 5xx or integrity 409', async () => {
    await check(
      'concurrent flow-run writes',
      fc.asyncProperty(batches(op()), async (ops) => {
        const [run] = await freshRuns(1);
        const responses = await Promise.all(
          ops.map((o) => {
            if (o.kind === 'set_state') return post(`/flow_runs/${run}/set_state`, o.body);
            if (o.kind === 'patch') return patch(`/flow_runs/${run}`, o.body);
            if (o.kind === 'labels') return patch(`/flow_runs/${run}/labels`, o.body);
            if (o.kind === 'task_run') return post('/task_runs/', { ...(o.body as Body), id: null, flow_run_id: run });
            return post('/logs/', (o.body as Body[]).map((l) => ({ ...l, flow_run_id: run })));
          }),
        );
        responses.forEach((res, i) => expectSuccess(res, `concurrent ${ops[i]!.kind} ${JSON.stringify(ops[i]!.body)?.slice(0, 300)}`));
        conform(FlowRun, (await get(`/flow_runs/${run}`)).body, 'the run after concurrent writes');
      }),
      0.25,
      BATCH,
    );
  }, timeoutFor(0.25));
});

// ---------------------------------------------------------------------------------------------
// Path routes

const fixtureIds = (ids: () => string[]) => async (n: number) => Array.from({ length: n }, (_, i) => ids()[i % ids().length]!);

const PATH_ROUTES: PathRoute[] = [
  {
    name: 'GET /task_runs/{id}',
    method: 'GET',
    path: (id) => `/task_runs/${id}`,
    fresh: fixtureIds(() => taskRunTargets),
    expectFound: (res, id) => expectThat(conform(TaskRun, res.body, 'task run').id === id, 'another task run'),
    notFound: { detail: 'Task not found' },
  },
  {
    name: 'PATCH /task_runs/{id}',
    method: 'PATCH',
    path: (id) => `/task_runs/${id}`,
    body: { name: 'renamed' },
    fresh: freshTaskRuns,
    expectFound: (res) => expectThat(res.status === 204, `status ${res.status}`),
    notFound: { detail: 'Task run not found' },
  },
  {
    name: 'DELETE /task_runs/{id}',
    method: 'DELETE',
    path: (id) => `/task_runs/${id}`,
    fresh: freshTaskRuns,
    expectFound: async (res, id) => {
      expectThat(res.status === 204, `status ${res.status}`);
      expectDetail(await get(`/task_runs/${id}`), 404, 'GET after DELETE', 'Task not found');
    },
    notFound: { detail: 'Task not found' },
  },
  {
    name: 'POST /task_runs/{id}/set_state',
    method: 'POST',
    path: (id) => `/task_runs/${id}/set_state`,
    body: { state: { type: 'PENDING' }, force: true },
    fresh: freshTaskRuns,
    expectFound: (res, id) => {
      expectThat(res.status === 201, `status ${res.status}`);
      expectThat(conform(OrchestrationResult, res.body, 'result').state?.state_details.task_run_id === id, 'a state of another task run');
    },
    notFound: { exception_message: (id) => `Task run with id ${id} not found` },
  },
  {
    name: 'GET /flow_runs/{id}',
    method: 'GET',
    path: (id) => `/flow_runs/${id}`,
    fresh: fixtureIds(() => fx.runIds),
    expectFound: (res, id) => expectThat(conform(FlowRun, res.body, 'flow run').id === id, 'another flow run'),
    notFound: { detail: 'Flow run not found' },
  },
  {
    name: 'PATCH /flow_runs/{id}',
    method: 'PATCH',
    path: (id) => `/flow_runs/${id}`,
    body: { tags: ['patched'] },
    fresh: (n) => freshRuns(n),
    expectFound: async (res, id) => {
      expectThat(res.status === 204, `status ${res.status}`);
      expectThat(sameJson((await get(`/flow_runs/${id}`)).body.tags, ['patched']), 'tags not written');
    },
    notFound: { detail: 'Flow run not found' },
  },
  {
    name: 'PATCH /flow_runs/{id}/labels',
    method: 'PATCH',
    path: (id) => `/flow_runs/${id}/labels`,
    body: { b: 2 },
    fresh: (n) => freshRuns(n),
    expectFound: (res) => expectThat(res.status === 204, `status ${res.status}`),
    notFound: { exception_message: (id) => `Flow run with id ${id} not found` },
  },
  {
    name: 'GET /flow_run_states/{id}',
    method: 'GET',
    path: (id) => `/flow_run_states/${id}`,
    fresh: fixtureIds(() => stateIds),
    expectFound: (res, id) => expectThat(conform(State, res.body, 'state').id === id, 'another state'),
    notFound: { detail: 'Flow run state not found' },
  },
];

describe.each(PATH_ROUTES)('$name', (route) => {
  it('an existing row in any accepted spelling: 2xx; an unknown id: 404; a malformed one: no route (404)', () => pathRouteBehaves(route), timeoutFor(0.5));
});

describe('GET /flow_run_states/?flow_run_id=', () => {
  it('a run in any spelling: its states, oldest first; an unknown run: []; a malformed or missing id: 422 at the query parameter', async () => {
    const arb = fc.oneof(
      { weight: 3, arbitrary: fc.constant(null).chain(() => fc.constantFrom(...fx.runIds)).chain((id) => uuidSpelling(id).map((s) => ({ kind: 'own' as const, id, s }))) },
      { weight: 1, arbitrary: fc.uuid().map((s) => ({ kind: 'unknown' as const, id: s, s })) },
      { weight: 1, arbitrary: malformedId().filter((s) => !/^[{u]/.test(s)).map((s) => ({ kind: 'malformed' as const, id: s, s })) },
      { weight: 1, arbitrary: fc.constant({ kind: 'missing' as const, id: '', s: '' }) },
    );
    await check(
      'GET /flow_run_states/',
      fc.asyncProperty(batches(arb), async (cases) => {
        const responses = await Promise.all(cases.map((k) => get(k.kind === 'missing' ? '/flow_run_states/' : `/flow_run_states/?flow_run_id=${encodeURIComponent(k.s)}`)));
        for (const [i, res] of responses.entries()) {
          const k = cases[i]!;
          const what = `GET /flow_run_states/?flow_run_id=${k.s}`;
          if (k.kind === 'malformed' || k.kind === 'missing') {
            expectValidationAt(res, ['query', 'flow_run_id'], k.kind === 'missing' ? ['missing'] : ['uuid_parsing'], what);
            continue;
          }
          expectSuccess(res, what);
          const states = conform(v.array(State), res.body, what);
          if (k.kind === 'unknown') {
            expectThat(states.length === 0, `${what}: states of an unknown run`);
            continue;
          }
          const n = Number((await withDb((db) => db.execute(sql`SELECT count(*)::int AS n FROM flow_run_state WHERE flow_run_id = ${k.id}`))).rows[0]?.n);
          expectThat(states.length === n && n > 0, `${what}: ${states.length} of ${n} states`);
          expectThat(states.every((s) => s.state_details.flow_run_id === k.id), `${what}: a state of another run`);
          const times = states.map((s) => (s.timestamp.includes('.') ? s.timestamp : s.timestamp.replace('Z', '.000000Z')));
          expectThat(sameJson(times, [...times].sort()), `${what}: not oldest first`);
        }
      }),
      0.5,
      BATCH,
    );
  }, timeoutFor(0.5));
});

// ---------------------------------------------------------------------------------------------
// Logs

describe('POST /logs/', () => {
  it('valid bodies: 201 null; every line is stored once, and a run’s lines read back as sent', async () => {
    const arb = fc.record({ body: valid(LogCreateList), tagged: fc.boolean() });
    await check(
      'POST /logs/ valid',
      fc.asyncProperty(batches(arb), async (cases) => {
        // Some cases tag their lines with a run of their own (unique: not generated), to read them back.
        const runs = cases.map((k) => (k.tagged ? crypto.randomUUID() : null));
        const bodies = cases.map((k, i) => (runs[i] ? (k.body as Body[]).map((l) => ({ ...l, flow_run_id: runs[i]!.toUpperCase() })) : (k.body as Body[])));
        const before = await countRows('log')();
        const responses = await Promise.all(bodies.map((b) => post('/logs/', b)));
        responses.forEach((res, i) => {
          const what = `POST /logs/ ${JSON.stringify(bodies[i])}`;
          expectSuccess(res, what);
          expectThat(res.status === 201 && res.body === null, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
        });
        const after = await countRows('log')();
        const sent = bodies.reduce((n, b) => n + b.length, 0);
        expectThat(after - before === sent, `${sent} lines sent, ${after - before} stored`);
        for (const [i, run] of runs.entries()) {
          if (!run) continue;
          const read = await post('/logs/filter', { logs: { flow_run_id: { any_: [run] } } });
          const rows = conform(v.array(Log), read.body, 'logs');
          const key = (l: { name: unknown; level: unknown; message: unknown }) => JSON.stringify([l.name, laxInt(l.level), l.message]);
          expectThat(
            sameJson(rows.map(key).sort(), bodies[i]!.map((l) => key(l as { name: unknown; level: unknown; message: unknown })).sort()),
            `the lines of run ${run} read back as ${JSON.stringify(rows)}, sent ${JSON.stringify(bodies[i])}`,
          );
          expectThat(rows.every((r) => r.flow_run_id === run), `lines of run ${run} name another run`);
        }
      }),
      0.5,
      BATCH,
    );
  }, timeoutFor(0.5));

  it('one fault: a 422 at the fault, and no line written', () =>
    faultyBodiesRejected({ name: 'POST /logs/', send: (b) => post('/logs/', b), shape: LogCreateList, expectOk: () => {}, rowCount: countRows('log') }),
  timeoutFor());
});

describe('POST /logs/filter', () => {
  const ordered = (res: ApiResponse, body: unknown) => {
    const rows = conform(v.array(Log), res.body, 'logs');
    const b = (body ?? {}) as Body;
    const limit = b.limit == null ? 200 : laxInt(b.limit);
    expectThat(rows.length <= limit, `${rows.length} rows for limit ${limit}`);
    const times = rows.map((r) => (r.timestamp.includes('.') ? r.timestamp : r.timestamp.replace('Z', '.000000Z')));
    const sorted = [...times].sort();
    expectThat(sameJson(times, b.sort === 'TIMESTAMP_DESC' ? sorted.reverse() : sorted), `not in ${String(b.sort ?? 'TIMESTAMP_ASC')} order`);
  };
  it('valid bodies: 200 and log lines in the order asked, within limit', () =>
    validBodiesSucceed({ name: 'POST /logs/filter', send: (b) => post('/logs/filter', b), shape: LogFilterBody, expectOk: ordered }),
  timeoutFor());
  it('one fault: a 422 at the fault, never a 5xx', () =>
    faultyBodiesRejected({ name: 'POST /logs/filter', send: (b) => post('/logs/filter', b), shape: LogFilterBody, expectOk: () => {} }),
  timeoutFor());
});
