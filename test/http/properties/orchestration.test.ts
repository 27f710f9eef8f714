/**
 * Properties of the flow-run write endpoints: POST /flow_runs/, set_state, resume, bulk_set_state,
 * bulk_delete, DELETE /flow_runs/{id}, create_flow_run/bulk and the lease renewal. Valid bodies (and
 * any API-version / User-Agent a Prefect client may send) get a 2xx and Prefect's result objects; a
 * body with one fault gets a 422 at the fault and writes nothing.
 */
import { beforeAll, describe, it } from 'vitest';
import fc from 'fast-check';
import * as v from 'valibot';
import { sql } from 'drizzle-orm';
import { call, post, withDb, type ApiResponse } from '../helpers';
import { batches, BATCH, check, timeoutFor } from './config';
import { expectDetail, expectSuccess } from './errors';
import { seedPropertyFixtures, type PropertyFixtures } from './fixtures';
import { expectFaultReported, faultyBodiesRejected, validBodiesSucceed, type EndpointUnderTest } from './harness';
import {
  bulkDeleteBody,
  bulkSetStateBody,
  deploymentFlowRunCreate,
  flowRunCreate,
  leaseRenewBody,
  resumeBody,
  setStateBody,
} from './request-shapes';
import {
  BulkDeleteResult,
  BulkSetStateResult,
  conform,
  DETAILS_FOR_STATUS,
  FlowRun,
  OrchestrationResult,
} from './response-schemas';
import { invalid, list, model, pathSpelling, string, uuid, uuidSpelling, valid, type Shape } from './shapes';

let fx: PropertyFixtures;
let leaseId: string;

beforeAll(async () => {
  fx = await seedPropertyFixtures();
  // A live lease to renew.
  leaseId = await withDb(async (db) => {
    const rows = await db.execute(sql`
      INSERT INTO concurrency_lease (resource_ids, expiration, metadata)
      VALUES (ARRAY[gen_random_uuid()], now() + interval '1 hour', '{"slots": 1}') RETURNING id`);
    return (rows.rows[0] as { id: string }).id;
  });
});

/** An id from the fixtures (known only once beforeAll ran), in any spelling a body accepts. */
const existing = (ids: () => string[]) => fc.constant(null).chain(() => fc.constantFrom(...ids())).chain(uuidSpelling);
/** The same, as a path segment. */
const existingPath = (ids: () => string[]) => fc.constant(null).chain(() => fc.constantFrom(...ids())).chain(pathSpelling);
const count = (table: string) => async () =>
  withDb(async (db) => Number((await db.execute(sql.raw(`SELECT count(*)::int AS n FROM ${table}`))).rows[0]?.n));

/** Headers a Prefect client may send: API versions from 0.8.0 and User-Agents that PEP 440 may not parse. */
const clientHeaders = fc.record(
  {
    'x-prefect-api-version': fc.constantFrom('0.8.0', '0.8.2', '0.8.3', '0.8.4', '0.9.0', '1.0.0'),
    'user-agent': fc.oneof(
      fc.constantFrom('prefect/3.4.11 (API 0.8.4)', 'prefect/3.0.0rc20 (API 2.19.3)', 'prefect/3.0.3 (API 0.8.4)', 'prefect/3.4.10 (API 0.8.4)', 'python-httpx/0.27'),
      fc
        .tuple(fc.nat(9), fc.nat(99), fc.nat(99), fc.stringMatching(/^[a-z.+0-9]{0,8}$/), fc.stringMatching(/^\S{1,6}$/))
        .map(([a, b, c, suffix, api]) => `prefect/${a}.${b}.${c}${suffix} (API ${api})`),
    ),
  },
  { requiredKeys: [] },
);

/** An orchestration result whose details belong to its status. */
function expectResult(res: ApiResponse, runId?: string) {
  const result = conform(OrchestrationResult, res.body, 'orchestration result');
  if (!DETAILS_FOR_STATUS[result.status].includes(result.details.type)) throw new Error(`${result.status} with ${result.details.type}`);
  // 201 exactly when a new state was written: ACCEPT, or REJECT with a replacement.
  if (res.status === 201 && !(result.status === 'ACCEPT' || result.status === 'REJECT')) throw new Error(`201 with ${result.status}`);
  if (result.status === 'WAIT' && res.status !== 200) throw new Error(`WAIT answered ${res.status}`);
  if (result.status === 'ACCEPT' && runId && result.state?.state_details.flow_run_id !== runId) {
    throw new Error(`accepted state names flow_run_id ${result.state?.state_details.flow_run_id}, not ${runId}`);
  }
  return result;
}

const runIdOf = (path: string) => /flow_runs\/([0-9a-f-]{36})/.exec(path)?.[1];
const canonicalUuid = (u: string) => {
  const h = u.replace(/-/g, '').toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

/** A state transition request: a run, a body, headers. */
function transitionProperty(name: string, pathOf: (id: string) => string, shape: Shape, statuses: number[]) {
  return async () => {
    const arb = fc.record({ run: existingPath(() => fx.runIds), body: valid(shape), headers: clientHeaders });
    await check(
      name,
      fc.asyncProperty(batches(arb), async (cases) => {
        const responses = await Promise.all(cases.map((k) => post(pathOf(k.run), k.body, k.headers)));
        responses.forEach((res, i) => {
          const k = cases[i]!;
          const what = `POST ${pathOf(k.run)} ${JSON.stringify(k.body)} ${JSON.stringify(k.headers)}`;
          expectSuccess(res, what);
          if (!statuses.includes(res.status)) throw new Error(`${what}: status ${res.status}`);
          try {
            expectResult(res, runIdOf(pathOf(canonicalUuid(k.run))));
          } catch (e) {
            throw new Error(`${what}: ${(e as Error).message}`);
          }
        });
      }),
      1,
      BATCH,
    );
  };
}

/** bulk_* bodies restricted to the given runs (an and_ filter with an id criterion). */
const restrictedTo = (ids: string[], filter: unknown) => {
  const f = { ...(filter as Record<string, unknown> | null) };
  delete f.operator;
  return { ...f, id: { any_: ids } };
};

describe('POST /flow_runs/{id}/set_state', () => {
  it('valid bodies and client headers: 200/201 with a consistent orchestration result', transitionProperty('set_state valid', (id) => `/flow_runs/${id}/set_state`, setStateBody, [200, 201]), timeoutFor());
  it('one fault: a 422 at the fault, and no state written', () =>
    faultyBodiesRejected({ name: 'POST /flow_runs/{id}/set_state', send: (b) => post(`/flow_runs/${fx.runIds[1]}/set_state`, b), shape: setStateBody, expectOk: () => {}, rowCount: count('flow_run_state') }),
  timeoutFor());
});

describe('POST /flow_runs/{id}/resume', () => {
  it('valid bodies: 200/201 with a consistent orchestration result', transitionProperty('resume valid', (id) => `/flow_runs/${id}/resume`, resumeBody, [200, 201]), timeoutFor());
  it('one fault: a 422 at the fault', () =>
    faultyBodiesRejected({ name: 'POST /flow_runs/{id}/resume', send: (b) => post(`/flow_runs/${fx.runIds[4]}/resume`, b), shape: resumeBody, expectOk: () => {}, rowCount: count('flow_run_state') }),
  timeoutFor());
});

describe('POST /flow_runs/bulk_set_state', () => {
  it('valid bodies: 200, one result per selected run, id DESC, within limit', async () => {
    const arb = fc.record({ body: valid(bulkSetStateBody), ids: fc.constant(null).chain(() => fc.subarray(fx.runIds, { minLength: 1 })), headers: clientHeaders });
    await check(
      'bulk_set_state valid',
      fc.asyncProperty(batches(arb), async (cases) => {
        const bodies = cases.map((k) => ({ ...(k.body as object), flow_runs: restrictedTo(k.ids, (k.body as { flow_runs?: unknown }).flow_runs) }));
        const responses = await Promise.all(bodies.map((b, i) => post('/flow_runs/bulk_set_state', b, cases[i]!.headers)));
        responses.forEach((res, i) => {
          const what = `POST /flow_runs/bulk_set_state ${JSON.stringify(bodies[i])}`;
          expectSuccess(res, what);
          if (res.status !== 200) throw new Error(`${what}: ${res.status}`);
          const { results } = conform(BulkSetStateResult, res.body, what);
          const ids = results.map((r) => r.flow_run_id);
          const limit = Number((bodies[i] as { limit?: unknown }).limit ?? 50) || 50;
          if (ids.some((id) => !cases[i]!.ids.includes(id))) throw new Error(`${what}: a run outside the filter`);
          if (ids.length > limit || JSON.stringify(ids) !== JSON.stringify([...ids].sort().reverse())) throw new Error(`${what}: not id DESC within the limit`);
          for (const r of results) {
            if (!DETAILS_FOR_STATUS[r.status].includes(r.details.type)) throw new Error(`${what}: ${r.status} with ${r.details.type}`);
            if (r.status === 'ACCEPT' && r.state?.state_details.flow_run_id !== r.flow_run_id) throw new Error(`${what}: accepted state of another run`);
          }
        });
      }),
      1,
      BATCH,
    );
  }, timeoutFor());
  it('one fault: a 422 at the fault, and no state written', () =>
    faultyBodiesRejected({ name: 'POST /flow_runs/bulk_set_state', send: (b) => post('/flow_runs/bulk_set_state', b), shape: bulkSetStateBody, expectOk: () => {}, rowCount: count('flow_run_state') }),
  timeoutFor());
});

describe('POST /flow_runs/bulk_delete', () => {
  it('valid bodies: 200, deletes only matching runs of the filter, within limit', async () => {
    const arb = fc.record({ body: valid(bulkDeleteBody), keep: fc.boolean() });
    await check(
      'bulk_delete valid',
      fc.asyncProperty(batches(arb), async (cases) => {
        // Two fresh runs per case; each request may only touch its own two.
        const fresh = await withDb(async (db) => {
          const rows = await db.execute(sql`
            INSERT INTO flow_run (flow_id, name) SELECT ${fx.flowIds[1]}, 'bulk-delete-' || g FROM generate_series(1, ${2 * cases.length}) g RETURNING id`);
          return (rows.rows as { id: string }[]).map((r) => r.id);
        });
        const owned = cases.map((_, i) => fresh.slice(2 * i, 2 * i + 2));
        const bodies = cases.map((k, i) => ({ ...(k.body as object), flow_runs: restrictedTo(owned[i]!, (k.body as { flow_runs?: unknown }).flow_runs) }));
        const responses = await Promise.all(bodies.map((b) => post('/flow_runs/bulk_delete', b)));
        const remaining = await withDb(async (db) => {
          const rows = await db.execute(sql`SELECT id FROM flow_run WHERE id = ANY(${`{${fresh.join(',')}}`}::uuid[])`);
          return new Set((rows.rows as { id: string }[]).map((r) => r.id));
        });
        responses.forEach((res, i) => {
          const what = `POST /flow_runs/bulk_delete ${JSON.stringify(bodies[i])}`;
          expectSuccess(res, what);
          const { deleted } = conform(BulkDeleteResult, res.body, what);
          const limit = Number((bodies[i] as { limit?: unknown }).limit ?? 50) || 50;
          if (deleted.length > limit || deleted.some((id) => !owned[i]!.includes(id))) throw new Error(`${what}: deleted ${JSON.stringify(deleted)}`);
          for (const id of owned[i]!) {
            if (deleted.includes(id) === remaining.has(id)) throw new Error(`${what}: ${id} deleted=${deleted.includes(id)} but still there=${remaining.has(id)}`);
          }
        });
      }),
      0.5,
      BATCH,
    );
  }, timeoutFor(0.5));
  it('one fault: a 422 at the fault, and no run deleted', () =>
    faultyBodiesRejected({ name: 'POST /flow_runs/bulk_delete', send: (b) => post('/flow_runs/bulk_delete', b), shape: bulkDeleteBody, expectOk: () => {}, rowCount: count('flow_run') }),
  timeoutFor());
});

describe('POST /flow_runs/', () => {
  // References must exist for a 2xx: the flow, the parent task run, the pool (and its queue).
  const shape = () =>
    flowRunCreate({ flowId: uuid(existing(() => fx.flowIds)), parentTaskRunId: uuid(existing(() => fx.taskRunIds)) });
  const bodies = fc.constant(null).chain(() =>
    fc.tuple(valid(shape()), fc.constantFrom<unknown>(undefined, null, 'pool', 'pool+default', 'pool+fast')).map(([body, pool]) => {
      const b = { ...(body as Record<string, unknown>) };
      if (pool === null) b.work_pool_name = null;
      if (typeof pool === 'string') {
        b.work_pool_name = fx.poolName;
        if (pool === 'pool') delete b.work_queue_name;
        else b.work_queue_name = pool === 'pool+default' ? 'default' : 'fast';
      }
      return b;
    }),
  );
  const endpoint: EndpointUnderTest = {
    name: 'POST /flow_runs/',
    send: (b) => post('/flow_runs/', b),
    shape: model({}),
    validBodies: bodies,
    expectOk: (res, sent) => {
      const run = conform(FlowRun, res.body, 'flow run');
      const body = sent as { state?: { type: string } | null; flow_id: string; tags?: string[] | null; idempotency_key?: string | null };
      if (res.status === 201) {
        const proposed = body.state?.type ?? 'PENDING';
        // The initial state is forced: it is written as proposed.
        if (run.state_type !== proposed || run.state?.type !== proposed) throw new Error(`created in ${run.state_type}, proposed ${proposed}`);
        if (JSON.stringify(run.tags) !== JSON.stringify(body.tags ?? [])) throw new Error(`tags ${JSON.stringify(run.tags)}`);
        if (run.labels['prefect.flow.id'] !== run.flow_id) throw new Error('no prefect.flow.id label');
      } else if (res.status !== 200 || body.idempotency_key === undefined || body.idempotency_key === null) {
        throw new Error(`status ${res.status} without an idempotency key hit`);
      }
    },
  };
  it('valid bodies: 201 (or 200 for a known idempotency key) and a FlowRun', () => validBodiesSucceed(endpoint), timeoutFor());
  it('one fault: a 422 at the fault, and no run created', async () => {
    const faultShape = model({
      ...(shape() as Extract<Shape, { kind: 'model' }>).fields,
      work_pool_name: string(),
    });
    await faultyBodiesRejected({ ...endpoint, shape: faultShape, validBodies: undefined, rowCount: count('flow_run') });
  }, timeoutFor());
});

// These found two server bugs: concurrent subflow creations for one parent task run raced to the same
// state timestamp (a 409) or locked the parents in opposite orders (a deadlock); see syncParentTaskRuns.
describe('POST /deployments/{id}/create_flow_run/bulk', () => {
  const item = () => deploymentFlowRunCreate({ parentTaskRunId: uuid(existing(() => fx.taskRunIds)), workQueueNames: ['default', 'fast', 'missing'] });
  const bodyShape = (): Shape => list(item());
  const Results = v.strictObject({
    results: v.array(v.strictObject({ flow_run_id: v.nullable(v.string()), status: v.picklist(['CREATED', 'FAILED']), error: v.nullable(v.string()) })),
  });
  const endpoint = (): EndpointUnderTest => ({
    name: 'POST /deployments/{id}/create_flow_run/bulk',
    send: (b) => post(`/deployments/${fx.deploymentIds[0]}/create_flow_run/bulk`, b),
    shape: bodyShape(),
    validBodies: fc.array(valid(item()), { maxLength: 5 }),
    expectOk: (res, sent) => {
      const { results } = conform(Results, res.body, 'bulk create result');
      if (results.length !== (sent as unknown[]).length) throw new Error('one result per item');
      for (const r of results) if ((r.status === 'CREATED') !== (r.flow_run_id !== null)) throw new Error(JSON.stringify(r));
    },
    rowCount: count('flow_run'),
    scale: 0.5,
  });
  it('valid bodies: 200 and one result per item', () => validBodiesSucceed(endpoint()), timeoutFor(0.5));
  it('one fault: a 4xx at the fault, and no run created', () => faultyBodiesRejected(endpoint()), timeoutFor(0.5));
});

describe('DELETE /flow_runs/{id} and the lease renewal', () => {
  it('DELETE: 204 for a run, 404 {"detail"} for an unknown id, whatever the spelling', async () => {
    await check(
      'delete flow run',
      fc.asyncProperty(batches(fc.tuple(fc.boolean(), fc.uuid().chain(uuidSpelling).filter((u) => !u.includes('{') && !u.includes(':')))), async (cases) => {
        const fresh = await withDb(async (db) => {
          const rows = await db.execute(sql`INSERT INTO flow_run (flow_id, name) SELECT ${fx.flowIds[1]}, 'to-delete' FROM generate_series(1, ${cases.length}) RETURNING id`);
          return (rows.rows as { id: string }[]).map((r) => r.id);
        });
        const paths = cases.map(([own, stranger], i) => (own ? fresh[i]!.replace(/-/g, '').toUpperCase() : stranger));
        const responses = await Promise.all(paths.map((p) => call('DELETE', `/flow_runs/${p}`)));
        responses.forEach((res, i) => {
          if (cases[i]![0]) {
            if (res.status !== 204) throw new Error(`DELETE /flow_runs/${paths[i]}: ${res.status}`);
          } else expectDetail(res, 404, `DELETE /flow_runs/${paths[i]}`, 'Flow run not found');
        });
      }),
      0.25,
      BATCH,
    );
  }, timeoutFor(0.25));

  it('renew: 204 for a live lease, 410 for an unknown one; a fault in the body is a 422', async () => {
    const faults = invalid(leaseRenewBody)!;
    await check(
      'lease renew',
      fc.asyncProperty(batches(fc.tuple(valid(leaseRenewBody), fc.boolean(), fc.option(faults, { freq: 3 }))), async (cases) => {
        const responses = await Promise.all(
          cases.map(([body, live, fault]) =>
            post(`/v2/concurrency_limits/leases/${live ? leaseId : crypto.randomUUID()}/renew`, fault ? fault.value : { ...(body as object), lease_duration: 3600 }),
          ),
        );
        responses.forEach((res, i) => {
          const [body, live, fault] = cases[i]!;
          const what = `renew ${JSON.stringify(fault?.value ?? body)}`;
          if (fault) expectFaultReported(res, fault, what);
          else if (live) {
            if (res.status !== 204) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
          } else expectDetail(res, 410, what);
        });
      }),
      0.25,
      BATCH,
    );
  }, timeoutFor(0.25));
});
