/** The derived outcome matrix of spec §3.4, row by row, for CoreFlowPolicy and for force=true. */
import { describe, expect, it } from 'vitest';
import type { StateType } from '../../../src/orchestration/states';
import { deployment, iso, NOW, propose, run, SECOND, state } from './builders';

type Cell = 'acc' | 'R(cur)' | 'ABORT' | 'WAIT' | `R→${StateType}`;
const COLUMNS: StateType[] = ['SCHEDULED', 'PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED', 'PAUSED', 'CANCELLING'];

const rows: Record<string, () => ReturnType<typeof state> | null> = {
  none: () => null,
  SCHEDULED: () => state('SCHEDULED', { details: { scheduled_time: iso(NOW - 300 * SECOND) } }),
  PENDING: () => state('PENDING'),
  RUNNING: () => state('RUNNING'),
  PAUSED: () => state('PAUSED'),
  CANCELLING: () => state('CANCELLING'),
  COMPLETED: () => state('COMPLETED'),
  'COMPLETED(persisted)': () => state('COMPLETED', { data: { storage_key: 'k' } }),
  FAILED: () => state('FAILED'),
  CRASHED: () => state('CRASHED'),
  CANCELLED: () => state('CANCELLED'),
};

const T4 = (x: Cell): Cell[] => [x, x, x];
const core: Record<string, Cell[]> = {
  none: ['acc', 'acc', 'acc', ...T4('acc'), 'acc', 'ABORT', 'acc'],
  SCHEDULED: ['acc', 'acc', 'acc', ...T4('acc'), 'acc', 'R(cur)', 'R→CANCELLED'],
  PENDING: ['acc', 'ABORT', 'acc', ...T4('acc'), 'acc', 'R(cur)', 'acc'],
  RUNNING: ['acc', 'ABORT', 'acc', ...T4('acc'), 'acc', 'acc', 'acc'],
  PAUSED: ['acc', 'R(cur)', 'acc', ...T4('acc'), 'acc', 'R(cur)', 'acc'],
  CANCELLING: ['R(cur)', 'R(cur)', 'R(cur)', 'R(cur)', 'R(cur)', 'acc', 'R(cur)', 'R(cur)', 'R(cur)'],
  COMPLETED: ['acc', 'acc', 'acc', ...T4('acc'), 'ABORT', 'ABORT', 'ABORT'],
  'COMPLETED(persisted)': ['R(cur)', 'R(cur)', 'R(cur)', 'R(cur)', 'acc', 'acc', 'ABORT', 'ABORT', 'ABORT'],
  FAILED: ['acc', 'acc', 'acc', ...T4('acc'), 'ABORT', 'ABORT', 'ABORT'],
  CRASHED: ['acc', 'acc', 'acc', ...T4('acc'), 'ABORT', 'ABORT', 'ABORT'],
  CANCELLED: ['acc', 'ABORT', 'acc', ...T4('acc'), 'ABORT', 'ABORT', 'ABORT'],
};

function outcomeCell(from: string, to: StateType, force: boolean): Cell {
  const initial = rows[from]!();
  const r = run(initial, { deploymentId: crypto.randomUUID() });
  const o = propose({ run: r, proposed: state(to), force, deployment: deployment() });
  if (o.status === 'ACCEPT') return 'acc';
  if (o.status === 'REJECT') return o.wrote ? `R→${o.state!.type}` : 'R(cur)';
  return o.status;
}

describe('CoreFlowPolicy outcome matrix (§3.4)', () => {
  for (const [from, cells] of Object.entries(core)) {
    it.each(COLUMNS.map((to, i) => [to, cells[i]!] as const))(`${from} → %s is %s`, (to, expected) => {
      expect(outcomeCell(from, to, false)).toBe(expected);
    });
  }
});

describe('MinimalFlowPolicy (force=true) accepts everything but three cells (§3.4)', () => {
  const exceptions: Record<string, Cell> = {
    'COMPLETED(persisted)→COMPLETED': 'R(cur)',
    'SCHEDULED→CANCELLING': 'R→CANCELLED',
  };
  for (const from of Object.keys(rows)) {
    it.each(COLUMNS)(`${from} → %s`, (to) => {
      expect(outcomeCell(from, to, true)).toBe(exceptions[`${from}→${to}`] ?? 'acc');
    });
  }
  it('a suspended (pause_reschedule) run → CANCELLING is rejected to Cancelled even when forced', () => {
    const r = run(state('PAUSED', { details: { pause_reschedule: true } }), { deploymentId: crypto.randomUUID() });
    const o = propose({ run: r, proposed: state('CANCELLING'), force: true, deployment: deployment() });
    expect([o.status, o.state?.type, o.reason]).toEqual(['REJECT', 'CANCELLED', 'Suspended flow run has no infrastructure to terminate.']);
  });
});

describe('transition_id duplicates turn any cell into R(cur)', () => {
  it.each(COLUMNS)('RUNNING → %s with the same transition_id', (to) => {
    const tid = crypto.randomUUID();
    const r = run(state('RUNNING', { details: { transition_id: tid } }), { deploymentId: crypto.randomUUID() });
    const o = propose({ run: r, proposed: state(to, { details: { transition_id: tid } }), deployment: deployment() });
    expect([o.status, o.wrote, o.reason]).toEqual(['REJECT', false, 'This run has already made this state transition.']);
  });
});
