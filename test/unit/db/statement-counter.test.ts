import { describe, expect, it } from 'vitest';
import { StatementCounter } from '../../../src/db/client';

// The counter decides whether a request gets an automation pass after its response
// (src/services/automations.ts): only requests that may have written.
describe('StatementCounter.writes', () => {
  const writes = (...statements: string[]) => {
    const counter = new StatementCounter();
    for (const s of statements) counter.logQuery(s);
    return { count: counter.count, writes: counter.writes };
  };

  it('counts no write for reads, whatever their column names', () => {
    expect(writes('select "id", "updated", "is_deleted" from "flow_run" where "id" = $1', 'begin', 'commit')).toEqual({ count: 3, writes: 0 });
    expect(writes('SELECT row_to_json(r) FROM (SELECT d.updated, d.last_updated_by FROM deployment d) r')).toEqual({ count: 1, writes: 0 });
  });

  it('counts inserts, updates, deletes, data-modifying CTEs and row locks', () => {
    expect(writes('insert into "event" ("id") values ($1)')).toEqual({ count: 1, writes: 1 });
    expect(writes('UPDATE flow_run SET state_id = $1')).toEqual({ count: 1, writes: 1 });
    expect(writes('WITH run_logs AS (DELETE FROM log WHERE flow_run_id = ANY($1)) DELETE FROM flow_run WHERE id = ANY($1)')).toEqual({ count: 1, writes: 1 });
    expect(writes('select id from flow_run where id = any($1) order by id for update')).toEqual({ count: 1, writes: 1 });
    expect(writes('begin', 'select 1', 'delete from variable where id = $1', 'commit')).toEqual({ count: 4, writes: 1 });
  });
});
