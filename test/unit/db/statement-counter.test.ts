import { describe, expect, it } from 'vitest';
import { StatementCounter } from '../../../src/db/client';

// The counter decides whether a request gets an automation pass after its response
// (src/services/automations.ts): only requests that may have stored events.
describe('StatementCounter.eventWrites', () => {
  const counted = (...statements: string[]) => {
    const counter = new StatementCounter();
    for (const s of statements) counter.logQuery(s);
    return { count: counter.count, eventWrites: counter.eventWrites };
  };

  it('counts no event write for reads, whatever their column or table names', () => {
    expect(counted('select "id", "updated", "is_deleted" from "flow_run" where "id" = $1', 'begin', 'commit')).toEqual({ count: 3, eventWrites: 0 });
    expect(counted('SELECT e.event, e.payload FROM event e WHERE e.occurred > $1')).toEqual({ count: 1, eventWrites: 0 });
  });

  it('counts no event write for writes that store no event (bulk_delete, a variable, a lock)', () => {
    expect(counted('WITH run_logs AS (DELETE FROM log WHERE flow_run_id = ANY($1)) DELETE FROM flow_run WHERE id = ANY($1)')).toEqual({ count: 1, eventWrites: 0 });
    expect(counted('begin', 'UPDATE flow_run SET state_id = $1', 'insert into "variable" ("id") values ($1)', 'commit')).toEqual({ count: 4, eventWrites: 0 });
    expect(counted('INSERT INTO event_resource (occurred, resource_id) VALUES ($1, $2)')).toEqual({ count: 1, eventWrites: 0 });
    expect(counted('select id from flow_run where id = any($1) order by id for update')).toEqual({ count: 1, eventWrites: 0 });
  });

  it('counts event inserts, quoted or not, alone or in a data-modifying CTE', () => {
    expect(counted('insert into "event" ("id") values ($1)')).toEqual({ count: 1, eventWrites: 1 });
    expect(counted('WITH v AS (INSERT INTO variable (id) VALUES ($1) RETURNING *), ev AS (\n  INSERT INTO event (id, occurred) SELECT $2, now() FROM v) SELECT * FROM v')).toEqual({ count: 1, eventWrites: 1 });
    expect(counted('begin', 'UPDATE flow_run SET state_id = $1', 'INSERT  INTO  event(id) VALUES ($1)', 'commit')).toEqual({ count: 4, eventWrites: 1 });
  });
});
