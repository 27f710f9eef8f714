/** POST /events/filter (filters, order, pagination by token), GET /events/filter/next, POST /events/count-by. */
import { beforeEach, describe, expect, it } from 'vitest';
import { call, get, post, resetDb } from '../helpers';
import { event } from './support';

const T = (minute: number) => `2026-06-01T10:${String(minute).padStart(2, '0')}:00Z`;
const WINDOW = { since: '2026-06-01T00:00:00Z', until: '2026-06-02T00:00:00Z' };
const filter = (f: Record<string, unknown> = {}, limit?: number) =>
  post('/events/filter', { filter: { occurred: WINDOW, ...f }, ...(limit === undefined ? {} : { limit }) });
const names = (res: { body: { events: { event: string }[] } }) => res.body.events.map((e) => e.event);

const flowRun = 'prefect.flow-run.11111111-1111-4111-8111-111111111111';

beforeEach(async () => {
  await resetDb();
  const related = (id: string, role: string, more: Record<string, string> = {}) => ({ 'prefect.resource.id': id, 'prefect.resource.role': role, ...more });
  const events = [
    event({ event: 'prefect.flow-run.Pending', occurred: T(1), resource: { 'prefect.resource.id': flowRun, 'prefect.resource.name': 'run-a' } }),
    event({ event: 'prefect.flow-run.Running', occurred: T(2), resource: { 'prefect.resource.id': flowRun, 'prefect.resource.name': 'run-a' } }),
    event({
      event: 'prefect.task-run.Running',
      occurred: T(3),
      resource: { 'prefect.resource.id': 'prefect.task-run.t1', 'prefect.resource.name': 'extract-1' },
      related: [related(flowRun, 'flow-run'), related('prefect.tag.etl', 'tag')],
      payload: { note: 'Connection Timeout' },
    }),
    event({
      event: 'prefect.task-run.Completed',
      occurred: T(4),
      resource: { 'prefect.resource.id': 'prefect.task-run.t1', 'prefect.resource.name': 'extract-1' },
      related: [related(flowRun, 'flow-run')],
    }),
    event({ event: 'custom.thing', occurred: T(5), resource: { 'prefect.resource.id': 'my.resource', 'prefect.name': 'legacy-name' } }),
    event({ event: 'custom.outside', occurred: '2026-05-01T00:00:00Z', resource: { 'prefect.resource.id': 'my.resource' } }),
  ];
  expect((await post('/events', events)).status).toBe(204);
});

describe('POST /events/filter', () => {
  it('answers a page in Prefect shape, newest first by default, within the occurred window', async () => {
    const res = await filter();
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['events', 'total', 'next_page']);
    expect(res.body.total).toBe(5);
    expect(res.body.next_page).toBeNull();
    expect(names(res)).toEqual(['custom.thing', 'prefect.task-run.Completed', 'prefect.task-run.Running', 'prefect.flow-run.Running', 'prefect.flow-run.Pending']);
    expect(Object.keys(res.body.events[0])).toEqual(['occurred', 'event', 'resource', 'related', 'payload', 'id', 'follows', 'received']);
    expect(res.body.events[0].occurred).toBe(T(5));
    expect(res.headers.get('x-sql-statements')).toBe('1');
    expect(names(await filter({ order: 'ASC' }))[0]).toBe('prefect.flow-run.Pending');
  });

  it('filters by event name, resource, related, any resource, id and text', async () => {
    const cases: [Record<string, unknown>, string[]][] = [
      [{ event: { prefix: ['prefect.task-run.'] } }, ['prefect.task-run.Completed', 'prefect.task-run.Running']],
      [{ event: { name: ['custom.thing'] } }, ['custom.thing']],
      [{ event: { exclude_prefix: ['prefect.'], exclude_name: ['nothing'] } }, ['custom.thing']],
      [{ resource: { id: [flowRun] } }, ['prefect.flow-run.Running', 'prefect.flow-run.Pending']],
      [{ resource: { id_prefix: ['prefect.task-run.'] } }, ['prefect.task-run.Completed', 'prefect.task-run.Running']],
      [{ resource: { labels: { 'prefect.resource.name': 'extract-*' } } }, ['prefect.task-run.Completed', 'prefect.task-run.Running']],
      [{ resource: { labels: { 'prefect.resource.id': ['!prefect.*'] } } }, ['custom.thing']],
      [{ resource: { labels: { 'prefect.resource.name': [] } } }, []],
      [{ related: { id: [flowRun] } }, ['prefect.task-run.Completed', 'prefect.task-run.Running']],
      [{ related: { resources_in_roles: [['prefect.tag.etl', 'tag']] } }, ['prefect.task-run.Running']],
      [{ related: [{ role: ['flow-run'] }, { labels: { 'prefect.resource.id': 'prefect.tag.*' } }] }, ['prefect.task-run.Running']],
      [{ any_resource: { id: [flowRun] } }, ['prefect.task-run.Completed', 'prefect.task-run.Running', 'prefect.flow-run.Running', 'prefect.flow-run.Pending']],
      [{ text: { query: '"connection timeout"' } }, ['prefect.task-run.Running']],
      [{ text: { query: 'extract -Running' } }, ['prefect.task-run.Completed']],
    ];
    for (const [f, expected] of cases) {
      const res = await filter(f);
      expect(res.status, JSON.stringify(f)).toBe(200);
      expect(names(res), JSON.stringify(f)).toEqual(expected);
      expect(res.body.total, JSON.stringify(f)).toBe(expected.length);
    }
    const all = await filter();
    const one = all.body.events[2];
    expect(names(await filter({ id: { id: [one.id] } }))).toEqual([one.event]);
  });

  it('resource.distinct keeps one event per resource', async () => {
    const res = await filter({ resource: { distinct: true } });
    expect(res.body.total).toBe(3);
    expect(names(res)).toEqual(['custom.thing', 'prefect.task-run.Completed', 'prefect.flow-run.Running']);
  });

  it('pages through next_page links, one statement each, without overlap', async () => {
    const first = await filter({ order: 'ASC' }, 2);
    expect(first.body.total).toBe(5);
    expect(first.body.next_page).toMatch(/^http:\/\/edge\.test\/api\/events\/filter\/next\?page-token=/);
    const seen = [...names(first)];
    let next: string | null = first.body.next_page;
    while (next) {
      const page = await call('GET', next.replace('http://edge.test/api', ''));
      expect(page.status).toBe(200);
      expect(page.body.total).toBe(5);
      expect(page.headers.get('x-sql-statements')).toBe('1');
      seen.push(...names(page));
      next = page.body.next_page;
    }
    expect(seen).toEqual(['prefect.flow-run.Pending', 'prefect.flow-run.Running', 'prefect.task-run.Running', 'prefect.task-run.Completed', 'custom.thing']);
  });

  it('rejects what Prefect rejects', async () => {
    expect((await post('/events/filter', { limit: 51 })).body.exception_detail[0]).toMatchObject({ type: 'less_than_equal', loc: ['body', 'limit'] });
    expect((await post('/events/filter', { filter: { bogus: 1 } })).body.exception_detail[0]).toMatchObject({ type: 'extra_forbidden', loc: ['body', 'filter', 'bogus'] });
    expect((await post('/events/filter', { filter: { order: 'UP' } })).status).toBe(422);
    expect(await get('/events/filter/next?page-token=garbage')).toMatchObject({ status: 403, body: { detail: 'Forbidden' } });
    expect((await get('/events/filter/next')).body.exception_detail[0]).toMatchObject({ type: 'missing', loc: ['query', 'page-token'] });
  });

  it('with no body, looks back 180 days from today', async () => {
    const res = await post('/events/filter');
    expect(res.status).toBe(200);
  });
});

describe('POST /events/count-by/{countable}', () => {
  const count = (countable: string, body: Record<string, unknown>) => post(`/events/count-by/${countable}`, { filter: { occurred: WINDOW }, ...body });

  it('by event and by resource: most frequent first, resources labelled by name', async () => {
    const byEvent = await count('event', {});
    expect(byEvent.status).toBe(200);
    expect(byEvent.body[0]).toEqual({ value: 'custom.thing', label: 'custom.thing', count: 1, start_time: T(5), end_time: T(5) });
    const byResource = await count('resource', {});
    expect(byResource.body.map((c: any) => [c.value, c.label, c.count])).toEqual([
      // Ties by label, ascending.
      ['prefect.task-run.t1', 'extract-1', 2],
      [flowRun, 'run-a', 2],
      ['my.resource', 'legacy-name', 1],
    ]);
    expect(byResource.headers.get('x-sql-statements')).toBe('1');
  });

  it('by day and by time: every bucket of the window, empty ones included', async () => {
    const byDay = await post('/events/count-by/day', { filter: { occurred: { since: '2026-05-31T10:00:00Z', until: '2026-06-01T23:00:00Z' } } });
    expect(byDay.body).toEqual([
      { value: '0', label: '2026-05-31T00:00:00+00:00', count: 0, start_time: '2026-05-31T00:00:00Z', end_time: '2026-05-31T23:59:59.999999Z' },
      { value: '1', label: '2026-06-01T00:00:00+00:00', count: 5, start_time: '2026-06-01T00:00:00Z', end_time: '2026-06-01T23:59:59.999999Z' },
    ]);
    const byTime = await post('/events/count-by/time', {
      filter: { occurred: { since: '2026-06-01T10:00:00Z', until: '2026-06-01T10:06:00Z' } },
      time_unit: 'minute',
      time_interval: 2,
    });
    expect(byTime.body.map((c: any) => [c.label, c.count])).toEqual([
      ['2026-06-01T10:00:00+00:00', 1],
      ['2026-06-01T10:02:00+00:00', 2],
      ['2026-06-01T10:04:00+00:00', 2],
    ]);
  });

  it('rejects what Prefect rejects', async () => {
    expect((await post('/events/count-by/nope', { filter: {} })).body.exception_detail[0]).toMatchObject({ type: 'enum', loc: ['path', 'countable'] });
    expect((await post('/events/count-by/day', {})).body.exception_detail[0]).toMatchObject({ type: 'missing', loc: ['body', 'filter'] });
    expect((await count('time', { time_unit: 'second', time_interval: 0.001 })).body.exception_detail[0]).toMatchObject({ type: 'greater_than_equal', loc: ['body', 'time_interval'] });
    const tooMany = await count('time', { time_unit: 'second', time_interval: 1 });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.detail).toMatch(/^The given interval would create 86400 buckets, which is too many/);
  });
});
