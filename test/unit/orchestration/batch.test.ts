/** Orchestrating a batch in memory: shared slots, per-run failures, fresh details per run. */
import { describe, expect, it } from 'vitest';
import { ConcurrencyLedger } from '../../../src/orchestration/concurrency';
import { orchestrateBatch } from '../../../src/queries/flow-run-orchestration';
import { buildProposedState } from '../../../src/schemas/states';
import { DEFAULT_SETTINGS } from '../../../src/orchestration/context';
import { iso, NOW, run, SECOND, state } from './builders';

const LIMIT = 'aaaaaaaa-0000-4000-8000-000000000002';
const request = { force: false, apiVersion: null, clientVersion: '3.4.11', settings: DEFAULT_SETTINGS };

describe('orchestrateBatch', () => {
  it('a failing run aborts alone; the others proceed and share the slots', () => {
    const depId = crypto.randomUUID();
    const scheduled = () => run(state('SCHEDULED', { details: { scheduled_time: iso(NOW - SECOND) } }), { deploymentId: depId });
    // Corrupt loaded data makes the first rule that reads the current state's details throw.
    const broken = scheduled();
    broken.state = { ...broken.state!, stateDetails: null as never };
    const runs = [scheduled(), broken, scheduled(), scheduled()];
    const ledger = new ConcurrencyLedger([{ id: LIMIT, limit: 2, activeSlots: 0, active: true }]);
    const batch = {
      now: NOW,
      runs,
      deployments: new Map([[depId, { id: depId, concurrencyLimitId: LIMIT, concurrencyOptions: null }]]),
      ledger,
    };
    const results = orchestrateBatch(batch, (_r, now) => buildProposedState({ type: 'PENDING' }, now), request);
    const statuses = results.map((r) => (r.outcome?.error !== undefined ? 'ERROR' : r.outcome?.status));
    expect(statuses).toEqual(['ACCEPT', 'ERROR', 'ACCEPT', 'REJECT']);
    expect(ledger.limit(LIMIT)!.activeSlots).toBe(2);
    expect(ledger.changes().createdLeases).toHaveLength(2);
  });

  it('builds a fresh state per run: details never leak between runs (A1)', () => {
    const a = run(state('SCHEDULED', { details: { scheduled_time: iso(NOW - 10 * SECOND) } }));
    const b = run(state('SCHEDULED', { details: { scheduled_time: iso(NOW - 20 * SECOND) } }));
    const input = { type: 'PENDING' as const, state_details: {} };
    const results = orchestrateBatch(
      { now: NOW, runs: [a, b], deployments: new Map(), ledger: new ConcurrencyLedger() },
      (_r, now) => buildProposedState(input, now),
      request,
    );
    const [ra, rb] = results.map((r) => r.outcome!.state!);
    expect(ra!.stateDetails.scheduled_time).toBe(iso(NOW - 10 * SECOND));
    expect(rb!.stateDetails.scheduled_time).toBe(iso(NOW - 20 * SECOND));
    expect(ra!.stateDetails.flow_run_id).toBe(a.id);
    expect(rb!.stateDetails.flow_run_id).toBe(b.id);
    expect(ra!.id).not.toBe(rb!.id);
    expect(input.state_details).toEqual({});
  });
});
