import { describe, expect, it } from 'vitest';
import { firstFreePriority, rebalancedPriorities } from '../../../src/queries/work-queues';

const queues = (...ps: [string, number][]) => ps.map(([id, priority]) => ({ id, priority }));
const asObject = (m: Map<string, number>) => Object.fromEntries(m);

describe('firstFreePriority', () => {
  it('takes the first gap, else max + 1', () => {
    expect(firstFreePriority([])).toBe(1);
    expect(firstFreePriority([1, 2, 3])).toBe(4);
    expect(firstFreePriority([1, 3])).toBe(2);
    expect(firstFreePriority([2, 3])).toBe(1);
    expect(firstFreePriority([3, 1, 2, 7])).toBe(4);
  });
});

describe('rebalancedPriorities', () => {
  it('a new queue at a taken priority pushes the holder and those after it up by one', () => {
    const q = queues(['x', 1], ['a', 1], ['b', 2], ['c', 5]);
    expect(asObject(rebalancedPriorities(q, new Map([['x', 1]])))).toEqual({ x: 1, a: 2, b: 3, c: 5 });
  });

  it('moving a queue up shifts only what it overtakes', () => {
    const q = queues(['a', 1], ['b', 2], ['c', 3]);
    expect(asObject(rebalancedPriorities(q, new Map([['c', 1]])))).toEqual({ c: 1, a: 2, b: 3 });
  });

  it('a target beyond every queue is kept as given', () => {
    const q = queues(['a', 1], ['b', 2]);
    expect(asObject(rebalancedPriorities(q, new Map([['a', 10]])))).toEqual({ b: 2, a: 10 });
  });

  it('with no targets, keeps gaps but fixes duplicates', () => {
    expect(asObject(rebalancedPriorities(queues(['a', 1], ['b', 3]), new Map()))).toEqual({ a: 1, b: 3 });
    expect(asObject(rebalancedPriorities(queues(['a', 2], ['b', 2]), new Map()))).toEqual({ a: 2, b: 3 });
  });

  it('always yields unique priorities', () => {
    const q = queues(['a', 1], ['b', 2], ['c', 3], ['d', 4]);
    for (const [id, p] of [['a', 3], ['d', 2], ['b', 4], ['c', 1]] as const) {
      const next = rebalancedPriorities(q, new Map([[id, p]]));
      expect(new Set(next.values()).size).toBe(4);
      expect(next.get(id)).toBe(p);
    }
  });
});
