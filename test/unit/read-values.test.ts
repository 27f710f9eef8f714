/** The value objects and computed fields of the read models (spec §1.11, §1.12), without a database. */
import { describe, expect, it } from 'vitest';
import {
  estimatedRunTime,
  estimatedStartTimeDelta,
  serializeFlowRunPolicy,
  serializeStateDetails,
  serializeTaskRunPolicy,
} from '../../src/queries/read/values';
import { parseMicros } from '../../src/time';

const NOW = parseMicros('2024-01-01T12:00:00Z')!;

describe('estimated_run_time', () => {
  it('adds the time in the current RUNNING state to total_run_time', () => {
    expect(estimatedRunTime(1.5, 'RUNNING', '2024-01-01T11:59:50Z', NOW)).toBe(11.5);
    expect(estimatedRunTime(1.5, 'RUNNING', '2024-01-01 11:59:59.5+00', NOW)).toBe(2);
  });
  it('is total_run_time otherwise', () => {
    expect(estimatedRunTime(3, 'COMPLETED', '2024-01-01T11:00:00Z', NOW)).toBe(3);
    expect(estimatedRunTime(0, null, null, NOW)).toBe(0);
  });
});

describe('estimated_start_time_delta', () => {
  it('is start - expected when the run started late', () => {
    expect(estimatedStartTimeDelta('2024-01-01T10:00:30Z', '2024-01-01T10:00:00Z', 'RUNNING', NOW)).toBe(30);
  });
  it('is 0 when the run started early or on time', () => {
    expect(estimatedStartTimeDelta('2024-01-01T09:00:00Z', '2024-01-01T10:00:00Z', 'RUNNING', NOW)).toBe(0);
  });
  it('is now - expected for a run not started, past due and not terminal (a NULL state counts as not terminal)', () => {
    expect(estimatedStartTimeDelta(null, '2024-01-01T11:00:00Z', 'SCHEDULED', NOW)).toBe(3600);
    expect(estimatedStartTimeDelta(null, '2024-01-01T11:00:00Z', null, NOW)).toBe(3600);
    expect(estimatedStartTimeDelta(null, '2024-01-01T11:00:00Z', 'PAUSED', NOW)).toBe(3600);
  });
  it('is 0 for terminal runs that never started, future runs, and runs without an expected start', () => {
    expect(estimatedStartTimeDelta(null, '2024-01-01T11:00:00Z', 'CANCELLED', NOW)).toBe(0);
    expect(estimatedStartTimeDelta(null, '2024-01-01T13:00:00Z', 'SCHEDULED', NOW)).toBe(0);
    expect(estimatedStartTimeDelta(null, null, 'PENDING', NOW)).toBe(0);
  });
  it('keeps microseconds', () => {
    expect(estimatedStartTimeDelta('2024-01-01T10:00:00.000005Z', '2024-01-01T10:00:00Z', 'RUNNING', NOW)).toBeCloseTo(0.000005, 9);
  });
});

describe('value objects', () => {
  it('state_details: every key in order, defaults filled, unknown keys dropped, times formatted', () => {
    const d = serializeStateDetails({ flow_run_id: 'x', bogus: 1, pause_timeout: '2024-01-01T00:00:00.500000+00:00', deferred: null });
    expect(Object.keys(d)).toHaveLength(18);
    expect(d).not.toHaveProperty('bogus');
    expect(d).toMatchObject({ flow_run_id: 'x', pause_timeout: '2024-01-01T00:00:00.500000Z', deferred: null, untrackable_result: false, pause_reschedule: false });
    expect(serializeStateDetails({}).deferred).toBe(false);
  });
  it('FlowRunPolicy: defaults, and deprecated fields copied into falsy retries/retry_delay', () => {
    expect(serializeFlowRunPolicy({})).toEqual({
      max_retries: 0, retry_delay_seconds: 0, retries: null, retry_delay: null, pause_keys: [], resuming: false, retry_type: null,
    });
    expect(serializeFlowRunPolicy({ max_retries: 3, retries: 0, retry_delay_seconds: 5 })).toMatchObject({ retries: 3, retry_delay: 5 });
    expect(serializeFlowRunPolicy({ max_retries: 3, retries: 1 }).retries).toBe(1);
  });
  it('TaskRunPolicy: defaults and list delays', () => {
    expect(serializeTaskRunPolicy({ retry_delay: [1, 2] })).toEqual({
      max_retries: 0, retry_delay_seconds: 0, retries: null, retry_delay: [1, 2], retry_jitter_factor: null,
    });
  });
});
