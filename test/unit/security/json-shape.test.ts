import { describe, expect, it } from 'vitest';
import { inspectJsonShape } from '../../../src/http/json-shape';

const loose = { maxDepth: 64, maxListLength: Infinity };
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('inspectJsonShape: depth', () => {
  it('accepts up to the maximum depth and rejects one more', () => {
    expect(inspectJsonShape(nested(64), loose)).toBeNull();
    expect(inspectJsonShape(nested(65), loose)).toMatchObject({ kind: 'depth', offset: 64 });
  });

  it('reports where the too-deep value sits', () => {
    const text = JSON.stringify({ a: [1, { b: { c: [] } }] });
    expect(inspectJsonShape(text, { maxDepth: 4, maxListLength: Infinity })).toEqual({ kind: 'depth', path: ['a', 1, 'b', 'c'], offset: 18 });
  });

  it('stops early on hostile input without recursing', () => {
    expect(inspectJsonShape('['.repeat(500_000), loose)).toMatchObject({ kind: 'depth' });
    expect(inspectJsonShape('{"a":'.repeat(100_000), loose)).toMatchObject({ kind: 'depth' });
  });

  it('ignores brackets inside strings, including after escaped quotes', () => {
    const text = JSON.stringify({ s: '[[[[{{{{', t: 'quote " then [[[[', u: 'ends with backslash \\' });
    expect(inspectJsonShape(text, { maxDepth: 1, maxListLength: 0 })).toBeNull();
  });
});

describe('inspectJsonShape: list length', () => {
  const cap = (n: number) => ({ maxDepth: 64, maxListLength: n });

  it('counts every kind of value', () => {
    const items = [1, -2.5e3, 'x', true, false, null, [], {}, [1, 2], { a: [1] }];
    expect(inspectJsonShape(JSON.stringify(items), cap(10))).toBeNull();
    expect(inspectJsonShape(JSON.stringify([...items, 0]), cap(10))).toEqual({ kind: 'list', path: [], length: 11 });
  });

  it('gives the path of the list and its full length, as Pydantic loc segments', () => {
    const body = { flow_runs: { operator: 'or_', id: { any_: Array.from({ length: 1500 }, () => crypto.randomUUID()) } } };
    expect(inspectJsonShape(JSON.stringify(body), cap(1000))).toEqual({ kind: 'list', path: ['flow_runs', 'id', 'any_'], length: 1500 });
  });

  it('indexes lists inside lists and decodes escaped keys', () => {
    const text = JSON.stringify({ 'we"ird\\key': [[1], [1, 2, 3]] });
    expect(inspectJsonShape(text, cap(2))).toEqual({ kind: 'list', path: ['we"ird\\key', 1], length: 3 });
  });

  it('is not fooled by whitespace, commas in strings or empty lists', () => {
    const text = '{ "a" : [ "x,y,z" ,\n\t"[1,2,3]" , [ ] ] , "b": [] }';
    expect(inspectJsonShape(text, cap(3))).toBeNull();
    expect(inspectJsonShape(text, cap(2))).toEqual({ kind: 'list', path: ['a'], length: 3 });
  });

  it('leaves invalid JSON to the parser', () => {
    expect(inspectJsonShape('not json', cap(1))).toBeNull();
    expect(inspectJsonShape('{"a": [1, 2', cap(5))).toBeNull();
    expect(inspectJsonShape('', cap(1))).toBeNull();
  });
});
