/** Spec §7 cases 1–8: acceptance, bookkeeping, validation, errors. */
import { describe, expect, it } from 'vitest';
import { get, post } from '../helpers';
import { asRowTime, createDeployment, createRun, force, history, HOUR, iso, runIn, runRow, setState } from './fixtures';

describe('set_state basics (§7 1–8)', () => {
  it('1. Pending → RUNNING "Test State" is accepted and updates the run', async () => {
    const id = await runIn({ type: 'PENDING' });
    const res = await setState(id, { type: 'RUNNING', name: 'Test State' });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('ACCEPT');
    expect(res.body.details).toEqual({ type: 'accept_details' });
    expect(Object.keys(res.body)).toEqual(['state', 'status', 'details']);
    expect(Object.keys(res.body.state)).toEqual(['id', 'type', 'name', 'timestamp', 'message', 'data', 'state_details']);
    expect(res.body.state.name).toBe('Test State');
    expect(res.body.state.state_details.flow_run_id).toBe(id);
    const run = await runRow(id);
    expect([run.state_type, run.state_name, run.run_count, run.state_id]).toEqual(['RUNNING', 'Test State', 1, res.body.state.id]);
    expect(run.start_time).toBe(asRowTime(res.body.state.timestamp));
  });

  it('2. SCHEDULED(T) → PENDING → RUNNING sets expected_start_time once; next_scheduled_start_time clears', async () => {
    const id = await createRun();
    const T = '2020-01-02T03:04:05.123456Z';
    await setState(id, { type: 'SCHEDULED', state_details: { scheduled_time: T } });
    let run = await runRow(id);
    expect(run.expected_start_time).toBe(asRowTime(T));
    expect(run.next_scheduled_start_time).toBe(asRowTime(T));
    expect((await setState(id, { type: 'PENDING' })).status).toBe(201);
    run = await runRow(id);
    expect(run.next_scheduled_start_time).toBeNull();
    expect((await setState(id, { type: 'RUNNING' })).status).toBe(201);
    run = await runRow(id);
    expect(run.expected_start_time).toBe(asRowTime(T));
  });

  it('3. RUNNING → COMPLETED accrues total_run_time and sets end_time', async () => {
    const id = await runIn({ type: 'RUNNING' });
    const started = (await history(id)).at(-1).timestamp;
    const res = await setState(id, { type: 'COMPLETED' });
    expect(res.status).toBe(201);
    const run = await runRow(id);
    const expected = (Date.parse(res.body.state.timestamp) - Date.parse(started)) / 1000;
    expect(run.total_run_time).toBeCloseTo(expected, 2);
    expect(run.total_run_time).toBeGreaterThan(0);
    expect(run.end_time).toBe(asRowTime(res.body.state.timestamp));
  });

  it('4. forced CANCELLED on a never-started deployed run sets start_time = end_time', async () => {
    const dep = await createDeployment();
    const id = await runIn({ type: 'SCHEDULED', state_details: { scheduled_time: iso(HOUR) } }, { deploymentId: dep.id, flowId: dep.flowId });
    const res = await setState(id, { type: 'CANCELLED' }, undefined, true);
    const run = await runRow(id);
    expect(run.start_time).toBe(asRowTime(res.body.state.timestamp));
    expect(run.end_time).toBe(run.start_time);
  });

  it('5. COMPLETED → forced RUNNING clears end_time and counts the run; COMPLETED again sets a new end_time', async () => {
    const id = await runIn({ type: 'COMPLETED' });
    expect((await runRow(id)).end_time).not.toBeNull();
    await force(id, { type: 'RUNNING' });
    let run = await runRow(id);
    expect([run.end_time, run.run_count]).toEqual([null, 1]);
    const done = await setState(id, { type: 'COMPLETED' });
    run = await runRow(id);
    expect(run.end_time).toBe(asRowTime(done.body.state.timestamp));
  });

  it('6. extra keys, unknown types and a missing state are 422', async () => {
    const id = await createRun();
    const extra = await post(`/flow_runs/${id}/set_state`, { state: { type: 'RUNNING', timestamp: '2020-01-01T00:00:00Z' } });
    expect(extra.status).toBe(422);
    expect(extra.body.exception_detail[0]).toMatchObject({ type: 'extra_forbidden', loc: ['body', 'state', 'timestamp'] });
    const bad = await post(`/flow_runs/${id}/set_state`, { state: { type: 'RUNNIN' } });
    expect(bad.status).toBe(422);
    expect(bad.body.exception_detail[0]).toMatchObject({ type: 'enum', loc: ['body', 'state', 'type'] });
    const missing = await post(`/flow_runs/${id}/set_state`, { force: true });
    expect(missing.status).toBe(422);
    expect(missing.body.exception_detail[0]).toMatchObject({ type: 'missing', loc: ['body', 'state'] });
    expect((await post(`/flow_runs/${id}/set_state`, { state: null })).status).toBe(422);
  });

  it('7. an unknown run is 404 with exception_message; a non-UUID path is a plain 404', async () => {
    const ghost = crypto.randomUUID();
    const res = await setState(ghost, { type: 'RUNNING' });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ exception_message: `Flow run with id ${ghost} not found` });
    const notUuid = await post('/flow_runs/not-a-uuid/set_state', { state: { type: 'RUNNING' } });
    expect([notUuid.status, notUuid.body]).toEqual([404, { detail: 'Not Found' }]);
  });

  it('8. X-Prefect-API-Version abc or 0.7.9 is 400; 0.8.4 is fine', async () => {
    const id = await runIn({ type: 'PENDING' });
    expect((await setState(id, { type: 'RUNNING' }, { 'x-prefect-api-version': 'abc' })).status).toBe(400);
    expect((await setState(id, { type: 'RUNNING' }, { 'x-prefect-api-version': '0.7.9' })).status).toBe(400);
    expect((await setState(id, { type: 'RUNNING' }, { 'x-prefect-api-version': '0.8.4' })).status).toBe(201);
  });

  it('state history and single-state reads', async () => {
    const id = await runIn({ type: 'PENDING' });
    await setState(id, { type: 'RUNNING' });
    const states = await history(id);
    expect(states.map((s: any) => s.type)).toEqual(['PENDING', 'RUNNING']);
    const one = await get(`/flow_run_states/${states[1].id}`);
    expect(one.body).toEqual(states[1]);
    expect((await get(`/flow_run_states/${crypto.randomUUID()}`)).status).toBe(404);
    expect((await get('/flow_run_states/')).status).toBe(422);
  });
});
