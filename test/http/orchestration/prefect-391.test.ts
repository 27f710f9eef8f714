/** Behaviour Prefect 3.9.1 changed from 3.8.8, each checked against a 3.9.1 server. */
import { describe, expect, it } from 'vitest';
import { get, post } from '../helpers';
import { createDeployment, createFlow, iso, runIn, setState } from './fixtures';

const renew = (id: string, body: unknown) => post(`/v2/concurrency_limits/leases/${id}/renew`, body);

describe('Prefect 3.9.1 changes', () => {
  it('state_details: null is a 422, on set_state and when creating a run', async () => {
    const flowId = await createFlow();
    const created = await post('/flow_runs/', { flow_id: flowId, state: { type: 'PENDING', state_details: null } });
    expect(created.status).toBe(422);
    expect(created.body.exception_detail).toEqual([
      {
        type: 'model_attributes_type',
        loc: ['body', 'state', 'state_details'],
        msg: 'Input should be a valid dictionary or object to extract fields from',
        input: null,
      },
    ]);
    const run = await runIn({ type: 'PENDING' });
    const set = await setState(run, { type: 'RUNNING', state_details: null });
    expect([set.status, set.body.exception_detail[0].loc]).toEqual([422, ['body', 'state', 'state_details']]);
    // Absent details still mean empty ones.
    expect((await setState(run, { type: 'RUNNING' })).body.status).toBe('ACCEPT');
  });

  it('a blocking PAUSED run becomes CANCELLING without force', async () => {
    const run = await runIn({ type: 'RUNNING' });
    expect((await setState(run, { type: 'PAUSED', state_details: { pause_key: 'k1', pause_timeout: iso(3_600_000) } })).body.status).toBe('ACCEPT');
    const res = await setState(run, { type: 'CANCELLING' });
    expect([res.status, res.body.status, res.body.state.type]).toEqual([201, 'ACCEPT', 'CANCELLING']);
  });

  it('resuming a blocking pause into SCHEDULED resets pause metadata (API >= 0.8.4)', async () => {
    const dep = await createDeployment();
    const resumed = async (headers?: Record<string, string>) => {
      const run = await runIn({ type: 'RUNNING' }, { deploymentId: dep.id, flowId: dep.flowId });
      await setState(run, { type: 'PAUSED', state_details: { pause_key: 'k1', pause_timeout: iso(3_600_000) } });
      const res = await setState(run, { type: 'SCHEDULED' }, headers);
      expect(res.body.status).toBe('ACCEPT');
      return (await get(`/flow_runs/${run}`)).body.empirical_policy;
    };
    expect(await resumed()).toMatchObject({ resuming: false, pause_keys: [], retry_type: 'reschedule' });
    expect(await resumed({ 'x-prefect-api-version': '0.8.3' })).toMatchObject({ resuming: true, pause_keys: ['k1'], retry_type: null });
  });

  it('lease renewal: lease_duration is 60…86400 s, null means the default', async () => {
    const id = crypto.randomUUID();
    const short = await renew(id, { lease_duration: 59 });
    expect([short.status, short.body.exception_detail]).toEqual([
      422,
      [
        {
          type: 'greater_than_equal',
          loc: ['body', 'lease_duration'],
          msg: 'Input should be greater than or equal to 60',
          input: 59,
          ctx: { ge: 60 },
        },
      ],
    ]);
    const long = await renew(id, { lease_duration: 86401 });
    expect([long.status, long.body.exception_detail[0].type]).toEqual([422, 'less_than_equal']);
    for (const body of [{ lease_duration: 60 }, { lease_duration: null }, {}]) {
      const gone = await renew(id, body);
      expect([gone.status, gone.body]).toEqual([410, { detail: 'Lease not found - it may have expired or been revoked' }]);
    }
  });

  it('lease renewal: a non-UUID lease id is a 422 on the path, reported with the body errors', async () => {
    const res = await renew('abc', { lease_duration: 300 });
    expect(res.status).toBe(422);
    expect(res.body.exception_detail).toHaveLength(1);
    expect(res.body.exception_detail[0]).toMatchObject({ type: 'uuid_parsing', loc: ['path', 'lease_id'], input: 'abc' });
    expect(res.body.request_body).toEqual({ lease_duration: 300 });
    const both = await renew('abc', { lease_duration: 5 });
    expect(both.body.exception_detail.map((e: { loc: string[] }) => e.loc)).toEqual([
      ['path', 'lease_id'],
      ['body', 'lease_duration'],
    ]);
  });
});
