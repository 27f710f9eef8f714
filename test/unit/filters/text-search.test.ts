/** The log text-search parser against Prefect 3.9.1's own (cases and answers produced by its Python parser). */
import { describe, expect, it } from 'vitest';
import { parseTextSearchQuery } from '../../../src/queries/filter-sql/text-search';

// [query, what prefect.server.utilities.text_search_parser.parse_text_search_query returned]
const CASES: [string, { include: string[]; exclude: string[]; required: string[] }][] =
[
  ["a b", {include: ["a", "b"], exclude: [], required: []}],
  ["-a !b +c", {include: [], exclude: ["a", "b"], required: ["c"]}],
  ["\"x y\" -\"z w\"", {include: ["x y"], exclude: ["z w"], required: []}],
  ["\"esc \\\" q\\\\ \\n\"", {include: ["esc \" q\\ \\n"], exclude: [], required: []}],
  ["+", {include: [], exclude: [], required: []}],
  ["- a", {include: ["a"], exclude: [], required: []}],
  ["\"unclosed", {include: ["unclosed"], exclude: [], required: []}],
  ["a\"b\"c", {include: ["a", "b", "c"], exclude: [], required: []}],
  ["\u2003a\u001cb\u0085c", {include: ["a", "b", "c"], exclude: [], required: []}],
  ["!!a", {include: [], exclude: ["!a"], required: []}],
  ["+-a", {include: [], exclude: [], required: ["-a"]}],
  ["\"  \"", {include: [], exclude: [], required: []}],
  ["\"\"", {include: [], exclude: [], required: []}],
  ["a\ufeffb", {include: ["a\ufeffb"], exclude: [], required: []}],
];

describe('parseTextSearchQuery', () => {
  it.each(CASES)('%j', (query, expected) => {
    expect(parseTextSearchQuery(query)).toEqual(expected);
  });
});
