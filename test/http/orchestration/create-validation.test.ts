/**
 * Regressions found by the property tests (test/http/properties/): flow-run create bodies whose
 * objects were arrays, or whose labels held non-scalar values, were accepted; Prefect answers 422.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { post } from '../helpers';
import { createDeployment, createFlow } from './fixtures';

let flowId: string;
let deploymentId: string;
beforeAll(async () => {
  flowId = await createFlow();
  deploymentId = (await createDeployment()).id;
});

const firstIssue = (res: { body: any }) => res.body.exception_detail[0] as { type: string; loc: (string | number)[] };

describe('POST /flow_runs/ and /deployments/{id}/create_flow_run/bulk reject malformed objects', () => {
  it('an array where an object belongs is a 422 dict_type', async () => {
    for (const key of ['parameters', 'context', 'job_variables', 'labels']) {
      const res = await post('/flow_runs/', { flow_id: flowId, [key]: [] });
      expect(res.status).toBe(422);
      expect(firstIssue(res)).toMatchObject({ type: 'dict_type', loc: ['body', key] });
    }
    const bulk = await post(`/deployments/${deploymentId}/create_flow_run/bulk`, [{ context: [1] }]);
    expect([bulk.status, firstIssue(bulk).loc]).toEqual([422, ['body', 0, 'context']]);
  });

  it('labels hold strings, numbers and booleans only', async () => {
    const res = await post('/flow_runs/', { flow_id: flowId, labels: { team: { nested: true } } });
    expect(res.status).toBe(422);
    expect(firstIssue(res).loc.slice(0, 3)).toEqual(['body', 'labels', 'team']);
    const bulk = await post(`/deployments/${deploymentId}/create_flow_run/bulk`, [{ labels: { k: [1] } }]);
    expect([bulk.status, firstIssue(bulk).loc.slice(0, 4)]).toEqual([422, ['body', 0, 'labels', 'k']]);
    const ok = await post('/flow_runs/', { flow_id: flowId, labels: { a: 'x', b: 1, c: 2.5, d: false } });
    expect(ok.status).toBe(201);
    expect(ok.body.labels).toMatchObject({ a: 'x', b: 1, c: 2.5, d: false, 'prefect.flow.id': flowId });
  });

  it('a fractional retry_delay_seconds without retry_delay is a 422 at retry_delay (Prefect copies it first)', async () => {
    const res = await post('/flow_runs/', { flow_id: flowId, empirical_policy: { retry_delay_seconds: 2.5 } });
    expect(res.status).toBe(422);
    expect(firstIssue(res)).toMatchObject({ type: 'int_from_float', loc: ['body', 'empirical_policy', 'retry_delay'] });
    const whole = await post('/flow_runs/', { flow_id: flowId, empirical_policy: { retry_delay_seconds: 10, max_retries: 2 } });
    expect(whole.body.empirical_policy).toMatchObject({ retry_delay: 10, retries: 2 });
  });
});
