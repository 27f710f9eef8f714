/**
 * No input breaks an error's shape: user text inside validation messages, and values the database
 * refuses, come back as Prefect-shaped 422/409 bodies, never a 500.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { post, resetDb } from '../helpers';

beforeEach(async () => {
  await resetDb();
});

const VALIDATION = { exception_message: 'Invalid request received.', exception_detail: expect.any(Array) };

describe('user text inside validation messages', () => {
  it('a schedule timezone with | " { or a newline is reported verbatim in a 422', async () => {
    const flow = await post('/flows/', { name: 'tz' });
    for (const timezone of ['a|b', 'x|{"a":1}', 'value_error|msg|{}', 'quote"d', 'new\nline']) {
      const res = await post('/deployments/', { name: 'd', flow_id: flow.body.id, schedules: [{ schedule: { cron: '* * * * *', timezone } }] });
      expect(res.status, timezone).toBe(422);
      expect(res.body.exception_detail, timezone).toEqual([
        {
          type: 'value_error',
          loc: ['body', 'schedules', 0, 'schedule', 'timezone'],
          msg: `Value error, Invalid timezone: "${timezone}" (specify in IANA tzdata format, for example, America/New_York)`,
          input: timezone,
          ctx: { error: {} },
        },
      ]);
    }
  });
});

describe('values the database refuses', () => {
  it('NUL characters, out-of-range integers and oversized names are 422s in the validation shape', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['/flows/', { name: 'a\u0000b' }, /invalid byte sequence/],
      ['/flows/', { name: 'ok', tags: ['a\u0000'] }, /Unicode escape/],
      ['/v2/concurrency_limits/', { name: 'big', limit: 99_999_999_999 }, /out of range for type integer/],
      ['/flows/', { name: 'x'.repeat(300_000) }, /index row/],
    ];
    for (const [path, body, reason] of cases) {
      const res = await post(path, body);
      expect(res.status, path).toBe(422);
      expect(res.body).toEqual({ ...VALIDATION, request_body: body });
      expect(res.body.exception_detail).toEqual([{ type: 'value_error', loc: ['body'], msg: expect.stringMatching(reason), input: body, ctx: { error: {} } }]);
    }
  });

  it('a LIKE pattern ending in the escape character is a 422, not a 500', async () => {
    const res = await post('/variables/filter', { variables: { name: { like_: 'abc\\' } } });
    expect([200, 422]).toContain(res.status);
    if (res.status === 422) expect(res.body).toMatchObject(VALIDATION);
  });

  it('constraint violations are Prefect\'s 409', async () => {
    expect((await post('/v2/concurrency_limits/', { name: 'same', limit: 1 })).status).toBe(201);
    const again = await post('/v2/concurrency_limits/', { name: 'same', limit: 1 });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ detail: expect.any(String) });
  });
});
