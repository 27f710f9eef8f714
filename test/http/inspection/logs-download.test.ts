/** GET /flow_runs/{id}/logs/download (CSV as Prefect writes it) and POST /task_workers/filter. */
import { beforeEach, describe, expect, it } from 'vitest';
import { API, get, post, randomName, resetDb } from '../helpers';
import { exports } from 'cloudflare:workers';

beforeEach(resetDb);

async function raw(path: string): Promise<Response> {
  return (exports as any).default.fetch(new Request(`${API}${path}`));
}

describe('flow run logs download', () => {
  it('writes a header and every line oldest first, quoting like Python csv', async () => {
    const flow = (await post('/flows/', { name: randomName('logs') })).body;
    const run = (await post('/flow_runs/', { flow_id: flow.id, name: 'my run/é' })).body;
    const task = (await post('/task_runs/', { flow_run_id: run.id, task_key: 'k', dynamic_key: '0' })).body;
    const logs = await post('/logs/', [
      { name: 'x', level: 40, message: 'plain', timestamp: '2026-12-04T15:00:01.5Z', flow_run_id: run.id, task_run_id: task.id },
      { name: 'x', level: 20, message: 'hello, "world"\nline2', timestamp: '2026-12-04T15:00:00Z', flow_run_id: run.id },
    ]);
    expect(logs.status).toBe(201);
    const res = await raw(`/flow_runs/${run.id}/logs/download`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="flow-run-logs.csv"; filename*=UTF-8''my%20run%2F%C3%A9-logs.csv`,
    );
    expect(await res.text()).toBe(
      'timestamp,level,flow_run_id,task_run_id,message\r\n' +
        `2026-12-04 15:00:00+00:00,20,${run.id},,"hello, ""world""\nline2"\r\n` +
        `2026-12-04 15:00:01.500000+00:00,40,${run.id},${task.id},plain\r\n`,
    );
  });

  it('answers only the header for a run without logs, 404 for an unknown run, in one statement', async () => {
    const flow = (await post('/flows/', { name: randomName('logs') })).body;
    const run = (await post('/flow_runs/', { flow_id: flow.id })).body;
    const res = await raw(`/flow_runs/${run.id}/logs/download`);
    expect(await res.text()).toBe('timestamp,level,flow_run_id,task_run_id,message\r\n');
    expect(res.headers.get('x-sql-statements')).toBe('1');
    const missing = await get('/flow_runs/5bb95929-f5df-40c4-a764-34791e150000/logs/download');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ detail: 'Flow run not found' });
  });
});

describe('task workers', () => {
  it('lists none, with or without a filter, and checks the body as Prefect does', async () => {
    expect((await post('/task_workers/filter')).body).toEqual([]);
    expect((await post('/task_workers/filter', { task_worker_filter: { task_keys: ['a'] } })).body).toEqual([]);
    const bad = await post('/task_workers/filter', { task_worker_filter: { task_keys: 'a' } });
    expect(bad.status).toBe(422);
    expect(bad.body.exception_detail).toEqual([
      { type: 'list_type', loc: ['body', 'task_worker_filter', 'task_keys'], msg: 'Input should be a valid list', input: 'a' },
    ]);
    const missing = await post('/task_workers/filter', { task_worker_filter: {} });
    expect(missing.body.exception_detail).toEqual([
      { type: 'missing', loc: ['body', 'task_worker_filter', 'task_keys'], msg: 'Field required', input: {} },
    ]);
  });
});
