import { describe, expect, it } from 'vitest';
import { retryAfterSeconds } from '../../../src/queries/concurrency-slots';

const limit = (x: Partial<{ limit: number; deniedSlots: number; slotDecayPerSecond: number; avgSlotOccupancySeconds: number }>) =>
  ({ id: 'x', name: 'x', active: true, activeSlots: 0, created: '', updated: '', limit: 1, deniedSlots: 0, slotDecayPerSecond: 0, avgSlotOccupancySeconds: 2, ...x }) as never;

describe('retryAfterSeconds', () => {
  it('stays within about [0.36, 1.3] × the average wait', () => {
    for (const r of [0, 0.25, 0.5, 0.999]) {
      // Concurrency limit: average occupancy 2 s × (1 slot + 1 denied) / limit 1 = 4 s.
      const s = retryAfterSeconds([limit({ deniedSlots: 1 })], 1, () => r);
      expect(s).toBeGreaterThanOrEqual(4 * 0.36);
      expect(s).toBeLessThanOrEqual(4 * 1.3 + 1e-9);
    }
  });
  it('caps concurrency waits at 30 s and uses the decay rate for rate limits', () => {
    expect(retryAfterSeconds([limit({ avgSlotOccupancySeconds: 1000, deniedSlots: 100 })], 1, () => 0.999)).toBeLessThanOrEqual(39 + 1e-9);
    // Rate limit: 1 / 0.5 per slot × (2 slots + 0 denied) = 4 s.
    const s = retryAfterSeconds([limit({ slotDecayPerSecond: 0.5 })], 2, () => 0.999);
    expect(s).toBeCloseTo(5.2, 1);
  });
});
