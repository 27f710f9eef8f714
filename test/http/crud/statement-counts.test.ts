/**
 * The number of SQL statements a write sends does not grow with the size of the request
 * (x-sql-statements, which counts a transaction's BEGIN and COMMIT too).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { post, randomName } from '../helpers';

const statements = (res: { headers: Headers }) => Number(res.headers.get('x-sql-statements'));
let flowId: string;
let poolName: string;

beforeAll(async () => {
  flowId = (await post('/flows/', { name: randomName('flow') })).body.id;
  poolName = randomName('pool');
  await post('/work_pools/', { name: poolName });
});

describe('statement counts', () => {
  it('POST /flows/ is one statement for a new flow and two for an existing one', async () => {
    const name = randomName('flow');
    expect(statements(await post('/flows/', { name }))).toBe(1);
    expect(statements(await post('/flows/', { name }))).toBe(2);
  });

  it('POST /deployments/ does not depend on the number of schedules', async () => {
    const schedules = (n: number) => Array.from({ length: n }, (_, i) => ({ schedule: { interval: 60 * (i + 1) } }));
    const one = await post('/deployments/', { name: randomName('dep'), flow_id: flowId, work_pool_name: poolName, schedules: schedules(1) });
    const many = await post('/deployments/', { name: randomName('dep'), flow_id: flowId, work_pool_name: poolName, schedules: schedules(20) });
    expect(many.body.schedules).toHaveLength(20);
    expect(statements(many)).toBe(statements(one));
    // begin, pool, upsert, delete future runs, delete schedules, insert schedules, read, commit
    expect(statements(one)).toBe(8);
  });

  it('POST /task_runs/ creates a run with its first state in a constant number of statements', async () => {
    const run = await post('/task_runs/', { task_key: randomName('t'), dynamic_key: '0' });
    expect(run.status).toBe(201);
    // begin, look for an existing background run, insert run, insert state, read, commit
    expect(statements(run)).toBe(6);
  });
});
