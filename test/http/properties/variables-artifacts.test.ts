/**
 * Properties of /variables, /artifacts and the v1 tag limits (/concurrency_limits), from Prefect 3.9.1's
 * schemas (schemas/actions.py VariableCreate, ArtifactCreate, ConcurrencyLimitCreate; filters.py
 * VariableFilter, ArtifactFilter, ArtifactCollectionFilter):
 * - valid bodies get a 2xx and Prefect's objects, holding what was sent;
 * - a body with one fault gets a 422 at the fault and writes nothing.
 */
import { beforeAll, describe, it } from 'vitest';
import fc from 'fast-check';
import * as v from 'valibot';
import { sql } from 'drizzle-orm';
import { patch, post, resetDb, type ApiResponse } from '../helpers';
import { timeoutFor } from './config';
import { faultyBodiesRejected, validBodiesSucceed } from './harness';
import { FlowFilter, FlowRunFilter, TaskRunFilter, DeploymentFilter, readLimit, offset } from './request-shapes';
import { conform, timestamp, uuid as uuidOut } from './response-schemas';
import {
  bool,
  custom,
  embedded,
  enumOf,
  faultOf,
  int,
  json,
  jsonValue,
  list,
  model,
  name,
  notNull,
  record,
  required,
  string,
  uuid,
  valid,
} from './shapes';
import { count, ensure, laxInt, rows as rowsOf, sameJson } from './pool-limit-support';

type Body = Record<string, unknown>;
const operator = notNull(enumOf(['and_', 'or_']));
const strings = () => list(string());

// ------------------------------------------------------------------------------------------------
// Shapes

const variableName = custom(
  fc.stringMatching(/^[a-z0-9_-]{1,30}$/),
  fc.constantFrom(
    faultOf('Upper', ['value_error']),
    faultOf('a b', ['value_error']),
    faultOf('dot.ted', ['value_error']),
    faultOf('a'.repeat(256), ['too_long']),
    faultOf(5, ['string_type']),
  ),
);
/** Any JSON value (null included) up to 5000 bytes serialized. */
const variableValue = custom(jsonValue(2), fc.constantFrom(faultOf('x'.repeat(5000), ['value_error']), faultOf(['y'.repeat(5000)], ['value_error'])));
const VariableCreate = model({ name: required(variableName), value: { shape: variableValue, required: true, nullable: true }, tags: notNull(strings()) });
const VariableUpdate = model({ name: variableName, value: { shape: variableValue, required: false, nullable: true }, tags: strings() });
const VariableFilter = model({
  operator,
  id: model({ any_: list(uuid()) }),
  name: model({ any_: strings(), like_: string() }),
  tags: model({ operator, all_: strings(), is_null_: bool() }),
});
const VariableFilterBody = embedded({ variables: VariableFilter, sort: enumOf(['CREATED_DESC', 'UPDATED_DESC', 'NAME_DESC', 'NAME_ASC']), limit: readLimit(), offset: offset() });

const artifactKey = custom(fc.stringMatching(/^[a-z0-9-]{0,20}$/), fc.constantFrom(faultOf('Key', ['value_error']), faultOf('a_b', ['value_error']), faultOf(1, ['string_type'])));
const ArtifactCreate = model({
  key: artifactKey,
  type: string(),
  description: string(),
  data: json(),
  metadata_: record(string()),
  flow_run_id: uuid(),
  task_run_id: uuid(),
});
const artifactCriteria = {
  key: model({ any_: strings(), like_: string(), exists_: bool() }),
  flow_run_id: model({ any_: list(uuid()) }),
  task_run_id: model({ any_: list(uuid()) }),
  type: model({ any_: strings(), not_any_: strings() }),
};
const related = { flow_runs: FlowRunFilter, task_runs: TaskRunFilter, flows: FlowFilter, deployments: DeploymentFilter };
const ARTIFACT_SORTS = ['CREATED_DESC', 'UPDATED_DESC', 'ID_DESC', 'KEY_DESC', 'KEY_ASC'];
const ArtifactFilterBody = embedded({
  artifacts: model({ operator, id: model({ any_: list(uuid()) }), ...artifactCriteria }),
  ...related,
  sort: enumOf(ARTIFACT_SORTS),
  limit: readLimit(),
  offset: offset(),
});
const CollectionFilterBody = embedded({
  artifacts: model({ operator, latest_id: model({ any_: list(uuid()) }), ...artifactCriteria }),
  ...related,
  sort: enumOf(ARTIFACT_SORTS),
  limit: readLimit(),
  offset: offset(),
});

const TagLimitCreate = model({ tag: required(name()), concurrency_limit: required(int()) });

// ------------------------------------------------------------------------------------------------
// Response schemas (Prefect's key order)

const strictOrdered = <T extends v.ObjectEntries>(entries: T) =>
  v.pipe(
    v.strictObject(entries),
    v.check((o) => JSON.stringify(Object.keys(o)) === JSON.stringify(Object.keys(entries)), 'keys out of Prefect\'s order'),
  );
const Variable = strictOrdered({ id: uuidOut(), created: timestamp(), updated: timestamp(), name: v.string(), value: v.unknown(), tags: v.array(v.string()) });
const n = v.nullable;
const Artifact = strictOrdered({
  id: uuidOut(),
  created: timestamp(),
  updated: timestamp(),
  key: n(v.string()),
  type: n(v.string()),
  description: n(v.string()),
  data: v.unknown(),
  metadata_: n(v.record(v.string(), v.string())),
  flow_run_id: n(uuidOut()),
  task_run_id: n(uuidOut()),
});
const ArtifactCollection = strictOrdered({
  id: uuidOut(),
  created: timestamp(),
  updated: timestamp(),
  key: v.string(),
  latest_id: uuidOut(),
  type: n(v.string()),
  description: n(v.string()),
  data: v.unknown(),
  metadata_: n(v.record(v.string(), v.string())),
  flow_run_id: n(uuidOut()),
  task_run_id: n(uuidOut()),
});
const TagLimit = strictOrdered({
  id: uuidOut(),
  created: timestamp(),
  updated: timestamp(),
  tag: v.string(),
  concurrency_limit: v.number(),
  active_slots: v.array(uuidOut()),
});

// A suffix that keeps generated names unique across the whole run (concurrent batches included).
let serial = 0;
const unique = (s: string) => `${s.slice(0, 200)}-${(serial += 1)}`;
const fail = (res: ApiResponse, why: string) => `${why} (${res.status} ${JSON.stringify(res.body)?.slice(0, 300)})`;

beforeAll(async () => {
  await resetDb();
});

describe('/variables', () => {
  it('POST valid bodies: 201 and the variable sent', () =>
    validBodiesSucceed({
      name: 'POST /variables/',
      send: (b) => post('/variables/', b),
      shape: VariableCreate,
      validBodies: valid(VariableCreate).map((b) => ({ ...(b as Body), name: unique((b as Body).name as string) })),
      expectOk: (res, sent) => {
        const b = sent as Body;
        ensure(res.status === 201, fail(res, 'not 201'));
        const got = conform(Variable, res.body, 'variable');
        ensure(got.name === b.name, fail(res, 'name'));
        ensure(sameJson(got.value, b.value ?? null), fail(res, `value, sent ${JSON.stringify(b.value)}`));
        ensure(sameJson(got.tags, b.tags ?? []), fail(res, 'tags'));
      },
    }),
  timeoutFor());

  it('POST one fault: a 422 at the fault, and no variable created', () =>
    faultyBodiesRejected({ name: 'POST /variables/', send: (b) => post('/variables/', b), shape: VariableCreate, expectOk: () => {}, rowCount: count('variable') }),
  timeoutFor());

  it('PATCH by name, one fault: a 422 at the fault, never a 5xx', () =>
    faultyBodiesRejected({ name: 'PATCH /variables/name/{name}', send: (b) => patch('/variables/name/nobody', b), shape: VariableUpdate, expectOk: () => {} }),
  timeoutFor(0.5));

  it('filter valid bodies: 200 and variables within the limit', () =>
    validBodiesSucceed({
      name: 'POST /variables/filter',
      send: (b) => post('/variables/filter', b),
      shape: VariableFilterBody,
      expectOk: (res, sent) => {
        const rows = conform(v.array(Variable), res.body, 'variables');
        const b = (sent ?? {}) as Body;
        ensure(rows.length <= (b.limit == null ? 200 : laxInt(b.limit)), fail(res, 'beyond the limit'));
      },
    }),
  timeoutFor(0.5));

  it('filter one fault: a 422 at the fault', () =>
    faultyBodiesRejected({ name: 'POST /variables/filter', send: (b) => post('/variables/filter', b), shape: VariableFilterBody, expectOk: () => {} }),
  timeoutFor(0.5));
});

describe('/artifacts', () => {
  it('POST valid bodies: 201 and the artifact sent', () =>
    validBodiesSucceed({
      name: 'POST /artifacts/',
      send: (b) => post('/artifacts/', b),
      shape: ArtifactCreate,
      expectOk: (res, sent) => {
        const b = sent as Body;
        ensure(res.status === 201, fail(res, 'not 201'));
        const got = conform(Artifact, res.body, 'artifact');
        ensure(got.key === (b.key ?? null) && got.type === (b.type ?? null) && got.description === (b.description ?? null), fail(res, 'fields'));
        ensure(sameJson(got.data, b.data ?? null), fail(res, `data, sent ${JSON.stringify(b.data)}`));
        ensure(sameJson(got.metadata_, b.metadata_ ?? null), fail(res, 'metadata_'));
      },
    }),
  timeoutFor());

  it('POST one fault: a 422 at the fault, and no artifact created', () =>
    faultyBodiesRejected({ name: 'POST /artifacts/', send: (b) => post('/artifacts/', b), shape: ArtifactCreate, expectOk: () => {}, rowCount: count('artifact') }),
  timeoutFor());

  for (const [path, shape, schema] of [
    ['/artifacts/filter', ArtifactFilterBody, Artifact],
    ['/artifacts/latest/filter', CollectionFilterBody, ArtifactCollection],
  ] as const) {
    it(`${path} valid bodies: 200 and objects in Prefect's shape`, () =>
      validBodiesSucceed({
        name: `POST ${path}`,
        send: (b) => post(path, b),
        shape,
        expectOk: (res) => {
          conform(v.array(schema), res.body, path);
        },
        scale: 0.5,
      }),
    timeoutFor(0.5));

    it(`${path} one fault: a 422 at the fault`, () =>
      faultyBodiesRejected({ name: `POST ${path}`, send: (b) => post(path, b), shape, expectOk: () => {}, scale: 0.5 }),
    timeoutFor(0.5));
  }

  // After the concurrent creates above: each key's row names one of its artifacts (which one, when two
  // creates of a key race, depends on commit order, in Prefect as here), and every key has its row.
  it('every key has one collection row, naming one of its artifacts', async () => {
    const rows = await rowsOf<{ key: string; latest_id: string; ok: boolean }>(sql`
      SELECT c.key, c.latest_id, EXISTS (SELECT 1 FROM artifact a WHERE a.id = c.latest_id AND a.key = c.key) AS ok
      FROM artifact_collection c`);
    ensure(rows.length > 0, 'no collection rows');
    for (const r of rows) ensure(r.ok, `key ${r.key}: the row names ${r.latest_id}, not one of its artifacts`);
    const orphans = await rowsOf<{ key: string }>(sql`
      SELECT DISTINCT key FROM artifact a WHERE key IS NOT NULL AND NOT EXISTS (SELECT 1 FROM artifact_collection c WHERE c.key = a.key)`);
    ensure(orphans.length === 0, `keys without a collection row: ${JSON.stringify(orphans)}`);
  }, timeoutFor(0.25));
});

describe('/concurrency_limits (tag limits)', () => {
  it('POST valid bodies: 201 and the limit sent', () =>
    validBodiesSucceed({
      name: 'POST /concurrency_limits/',
      send: (b) => post('/concurrency_limits/', b),
      shape: TagLimitCreate,
      validBodies: valid(TagLimitCreate).map((b) => ({ ...(b as Body), tag: unique((b as Body).tag as string) })),
      expectOk: (res, sent) => {
        const b = sent as Body;
        ensure(res.status === 201, fail(res, 'not 201'));
        const got = conform(TagLimit, res.body, 'tag limit');
        ensure(got.tag === b.tag && got.concurrency_limit === laxInt(b.concurrency_limit) && got.active_slots.length === 0, fail(res, 'fields'));
      },
    }),
  timeoutFor(0.5));

  it('POST one fault: a 422 at the fault, and no limit created', () =>
    faultyBodiesRejected({
      name: 'POST /concurrency_limits/',
      send: (b) => post('/concurrency_limits/', b),
      shape: TagLimitCreate,
      expectOk: () => {},
      rowCount: count('concurrency_limit_v2'),
      scale: 0.5,
    }),
  timeoutFor(0.5));
});
