/** GET / POST /deployments/{id}/schedules and PATCH / DELETE /deployments/{id}/schedules/{schedule_id}. */
import { beforeAll, describe, expect, it } from 'vitest';
import { del, get, patch, post, randomName } from '../helpers';
import { deploymentById, hexUpper } from './support';

let flowId: string;
const newDeployment = async (schedules: unknown[] = []) =>
  (await post('/deployments/', { name: randomName('dep'), flow_id: flowId, schedules })).body;

beforeAll(async () => {
  flowId = (await post('/flows/', { name: randomName('flow') })).body.id;
});

describe('deployment schedules', () => {
  it('GET lists schedules, most recently updated first; 404 with a period for an unknown deployment', async () => {
    const d = await newDeployment([{ schedule: { interval: 60 }, slug: 'a' }]);
    const created = await post(`/deployments/${d.id}/schedules`, [{ schedule: { interval: 120 }, slug: 'b', max_scheduled_runs: 5 }]);
    expect(created.status).toBe(201);
    expect(created.body).toHaveLength(1);
    expect(Object.keys(created.body[0])).toEqual(['id', 'created', 'updated', 'deployment_id', 'schedule', 'active', 'max_scheduled_runs', 'parameters', 'slug']);
    expect(created.body[0]).toMatchObject({ slug: 'b', max_scheduled_runs: 5, active: true, deployment_id: d.id });
    const listed = await get(`/deployments/${hexUpper(d.id)}/schedules`);
    expect(listed.status).toBe(200);
    expect(listed.body.map((s: any) => s.slug)).toEqual(['b', 'a']);
    const missing = await get(`/deployments/${crypto.randomUUID()}/schedules`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ detail: 'Deployment not found.' });
  });

  it('POST: 409 for a duplicate slug, 422 for bad bodies, 404 for an unknown deployment', async () => {
    const d = await newDeployment([{ schedule: { interval: 60 }, slug: 'a' }]);
    const dup = await post(`/deployments/${d.id}/schedules`, [{ schedule: { interval: 5 }, slug: 'a' }]);
    expect(dup.status).toBe(409);
    expect(dup.body).toEqual({ detail: 'Schedule slugs must be unique within a deployment.' });
    const notList = await post(`/deployments/${d.id}/schedules`, { schedule: { interval: 5 } });
    expect(notList.status).toBe(422);
    expect(notList.body.exception_detail[0]).toMatchObject({ type: 'list_type', loc: ['body'] });
    const tooMany = await post(`/deployments/${d.id}/schedules`, [{ schedule: { interval: 5 }, max_scheduled_runs: 1000 }]);
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.exception_detail[0]).toMatchObject({ type: 'value_error', loc: ['body', 0, 'max_scheduled_runs'] });
    const noSchedule = await post(`/deployments/${d.id}/schedules`, [{ active: true }]);
    expect(noSchedule.body.exception_detail[0]).toMatchObject({ type: 'missing', loc: ['body', 0, 'schedule'] });
    const kindless = await post(`/deployments/${d.id}/schedules`, [{ schedule: { every: 5 } }]);
    expect(kindless.status).toBe(422);
    expect(kindless.body.exception_detail[0].loc).toEqual(['body', 0, 'schedule']);
    expect((await post(`/deployments/${crypto.randomUUID()}/schedules`, [])).status).toBe(404);
  });

  it('PATCH updates the fields sent (parameters reset to {} when absent, as in Prefect); 404s', async () => {
    const d = await newDeployment([{ schedule: { interval: 60 }, slug: 'a', parameters: { x: 1 } }]);
    const id = d.schedules[0].id;
    const res = await patch(`/deployments/${d.id}/schedules/${id}`, { active: false, schedule: { cron: '*/5 * * * *' } });
    expect(res.status).toBe(204);
    const s = (await deploymentById(d.id))!.schedules[0]!;
    expect(s).toMatchObject({ id, active: false, slug: 'a', parameters: {}, schedule: { cron: '*/5 * * * *', timezone: null, day_or: true } });
    expect(s.updated > d.schedules[0].updated).toBe(true);
    const unknownSchedule = await patch(`/deployments/${d.id}/schedules/${crypto.randomUUID()}`, { active: true });
    expect(unknownSchedule.status).toBe(404);
    expect(unknownSchedule.body).toEqual({ detail: 'Schedule not found.' });
    const unknownDeployment = await patch(`/deployments/${crypto.randomUUID()}/schedules/${id}`, { active: true });
    expect(unknownDeployment.body).toEqual({ detail: 'Deployment not found.' });
    const extra = await patch(`/deployments/${d.id}/schedules/${id}`, { foo: 1 });
    expect(extra.status).toBe(422);
    expect(extra.body.exception_detail[0]).toMatchObject({ type: 'extra_forbidden', loc: ['body', 'foo'] });
  });

  it('DELETE removes one schedule (204), then 404s', async () => {
    const d = await newDeployment([{ schedule: { interval: 60 } }, { schedule: { interval: 90 } }]);
    const [first] = d.schedules;
    expect((await del(`/deployments/${d.id}/schedules/${first.id}`)).status).toBe(204);
    expect((await deploymentById(d.id))!.schedules).toHaveLength(1);
    const again = await del(`/deployments/${d.id}/schedules/${first.id}`);
    expect(again.status).toBe(404);
    expect(again.body).toEqual({ detail: 'Schedule not found.' });
    expect((await del(`/deployments/${d.id}/schedules/not-a-uuid`)).body).toEqual({ detail: 'Not Found' });
  });
});
