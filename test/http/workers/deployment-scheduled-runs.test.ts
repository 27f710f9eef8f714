/** POST /deployments/get_scheduled_flow_runs: what `flow.serve()` (the runner) polls. */
import { describe, expect, it } from 'vitest';
import { del, get, post } from '../helpers';
import { MINUTE, createDeployment, createPool, createRun, iso, statements } from './fixtures';

const pollDeployments = (body: unknown) => post('/deployments/get_scheduled_flow_runs', body);
const ids = (res: { body: { id: string }[] }) => res.body.map((r) => r.id);

describe('POST /deployments/get_scheduled_flow_runs', () => {
  it("returns the deployments' SCHEDULED runs soonest first, as full flow runs, and marks the deployments READY", async () => {
    const pool = await createPool();
    const a = await createDeployment(pool.name);
    const b = await createDeployment(pool.name);
    const other = await createDeployment(pool.name);
    const a2 = await createRun(a, pool.defaultQueueId, iso(-2 * MINUTE));
    const b1 = await createRun(b, pool.defaultQueueId, iso(-3 * MINUTE));
    const aLater = await createRun(a, pool.defaultQueueId, iso(30 * MINUTE));
    await createRun(a, pool.defaultQueueId, iso(-5 * MINUTE), 'RUNNING');
    await createRun(other, pool.defaultQueueId, iso(-5 * MINUTE));
    const before = (await get(`/deployments/${a.id}`)).body;

    const res = await pollDeployments({ deployment_ids: [a.id, b.id] });
    expect(res.status).toBe(200);
    expect(ids(res)).toEqual([b1, a2, aLater]);
    expect(res.body[0]).toMatchObject({ id: b1, deployment_id: b.id, work_pool_name: pool.name, work_queue_name: 'default' });
    expect(ids(await pollDeployments({ deployment_ids: [a.id, b.id], scheduled_before: iso(0) }))).toEqual([b1, a2]);
    expect(ids(await pollDeployments({ deployment_ids: [a.id, b.id], limit: 1 }))).toEqual([b1]);

    const after = (await get(`/deployments/${a.id}`)).body;
    expect(after).toMatchObject({ status: 'READY', last_polled: expect.any(String) });
    expect(after.updated).toBe(before.updated);
    expect((await get(`/deployments/${other.id}`)).body).toMatchObject({ status: 'NOT_READY', last_polled: null });
  });

  it('skips runs of deleted deployments and unknown ids; an empty list returns nothing', async () => {
    const pool = await createPool();
    const gone = await createDeployment(pool.name);
    expect((await del(`/deployments/${gone.id}`)).status).toBe(204);
    // A run left pointing at the deleted deployment, as Prefect allows.
    await createRun(gone, pool.defaultQueueId, iso(-MINUTE));
    expect((await pollDeployments({ deployment_ids: [gone.id, crypto.randomUUID()] })).body).toEqual([]);
    expect(await pollDeployments({ deployment_ids: [] })).toMatchObject({ status: 200, body: [] });
  });

  it('takes two statements however many deployments it polls', async () => {
    const pool = await createPool();
    const deps = [];
    for (let i = 0; i < 6; i++) deps.push(await createDeployment(pool.name));
    for (const d of deps) await createRun(d, pool.defaultQueueId, iso(-MINUTE));
    const one = await pollDeployments({ deployment_ids: [deps[0]!.id] });
    const six = await pollDeployments({ deployment_ids: deps.map((d) => d.id) });
    expect(six.body).toHaveLength(6);
    expect(statements(one)).toBe(2);
    expect(statements(six)).toBe(2);
  });

  it('422s a missing or malformed deployment_ids and a bad time', async () => {
    const missing = await pollDeployments({});
    expect(missing.status).toBe(422);
    expect(missing.body.exception_detail).toEqual([{ type: 'missing', loc: ['body', 'deployment_ids'], msg: 'Field required', input: null }]);
    const notList = await pollDeployments({ deployment_ids: 'abc' });
    expect(notList.body.exception_detail[0]).toMatchObject({ type: 'list_type', loc: ['body', 'deployment_ids'] });
    const notUuid = await pollDeployments({ deployment_ids: ['nope'] });
    expect(notUuid.body.exception_detail[0]).toMatchObject({ type: 'uuid_parsing', loc: ['body', 'deployment_ids', 0] });
    expect((await pollDeployments({ deployment_ids: [], scheduled_before: 'later' })).status).toBe(422);
  });
});
