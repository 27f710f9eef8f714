/**
 * The filter semantics oracle: over generated datasets (seeded by SQL into an empty database),
 * generated filters sent to /flow_runs, /flows, /deployments and /task_runs (`/filter` with limit 200
 * and `/count`) must return exactly the rows the in-memory evaluator of filter-oracle.ts selects, in
 * the order the sort defines (Prefect's NULL placement, then our `id` tie-breaker).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { post } from '../helpers';
import { batches, BATCH, check, SEED, timeoutFor } from './config';
import { sampleDataset, seedDataset, parseResponseTime, type Dataset, type Micros } from './dataset';
import { bodyOf, canonical, filterGenerators, spelled } from './filter-gen';
import {
  deploymentSelected,
  flowRunSelected,
  flowSelected,
  Index,
  taskRunSelected,
  type Body,
} from './filter-oracle';
import { DEPLOYMENT_SORTS, FLOW_RUN_SORTS, FLOW_SORTS, TASK_RUN_SORTS } from './request-shapes';

/** Datasets per run of the suite; the cases of each property are shared among them. */
const DATASETS = 2;

interface Row {
  id: string;
  name: string;
  [k: string]: unknown;
}

type Direction = 'asc' | 'desc';
/** Compares by key (Postgres NULL placement: last ascending, first descending), then by id in the same direction. */
function comparator(key: (r: Row) => string | Micros | null, dir: Direction) {
  return (a: Row, b: Row) => {
    const x = key(a);
    const y = key(b);
    const sign = dir === 'asc' ? 1 : -1;
    if (x !== y) {
      if (x === null) return dir === 'asc' ? 1 : -1;
      if (y === null) return dir === 'asc' ? -1 : 1;
      return (x < y ? -1 : 1) * sign;
    }
    return (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) * sign;
  };
}
const time = (field: string) => (r: Row) => parseResponseTime(r[field] as string | null);
const byName = (r: Row) => r.name;
const byId = () => null;

const ORDERS: Record<string, Record<string, [(r: Row) => string | Micros | null, Direction]>> = {
  flow_runs: {
    ID_DESC: [byId, 'desc'],
    START_TIME_ASC: [(r) => time('start_time')(r) ?? time('expected_start_time')(r), 'asc'],
    START_TIME_DESC: [(r) => time('start_time')(r) ?? time('expected_start_time')(r), 'desc'],
    EXPECTED_START_TIME_ASC: [time('expected_start_time'), 'asc'],
    EXPECTED_START_TIME_DESC: [time('expected_start_time'), 'desc'],
    NAME_ASC: [byName, 'asc'],
    NAME_DESC: [byName, 'desc'],
    NEXT_SCHEDULED_START_TIME_ASC: [time('next_scheduled_start_time'), 'asc'],
    END_TIME_DESC: [time('end_time'), 'desc'],
  },
  task_runs: {
    ID_DESC: [byId, 'desc'],
    EXPECTED_START_TIME_ASC: [time('expected_start_time'), 'asc'],
    EXPECTED_START_TIME_DESC: [time('expected_start_time'), 'desc'],
    NAME_ASC: [byName, 'asc'],
    NAME_DESC: [byName, 'desc'],
    NEXT_SCHEDULED_START_TIME_ASC: [time('next_scheduled_start_time'), 'asc'],
    END_TIME_DESC: [time('end_time'), 'desc'],
  },
  // All rows of the seeded dataset share created/updated (one INSERT each): the id decides.
  flows: { CREATED_DESC: [time('created'), 'desc'], UPDATED_DESC: [time('updated'), 'desc'], NAME_ASC: [byName, 'asc'], NAME_DESC: [byName, 'desc'] },
  deployments: { CREATED_DESC: [time('created'), 'desc'], UPDATED_DESC: [time('updated'), 'desc'], NAME_ASC: [byName, 'asc'], NAME_DESC: [byName, 'desc'] },
};

interface Family {
  name: 'flow_runs' | 'flows' | 'deployments' | 'task_runs';
  keys: string[];
  sorts: readonly string[];
  rows: (ds: Dataset) => { id: string; name: string }[];
  selected: (b: Body, row: any, ix: Index) => boolean;
}

const FAMILIES: Family[] = [
  {
    name: 'flow_runs',
    keys: ['flows', 'flow_runs', 'task_runs', 'deployments', 'work_pools', 'work_pool_queues'],
    sorts: FLOW_RUN_SORTS,
    rows: (ds) => ds.flowRuns,
    selected: flowRunSelected,
  },
  { name: 'flows', keys: ['flows', 'flow_runs', 'task_runs', 'deployments', 'work_pools'], sorts: FLOW_SORTS, rows: (ds) => ds.flows, selected: flowSelected },
  {
    name: 'deployments',
    keys: ['flows', 'flow_runs', 'task_runs', 'deployments', 'work_pools', 'work_pool_queues'],
    sorts: DEPLOYMENT_SORTS,
    rows: (ds) => ds.deployments,
    selected: deploymentSelected,
  },
  { name: 'task_runs', keys: ['flows', 'flow_runs', 'task_runs', 'deployments'], sorts: TASK_RUN_SORTS, rows: (ds) => ds.taskRuns, selected: taskRunSelected },
];

/** A readable account of a disagreement: the body, and the rows only one side returned. */
function explain(family: Family, body: unknown, ix: Index, expected: Set<string>, got: Set<string>): string {
  const describeRow = (id: string) => JSON.stringify(family.rows(ix.ds).find((r) => r.id === id));
  const missing = [...expected].filter((id) => !got.has(id)).slice(0, 3);
  const extra = [...got].filter((id) => !expected.has(id)).slice(0, 3);
  return [
    `POST /${family.name}/filter ${JSON.stringify(body)}`,
    `expected ${expected.size} rows, got ${got.size}`,
    ...missing.map((id) => `  missing: ${describeRow(id)}`),
    ...extra.map((id) => `  unexpected: ${describeRow(id)}`),
  ].join('\n');
}

const datasets = Array.from({ length: DATASETS }, (_, i) => ({ i, seed: SEED + i }));

describe.each(datasets)('dataset $i (seed $seed)', ({ seed }) => {
  const ds = sampleDataset(seed);
  const ix = new Index(ds);
  const generators = filterGenerators(ds);

  beforeAll(async () => {
    await seedDataset(ds);
  });

  it('is what the oracle indexes (seeded in full)', async () => {
    expect((await post('/flow_runs/count', {})).body).toBe(ds.flowRuns.length);
    expect((await post('/task_runs/count', {})).body).toBe(ds.taskRuns.length);
    expect(ds.flowRuns.length + ds.taskRuns.length).toBeLessThan(400);
  });

  describe.each(FAMILIES)('/$name', (family) => {
    it(
      'filter and count agree with the oracle',
      async () => {
        const body = bodyOf(generators, family.keys, family.sorts).chain((tagged) => spelled(tagged).map((sent) => ({ tagged, sent })));
        await check(
          `oracle ${family.name} ${seed}`,
          fc.asyncProperty(batches(body), async (cases) => {
            const responses = await Promise.all(
              cases.flatMap(({ sent }) => [post(`/${family.name}/filter`, sent), post(`/${family.name}/count`, sent)]),
            );
            cases.forEach(({ tagged, sent }, k) => {
              const [filter, count] = [responses[2 * k]!, responses[2 * k + 1]!];
              if (filter.status !== 200) throw new Error(`POST /${family.name}/filter ${JSON.stringify(sent)}: ${filter.status} ${JSON.stringify(filter.body)}`);
              const parsed = canonical(tagged) as Body & { sort: string };
              const expectedRows = family.rows(ds).filter((row) => family.selected(parsed, row, ix));
              const expected = new Set(expectedRows.map((r) => r.id));
              const rows = filter.body as Row[];
              const got = new Set(rows.map((r) => r.id));
              if (got.size !== expected.size || [...got].some((id) => !expected.has(id))) throw new Error(explain(family, sent, ix, expected, got));
              if (count.body !== expected.size) throw new Error(`POST /${family.name}/count ${JSON.stringify(sent)}: ${JSON.stringify(count.body)}, expected ${expected.size}`);
              const [key, dir] = ORDERS[family.name]![parsed.sort]!;
              const order = [...rows].sort(comparator(key, dir)).map((r) => r.id);
              if (JSON.stringify(order) !== JSON.stringify(rows.map((r) => r.id))) {
                throw new Error(`POST /${family.name}/filter ${JSON.stringify(sent)}: rows not in ${parsed.sort} order`);
              }
            });
          }),
          1 / DATASETS,
          BATCH,
        );
      },
      timeoutFor(1 / DATASETS, 200),
    );
  });
});
