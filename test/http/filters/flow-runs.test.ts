/** Spec §5.2 cases 12–35: /flow_runs/filter, /count and /paginate over the canonical dataset. */
import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { post, withDb } from '../helpers';
import { seedCanonical, RUN_NAMES, type Canonical } from '../fixtures/canonical';

let id: Canonical;
beforeAll(async () => {
  id = await seedCanonical();
});

const count = async (body: unknown) => {
  const res = await post('/flow_runs/count', body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as number;
};
const filter = async (body: unknown) => {
  const res = await post('/flow_runs/filter', body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body as { name: string }[]).map((r) => r.name);
};
/** The names of the given run keys, sorted, for set comparisons. */
const runs = (...keys: string[]) => keys.map((k) => RUN_NAMES[k]!).sort();
const sorted = (xs: string[]) => [...xs].sort();

describe('flow runs: spec §5.2', () => {
  it('case 12: count {}, flows name/tags, and an empty flows filter', async () => {
    expect(await count({})).toBe(12);
    expect(await count({ flows: { name: { any_: ['f-1', 'f-2'] } } })).toBe(8);
    expect(await count({ flows: { tags: { all_: ['db', 'blue'] } } })).toBe(5);
    expect(await count({ flows: {} })).toBe(12);
  });

  it('case 13: tags.is_null_ tests for the empty list', async () => {
    expect(sorted(await filter({ flow_runs: { tags: { is_null_: true } } }))).toEqual(runs('R5', 'R9', 'P', 'C'));
    expect((await filter({ flow_runs: { tags: { is_null_: false } } })).length).toBe(8);
  });

  it('case 14: like_ is a case-insensitive substring match', async () => {
    expect(await count({ flow_runs: { name: { like_: 'test-happy' } } })).toBe(3);
    expect(await count({ flow_runs: { name: { like_: 'DUCK' } } })).toBe(4);
  });

  it('case 15: % and _ in like_ are wildcards', async () => {
    expect(sorted(await filter({ deployments: { name: { like_: 'd_1' } } }))).toEqual(runs('R1', 'R3', 'R5'));
    expect(sorted(await filter({ flow_runs: { name: { like_: 'happy%duck' } } }))).toEqual(runs('R1', 'R6'));
    expect(sorted(await filter({ flow_runs: { name: { like_: 'fr_1' } } }))).toEqual(['fr-1-4', 'fr-1-5']);
    expect((await filter({ flow_runs: { name: { like_: '%' } } })).length).toBe(12);
  });

  it('case 16: state type and name are ANDed', async () => {
    expect(await count({ flow_runs: { state: { type: { any_: ['COMPLETED'] }, name: { any_: ['NOT-COMPLETED'] } } } })).toBe(0);
  });

  it('case 17: state name any_, then with a type', async () => {
    expect(await count({ flow_runs: { state: { name: { any_: ['Failed', 'Completed'] } } } })).toBe(6);
    expect(
      await count({ flow_runs: { state: { name: { any_: ['Failed', 'Completed'] }, type: { any_: ['FAILED'] } } } }),
    ).toBe(2);
  });

  it('case 18: a state type sub-filter with both any_ and not_any_ applies both (3.9.1)', async () => {
    expect(await count({ flow_runs: { state: { type: { any_: ['COMPLETED'], not_any_: ['COMPLETED'] } } } })).toBe(0);
    expect(await count({ flow_runs: { state: { type: { any_: ['COMPLETED', 'FAILED'], not_any_: ['FAILED'] } } } })).toBe(
      await count({ flow_runs: { state: { type: { any_: ['COMPLETED'] } } } }),
    );
  });

  it('case 19: state type not_any_ excludes runs without a state', async () => {
    expect(sorted(await filter({ flow_runs: { state: { type: { not_any_: ['COMPLETED'] } } } }))).toEqual(
      runs('R3', 'R4', 'R5', 'R7', 'R8', 'R10'),
    );
  });

  it('case 20: or_ inside state', async () => {
    const body = { flow_runs: { state: { operator: 'or_', type: { any_: ['FAILED'] }, name: { any_: ['Running'] } } } };
    expect(sorted(await filter(body))).toEqual(runs('R3', 'R4', 'R5', 'R7', 'R8'));
  });

  it('case 21: deployment_id any_, is_null_, and or_', async () => {
    expect(await count({ flow_runs: { deployment_id: { any_: [id.D11, id.D12] } } })).toBe(3);
    expect(await count({ flow_runs: { deployment_id: { is_null_: true } } })).toBe(8);
    expect(await count({ flow_runs: { deployment_id: { operator: 'or_', any_: [id.D12], is_null_: true } } })).toBe(9);
  });

  it('case 22: task_runs state reaches runs; top-level filters are ANDed', async () => {
    expect(await count({ task_runs: { state: { type: { any_: ['FAILED'] } } } })).toBe(1);
    expect(
      await count({ task_runs: { state: { type: { any_: ['FAILED'] } } }, flows: { tags: { all_: ['xyz'] } } }),
    ).toBe(0);
  });

  it('case 23: flows and task_runs together', async () => {
    const body = { flows: { name: { any_: ['f-1', 'f-2'] } }, task_runs: { state: { type: { any_: ['RUNNING'] } } } };
    expect(sorted(await filter(body))).toEqual(runs('R1', 'R7'));
  });

  it('case 24: parent_flow_run_id finds subflows one level down', async () => {
    expect(await filter({ flow_runs: { parent_flow_run_id: { any_: [id.P] } } })).toEqual(['child']);
    expect(await filter({ flow_runs: { parent_flow_run_id: { any_: [crypto.randomUUID()] } } })).toEqual([]);
    expect(await filter({ flow_runs: { parent_flow_run_id: { any_: [] } } })).toEqual([]);
  });

  it('case 25: work_pools and work_pool_queues go through the run\'s queue', async () => {
    expect(await count({ work_pools: { name: { any_: ['Test Pool'] } } })).toBe(1);
    expect(
      await count({ work_pools: { name: { any_: ['Test Pool'] } }, work_pool_queues: { name: { any_: ['default'] } } }),
    ).toBe(1);
    expect(await count({ work_pools: { name: { any_: ['nope'] } } })).toBe(0);
    expect(await count({ work_pool_queues: { name: { any_: ['nope'] } } })).toBe(0);
  });

  it('case 26: present-but-empty top-level filters require the relation', async () => {
    expect(sorted(await filter({ deployments: {} }))).toEqual(runs('R1', 'R3', 'R5', 'R9'));
    expect(sorted(await filter({ task_runs: {} }))).toEqual(runs('R1', 'R7', 'R9', 'P', 'C'));
    expect(sorted(await filter({ work_pools: {} }))).toEqual(runs('R9'));
    expect(await count({ deployments: {} })).toBe(4);
    expect(await count({ task_runs: {} })).toBe(5);
    expect(await count({ work_pools: {} })).toBe(1);
  });

  it('case 27: an empty criterion inside or_ is TRUE; a null one is nothing', async () => {
    expect(await count({ flow_runs: { operator: 'or_', name: {}, tags: { all_: ['blue'] } } })).toBe(12);
    expect(sorted(await filter({ flow_runs: { operator: 'or_', name: null, tags: { all_: ['blue'] } } }))).toEqual(
      runs('R1', 'R2', 'R6'),
    );
  });

  it('case 28: or_ of name and tags', async () => {
    const body = { flow_runs: { operator: 'or_', name: { any_: ['fr-1-4'] }, tags: { all_: ['blue'] } } };
    expect(sorted(await filter(body))).toEqual(runs('R1', 'R2', 'R4', 'R6'));
  });

  it('case 29: empty lists', async () => {
    expect(await count({ flow_runs: { id: { any_: [] } } })).toBe(0);
    expect(await count({ flow_runs: { id: { not_any_: [] } } })).toBe(12);
    expect(await count({ flow_runs: { tags: { any_: [] } } })).toBe(0);
    expect(await count({ flow_runs: { tags: { all_: [] } } })).toBe(12);
    expect(await count({ flow_runs: { state: { type: { any_: [] } } } })).toBe(0);
    expect(await count({ flow_runs: { created_by: { type_: [] } } })).toBe(0);
  });

  it('case 30: tags any_ and all_', async () => {
    expect(await count({ flow_runs: { tags: { any_: ['blue', 'red'] } } })).toBe(8);
    expect(await count({ flow_runs: { tags: { all_: ['db', 'red'] } } })).toBe(3);
  });

  it('case 31: idempotency_key not_any_ excludes NULL keys', async () => {
    expect(await count({ flow_runs: { idempotency_key: { not_any_: ['x'] } } })).toBe(0);
  });

  it('case 32: start_time is_null_ and after_ (COALESCE with expected_start_time)', async () => {
    expect(sorted(await filter({ flow_runs: { start_time: { is_null_: true } } }))).toEqual(runs('R10', 'P', 'C'));
    const after = await filter({ flow_runs: { start_time: { after_: '2000-01-01T00:00:00' } } });
    expect(sorted(after)).toEqual(runs('R1', 'R2', 'R3', 'R4', 'R5', 'R6', 'R7', 'R8', 'R9', 'R10'));
  });

  describe('case 33: inclusive bounds, naive = UTC, microseconds', () => {
    beforeAll(async () => {
      await withDb((db) => db.execute(sql`update flow_run set start_time = '2000-01-01T05:00:00Z' where id = ${id.R4}`));
    });
    const matches = async (bound: Record<string, string>) =>
      (await filter({ flow_runs: { name: { any_: ['fr-1-4'] }, start_time: bound } })).length === 1;

    it('after_ equal to the value matches, in every spelling', async () => {
      for (const v of ['2000-01-01T05:00:00', '2000-01-01T05:00:00Z', '2000-01-01T06:00:00+01:00', '2000-01-01T00:00:00-05:00']) {
        expect(await matches({ after_: v }), v).toBe(true);
      }
    });
    it('after_ one microsecond later does not match', async () => {
      expect(await matches({ after_: '2000-01-01T05:00:00.000001' })).toBe(false);
    });
    it('before_ with the same value matches', async () => {
      expect(await matches({ before_: '2000-01-01T05:00:00' })).toBe(true);
      expect(await matches({ before_: '2000-01-01T04:59:59.999999Z' })).toBe(false);
    });
  });

  it('case 34: sorts keep Postgres NULL placement', async () => {
    const byEnd = await filter({ sort: 'END_TIME_DESC' });
    expect(sorted(byEnd.slice(0, 6))).toEqual(runs('R4', 'R5', 'R7', 'R10', 'P', 'C'));
    // Finished runs by end_time descending (the fixture ends them one minute apart in R order).
    expect(byEnd.slice(6)).toEqual(['R9', 'R8', 'R6', 'R3', 'R2', 'R1'].map((k) => RUN_NAMES[k]));
    const byNext = await filter({ sort: 'NEXT_SCHEDULED_START_TIME_ASC' });
    expect(byNext[0]).toBe(RUN_NAMES.R10);
    expect(byNext.length).toBe(12);
    const byStart = await filter({ sort: 'START_TIME_DESC' });
    expect(sorted(byStart.slice(0, 2))).toEqual(runs('P', 'C'));
  });

  it('case 35: paginate', async () => {
    const res = await post('/flow_runs/paginate', { limit: 3, page: 2, sort: 'NAME_ASC' });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { name: string }) => r.name)).toEqual(['fr-1-4', 'fr-1-5', 'fr-2-3']);
    expect({ ...res.body, results: undefined }).toEqual({ results: undefined, count: 12, pages: 4, page: 2, limit: 3 });
    const zero = await post('/flow_runs/paginate', { limit: 0 });
    expect(zero.body).toEqual({ results: [], count: 12, limit: 0, pages: 0, page: 1 });
  });
});
