import { describe, expect, it } from 'vitest';
import { compareVersions, parseApiVersion } from '../../../src/http/middleware';
import { DEFAULT_STATEMENT_TIMEOUT_MS, sessionTimeouts } from '../../../src/db/client';
import { DEFAULT_MAX_BODY_BYTES, maxBodyBytes } from '../../../src/http/limits';

describe('parseApiVersion', () => {
  it('reads three integers the way Prefect (Python int) does', () => {
    expect(parseApiVersion('0.8.4')).toEqual([0, 8, 4]);
    expect(parseApiVersion('00.08.04')).toEqual([0, 8, 4]);
    expect(parseApiVersion('1_0.0. 1')).toEqual([10, 0, 1]);
    expect(parseApiVersion('+0.9.0')).toEqual([0, 9, 0]);
    expect(parseApiVersion('-1.0.0')).toEqual([-1, 0, 0]);
  });

  it('rejects anything else', () => {
    for (const raw of ['abc', '0.8', '0.8.4.1', '0.8.x', '0..8', '1_.0.0', '0.8.4-rc1', 'v0.8.4', '']) expect(parseApiVersion(raw), raw).toBeNull();
  });

  it('compares component by component', () => {
    expect(compareVersions([0, 7, 9], [0, 8, 0])).toBeLessThan(0);
    expect(compareVersions([0, 8, 0], [0, 8, 0])).toBe(0);
    expect(compareVersions([1, 0, 0], [0, 8, 4])).toBeGreaterThan(0);
  });
});

describe('sessionTimeouts', () => {
  it('defaults to 10 s on the server, and a little longer in the driver', () => {
    expect(sessionTimeouts({})).toEqual({
      statement_timeout: DEFAULT_STATEMENT_TIMEOUT_MS,
      idle_in_transaction_session_timeout: DEFAULT_STATEMENT_TIMEOUT_MS,
      query_timeout: DEFAULT_STATEMENT_TIMEOUT_MS + 2000,
    });
  });

  it('takes STATEMENT_TIMEOUT_MS, with 0 meaning no limit and nonsense meaning the default', () => {
    expect(sessionTimeouts({ STATEMENT_TIMEOUT_MS: '250' })).toMatchObject({ statement_timeout: 250, query_timeout: 2250 });
    expect(sessionTimeouts({ STATEMENT_TIMEOUT_MS: '0' })).toEqual({});
    for (const bad of ['-1', '1.5', 'ten', ' ']) expect(sessionTimeouts({ STATEMENT_TIMEOUT_MS: bad }).statement_timeout, bad).toBe(DEFAULT_STATEMENT_TIMEOUT_MS);
  });
});

describe('maxBodyBytes', () => {
  it('defaults to 1 MiB and takes MAX_BODY_BYTES', () => {
    expect(maxBodyBytes({})).toBe(DEFAULT_MAX_BODY_BYTES);
    expect(maxBodyBytes({ MAX_BODY_BYTES: '2048' })).toBe(2048);
    for (const bad of ['0', '-5', 'big', '1e3x']) expect(maxBodyBytes({ MAX_BODY_BYTES: bad }), bad).toBe(DEFAULT_MAX_BODY_BYTES);
  });
});
