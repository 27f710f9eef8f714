/** The compatibility runner's normaliser and comparison (compat/lib), which decide what counts as a difference. */
import { describe, expect, it } from 'vitest';
import { Side, normalizeResponse, timeMicros } from '../../../compat/lib/normalize.mjs';
import { differences } from '../../../compat/lib/compare.mjs';
import { at, fill, masked } from '../../../compat/lib/engine.mjs';
import { formatMicros } from '../../../compat/lib/read-cases.mjs';

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';
const S1 = '0199aaaa-0000-7000-8000-000000000001';

function sides() {
  const ours = new Side('ours');
  const prefect = new Side('Prefect');
  ours.nameId('R1', A);
  prefect.nameId('R1', B);
  return { ours, prefect };
}

describe('normalizeResponse', () => {
  it('maps each side’s ids to the same name, also inside strings', () => {
    const { ours, prefect } = sides();
    const a = normalizeResponse({ status: 200, body: { id: A, label: `deployment:${A}` } }, { side: ours, caseId: 'c' });
    const b = normalizeResponse({ status: 200, body: { id: B, label: `deployment:${B}` } }, { side: prefect, caseId: 'c' });
    expect(a).toEqual({ id: '<R1>', label: 'deployment:<R1>' });
    expect(b).toEqual(a);
  });

  it('names an unknown id after where it first appeared and reuses that name later', () => {
    const side = new Side('x');
    const first = normalizeResponse({ status: 200, body: { state_id: S1, state: { id: S1 } } }, { side, caseId: 'case 1' });
    expect(first).toEqual({ state_id: '<case 1.state_id>', state: { id: '<case 1.state_id>' } });
    const later = normalizeResponse({ status: 200, body: [S1.toUpperCase()] }, { side, caseId: 'case 2' });
    expect(later).toEqual(['<case 1.state_id>']);
  });

  it('keeps the format of a time but not its value, and names the times both servers were sent', () => {
    const side = new Side('x');
    const times = new Map([[timeMicros('2030-01-01T00:00:00Z')!, 'NOW']]);
    const body = {
      a: '2026-11-23T16:41:46.702018Z',
      b: '2026-11-23T16:41:46Z',
      c: '2026-11-23T16:41:46.702+00:00',
      d: '2030-01-01T01:00:00+01:00',
    };
    expect(normalizeResponse({ status: 200, body }, { side, caseId: 'c', times })).toEqual({
      a: '<time>',
      b: '<time>',
      c: '<time:dddd-dd-ddTdd:dd:dd.ddd+dd:dd>',
      d: '<time NOW:dddd-dd-ddTdd:dd:dd+dd:dd>',
    });
  });

  it('keeps only the sign of durations', () => {
    const body = { total_run_time: 0, estimated_run_time: 3.2, estimated_start_time_delta: -1, run_count: 3 };
    expect(normalizeResponse({ status: 200, body }, { side: new Side('x'), caseId: 'c' })).toEqual({
      total_run_time: 0,
      estimated_run_time: '<+seconds>',
      estimated_start_time_delta: '<-seconds>',
      run_count: 3,
    });
  });

  it('compares lists as sets unless told otherwise, including paginate results and bulk deletes', () => {
    const side = new Side('x');
    const items = [{ name: 'b' }, { name: 'a' }];
    expect(normalizeResponse({ status: 200, body: items }, { side, caseId: 'c' })).toEqual([{ name: 'a' }, { name: 'b' }]);
    expect(normalizeResponse({ status: 200, body: items }, { side, caseId: 'c', order: 'list' })).toEqual(items);
    expect(normalizeResponse({ status: 200, body: { results: items, count: 2 } }, { side, caseId: 'c' })).toEqual({
      results: [{ name: 'a' }, { name: 'b' }],
      count: 2,
    });
    expect(normalizeResponse({ status: 200, body: { deleted: ['y', 'x'] } }, { side, caseId: 'c' })).toEqual({ deleted: ['x', 'y'] });
    // An /events/filter page's events, too (in order with order: 'list').
    expect(normalizeResponse({ status: 200, body: { events: items, total: 2 } }, { side, caseId: 'c' })).toEqual({
      events: [{ name: 'a' }, { name: 'b' }],
      total: 2,
    });
    expect(normalizeResponse({ status: 200, body: { events: items, total: 2 } }, { side, caseId: 'c', order: 'list' })).toEqual({ events: items, total: 2 });
  });

  it("sorts an event payload's updated_fields (Prefect's order is a Python set's)", () => {
    const side = new Side('x');
    const body = { payload: { updated_fields: ['tags', 'description'], updates: {} } };
    expect(normalizeResponse({ status: 200, body }, { side, caseId: 'c' })).toEqual({ payload: { updated_fields: ['description', 'tags'], updates: {} } });
  });

  it('groupBy keeps the order of distinct sort values and sorts only ties', () => {
    const body = [
      { name: 'p', end_time: null },
      { name: 'c', end_time: null },
      { name: 'z', end_time: '2026-01-02T00:00:00Z' },
      { name: 'a', end_time: '2026-01-01T00:00:00Z' },
    ];
    const out = normalizeResponse({ status: 200, body }, { side: new Side('x'), caseId: 'c', order: { groupBy: ['end_time'] } });
    expect((out as { name: string }[]).map((r) => r.name)).toEqual(['c', 'p', 'z', 'a']);
  });

  it('reduces a validation error to exception_message, the type and loc of each error, and request_body', () => {
    const body = {
      exception_message: 'Invalid request received.',
      exception_detail: [{ type: 'int_parsing', loc: ['body', 'limit'], msg: 'Input should be…', input: 'abc' }],
      request_body: { limit: 'abc' },
    };
    expect(normalizeResponse({ status: 422, body }, { side: new Side('x'), caseId: 'c' })).toEqual({
      exception_message: 'Invalid request received.',
      exception_detail: [{ type: 'int_parsing', loc: ['body', 'limit'] }],
      request_body: { limit: 'abc' },
    });
  });
});

describe('differences', () => {
  it('says where two bodies differ, including absent keys and list lengths', () => {
    expect(differences({ a: 1, b: [1, 2] }, { a: 1, b: [1, 2] })).toEqual([]);
    expect(differences({ a: 1 }, { a: 2, c: null })).toEqual(['.a: ours 1 ≠ Prefect 2', '.c: ours (absent) ≠ Prefect null']);
    expect(differences([1], [1, 2])).toEqual(["(body): 1 items ≠ Prefect's 2", '[1]: ours (absent) ≠ Prefect 2']);
  });
});

describe('templates', () => {
  it('fills whole values with their type and parts as text, and refuses unknown names', () => {
    const vars = new Map<string, unknown>([
      ['R1', A],
      ['N', 3],
    ]);
    expect(fill({ id: '{{R1}}', n: '{{N}}', path: '/flow_runs/{{R1}}/set_state' }, vars)).toEqual({
      id: A,
      n: 3,
      path: `/flow_runs/${A}/set_state`,
    });
    expect(() => fill(['{{R2}}'], vars)).toThrow('R2');
  });

  it('reads dotted paths', () => {
    expect(at({ state: { id: 'x' }, results: [{ name: 'n' }] }, 'state.id')).toBe('x');
    expect(at({ results: [{ name: 'n' }] }, 'results.0.name')).toBe('n');
    expect(at({ a: null }, 'a.b')).toBeUndefined();
  });
});

describe('masked', () => {
  it('hides the string values of the named keys at any depth, and nothing else', () => {
    const body = {
      events: [{ resource: { 'prefect.resource.name': 'autoev', 'prefect.resource.id': 'x' }, related: [{ 'prefect.resource.name': 'crimson-fox', n: 1 }] }],
      'prefect.resource.name': { nested: 'kept: not a string value' },
    };
    expect(masked(body, new Set(['prefect.resource.name']))).toEqual({
      events: [{ resource: { 'prefect.resource.name': '<masked>', 'prefect.resource.id': 'x' }, related: [{ 'prefect.resource.name': '<masked>', n: 1 }] }],
      'prefect.resource.name': { nested: 'kept: not a string value' },
    });
    expect(masked('text', new Set(['name']))).toBe('text');
  });
});

describe('times', () => {
  it('reads ISO times to microseconds (naive = UTC, offsets applied) and writes them back', () => {
    expect(timeMicros('2000-01-01T05:00:00')).toBe(timeMicros('2000-01-01T06:00:00+01:00'));
    expect(timeMicros('2000-01-01T05:00:00.000001Z')).toBe('946702800000001');
    expect(timeMicros('yesterday')).toBeNull();
    expect(formatMicros(946702800000001n)).toBe('2000-01-01T05:00:00.000001Z');
    expect(formatMicros(946702800000001n, 60)).toBe('2000-01-01T06:00:00.000001+01:00');
  });
});
