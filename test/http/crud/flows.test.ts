/** POST /flows/, PATCH and DELETE /flows/{id} (filters spec §4.1, §5.2 cases 52 and 56). */
import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { del, patch, post, randomName, withDb } from '../helpers';
import { flowById, hexUpper } from './support';

describe('POST /flows/', () => {
  it('creates a flow (201) with defaults, then returns it unchanged by name (200)', async () => {
    const name = randomName('flow');
    const created = await post('/flows/', { name, tags: ['db', 'blue'] });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body)).toEqual(['id', 'created', 'updated', 'name', 'tags', 'labels']);
    expect(created.body).toMatchObject({ name, tags: ['db', 'blue'], labels: {} });
    // §5.2 case 52: an existing name returns the existing flow, tags not merged.
    const again = await post('/flows/', { name, tags: ['new'], labels: { a: 1 } });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(created.body);
  });

  it('accepts the path without the trailing slash and labels of strings, numbers and booleans', async () => {
    const res = await post('/flows', { name: randomName('flow'), labels: { team: 'x', n: 2, ok: true } });
    expect(res.status).toBe(201);
    expect(res.body.labels).toEqual({ team: 'x', n: 2, ok: true });
  });

  it('rejects bad names, unknown keys and missing names with Prefect 422 bodies', async () => {
    const slash = await post('/flows/', { name: 'a/b' });
    expect(slash.status).toBe(422);
    expect(slash.body.exception_message).toBe('Invalid request received.');
    expect(slash.body.exception_detail[0]).toMatchObject({ type: 'string_pattern_mismatch', loc: ['body', 'name'] });
    const extra = await post('/flows/', { name: 'zz', foo: 1 });
    expect(extra.status).toBe(422);
    expect(extra.body.exception_detail[0]).toMatchObject({ type: 'extra_forbidden', loc: ['body', 'foo'] });
    const missing = await post('/flows/', {});
    expect(missing.body.exception_detail[0]).toMatchObject({ type: 'missing', loc: ['body', 'name'] });
    const badTags = await post('/flows/', { name: 'zz', tags: 'x' });
    expect(badTags.body.exception_detail[0]).toMatchObject({ type: 'list_type', loc: ['body', 'tags'] });
    const badLabels = await post('/flows/', { name: 'zz', labels: { a: { nested: 1 } } });
    expect(badLabels.status).toBe(422);
    expect(badLabels.body.exception_detail[0].loc).toEqual(['body', 'labels', 'a']);
    expect((await post('/flows/')).status).toBe(422);
    expect((await post('/flows/', 'not json')).body.exception_detail[0].type).toBe('json_invalid');
  });
});

describe('PATCH /flows/{id}', () => {
  it('replaces the tags (204) and bumps updated; accepts upper-case ids without hyphens', async () => {
    const created = (await post('/flows/', { name: randomName('flow'), tags: ['a'] })).body;
    const res = await patch(`/flows/${hexUpper(created.id)}`, { tags: ['b', 'c'] });
    expect(res.status).toBe(204);
    expect(res.body).toBeNull();
    const after = await flowById(created.id);
    expect(after?.tags).toEqual(['b', 'c']);
    expect(after!.updated > created.updated).toBe(true);
    // An empty body keeps the tags.
    expect((await patch(`/flows/${created.id}`, {})).status).toBe(204);
    expect((await flowById(created.id))?.tags).toEqual(['b', 'c']);
    // Only tags are updatable.
    const extra = await patch(`/flows/${created.id}`, { name: 'other' });
    expect(extra.status).toBe(422);
    expect(extra.body.exception_detail[0]).toMatchObject({ type: 'extra_forbidden', loc: ['body', 'name'] });
  });

  it('404s for an unknown flow and for a non-UUID path', async () => {
    const missing = await patch(`/flows/${crypto.randomUUID()}`, { tags: [] });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ detail: 'Flow not found' });
    const notUuid = await patch('/flows/not-a-uuid', { tags: [] });
    expect(notUuid.status).toBe(404);
    expect(notUuid.body).toEqual({ detail: 'Not Found' });
  });
});

describe('DELETE /flows/{id}', () => {
  it('deletes the flow with its deployments and runs (204), then 404s', async () => {
    const f = (await post('/flows/', { name: randomName('flow') })).body;
    const d = await post('/deployments/', { name: 'd', flow_id: f.id });
    expect(d.status).toBe(201);
    await withDb((db) =>
      db.execute(sql`insert into flow_run (flow_id, name, deployment_id) values (${f.id}, 'r', ${d.body.id})`),
    );
    const res = await del(`/flows/${f.id}`);
    expect(res.status).toBe(204);
    const left = await withDb((db) =>
      db.execute(sql`select (select count(*) from flow_run where flow_id = ${f.id})::int as runs,
        (select count(*) from deployment where flow_id = ${f.id})::int as deps`),
    );
    expect(left.rows[0]).toEqual({ runs: 0, deps: 0 });
    expect(await flowById(f.id)).toBeUndefined();
    const again = await del(`/flows/${f.id}`);
    expect(again.status).toBe(404);
    expect(again.body).toEqual({ detail: 'Flow not found' });
    expect((await del('/flows/xyz')).body).toEqual({ detail: 'Not Found' });
  });
});
