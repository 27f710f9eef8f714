import { describe, expect, it } from 'vitest';
import { parseStatements, replayPlan } from '../../../bench/lib/floor.mjs';

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
