/** A request that waits for a run's lock orchestrates against the state committed meanwhile. */
import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { isPglite, withDb } from '../helpers';
import { runIn, runRow, setState } from './fixtures';

describe('row locks', () => {
  it.skipIf(isPglite())('set_state blocked on a run sees the state another transaction committed', async () => {
    const id = await runIn({ type: 'PENDING' });
    let pending: Promise<any> | undefined;
    await withDb((db) =>
      db.transaction(async (tx) => {
        await tx.execute(sql`SELECT id FROM flow_run WHERE id = ${id} FOR UPDATE`);
        pending = setState(id, { type: 'RUNNING' });
        await new Promise((r) => setTimeout(r, 400));
        // Meanwhile this transaction moves the run to CANCELLING.
        const s = await tx.execute(sql`
          INSERT INTO flow_run_state (flow_run_id, type, name, timestamp, state_details)
          VALUES (${id}, 'CANCELLING', 'Cancelling', clock_timestamp(), ${JSON.stringify({ flow_run_id: id })}::jsonb) RETURNING id`);
        const stateId = (s.rows[0] as any).id;
        await tx.execute(sql`UPDATE flow_run SET state_id = ${stateId}, state_type = 'CANCELLING', state_name = 'Cancelling' WHERE id = ${id}`);
      }),
    );
    const res = await pending!;
    expect([res.status, res.body.status, res.body.state.type]).toEqual([200, 'REJECT', 'CANCELLING']);
    expect((await runRow(id)).state_type).toBe('CANCELLING');
  });
});
