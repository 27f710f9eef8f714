/**
 * Prefect's log text search (`LogFilter.text.query`, 3.9.1): a small query language over
 * `message || ' ' || name`, matched as case-insensitive substrings (no full-text index).
 *
 * - space-separated terms: at least one must occur (OR);
 * - `-term` or `!term`: must not occur; `+term`: must occur;
 * - `"a phrase"` is one term, with `\"` and `\\` escapes; an unclosed quote runs to the end;
 * - a prefix followed by a space is ignored.
 */
import { and, or, sql, type SQL, type SQLWrapper } from 'drizzle-orm';

export interface TextSearchQuery {
  include: string[];
  exclude: string[];
  required: string[];
}

// Python's str.isspace(), which Prefect's parser uses (not quite JavaScript's \s).
const PY_SPACE = new Set([
  ...'\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000',
  ...Array.from({ length: 11 }, (_, k) => String.fromCharCode(0x2000 + k)),
]);
const isSpace = (ch: string | undefined) => ch !== undefined && PY_SPACE.has(ch);

/** `\"` → `"` and `\\` → `\` inside a quoted phrase; any other backslash stays. */
function unescapePhrase(phrase: string): string {
  let out = '';
  for (let i = 0; i < phrase.length; i += 1) {
    const next = phrase[i + 1];
    if (phrase[i] === '\\' && (next === '"' || next === '\\')) {
      out += next;
      i += 1;
    } else out += phrase[i];
  }
  return out;
}

/** Splits a query into its include / exclude / required terms, as Prefect's parser does. */
export function parseTextSearchQuery(query: string): TextSearchQuery {
  const result: TextSearchQuery = { include: [], exclude: [], required: [] };
  const s = [...query]; // code points, as Python indexes strings
  const add = (term: string, prefix: string | undefined) => {
    if (prefix === '-' || prefix === '!') result.exclude.push(term);
    else if (prefix === '+') result.required.push(term);
    else result.include.push(term);
  };
  let i = 0;
  while (i < s.length) {
    if (isSpace(s[i])) {
      i += 1;
      continue;
    }
    let prefix: string | undefined;
    if ('-!+'.includes(s[i]!)) {
      i += 1;
      if (i < s.length && !isSpace(s[i])) prefix = s[i - 1];
      else continue; // a lone prefix is dropped
    }
    if (s[i] === '"') {
      i += 1;
      const start = i;
      while (i < s.length && s[i] !== '"') i += s[i] === '\\' && i + 1 < s.length ? 2 : 1;
      const phrase = unescapePhrase(s.slice(start, i).join(''));
      if (i < s.length) i += 1; // the closing quote
      if (![...phrase].every(isSpace)) add(phrase, prefix);
      continue;
    }
    const start = i;
    while (i < s.length && !isSpace(s[i]) && s[i] !== '"') i += 1;
    const term = s.slice(start, i).join('');
    if (term) add(term, prefix);
  }
  return result;
}

/**
 * LIKE with `/` as the escape character, as SQLAlchemy's `contains(..., autoescape=True)`. The term is
 * lowercased by the database, like the text it is matched against (Prefect lowercases it in Python):
 * the two agree whatever the database's LC_CTYPE.
 */
function containsTerm(lowered: SQLWrapper, term: string): SQL {
  const escaped = term.replace(/[/%_]/g, (ch) => `/${ch}`);
  return sql`${lowered} like '%' || lower(${escaped}) || '%' escape '/'`;
}

/**
 * The criteria a text query adds to its LogFilter (zero to three, each combined by the LogFilter's
 * own operator, as in Prefect): any include term, no exclude term, every required term.
 */
export function textSearchCriteria(haystack: SQLWrapper, query: string): SQL[] {
  const parsed = parseTextSearchQuery(query);
  const lowered = sql`lower(${haystack})`;
  const criteria: SQL[] = [];
  if (parsed.include.length) criteria.push(or(...parsed.include.map((t) => containsTerm(lowered, t)))!);
  if (parsed.exclude.length) criteria.push(and(...parsed.exclude.map((t) => sql`not (${containsTerm(lowered, t)})`))!);
  if (parsed.required.length) criteria.push(and(...parsed.required.map((t) => containsTerm(lowered, t)))!);
  return criteria;
}
