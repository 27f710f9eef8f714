/**
 * Properties of the read endpoints (filter, count, paginate of every family; work pools and queues):
 * valid generated bodies get 200 and Prefect's response objects; bodies with one fault get a 422 that
 * points at it (or the `{"detail"}` 422 for an out-of-range limit), never a 5xx.
 */
import { beforeAll, describe, it } from 'vitest';
import * as v from 'valibot';
import { post, type ApiResponse } from '../helpers';
import { timeoutFor } from './config';
import { seedPropertyFixtures, type PropertyFixtures } from './fixtures';
import { faultyBodiesRejected, validBodiesSucceed, type EndpointUnderTest } from './harness';
import {
  DEPLOYMENT_FILTERS,
  DEPLOYMENT_SORTS,
  FLOW_FILTERS,
  FLOW_RUN_FILTERS,
  FLOW_RUN_SORTS,
  FLOW_SORTS,
  offset,
  readBodies,
  readLimit,
  TASK_RUN_FILTERS,
  TASK_RUN_SORTS,
  WorkPoolFilter,
  WorkQueueFilter,
} from './request-shapes';
import { conform, Count, Deployment, Flow, FlowRun, page, ReducedTaskRun, TaskRun, WorkPool, WorkQueue } from './response-schemas';
import { embedded } from './shapes';

let fx: PropertyFixtures;
beforeAll(async () => {
  fx = await seedPropertyFixtures();
});

/** A list response: the schema, and no more rows than the limit asked for. */
const listOf = (schema: v.GenericSchema) => (res: ApiResponse, body: unknown) => {
  const rows = conform(v.array(schema), res.body, 'response');
  const limit = Number((body as { limit?: unknown } | null)?.limit ?? 200);
  if (rows.length > limit) throw new Error(`${rows.length} rows for limit ${limit}`);
};
const schemaOf = (schema: v.GenericSchema) => (res: ApiResponse) => void conform(schema, res.body, 'response');

function family(prefix: string, filters: Parameters<typeof readBodies>[0], sorts: string[], row: v.GenericSchema, pageRow = row): EndpointUnderTest[] {
  const bodies = readBodies(filters, sorts);
  return [
    { name: `POST ${prefix}/filter`, send: (b) => post(`${prefix}/filter`, b), shape: bodies.filter, expectOk: listOf(row) },
    { name: `POST ${prefix}/count`, send: (b) => post(`${prefix}/count`, b), shape: bodies.count, expectOk: schemaOf(Count) },
    { name: `POST ${prefix}/paginate`, send: (b) => post(`${prefix}/paginate`, b), shape: bodies.paginate, expectOk: schemaOf(page(pageRow)) },
  ];
}

const ENDPOINTS: EndpointUnderTest[] = [
  ...family('/flows', FLOW_FILTERS, FLOW_SORTS, Flow),
  ...family('/flow_runs', FLOW_RUN_FILTERS, FLOW_RUN_SORTS, FlowRun),
  ...family('/task_runs', TASK_RUN_FILTERS, TASK_RUN_SORTS, TaskRun, ReducedTaskRun),
  ...family('/deployments', DEPLOYMENT_FILTERS, DEPLOYMENT_SORTS, Deployment),
  {
    name: 'POST /work_pools/filter',
    send: (b) => post('/work_pools/filter', b),
    shape: embedded({ work_pools: WorkPoolFilter, limit: readLimit(), offset: offset() }),
    expectOk: listOf(WorkPool),
  },
  { name: 'POST /work_pools/count', send: (b) => post('/work_pools/count', b), shape: embedded({ work_pools: WorkPoolFilter }), expectOk: schemaOf(Count) },
  {
    name: 'POST /work_pools/{name}/queues/filter',
    send: (b) => post(`/work_pools/${encodeURIComponent(fx.poolName)}/queues/filter`, b),
    shape: embedded({ work_queues: WorkQueueFilter, limit: readLimit(), offset: offset() }),
    expectOk: listOf(WorkQueue),
  },
  {
    name: 'POST /work_queues/filter',
    send: (b) => post('/work_queues/filter', b),
    shape: embedded({ work_queues: WorkQueueFilter, limit: readLimit(), offset: offset() }),
    expectOk: listOf(WorkQueue),
  },
];

describe.each(ENDPOINTS)('$name', (endpoint) => {
  it('valid bodies: 200 and Prefect’s response objects', () => validBodiesSucceed(endpoint), timeoutFor());
  it('one fault: a 422 at the fault, never a 5xx', () => faultyBodiesRejected(endpoint), timeoutFor());
});
