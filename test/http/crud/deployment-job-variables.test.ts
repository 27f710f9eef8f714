/**
 * Job variables against the work pool's base job template `variables` schema: deployment create and
 * PATCH, runs created from a deployment (single and bulk), flow-run PATCH, and a new pool's defaults.
 * Statuses and wording as measured against Prefect 3.9.1's server.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { patch, post, randomName } from '../helpers';

const variables = {
  type: 'object',
  properties: {
    image: { type: 'string', default: 'python' },
    count: { type: 'integer' },
    ratio: { type: 'number', default: 1.5 },
    req: { type: 'string' },
    env: { type: 'object', additionalProperties: { type: 'string' } },
    opts: { type: 'object', properties: { a: { type: 'integer' } }, required: ['a'] },
  },
  required: ['req'],
};
const template = { job_configuration: { image: '{{ image }}' }, variables };

let flowId: string;
let pool: string;
let bare: string;

const createDeployment = (body: Record<string, unknown>) => post('/deployments/', { name: randomName('dep'), flow_id: flowId, ...body });
const deploymentId = async (body: Record<string, unknown>) => {
  const res = await createDeployment(body);
  expect(res.status).toBe(201);
  return res.body.id as string;
};
const runOf = (id: string, body: unknown) => post(`/deployments/${id}/create_flow_run`, body);

beforeAll(async () => {
  flowId = (await post('/flows/', { name: randomName('flow') })).body.id;
  pool = randomName('jv-pool');
  expect((await post('/work_pools/', { name: pool, type: 'process', base_job_template: template })).status).toBe(201);
  bare = randomName('bare-pool');
  expect((await post('/work_pools/', { name: bare, type: 'process' })).status).toBe(201);
});

describe('POST /deployments/ job variables', () => {
  it('accepts variables that fit, ignoring required fields and allowing null in optional ones', async () => {
    for (const job_variables of [{ image: 'x', count: 2 }, { count: null }, { image: null }, { whatever: 1 }, { opts: {} }]) {
      expect((await createDeployment({ work_pool_name: pool, job_variables })).status).toBe(201);
    }
  });

  it('422 with the first failing field, as Prefect words it', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ count: 'abc' }, "Validation failed for field 'count'. Failure reason: 'abc' is not valid under any of the given schemas"],
      [{ env: { A: 1 } }, "Validation failed for field 'env.A'. Failure reason: 1 is not of type 'string'"],
      [{ opts: { a: 'z' } }, "Validation failed for field 'opts.a'. Failure reason: 'z' is not of type 'integer'"],
      [{ count: 'abc', ratio: 'q' }, "Validation failed for field 'ratio'. Failure reason: 'q' is not valid under any of the given schemas"],
      [{ env: { 'my key': 3 } }, "Validation failed for field \"env['my key']\". Failure reason: 3 is not of type 'string'"],
    ];
    for (const [job_variables, reason] of cases) {
      const res = await createDeployment({ work_pool_name: pool, work_queue_name: 'other', job_variables });
      expect(res.status).toBe(422);
      expect(res.body).toEqual({ detail: `Error creating deployment: ${reason}` });
    }
  });

  it('checks nothing without a pool, or with a pool whose template has no variables', async () => {
    expect((await createDeployment({ job_variables: { count: 'abc' } })).status).toBe(201);
    expect((await createDeployment({ work_pool_name: bare, job_variables: { count: 'abc' } })).status).toBe(201);
  });
});

describe('PATCH /deployments/{id} job variables', () => {
  it('checks the sent variables only when the PATCH names the pool: 409 with the error repr', async () => {
    const id = await deploymentId({ work_pool_name: pool, job_variables: { image: 'x', count: 2 } });
    expect((await patch(`/deployments/${id}`, { job_variables: { count: 'abc' } })).status).toBe(204);
    const cases: [Record<string, unknown>, string][] = [
      [{ count: 'abc' }, `"'abc' is not valid under any of the given schemas"`],
      // A field with a default does not accept null here (it does on create).
      [{ image: null }, `"None is not of type 'string'"`],
      [{ opts: { a: 'z' } }, `"'z' is not of type 'integer'"`],
      [{ env: { k: 1 } }, `"1 is not of type 'string'"`],
    ];
    for (const [job_variables, reason] of cases) {
      const res = await patch(`/deployments/${id}`, { work_pool_name: pool, job_variables });
      expect(res.status).toBe(409);
      expect(res.body).toEqual({ detail: `Error creating deployment: <ValidationError: ${reason}>` });
    }
    expect((await patch(`/deployments/${id}`, { work_pool_name: pool, job_variables: { count: null } })).status).toBe(204);
    expect((await patch(`/deployments/${id}`, { work_pool_name: bare, job_variables: { count: 'x' } })).status).toBe(204);
  });
});

describe('flow runs of a deployment', () => {
  it('merges defaults, the deployment and the run, and enforces required fields (422)', async () => {
    const id = await deploymentId({ work_pool_name: pool, job_variables: { image: 'x' } });
    const missing = await runOf(id, {});
    expect(missing.status).toBe(422);
    expect(missing.body).toEqual({ detail: "Error creating flow run: Validation failed. Failure reason: 'req' is a required property" });
    const ok = await runOf(id, { job_variables: { req: 'r' } });
    expect(ok.status).toBe(201);
    expect(ok.body.job_variables).toEqual({ req: 'r' });

    const withReq = await deploymentId({ work_pool_name: pool, job_variables: { req: 'r' } });
    expect((await runOf(withReq, {})).status).toBe(201);
    expect((await runOf(withReq, { job_variables: { count: null } })).status).toBe(201);
    const nested = await runOf(withReq, { job_variables: { opts: {} } });
    expect(nested.status).toBe(422);
    expect(nested.body.detail).toBe("Error creating flow run: Validation failed for field 'opts'. Failure reason: 'a' is a required property");
    // Job variables are checked before the work queue is looked up.
    const bad = await runOf(withReq, { job_variables: { count: 'abc' }, work_queue_name: 'nope' });
    expect(bad.status).toBe(422);
    expect(bad.body.detail).toBe(
      "Error creating flow run: Validation failed for field 'count'. Failure reason: 'abc' is not valid under any of the given schemas",
    );
  });

  it('bulk: a failing item is FAILED with the same message, the others are created', async () => {
    const id = await deploymentId({ work_pool_name: pool, job_variables: { req: 'r' } });
    const res = await post(`/deployments/${id}/create_flow_run/bulk`, [{}, { job_variables: { count: 'abc' } }, { job_variables: { req: null } }]);
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual(['CREATED', 'FAILED', 'FAILED']);
    expect(res.body.results[1].error).toBe(
      "Error creating flow run: Validation failed for field 'count'. Failure reason: 'abc' is not valid under any of the given schemas",
    );
    expect(res.body.results[2]).toEqual({
      flow_run_id: null,
      status: 'FAILED',
      error: "Error creating flow run: Validation failed for field 'req'. Failure reason: None is not of type 'string'",
    });
  });

  it('checks nothing for a deployment without a pool or without a variables schema', async () => {
    for (const body of [{}, { work_pool_name: bare }]) {
      const id = await deploymentId(body);
      expect((await runOf(id, { job_variables: { count: 'abc' } })).status).toBe(201);
    }
  });

  it('PATCH /flow_runs/{id}: 422 "Error updating flow run" for variables that do not fit', async () => {
    const id = await deploymentId({ work_pool_name: pool, job_variables: { req: 'r' } });
    const run = (await runOf(id, {})).body.id as string;
    const bad = await patch(`/flow_runs/${run}`, { job_variables: { count: 'abc' } });
    expect(bad.status).toBe(422);
    expect(bad.body.detail).toBe(
      "Error updating flow run: Validation failed for field 'count'. Failure reason: 'abc' is not valid under any of the given schemas",
    );
    const nulled = await patch(`/flow_runs/${run}`, { job_variables: { req: null } });
    expect(nulled.body.detail).toBe("Error updating flow run: Validation failed for field 'req'. Failure reason: None is not of type 'string'");
    expect((await patch(`/flow_runs/${run}`, { job_variables: { count: 3 } })).status).toBe(204);
  });
});

describe('POST /work_pools/ job variable defaults', () => {
  it('422 when a default does not fit its own schema', async () => {
    const res = await post('/work_pools/', {
      name: randomName('bad-defaults'),
      type: 'process',
      base_job_template: { job_configuration: { image: '{{ image }}' }, variables: { type: 'object', properties: { image: { type: 'integer', default: 'x' } } } },
    });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      detail: "Validation failed for work pool's job variable defaults: Validation failed for field 'image'. Failure reason: 'x' is not valid under any of the given schemas",
    });
  });
});
