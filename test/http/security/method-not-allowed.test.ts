/**
 * A path served under other methods answers 405 {"detail": "Method Not Allowed"}, as Prefect 3.9.1 does
 * for every route (all 150 paths of its OpenAPI document were probed with every other method against
 * both servers; they agree apart from /observed-states, which is not served here).
 */
import { describe, expect, it } from 'vitest';
import { call } from '../helpers';

const NIL = '00000000-0000-0000-0000-000000000000';

describe('405 for a wrong method on any route', () => {
  it.each([
    ['GET', '/flow_runs/bulk_delete'],
    ['GET', '/flow_runs/bulk_set_state'],
    ['GET', '/deployments/bulk_delete'],
    ['PUT', '/work_pools/filter'],
    ['DELETE', '/work_pools/x/queues'],
    ['GET', '/work_pools/x/workers/heartbeat'],
    ['GET', '/work_queues/'],
    ['POST', `/work_queues/${NIL}/status`],
    ['PUT', '/admin/settings'],
    ['POST', '/admin/version'],
    ['PATCH', '/admin/storage'],
    ['DELETE', '/hello'],
    ['POST', '/collections/views/x'],
    ['GET', '/saved_searches/'],
  ])('%s %s', async (method, path) => {
    expect(await call(method, path)).toMatchObject({ status: 405, body: { detail: 'Method Not Allowed' } });
  });

  it('unknown paths stay 404, and a non-UUID id is not a route', async () => {
    expect(await call('GET', '/nope')).toMatchObject({ status: 404, body: { detail: 'Not Found' } });
    expect(await call('GET', '/flow_runs/not-a-uuid')).toMatchObject({ status: 404, body: { detail: 'Not Found' } });
  });
});
