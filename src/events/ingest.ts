/**
 * Ingestion: a batch of received events is stored and recorded in one transaction, with a fixed number
 * of statements (the event insert and, when the batch has task-run events, the recorder's upsert).
 *
 * If the recorder's writes break a constraint (a race with another batch creating the same run under
 * another id, as Prefect's recorder also meets), the batch is tried once more, then stored without the
 * recorder so that a poison event never blocks the events behind it. Any other failure is the caller's
 * to handle: nothing of the batch is committed.
 */
import type { Db } from '../db/client';
import { sqlState } from '../http/errors';
import { insertEvents } from '../queries/events';
import { recordTaskRuns } from '../queries/task-run-recorder';
import { uniqueById, withinSizeLimit, type ReceivedEvent } from './received';
import { taskRunRecords } from './task-run-recorder';

export async function ingestEvents(db: Db, received: readonly ReceivedEvent[]): Promise<void> {
  const events = uniqueById(received.filter(withinSizeLimit));
  if (events.length === 0) return;
  const records = taskRunRecords(events);
  // One statement is atomic on its own: a batch with nothing to record needs no BEGIN/COMMIT round trips.
  if (records.length === 0) {
    await insertEvents(db, events);
    return;
  }
  const write = (record: boolean) =>
    db.transaction(async (tx) => {
      await insertEvents(tx, events);
      if (record) await recordTaskRuns(tx, records);
    });
  for (let attempt = 1; ; attempt += 1) {
    try {
      await write(true);
      return;
    } catch (err) {
      if (!sqlState(err)?.startsWith('23') || records.length === 0) throw err;
      if (attempt >= 2) {
        console.error('Task-run recorder: batch breaks a constraint twice; storing its events without recording them', err);
        await write(false);
        return;
      }
    }
  }
}
