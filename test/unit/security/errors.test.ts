import { describe, expect, it } from 'vitest';
import { toHttpError } from '../../../src/http/errors';

/** A driver error as Drizzle wraps it: the SQLSTATE sits on the cause. */
const pgError = (code: string, message = 'boom') => Object.assign(new Error('Failed query'), { cause: Object.assign(new Error(message), { code }) });

describe('time limits and lost connections map to 503', () => {
  it.each([
    ['57014', 'canceling statement due to statement timeout'],
    ['25P03', 'terminating connection due to idle-in-transaction timeout'],
    ['08006', 'connection failure'],
  ])('SQLSTATE %s', (code, message) => {
    const e = toHttpError(pgError(code, message));
    expect(e.status).toBe(503);
    expect(e.body).toEqual({ exception_message: 'Service Unavailable' });
  });

  it.each(['Query read timeout', 'Connection terminated unexpectedly', 'Client has encountered a connection error and is not queryable'])(
    'driver error "%s"',
    (message) => expect(toHttpError(new Error('Failed query', { cause: new Error(message) })).status).toBe(503),
  );

  it('does not turn other failures into 503s', () => {
    expect(toHttpError(new Error('something else')).status).toBe(500);
  });
});
