/**
 * Prefect 3.9.1's lifecycle events of flows, variables, concurrency limits, artifact collections and
 * automations (`prefect.<kind>.created|updated|deleted`), read back through /events/filter; each is written by the
 * statement that makes the change.
 */
import { describe, expect, it } from 'vitest';
import { call, del, get, patch, post, randomName } from '../helpers';

interface StoredEvent {
  event: string;
  resource: Record<string, string>;
  related: Record<string, string>[];
  payload: Record<string, unknown>;
}

const statements = (res: { headers: Headers }) => Number(res.headers.get('x-sql-statements'));

const eventsAbout = async (id: string) =>
  (await post('/events/filter', { filter: { resource: { id: [id] }, order: 'ASC' }, limit: 50 })).body.events as StoredEvent[];

describe('flow events', () => {
  it('created (only for a new flow), updated, deleted: the flow named, its name, tags and labels as payload, in one statement each', async () => {
    const name = randomName('flow');
    const created = await post('/flows/', { name, tags: ['a'], labels: { team: 'x' } });
    expect(statements(created)).toBe(1);
    const id = created.body.id as string;
    // An existing name answers the flow and emits nothing.
    expect((await post('/flows/', { name, tags: ['other'] })).status).toBe(200);
    const updated = await patch(`/flows/${id}`, { tags: ['b', 'c'] });
    expect(statements(updated)).toBe(1);
    const deleted = await del(`/flows/${id}`);
    expect(statements(deleted)).toBe(1);
    // Nothing to delete or update: no event.
    expect((await del(`/flows/${id}`)).status).toBe(404);
    expect((await patch(`/flows/${id}`, { tags: [] })).status).toBe(404);

    const events = await eventsAbout(`prefect.flow.${id}`);
    expect(events.map((e) => e.event)).toEqual(['prefect.flow.created', 'prefect.flow.updated', 'prefect.flow.deleted']);
    for (const e of events) {
      expect(e.resource).toEqual({ 'prefect.resource.id': `prefect.flow.${id}`, 'prefect.resource.name': name });
      expect(e.related).toEqual([]);
    }
    expect(events.map((e) => e.payload)).toEqual([
      { name, tags: ['a'], labels: { team: 'x' } },
      { name, tags: ['b', 'c'], labels: { team: 'x' } },
      { name, tags: ['b', 'c'], labels: { team: 'x' } },
    ]);
  });

  it('a PATCH without fields is an update; a new flow without labels has {} in its payload', async () => {
    const name = randomName('flow');
    const id = (await post('/flows/', { name })).body.id as string;
    expect((await patch(`/flows/${id}`, {})).status).toBe(204);
    const events = await eventsAbout(`prefect.flow.${id}`);
    expect(events.map((e) => [e.event, e.payload])).toEqual([
      ['prefect.flow.created', { name, tags: [], labels: {} }],
      ['prefect.flow.updated', { name, tags: [], labels: {} }],
    ]);
  });

  it('bulk delete emits one deleted event per flow deleted', async () => {
    const tag = randomName('bulk');
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await post('/flows/', { name: randomName('flow'), tags: [tag] })).body.id as string);
    const res = await post('/flows/bulk_delete', { flows: { tags: { all_: [tag] } } });
    expect([...res.body.deleted].sort()).toEqual([...ids].sort());
    for (const id of ids) expect((await eventsAbout(`prefect.flow.${id}`)).map((e) => e.event)).toEqual(['prefect.flow.created', 'prefect.flow.deleted']);
  });
});

describe('variable events', () => {
  it('created, updated (by id and by name), deleted: the variable named, its name, value and tags as payload, in one statement each', async () => {
    const name = randomName('var').replace(/-/g, '_');
    const created = await post('/variables/', { name, value: { a: [1, 'x'] }, tags: ['t'] });
    expect(created.status).toBe(201);
    expect(statements(created)).toBe(1);
    const id = created.body.id as string;
    // A taken name is a 409 and no event.
    expect((await post('/variables/', { name, value: 1 })).status).toBe(409);
    const byId = await patch(`/variables/${id}`, { value: 'two' });
    expect(byId.status).toBe(204);
    expect(statements(byId)).toBe(1);
    expect((await patch(`/variables/name/${name}`, { tags: ['u'] })).status).toBe(204);
    const deleted = await del(`/variables/name/${name}`);
    expect(deleted.status).toBe(204);
    expect(statements(deleted)).toBe(1);
    expect((await del(`/variables/${id}`)).status).toBe(404);

    const events = await eventsAbout(`prefect.variable.${id}`);
    expect(events.map((e) => e.event)).toEqual(['prefect.variable.created', 'prefect.variable.updated', 'prefect.variable.updated', 'prefect.variable.deleted']);
    for (const e of events) {
      expect(e.resource).toEqual({ 'prefect.resource.id': `prefect.variable.${id}`, 'prefect.resource.name': name });
      expect(e.related).toEqual([]);
    }
    expect(events.map((e) => e.payload)).toEqual([
      { name, value: { a: [1, 'x'] }, tags: ['t'] },
      { name, value: 'two', tags: ['t'] },
      { name, value: 'two', tags: ['u'] },
      { name, value: 'two', tags: ['u'] },
    ]);
  });

  it('an update that fails (a taken name) emits nothing; a rename names the variable by its new name', async () => {
    const [a, b] = [randomName('var'), randomName('var')].map((n) => n.replace(/-/g, '_'));
    const id = (await post('/variables/', { name: a, value: null })).body.id as string;
    await post('/variables/', { name: b, value: null });
    expect((await patch(`/variables/${id}`, { name: b })).status).toBe(409);
    const renamed = `${a}_x`;
    expect((await patch(`/variables/${id}`, { name: renamed })).status).toBe(204);
    const events = await eventsAbout(`prefect.variable.${id}`);
    expect(events.map((e) => [e.event, e.resource['prefect.resource.name'], e.payload])).toEqual([
      ['prefect.variable.created', a, { name: a, value: null, tags: [] }],
      ['prefect.variable.updated', renamed, { name: renamed, value: null, tags: [] }],
    ]);
  });
});

describe('concurrency limit events', () => {
  const limitPayload = (name: string, limit: number, active = true, decay = 0) => ({ name, limit, active, slot_decay_per_second: decay });

  it('global limits: created, updated (by id and by name), deleted, in one statement each; a taken name emits nothing', async () => {
    const name = randomName('gcl');
    const created = await post('/v2/concurrency_limits/', { name, limit: 5, slot_decay_per_second: 0.5 });
    expect(created.status).toBe(201);
    expect(statements(created)).toBe(1);
    const id = created.body.id as string;
    expect((await post('/v2/concurrency_limits/', { name, limit: 1 })).status).toBe(409);
    const updated = await patch(`/v2/concurrency_limits/${id}`, { limit: 7 });
    expect(updated.status).toBe(204);
    expect(statements(updated)).toBe(1);
    expect((await patch(`/v2/concurrency_limits/${name}`, { active: false })).status).toBe(204);
    const deleted = await del(`/v2/concurrency_limits/${name}`);
    expect(deleted.status).toBe(204);
    expect(statements(deleted)).toBe(1);
    expect((await del(`/v2/concurrency_limits/${id}`)).status).toBe(404);

    const events = await eventsAbout(`prefect.concurrency-limit.${id}`);
    expect(events.map((e) => e.event)).toEqual([
      'prefect.concurrency-limit.created',
      'prefect.concurrency-limit.updated',
      'prefect.concurrency-limit.updated',
      'prefect.concurrency-limit.deleted',
    ]);
    for (const e of events) {
      expect(e.resource).toEqual({ 'prefect.resource.id': `prefect.concurrency-limit.${id}`, 'prefect.resource.name': name });
      expect(e.related).toEqual([]);
    }
    expect(events.map((e) => e.payload)).toEqual([
      limitPayload(name, 5, true, 0.5),
      limitPayload(name, 7, true, 0.5),
      limitPayload(name, 7, false, 0.5),
      limitPayload(name, 7, false, 0.5),
    ]);
  });

  it('tag limits are global limits named tag:<tag>: created, then updated by a second POST, deleted by id or by tag', async () => {
    const tag = randomName('tag');
    const created = await post('/concurrency_limits/', { tag, concurrency_limit: 2 });
    expect(created.status).toBe(201);
    // The upsert with its event, then the read of the answer.
    expect(statements(created)).toBe(2);
    const again = await post('/concurrency_limits/', { tag, concurrency_limit: 3 });
    expect(again.status).toBe(200);
    expect(statements(again)).toBe(2);
    expect((await del(`/concurrency_limits/tag/${tag}`)).status).toBe(200);
    const id = created.body.id as string;
    const events = await eventsAbout(`prefect.concurrency-limit.${id}`);
    expect(events.map((e) => [e.event, e.resource['prefect.resource.name'], e.payload])).toEqual([
      ['prefect.concurrency-limit.created', `tag:${tag}`, limitPayload(`tag:${tag}`, 2)],
      ['prefect.concurrency-limit.updated', `tag:${tag}`, limitPayload(`tag:${tag}`, 3)],
      ['prefect.concurrency-limit.deleted', `tag:${tag}`, limitPayload(`tag:${tag}`, 3)],
    ]);

    const other = (await post('/concurrency_limits/', { tag: `${tag}-b`, concurrency_limit: 1 })).body.id as string;
    expect((await del(`/concurrency_limits/${other}`)).status).toBe(200);
    expect((await eventsAbout(`prefect.concurrency-limit.${other}`)).map((e) => e.event)).toEqual([
      'prefect.concurrency-limit.created',
      'prefect.concurrency-limit.deleted',
    ]);
  });

  it("a deployment's own limit emits no concurrency-limit events", async () => {
    const flowId = (await post('/flows/', { name: randomName('flow') })).body.id as string;
    const dep = await post('/deployments/', { name: randomName('dep'), flow_id: flowId, concurrency_limit: 2 });
    expect(dep.status).toBe(201);
    const limitId = dep.body.global_concurrency_limit.id as string;
    expect(await eventsAbout(`prefect.concurrency-limit.${limitId}`)).toEqual([]);
  });
});

describe('artifact collection events', () => {
  const latest = (id: string) => ({ 'prefect.resource.id': `prefect.artifact.${id}`, 'prefect.resource.role': 'latest' });

  it('created by the first artifact of a key, updated by the next; the latest artifact and its runs related', async () => {
    const key = randomName('key');
    const flowId = (await post('/flows/', { name: randomName('flow') })).body.id as string;
    const runId = (await post('/flow_runs/', { flow_id: flowId })).body.id as string;
    const first = await post('/artifacts/', { key, type: 'markdown', data: '# one', description: 'd1' });
    expect(first.status).toBe(201);
    // The insert with its collection row and event, then the read of the answer, as before.
    expect(statements(first)).toBe(2);
    const second = await post('/artifacts/', { key, type: 'table', data: { a: [1, 2] }, flow_run_id: runId });
    // A PATCH emits nothing, nor does an artifact without a key.
    expect((await patch(`/artifacts/${second.body.id}`, { description: 'changed' })).status).toBe(204);
    expect((await post('/artifacts/', { type: 'markdown', data: 'no key' })).status).toBe(201);

    const collection = (await post('/artifacts/latest/filter', { artifacts: { key: { any_: [key] } } })).body[0];
    const events = await eventsAbout(`prefect.artifact-collection.${collection.id}`);
    expect(events.map((e) => e.event)).toEqual(['prefect.artifact-collection.created', 'prefect.artifact-collection.updated']);
    for (const e of events) expect(e.resource).toEqual({ 'prefect.resource.id': `prefect.artifact-collection.${collection.id}`, 'prefect.resource.name': key });
    expect(events.map((e) => e.related)).toEqual([
      [latest(first.body.id)],
      [latest(second.body.id), { 'prefect.resource.id': `prefect.flow-run.${runId}`, 'prefect.resource.role': 'flow-run' }],
    ]);
    expect(events.map((e) => e.payload)).toEqual([
      { key, type: 'markdown', data: '# one', description: 'd1' },
      { key, type: 'table', data: { a: [1, 2] }, description: null },
    ]);
  });

  it('deleting the latest artifact moves the collection (updated) or removes it (deleted); an older one emits nothing', async () => {
    const key = randomName('key');
    const a = (await post('/artifacts/', { key, data: 1 })).body.id as string;
    const b = (await post('/artifacts/', { key, data: 2 })).body.id as string;
    const c = (await post('/artifacts/', { key, data: 3 })).body.id as string;
    const collectionId = (await post('/artifacts/latest/filter', { artifacts: { key: { any_: [key] } } })).body[0].id as string;
    expect((await del(`/artifacts/${b}`)).status).toBe(204);
    expect((await del(`/artifacts/${c}`)).status).toBe(204);
    expect((await del(`/artifacts/${a}`)).status).toBe(204);
    const events = await eventsAbout(`prefect.artifact-collection.${collectionId}`);
    expect(events.map((e) => [e.event, e.related, e.payload.data])).toEqual([
      ['prefect.artifact-collection.created', [latest(a)], 1],
      ['prefect.artifact-collection.updated', [latest(b)], 2],
      ['prefect.artifact-collection.updated', [latest(c)], 3],
      ['prefect.artifact-collection.updated', [latest(a)], 1],
      ['prefect.artifact-collection.deleted', [latest(a)], 1],
    ]);
  });
});

describe('automation events', () => {
  const trigger = { posture: 'Reactive', expect: ['prefect.flow-run.Failed'], match: { 'prefect.resource.id': 'prefect.flow-run.*' } };
  const createAutomation = (name: string, extra: Record<string, unknown> = {}) =>
    post('/automations/', { name, trigger, actions: [{ type: 'do-nothing' }], ...extra });

  it('created, updated by PUT and by PATCH, deleted: the automation named, the whole automation as payload, each in the statement that makes the change', async () => {
    const name = randomName('auto');
    const created = await createAutomation(name, { tags: ['t'] });
    expect(created.status).toBe(201);
    // BEGIN, the insert with its event, the deployment relations, COMMIT: the event costs no statement.
    expect(statements(created)).toBe(4);
    const id = created.body.id as string;
    const renamed = `${name}-2`;
    const replaced = await call('PUT', `/automations/${id}`, { name: renamed, description: 'd', trigger, actions: [{ type: 'do-nothing' }] });
    expect(replaced.status).toBe(204);
    expect(statements(replaced)).toBe(4); // BEGIN, update + event, relations, COMMIT
    const afterPut = (await get(`/automations/${id}`)).body;
    const disabled = await patch(`/automations/${id}`, { enabled: false });
    expect(disabled.status).toBe(204);
    expect(statements(disabled)).toBe(4); // BEGIN, the locked read, update + event, COMMIT
    const afterPatch = (await get(`/automations/${id}`)).body;
    expect(afterPatch.enabled).toBe(false);
    // A PATCH that changes nothing is still an update, as in Prefect.
    expect((await patch(`/automations/${id}`, { enabled: false })).status).toBe(204);
    const deleted = await del(`/automations/${id}`);
    expect(deleted.status).toBe(204);
    expect(statements(deleted)).toBe(3); // BEGIN, delete + event, COMMIT
    // Nothing to replace, patch or delete: no event.
    expect((await del(`/automations/${id}`)).status).toBe(404);
    expect((await patch(`/automations/${id}`, { enabled: true })).status).toBe(404);
    expect((await call('PUT', `/automations/${id}`, { name, trigger, actions: [{ type: 'do-nothing' }] })).status).toBe(404);

    const events = await eventsAbout(`prefect.automation.${id}`);
    expect(events.map((e) => e.event)).toEqual([
      'prefect.automation.created',
      'prefect.automation.updated',
      'prefect.automation.updated',
      'prefect.automation.updated',
      'prefect.automation.deleted',
    ]);
    expect(events.map((e) => e.resource['prefect.resource.name'])).toEqual([name, renamed, renamed, renamed, renamed]);
    for (const e of events) {
      expect(e.resource['prefect.resource.id']).toBe(`prefect.automation.${id}`);
      expect(e.related).toEqual([]);
    }
    // The payload is the automation as the API answers it after the change (before it, for a delete).
    expect(events.map((e) => e.payload)).toEqual([created.body, afterPut, afterPatch, events[3]!.payload, events[3]!.payload]);
    expect(events[3]!.payload).toEqual({ ...afterPatch, updated: events[3]!.payload.updated });
    expect(created.body.tags).toEqual(['t']);
    expect(afterPut).toMatchObject({ name: renamed, description: 'd', tags: [] });
  });

  it('deleting the automations a resource owns emits nothing, as in Prefect', async () => {
    const owner = `prefect.deployment.${crypto.randomUUID()}`;
    const owned = (await createAutomation(randomName('owned'), { owner_resource: owner })).body.id as string;
    const deleted = await del(`/automations/owned-by/${owner}`);
    expect(deleted.status).toBe(202);
    expect((await get(`/automations/${owned}`)).status).toBe(404);
    expect((await eventsAbout(`prefect.automation.${owned}`)).map((e) => e.event)).toEqual(['prefect.automation.created']);
  });
});
