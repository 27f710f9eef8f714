/** The benchmark harness's own logic (bench/lib): parameters, ids, percentiles, plan parsing, reports. */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { benchConfig, BULK_BLOCKS, BULK_SIZE } from '../../../bench/lib/config.mjs';
import { datasetStatements } from '../../../bench/lib/dataset.mjs';
import { bulkRunIds, uid } from '../../../bench/lib/ids.mjs';
import { percentile } from '../../../bench/lib/load.mjs';
import { isForeignKeyStatement, parsePlans, seqScans } from '../../../bench/lib/plans.mjs';
import { bothTable, comparisonTable, type ScenarioResult, type ServerResult } from '../../../bench/lib/report.mjs';

const datasetSql = fs.readFileSync(new URL('../../../bench/seed/dataset.sql', import.meta.url), 'utf8');

describe('benchConfig', () => {
  it('scale 1 is the issue dataset: 200 flows, 10k deployments, 1M runs', () => {
    const c = benchConfig({});
    expect([c.flows, c.deployments, c.flowRuns]).toEqual([200, 10_000, 1_000_000]);
    expect(c.planCheck).toBe('fail');
  });

  it('reserves one disjoint block per bulk scenario at the end of the run range, sized for every request', () => {
    for (const scale of ['1', '0.1', '0.01', '0.001']) {
      const c = benchConfig({ BENCH_SCALE: scale });
      const blocks = BULK_BLOCKS.map((b) => c.blocks[b]);
      expect(blocks[blocks.length - 1]!.to).toBe(c.flowRuns);
      for (let i = 0; i < blocks.length; i += 1) {
        const b = blocks[i]!;
        // first pass + warm-up + measured requests + the floor's sets (warm-up, timed passes), 50 runs each
        expect(b.to - b.from).toBe((1 + c.warmup + c.bulkRequests + 1 + c.floorRepeats) * BULK_SIZE);
        if (i > 0) expect(b.from).toBe(blocks[i - 1]!.to);
      }
      expect(blocks[0]!.from).toBeGreaterThanOrEqual(c.flowRuns * 0.7);
      expect(c.bulkRequests).toBeGreaterThanOrEqual(1);
      expect(c.floorRepeats).toBeGreaterThanOrEqual(1);
    }
    // At the scale nothing is capped.
    expect([benchConfig({}).bulkRequests, benchConfig({}).floorRepeats]).toEqual([60, 20]);
  });

  it('caps the bulk requests at small scales, warns instead of failing on plans below 0.1, rejects nonsense', () => {
    const small = benchConfig({ BENCH_SCALE: '0.01', BENCH_BULK_REQUESTS: '1000' });
    expect(small.bulkRequests).toBeLessThan(1000);
    expect(small.planCheck).toBe('warn');
    expect(benchConfig({ BENCH_SCALE: '0.01', BENCH_PLAN_CHECK: 'fail' }).planCheck).toBe('fail');
    expect(() => benchConfig({ BENCH_SCALE: 'abc' })).toThrow(/positive number/);
    expect(() => benchConfig({ BENCH_SCALE: '-1' })).toThrow(/positive number/);
  });

  it('BENCH_POOLER: none by default, pgbouncer, or both paths in one run; anything else is rejected', () => {
    expect(benchConfig({}).pooler).toBe('none');
    expect(benchConfig({ BENCH_POOLER: 'pgbouncer' }).pooler).toBe('pgbouncer');
    expect(benchConfig({ BENCH_POOLER: 'both' }).pooler).toBe('both');
    expect(() => benchConfig({ BENCH_POOLER: 'pgpool' })).toThrow(/"pgbouncer" or "both"/);
  });
});

describe('ids', () => {
  it('match the md5(kind:key)::uuid the seed computes in Postgres', () => {
    // Observed in a seeded database: SELECT md5('flow_run:8000')::uuid
    expect(uid('flow_run', 8000)).toBe('1239eac7-4e34-659c-6027-157168da32d2');
    expect(uid('flow_run', '8001')).toBe('67e7a188-c81f-cb52-1b42-5d6d6b2858e8');
  });

  it('give each bulk request 50 runs of its own, inside its block', () => {
    const block = { from: 100, to: 250 };
    const a = bulkRunIds(block, 0);
    const b = bulkRunIds(block, 1);
    expect(a).toHaveLength(50);
    expect(new Set([...a, ...b]).size).toBe(100);
    expect(a[0]).toBe(uid('flow_run', 100));
    expect(bulkRunIds(block, 2)[49]).toBe(uid('flow_run', 249));
    expect(() => bulkRunIds(block, 3)).toThrow(/past its reserved block/);
  });
});

describe('datasetStatements', () => {
  it('fills every placeholder and splits at the breakpoints', () => {
    const statements = datasetStatements(datasetSql, benchConfig({ BENCH_SCALE: '0.01' }));
    expect(statements.length).toBeGreaterThan(10);
    for (const s of statements) expect(s).not.toMatch(/\{\{/);
    expect(statements.some((s) => s.includes('generate_series(0, 10000 - 1) i'))).toBe(true);
  });

  it('rejects an unknown placeholder', () => {
    expect(() => datasetStatements('SELECT {{NOPE}}', benchConfig({}))).toThrow(/unknown placeholder/);
  });
});

describe('percentile (nearest rank)', () => {
  it('picks the smallest value with at least q of the samples at or below it', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 0.5)).toBe(50);
    expect(percentile(xs, 0.95)).toBe(95);
    expect(percentile(xs, 0.99)).toBe(99);
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([1, 2, 3], 0.5)).toBe(2);
    expect(percentile([], 0.5)).toBeNaN();
  });
});

describe('plan log parsing', () => {
  const plan = (relation: string, nested: object[] = []) =>
    JSON.stringify({ 'Query Text': `select * from ${relation}`, Plan: { 'Node Type': 'Limit', Plans: [{ 'Node Type': 'Seq Scan', 'Relation Name': relation, Plans: nested }] } }, null, 2)
      .split('\n')
      .map((l) => `\t${l}`)
      .join('\n');
  const log = [
    '2026-11-23 15:40:00.123 UTC [101] db=edge LOG:  duration: 0.050 ms  plan:',
    plan('deployment', [{ 'Node Type': 'Index Scan', 'Relation Name': 'flow_run' }]),
    '2026-11-23 15:40:00.124 UTC [102] db=prefect LOG:  duration: 0.050 ms  plan:',
    plan('flow_run'),
    '2026-11-23 15:40:00.125 UTC [103] db=edge LOG:  disconnection: session time: 0:00:00.010',
    '2026-11-23 15:40:00.126 UTC [104] db=edge LOG:  duration: 1.000 ms  plan:',
    plan('task_run'),
    '2026-11-23 15:40:00.127 UTC [105] db=edge ERROR:  duplicate key value',
  ].join('\n');

  it("keeps only the database's auto_explain entries, multi-line JSON included", () => {
    const plans = parsePlans(log, 'edge');
    expect(plans.map((p) => p.query)).toEqual(['select * from deployment', 'select * from task_run']);
    expect(parsePlans(log, 'prefect')).toHaveLength(1);
  });

  it('finds sequential scans of the big tables anywhere in the tree, and only those', () => {
    const [first, second] = parsePlans(log, 'edge');
    expect(seqScans(first!)).toEqual([]); // a seq scan of deployment is fine; flow_run used an index
    expect(seqScans(second!)).toEqual([{ table: 'task_run', query: 'select * from task_run' }]);
    const deep = parsePlans(
      `2026-11-23 15:40:00.123 UTC [1] db=edge LOG:  duration: 0.050 ms  plan:\n${plan('work_queue', [{ 'Node Type': 'Hash', Plans: [{ 'Node Type': 'Seq Scan', 'Relation Name': 'flow_run_state', 'Parallel Aware': true }] }])}`,
      'edge',
    );
    expect(seqScans(deep[0]!).map((s) => s.table)).toEqual(['flow_run_state']);
  });

  it('reads the logged execution time, and tells foreign-key statements from the endpoint’s own', () => {
    expect(parsePlans(log, 'edge').map((p) => p.ms)).toEqual([0.05, 1]);
    expect(isForeignKeyStatement('DELETE FROM ONLY "public"."flow_run_state" WHERE $1 OPERATOR(pg_catalog.=) "flow_run_id"')).toBe(true);
    expect(isForeignKeyStatement('UPDATE ONLY "public"."flow_run" SET "parent_task_run_id" = NULL WHERE $1 OPERATOR(pg_catalog.=) "parent_task_run_id"')).toBe(true);
    expect(isForeignKeyStatement('delete from "flow_run" where "flow_run"."id" in ($1, $2) returning "id"')).toBe(false);
  });
});

describe('comparisonTable', () => {
  const load = (p50: number, rps: number) => ({
    requests: 10,
    errors: 0,
    firstError: null,
    wallSeconds: 1,
    stoppedByTime: false,
    latencyMs: { p50, p95: p50 * 2, p99: p50 * 3, mean: p50, max: p50 * 3 },
    requestsPerSecond: rps,
    sqlStatements: { min: 2, median: 2, max: 2 },
    responseBytes: 100,
  });
  const result = (server: string, scenarios: ScenarioResult[]): ServerResult => ({
    server,
    version: 'x',
    startedAt: 'now',
    config: benchConfig({}),
    machine: {},
    seed: { seconds: 1, rows: {}, fingerprint: {} },
    scenarios,
  });

  it('gives ratios as "times faster than Prefect" and compares the answers', () => {
    const ours = result('ours', [
      { key: 'a', label: 'A', kind: 'read', load: load(10, 40), pgStatements: 2, summary: ['x', 'y'], error: null },
      { key: 'b', label: 'B', kind: 'bulk', load: null, pgStatements: null, summary: null, error: 'HTTP 404' },
      { key: 'c', label: 'C', kind: 'read', load: load(5, 80), pgStatements: 2, summary: ['x'], error: null },
    ]);
    const prefect = result('prefect', [
      { key: 'a', label: 'A', kind: 'read', load: load(50, 8), pgStatements: 7.5, summary: ['x', 'y'], error: null },
      { key: 'b', label: 'B', kind: 'bulk', load: load(100, 1), pgStatements: 300, summary: [], error: null },
      { key: 'c', label: 'C', kind: 'read', load: load(5, 80), pgStatements: 7, summary: ['z'], error: null },
    ]);
    const rows = comparisonTable(ours, prefect).split('\n').slice(2);
    expect(rows[0]).toBe('| A | 10.0 / 50.0 | 5.0× | 20.0 / 100 | 5.0× | 30.0 / 150 | 5.0× | 40.0 / 8.0 | 5.0× | 2 / 7.5 | yes |');
    expect(rows[1]).toBe('| B | – / 100 | n/a | – / 200 | n/a | – / 300 | n/a | – / 1.0 | n/a | – / 300 | n/a |');
    expect(rows[2]).toMatch(/\| 1\.0× \| 2 \/ 7 \| NO \|$/);
  });

  it('bothTable puts the direct and the pooled path beside one Prefect measurement, each with its floor ratio', () => {
    const withFloor = (r: ServerResult, ms: number): ServerResult => ({
      ...r,
      floor: { healthP50: 5, byScenario: { a: { statements: 4, roundTrips: 4, ms, note: null } } },
    });
    const a = (p50: number) => ({ key: 'a', label: 'A', kind: 'bulk' as const, load: { ...load(p50, 1), sqlRoundTrips: 3 }, pgStatements: 4, summary: [], error: null });
    const direct = withFloor(result('ours', [a(30)]), 10);
    const pooled = withFloor(result('ours', [a(20)]), 5);
    const prefect = result('prefect', [a(300)]);
    const rows = bothTable(direct, pooled, prefect).split('\n');
    expect(rows[0]).toBe('| Endpoint | p50 ms direct / pooled / Prefect | × direct | × pooled | ours ÷ floor direct | ours ÷ floor pooled | statements (round trips) |');
    expect(rows[2]).toBe('| A | 30.0 / 20.0 / 300 | 10× | 15× | 2.0 | 2.0 | 2 (3) |');
    expect(bothTable(direct, pooled, null).split('\n')[2]).toBe('| A | 30.0 / 20.0 | 2.0 | 2.0 | 2 (3) |');
  });
});
