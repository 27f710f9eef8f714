/** POST /logs/ and POST /logs/filter, and logs leaving with their flow run (same transaction). */
import { beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { call, del, post, resetDb, withDb } from '../helpers';
import { createRun, createTaskRun } from '../orchestration/fixtures';

const line = (over: Record<string, unknown> = {}) => ({
  name: 'prefect.flow_runs',
  level: 20,
  message: 'hello',
  timestamp: '2026-01-01T00:00:00.000001Z',
  ...over,
});
const filter = (body: unknown) => post('/logs/filter', body);
const messages = (res: { body: { message: string }[] }) => res.body.map((l) => l.message);
const logCount = async (flowRunId: string) =>
  (await withDb((db) => db.execute(sql`SELECT count(*)::int AS n FROM log WHERE flow_run_id = ${flowRunId}`))).rows[0];

beforeEach(async () => {
  await resetDb();
});

describe('POST /logs/', () => {
  it('stores a batch in one INSERT and answers 201 with a null body', async () => {
    const run = crypto.randomUUID();
    const task = crypto.randomUUID();
    const res = await post('/logs/', [
      line({ flow_run_id: run, message: 'a' }),
      line({ flow_run_id: run, task_run_id: task, message: 'b', level: '40', worker_id: crypto.randomUUID() }),
      line({ message: 'c\u0000d', timestamp: '2026-01-01T01:00:00+01:00' }),
    ]);
    expect(res.status).toBe(201);
    expect(res.body).toBeNull();
    // One statement for the whole batch (no transaction needed).
    expect(res.headers.get('x-sql-statements')).toBe('1');
    const all = await filter({});
    expect(all.status).toBe(200);
    expect(all.body).toHaveLength(3);
    // All three share one instant (c's offset is normalized to UTC), so their order is by id.
    expect(new Set(messages(all))).toEqual(new Set(['a', 'b', 'cd']));
    const byMessage = Object.fromEntries(all.body.map((l: any) => [l.message, l]));
    expect(byMessage.b).toEqual({
      id: expect.any(String),
      created: expect.stringMatching(/Z$/),
      updated: expect.stringMatching(/Z$/),
      name: 'prefect.flow_runs',
      level: 40,
      message: 'b',
      timestamp: '2026-01-01T00:00:00.000001Z',
      flow_run_id: run,
      task_run_id: task,
    });
    expect(byMessage.cd).toMatchObject({ timestamp: '2026-01-01T00:00:00Z', flow_run_id: null, task_run_id: null });
  });

  it('an empty list is accepted and writes nothing', async () => {
    const res = await post('/logs/', []);
    expect(res.status).toBe(201);
    expect(res.headers.get('x-sql-statements')).toBe('0');
  });

  it('422 for unknown keys, a bad level, missing fields and a body that is not a list', async () => {
    const unknown = await post('/logs/', [line({ color: 'red' })]);
    expect(unknown.status).toBe(422);
    expect(unknown.body.exception_detail[0]).toMatchObject({ type: 'extra_forbidden', loc: ['body', 0, 'color'] });

    const level = await post('/logs/', [line(), line({ level: 'info' })]);
    expect(level.status).toBe(422);
    expect(level.body.exception_detail[0]).toMatchObject({ type: 'int_parsing', loc: ['body', 1, 'level'] });
    const fraction = await post('/logs/', [line({ level: 20.5 })]);
    expect(fraction.body.exception_detail[0]).toMatchObject({ type: 'int_from_float', loc: ['body', 0, 'level'] });
    const huge = await post('/logs/', [line({ level: 40000 })]);
    expect(huge.status).toBe(422);
    expect(huge.body.exception_detail[0]).toMatchObject({ type: 'less_than_equal', loc: ['body', 0, 'level'] });

    const missing = await post('/logs/', [{ name: 'x', level: 20, message: 'm' }]);
    expect(missing.status).toBe(422);
    expect(missing.body.exception_detail[0]).toMatchObject({ type: 'missing', loc: ['body', 0, 'timestamp'] });
    const badTime = await post('/logs/', [line({ timestamp: 'yesterday' })]);
    expect(badTime.body.exception_detail[0].loc).toEqual(['body', 0, 'timestamp']);
    const badUuid = await post('/logs/', [line({ flow_run_id: 'nope' })]);
    expect(badUuid.body.exception_detail[0].loc).toEqual(['body', 0, 'flow_run_id']);

    const notList = await post('/logs/', line());
    expect(notList.status).toBe(422);
    expect(notList.body.exception_detail[0]).toMatchObject({ type: 'list_type', loc: ['body'] });
    const empty = await call('POST', '/logs/', '');
    expect(empty.status).toBe(422);
    expect(empty.body.exception_detail[0]).toMatchObject({ type: 'missing', loc: ['body'] });

    // Nothing from the rejected batches was written.
    expect((await filter({})).body).toEqual([]);
  });

  it('GET /logs/ is 405', async () => {
    expect((await call('GET', '/logs/')).status).toBe(405);
    expect((await call('GET', '/logs/filter')).status).toBe(405);
  });
});

describe('POST /logs/filter', () => {
  const runA = crypto.randomUUID();
  const runB = crypto.randomUUID();
  const task = crypto.randomUUID();
  const seed = () =>
    post('/logs/', [
      line({ flow_run_id: runA, message: 'a1', level: 10, timestamp: '2026-01-01T00:00:01Z' }),
      line({ flow_run_id: runA, message: 'a2', level: 20, timestamp: '2026-01-01T00:00:02Z', task_run_id: task }),
      line({ flow_run_id: runA, message: 'a3', level: 40, timestamp: '2026-01-01T00:00:03.5Z' }),
      line({ flow_run_id: runB, message: 'b1', level: 50, timestamp: '2026-01-01T00:00:00Z' }),
      line({ message: 'loose', level: 30, timestamp: '2026-01-01T00:00:04Z' }),
    ]);

  it('sorts by timestamp ascending by default, descending on request', async () => {
    await seed();
    expect(messages(await filter({}))).toEqual(['b1', 'a1', 'a2', 'a3', 'loose']);
    expect(messages(await filter(null))).toEqual(['b1', 'a1', 'a2', 'a3', 'loose']);
    expect(messages(await filter({ sort: 'TIMESTAMP_DESC' }))).toEqual(['loose', 'a3', 'a2', 'a1', 'b1']);
    const bad = await filter({ sort: 'LEVEL_ASC' });
    expect(bad.status).toBe(422);
    expect(bad.body.exception_detail[0]).toMatchObject({ type: 'enum', loc: ['body', 'sort'] });
  });

  it('filters by flow run, task run, level and time', async () => {
    await seed();
    expect(messages(await filter({ logs: { flow_run_id: { any_: [runA] } } }))).toEqual(['a1', 'a2', 'a3']);
    expect(messages(await filter({ logs: { flow_run_id: { any_: [] } } }))).toEqual([]);
    expect(messages(await filter({ logs: { task_run_id: { any_: [task] } } }))).toEqual(['a2']);
    expect(messages(await filter({ logs: { flow_run_id: { any_: [runA] }, task_run_id: { is_null_: true } } }))).toEqual(['a1', 'a3']);
    expect(messages(await filter({ logs: { task_run_id: { is_null_: false } } }))).toEqual(['a2']);
    expect(messages(await filter({ logs: { level: { ge_: 30 } } }))).toEqual(['b1', 'a3', 'loose']);
    expect(messages(await filter({ logs: { level: { ge_: 20, le_: '40' } } }))).toEqual(['a2', 'a3', 'loose']);
    // Bounds beyond the smallint column decide without failing.
    expect(messages(await filter({ logs: { level: { ge_: 100000 } } }))).toEqual([]);
    expect(messages(await filter({ logs: { level: { ge_: -100000, le_: 100000 } } }))).toHaveLength(5);
    // Inclusive at both ends, at microsecond precision.
    expect(
      messages(await filter({ logs: { timestamp: { after_: '2026-01-01T00:00:01Z', before_: '2026-01-01T00:00:03.5Z' } } })),
    ).toEqual(['a1', 'a2', 'a3']);
    expect(messages(await filter({ logs: { timestamp: { before_: '2026-01-01T00:00:03.499999Z' } } }))).toEqual(['b1', 'a1', 'a2']);
    expect(messages(await filter({ logs: { operator: 'or_', level: { ge_: 50 }, task_run_id: { any_: [task] } } }))).toEqual(['b1', 'a2']);
  });

  it('limit and offset page through the sorted lines', async () => {
    await seed();
    expect(messages(await filter({ limit: 2 }))).toEqual(['b1', 'a1']);
    expect(messages(await filter({ limit: 2, offset: 2 }))).toEqual(['a2', 'a3']);
    expect(messages(await filter({ limit: 0 }))).toEqual([]);
    const tooMany = await filter({ limit: 201 });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body).toEqual({ detail: 'Invalid limit: must be less than or equal to 200.' });
    expect((await filter({ offset: -1 })).status).toBe(422);
  });

  it('422 for unknown filter keys and bad values', async () => {
    const unknown = await filter({ logs: { message: { like_: 'error' } } });
    expect(unknown.status).toBe(422);
    expect(unknown.body.exception_detail[0]).toMatchObject({ type: 'extra_forbidden', loc: ['body', 'logs', 'message'] });
    const level = await filter({ logs: { level: { ge_: 'high' } } });
    expect(level.status).toBe(422);
    expect(level.body.exception_detail[0].loc).toEqual(['body', 'logs', 'level', 'ge_']);
    const id = await filter({ logs: { flow_run_id: { any_: ['x'] } } });
    expect(id.body.exception_detail[0].loc).toEqual(['body', 'logs', 'flow_run_id', 'any_', 0]);
  });
});

describe('POST /logs/filter text search (Prefect 3.9.1 LogFilterTextSearch)', () => {
  const lines = [
    ['Connection timeout after 5s', 'prefect.flow_runs'],
    ['connection established', 'prefect.task_runs'],
    ['100% done_ok', 'prefect.flow_runs'],
    ['path a/b said "hi"', 'my.logger'],
    ['DEBUG detail', 'prefect.flow_runs'],
    ['Ärger mit Umlauten', 'x'],
  ];
  const run = crypto.randomUUID();
  const seed = () =>
    post('/logs/', lines.map(([message, name], i) => line({ message, name, flow_run_id: run, timestamp: `2026-01-01T00:00:0${i}Z` })));
  const indexes = (res: { body: { message: string }[] }) => res.body.map((l) => lines.findIndex(([m]) => m === l.message));

  // Query → the lines Prefect 3.9.1's server returned (with flow_run_id and the query under and_).
  const cases: [string, number[]][] = [
    ['connection', [0, 1]],
    ['connection -timeout', [1]],
    ['!timeout connection', [1]],
    ['+connection +established', [1]],
    ['"timeout after"', [0]],
    ['CONNECTION', [0, 1]],
    ['100%', [2]],
    ['done_', [2]],
    ['a/b', [3]],
    ['\\"hi\\"', [3]],
    ['"said \\"hi\\""', [3]],
    ['task_runs', [1]],
    ['flow_runs -debug', [0, 2]],
    ['- connection', [0, 1]],
    ['   ', [0, 1, 2, 3, 4, 5]],
    ['', [0, 1, 2, 3, 4, 5]],
    ['ärger', [5]],
    ['UMLAUTEN', [5]],
    ['zzz', []],
    ['+connection zzz', []],
    ['"unclosed conn', []],
    ['x', [5]],
    ['prefect -prefect', []],
    ['+', [0, 1, 2, 3, 4, 5]],
  ];

  // Lowercasing non-ASCII letters depends on the database's LC_CTYPE, in Prefect as here (the test
  // cluster uses C): 'ärger' matches 'Ärger' only under a UTF-8 ctype.
  const utf8Ctype = async () =>
    (await withDb((db) => db.execute(sql`SELECT lower('Ä') = 'ä' AS ok`))).rows[0]?.ok === true;

  it('matches message and logger name as Prefect does: OR terms, -/! excluded, + required, quoted phrases', async () => {
    await seed();
    const folds = await utf8Ctype();
    for (const [query, expected] of cases) {
      if (query === 'ärger' && !folds) continue;
      const res = await filter({ logs: { flow_run_id: { any_: [run] }, text: { query } } });
      expect(res.status, query).toBe(200);
      expect(indexes(res), query).toEqual(expected);
    }
  });

  it('under or_, each part of the query is one more criterion of the LogFilter', async () => {
    await seed();
    const orCases: [string, number[]][] = [
      ['connection -timeout', [0, 1, 2, 3, 4, 5]],
      ['zzz -debug', [0, 1, 2, 3, 5]],
      ['+connection +established -timeout', [1, 2, 3, 4, 5]],
    ];
    for (const [query, expected] of orCases) {
      expect(indexes(await filter({ logs: { operator: 'or_', text: { query } } })), query).toEqual(expected);
    }
  });

  it('accepts the SDK\'s explicit null, and answers 422 as Prefect does', async () => {
    await seed();
    expect(await filter({ logs: { text: null, flow_run_id: { any_: [run] } } })).toMatchObject({ status: 200 });
    const missing = await filter({ logs: { text: {} } });
    expect(missing.status).toBe(422);
    expect(missing.body.exception_detail).toEqual([{ type: 'missing', loc: ['body', 'logs', 'text', 'query'], msg: 'Field required', input: {} }]);
    const long = await filter({ logs: { text: { query: 'é'.repeat(201) } } });
    expect(long.body.exception_detail[0]).toMatchObject({
      type: 'string_too_long',
      loc: ['body', 'logs', 'text', 'query'],
      msg: 'String should have at most 200 characters',
      ctx: { max_length: 200 },
    });
    expect((await filter({ logs: { text: { query: 'é'.repeat(200) } } })).status).toBe(200);
    const extra = await filter({ logs: { text: { query: 'x', y: 1 } } });
    expect(extra.body.exception_detail[0]).toMatchObject({ type: 'extra_forbidden', loc: ['body', 'logs', 'text', 'y'] });
    const notString = await filter({ logs: { text: { query: 5 } } });
    expect(notString.body.exception_detail[0]).toMatchObject({ type: 'string_type', loc: ['body', 'logs', 'text', 'query'] });
  });
});

describe('deleting a flow run deletes its logs in the same transaction', () => {
  it('DELETE /flow_runs/{id}', async () => {
    const run = await createRun();
    const other = await createRun();
    const task = await createTaskRun(run);
    await post('/logs/', [line({ flow_run_id: run }), line({ flow_run_id: run, task_run_id: task }), line({ flow_run_id: other })]);
    expect(await logCount(run)).toEqual({ n: 2 });
    expect((await del(`/flow_runs/${run}`)).status).toBe(204);
    expect(await logCount(run)).toEqual({ n: 0 });
    expect(await logCount(other)).toEqual({ n: 1 });
  });

  it('POST /flow_runs/bulk_delete, with the same statement count for 1 run and for 3', async () => {
    const one = await createRun();
    const three = [await createRun(), await createRun(), await createRun()];
    const keep = await createRun();
    await post('/logs/', [one, ...three, keep].flatMap((id) => [line({ flow_run_id: id }), line({ flow_run_id: id })]));
    const d1 = await post('/flow_runs/bulk_delete', { flow_runs: { id: { any_: [one] } } });
    const d3 = await post('/flow_runs/bulk_delete', { flow_runs: { id: { any_: three } } });
    expect(d3.body.deleted).toHaveLength(3);
    expect(d3.headers.get('x-sql-statements')).toBe(d1.headers.get('x-sql-statements'));
    for (const id of [one, ...three]) expect(await logCount(id)).toEqual({ n: 0 });
    expect(await logCount(keep)).toEqual({ n: 2 });
  });

  it('deleting an unknown run leaves logs alone', async () => {
    const run = await createRun();
    await post('/logs/', [line({ flow_run_id: run })]);
    expect((await del(`/flow_runs/${crypto.randomUUID()}`)).status).toBe(404);
    expect(await logCount(run)).toEqual({ n: 1 });
  });
});
