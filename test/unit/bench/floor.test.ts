import { describe, expect, it } from 'vitest';
import { isPoolerStatement, parseStatements, replayPlan, requestStatements } from '../../../bench/lib/floor.mjs';

const LOG = [
  "2026-12-04 17:00:00.001 UTC [101] db=edge LOG:  statement: begin",
  "2026-12-04 17:00:00.002 UTC [101] db=edge LOG:  execute <unnamed>: select *",
  "\tfrom flow_run where id = any($1::uuid[]) and name = $2",
  "2026-12-04 17:00:00.003 UTC [101] db=edge DETAIL:  parameters: $1 = '{a,b}', $2 = 'it''s, $3 = ''x''', $3 = NULL",
  "2026-12-04 17:00:00.004 UTC [202] db=postgres LOG:  statement: select pg_stat_statements_reset()",
  "2026-12-04 17:00:00.005 UTC [101] db=edge LOG:  duration: 0.050 ms  plan:",
  '\t{"Query Text": "commit"}',
  "2026-12-04 17:00:00.006 UTC [101] db=edge LOG:  statement: commit",
].join('\n');

describe('the floor: statements captured from the Postgres log', () => {
  it('keeps one database, joins continuation lines, and reads quoted parameters (quotes doubled, NULL)', () => {
    const s = parseStatements(LOG, 'edge');
    expect(s.map((x) => x.sql)).toEqual(['begin', 'select *\nfrom flow_run where id = any($1::uuid[]) and name = $2', 'commit']);
    expect(s[1]?.params).toEqual(['{a,b}', "it's, $3 = 'x'", null]);
    expect(s.every((x) => x.pid === '101')).toBe(true);
  });

  it('replays COMMIT as ROLLBACK, and wraps writes that ran outside a transaction', () => {
    const s = parseStatements(LOG, 'edge');
    expect(replayPlan(s).statements.map((x) => x.sql).at(-1)).toBe('ROLLBACK');
    expect(replayPlan(s).wrapped).toBe(false);
    const lone = replayPlan([{ pid: '1', sql: 'delete from flow_run where id = $1', params: ['x'] }]);
    expect(lone.wrapped).toBe(true);
    expect(lone.statements.map((x) => x.sql)).toEqual(['BEGIN', 'delete from flow_run where id = $1', 'ROLLBACK']);
    expect(replayPlan([{ pid: '1', sql: 'select 1', params: [] }]).wrapped).toBe(false);
  });
});

describe('the floor: one request among the captured statements', () => {
  const st = (pid: string, sql: string) => ({ pid, sql, params: [] });
  const captured = [
    st('7', 'SET statement_timeout = 10000; SET idle_in_transaction_session_timeout = 10000'),
    st('7', "SET application_name='pkg:npm/%40neondatabase/serverless@1.2.0';"),
    st('7', 'select row_to_json(r) from deployment r'),
    st('8', 'select 1'),
    st('7', 'select id from automation where enabled'),
  ];

  it("leaves out PgBouncer's own SETs, and other backends", () => {
    expect(isPoolerStatement(captured[0]!.sql)).toBe(true);
    expect(isPoolerStatement(captured[1]!.sql)).toBe(true);
    expect(isPoolerStatement('SET search_path = x')).toBe(false);
    expect(requestStatements(captured).map((s) => s.sql)).toEqual(['select row_to_json(r) from deployment r', 'select id from automation where enabled']);
  });

  it("keeps the Worker's reported count: a later connection on the same backend is not the request's", () => {
    expect(requestStatements(captured, 1).map((s) => s.sql)).toEqual(['select row_to_json(r) from deployment r']);
    expect(requestStatements(captured, Number.NaN)).toHaveLength(2);
  });
});
