/**
 * Generated filters over a dataset's own values (so they hit), for the oracle properties. A filter
 * is built with tagged leaves (UUIDs, times, booleans); `canonical` gives what the oracle evaluates
 * and `spelled` an arbitrary of the JSON actually sent, in the spellings Prefect accepts (UUIDs in
 * any case or without hyphens, the same instant with an offset or naive, "yes" for true...).
 */
import fc from 'fast-check';
import {
  CREATED_BY_TYPES,
  FLOW_VERSIONS,
  IDEMPOTENCY_KEYS,
  RUN_NAMES,
  STATE_NAME_WORDS,
  TAGS,
  type Dataset,
  type Micros,
} from './dataset';
import { STATE_TYPES } from './response-schemas';
import { uuidSpelling } from './shapes';

class UuidLeaf {
  constructor(readonly value: string) {}
}
class TimeLeaf {
  constructor(readonly value: Micros) {}
}
class BoolLeaf {
  constructor(readonly value: boolean) {}
}
type Leaf = UuidLeaf | TimeLeaf | BoolLeaf;
const isLeaf = (x: unknown): x is Leaf => x instanceof UuidLeaf || x instanceof TimeLeaf || x instanceof BoolLeaf;

/** What the oracle evaluates: leaves unwrapped. */
export function canonical(x: unknown): unknown {
  if (isLeaf(x)) return x.value;
  if (Array.isArray(x)) return x.map(canonical);
  if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, canonical(v)]));
  return x;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** One instant, spelled: `Z` with or without the fraction, naive (UTC), or shifted to an offset. */
function timeSpelling(us: Micros): fc.Arbitrary<string | number> {
  const text = (shiftMinutes: number, suffix: string, fraction: 'full' | 'trim') => {
    const shifted = us + shiftMinutes * 60_000_000;
    const d = new Date(Math.floor(shifted / 1000));
    const micro = shifted - Math.floor(shifted / 1_000_000) * 1_000_000;
    const frac = fraction === 'full' || micro !== 0 ? `.${pad(micro, 6)}` : '';
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${frac}${suffix}`;
  };
  const forms: (string | number)[] = [text(0, 'Z', 'full'), text(0, 'Z', 'trim'), text(0, '', 'full'), text(60, '+01:00', 'trim'), text(-330, '-0530', 'full')];
  if (us % 1_000_000 === 0) forms.push(us / 1_000_000);
  return fc.constantFrom(...forms);
}

const BOOL_SPELLINGS: Record<string, unknown[]> = { true: [true, 'true', 'yes', 1, 'on', 'T'], false: [false, 'false', 'no', 0, 'off', 'F'] };

/** The JSON sent for a tagged filter. */
export function spelled(x: unknown): fc.Arbitrary<unknown> {
  if (x instanceof UuidLeaf) return uuidSpelling(x.value);
  if (x instanceof TimeLeaf) return timeSpelling(x.value);
  if (x instanceof BoolLeaf) return fc.constantFrom(...BOOL_SPELLINGS[String(x.value)]!);
  if (Array.isArray(x)) return x.length === 0 ? fc.constant([]) : fc.tuple(...x.map(spelled));
  if (x && typeof x === 'object') return fc.record(Object.fromEntries(Object.entries(x).map(([k, v]) => [k, spelled(v)])));
  return fc.constant(x);
}

// ---------------------------------------------------------------------------------------------

type Entries = Record<string, fc.Arbitrary<unknown>>;

/** One to `maxKeys` of the entries (empty filters come from `sub`), each value possibly null or `{}`. */
function someOf(entries: Entries, maxKeys = 2): fc.Arbitrary<Record<string, unknown>> {
  const n = Object.keys(entries).length;
  return fc.shuffledSubarray(Object.keys(entries), { minLength: 1, maxLength: Math.min(maxKeys, n) }).chain((keys) =>
    keys.length === 0 ? fc.constant({}) : fc.record(Object.fromEntries(keys.map((k) => [k, entries[k]!]))),
  );
}
/** A sub-filter value: usually populated, sometimes null (no criterion) or `{}` (TRUE). */
const sub = (arb: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 6, arbitrary: arb }, { weight: 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constant({}) });
const operatorModel = (entries: Entries, maxKeys = 2) =>
  fc.tuple(fc.constantFrom<unknown>(undefined, undefined, 'and_', 'or_'), someOf(entries, maxKeys)).map(([op, rest]) => (op === undefined ? rest : { operator: op, ...rest }));
const leaf = (entries: Entries) => someOf(entries, Object.keys(entries).length);
/** A list criterion: a few values, sometimes `[]`, sometimes null. */
const listOf = <T>(values: readonly T[], wrap: (v: T) => unknown = (v) => v) =>
  fc.oneof({ weight: 8, arbitrary: fc.subarray([...values], { maxLength: 3 }).map((xs) => xs.map(wrap)) }, { weight: 1, arbitrary: fc.constant(null) });
const bool = () => fc.oneof({ weight: 6, arbitrary: fc.boolean().map((b) => new BoolLeaf(b)) }, { weight: 1, arbitrary: fc.constant(null) });
const str = (values: readonly string[]) => fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...values) }, { weight: 1, arbitrary: fc.constant(null) });

/** like_ fragments: wildcards, escapes, case, and the empty string (no criterion). */
export const LIKE_FRAGMENTS = ['', 'a', 'duck', 'DUCK', 'happy', 'a_b', 'a%b', '%', '_', 'happy%duck', 'x\\y', 'x\\\\y', '\\', '\\_', '\\%', 'f-1', 'F_1', '1', 'd_1', 'DEF', 'q', 'task', 'o', 'x'];

export function filterGenerators(ds: Dataset) {
  const uuids = (ids: string[]) => listOf([...ids, ...ds.strangers], (id) => new UuidLeaf(id));
  const times = () => fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...ds.times).map((t) => new TimeLeaf(t)) }, { weight: 1, arbitrary: fc.constant(null) });
  const range = () => leaf({ before_: times(), after_: times() });
  const rangeOrNull = () => leaf({ before_: times(), after_: times(), is_null_: bool() });
  const likes = () => str(LIKE_FRAGMENTS);
  const flowNames = ds.flows.map((f) => f.name).concat(['nope']);
  const deploymentNames = [...new Set(ds.deployments.map((d) => d.name))].concat(['nope']);
  const queueNames = [...new Set(ds.queues.map((q) => q.name))].concat(['nope', 'DEFAULT']);
  const runIds = ds.flowRuns.map((r) => r.id);

  const flows = operatorModel({
    id: sub(leaf({ any_: uuids(ds.flows.map((f) => f.id)), not_any_: uuids(ds.flows.map((f) => f.id)) })),
    deployment: sub(operatorModel({ is_null_: bool() })),
    name: sub(leaf({ any_: listOf(flowNames), like_: likes() })),
    tags: sub(operatorModel({ all_: listOf(TAGS), is_null_: bool() })),
  });

  const stateTypes = () => listOf(STATE_TYPES);
  const stateNames = () => listOf([...STATE_NAME_WORDS, 'NOT-A-STATE']);
  const flowRuns = operatorModel(
    {
      id: sub(leaf({ any_: uuids(runIds), not_any_: uuids(runIds) })),
      name: sub(leaf({ any_: listOf(RUN_NAMES), like_: likes() })),
      tags: sub(operatorModel({ all_: listOf(TAGS), any_: listOf(TAGS), is_null_: bool() })),
      deployment_id: sub(operatorModel({ any_: uuids(ds.deployments.map((d) => d.id)), is_null_: bool() })),
      work_queue_name: sub(operatorModel({ any_: listOf(queueNames), is_null_: bool() })),
      state: sub(operatorModel({ type: sub(leaf({ any_: stateTypes(), not_any_: stateTypes() })), name: sub(leaf({ any_: stateNames(), not_any_: stateNames() })) })),
      flow_version: sub(leaf({ any_: listOf([...FLOW_VERSIONS, '3.0']) })),
      start_time: sub(rangeOrNull()),
      end_time: sub(rangeOrNull()),
      expected_start_time: sub(range()),
      next_scheduled_start_time: sub(range()),
      parent_flow_run_id: sub(operatorModel({ any_: uuids(runIds) })),
      parent_task_run_id: sub(operatorModel({ any_: uuids(ds.taskRuns.map((t) => t.id)), is_null_: bool() })),
      idempotency_key: sub(leaf({ any_: listOf([...IDEMPOTENCY_KEYS, 'k9']), not_any_: listOf([...IDEMPOTENCY_KEYS, 'k9']) })),
      created_by: sub(operatorModel({ id_: uuids(ds.deployments.slice(0, 1).map((d) => d.id)), type_: listOf([...CREATED_BY_TYPES, 'USER']), is_null_: bool() })),
    },
  );

  const taskRuns = operatorModel({
    id: sub(leaf({ any_: uuids(ds.taskRuns.map((t) => t.id)) })),
    name: sub(leaf({ any_: listOf([...new Set(ds.taskRuns.map((t) => t.name))]), like_: likes() })),
    tags: sub(operatorModel({ all_: listOf(TAGS), is_null_: bool() })),
    state: sub(operatorModel({ type: sub(leaf({ any_: stateTypes() })), name: sub(leaf({ any_: stateNames() })) })),
    start_time: sub(rangeOrNull()),
    end_time: sub(rangeOrNull()),
    expected_start_time: sub(range()),
    subflow_runs: sub(leaf({ exists_: bool() })),
    flow_run_id: sub(operatorModel({ any_: uuids(runIds), is_null_: bool() })),
  });

  const deployments = operatorModel({
    id: sub(leaf({ any_: uuids(ds.deployments.map((d) => d.id)), not_any_: uuids(ds.deployments.map((d) => d.id)) })),
    name: sub(leaf({ any_: listOf(deploymentNames), like_: likes() })),
    flow_or_deployment_name: sub(leaf({ like_: likes() })),
    paused: sub(leaf({ eq_: bool() })),
    tags: sub(operatorModel({ all_: listOf(TAGS), any_: listOf(TAGS), is_null_: bool() })),
    work_queue_name: sub(leaf({ any_: listOf(queueNames) })),
    concurrency_limit: sub(leaf({ ge_: fc.constantFrom(0, 100), le_: fc.constantFrom(0, 5), is_null_: bool() })),
  });

  const workPools = operatorModel({
    id: sub(leaf({ any_: uuids(ds.pools.map((p) => p.id)) })),
    name: sub(leaf({ any_: listOf(ds.pools.map((p) => p.name).concat(['nope'])) })),
    type: sub(leaf({ any_: listOf(['process', 'docker', 'prefect-agent', 'k8s']) })),
  });

  const workQueues = operatorModel({
    id: sub(leaf({ any_: uuids(ds.queues.map((q) => q.id)) })),
    name: sub(leaf({ any_: listOf(queueNames), startswith_: listOf(['def', 'DEF', 'q', 'q_', 'q\\_', 'f', '', '_', '%']) })),
  });

  return { flows, flow_runs: flowRuns, task_runs: taskRuns, deployments, work_pools: workPools, work_pool_queues: workQueues };
}

/** A request body for one family: a few of its top-level filters, each populated, `{}` or null. */
export function bodyOf(filters: Partial<Record<string, fc.Arbitrary<unknown>>>, keys: string[], sorts: readonly string[]) {
  const top = Object.fromEntries(keys.map((k) => [k, fc.oneof({ weight: 8, arbitrary: filters[k]! }, { weight: 1, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: fc.constant(null) })]));
  return fc.tuple(someOf(top, 2), fc.constantFrom(...sorts)).map(([body, sort]) => ({ ...body, sort, limit: 200 }));
}
