/**
 * EventFilter → a SQL condition on `event e`, as Prefect's filters build it (server/events/filters.py):
 * resource ids and names on the event row, labels and related resources through `event_resource`,
 * scoped to the same occurred window so the lookup stays on its (resource_id, occurred) index.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { EventFilter } from '../schemas/event-filters';

const TRUE = sql`true`;
const FALSE = sql`false`;
const and = (parts: SQL[]) => (parts.length === 0 ? TRUE : sql.join(parts.map((p) => sql`(${p})`), sql` AND `));
const or = (parts: SQL[]) => (parts.length === 0 ? FALSE : sql.join(parts.map((p) => sql`(${p})`), sql` OR `));
/** `column IN (…)`, one bind parameter per value. */
const inList = (column: SQL, xs: readonly string[]) => sql`${column} IN (${sql.join(xs.map((x) => sql`${x}`), sql`, `)})`;
const nonEmpty = <T>(xs: readonly T[] | null | undefined): xs is readonly T[] => !!xs && xs.length > 0;

/** Prefect's `startswith` (a LIKE without escaping: `%` and `_` in a prefix are wildcards there too). */
const startsWith = (column: SQL, prefix: string) => sql`${column} LIKE ${prefix} || '%'`;

/** A label pattern: `*` and `?` wildcards, a leading `!` negates; everything else is literal. */
function likePattern(column: SQL, pattern: string): SQL {
  const negated = pattern.startsWith('!');
  const body = (negated ? pattern.slice(1) : pattern).replace(/[\\%_*?]/g, (ch) => ({ '\\': '\\\\', '%': '\\%', _: '\\_', '*': '%', '?': '_' })[ch]!);
  const like = sql`${column} LIKE ${body} ESCAPE '\\'`;
  return negated ? sql`NOT (${like})` : like;
}

const values = (x: string | string[]) => (typeof x === 'string' ? [x] : x);

/** Conditions of a ResourceSpecification on an `event_resource r` row. */
function labelConditions(labels: Record<string, string | string[]>, withRole: boolean): SQL[] {
  const out: SQL[] = [];
  for (const [label, spec] of Object.entries(labels)) {
    const patterns = values(spec);
    if (label === 'prefect.resource.id') {
      if (patterns.length > 0) out.push(or(patterns.map((p) => likePattern(sql`r.resource_id`, p))));
    } else if (label === 'prefect.resource.role' && withRole) {
      if (patterns.length > 0) out.push(inList(sql`r.resource_role`, patterns));
    } else if (patterns.length === 0) {
      out.push(FALSE);
    } else {
      out.push(or(patterns.map((p) => likePattern(sql`(r.resource->>${label})`, p))));
    }
  }
  return out;
}

/** Prefect's text search syntax: terms (OR), `-term`/`!term` (NOT), `+term` (AND), "quoted phrases". */
export function parseTextQuery(query: string): { include: string[]; exclude: string[]; required: string[] } {
  const out = { include: [] as string[], exclude: [] as string[], required: [] as string[] };
  const add = (prefix: string | null, term: string) => (prefix === '-' || prefix === '!' ? out.exclude : prefix === '+' ? out.required : out.include).push(term);
  let i = 0;
  while (i < query.length) {
    if (/\s/.test(query[i]!)) {
      i += 1;
      continue;
    }
    let prefix: string | null = null;
    if ('-!+'.includes(query[i]!)) {
      if (i + 1 < query.length && !/\s/.test(query[i + 1]!)) prefix = query[i]!;
      i += 1;
      if (prefix === null) continue;
    }
    if (query[i] === '"') {
      i += 1;
      const start = i;
      while (i < query.length && query[i] !== '"') i += query[i] === '\\' && i + 1 < query.length ? 2 : 1;
      const phrase = query.slice(start, i).replace(/\\(["\\])/g, '$1');
      if (i < query.length) i += 1;
      if (phrase.trim()) add(prefix, phrase);
      continue;
    }
    const start = i;
    while (i < query.length && !/\s/.test(query[i]!) && query[i] !== '"') i += 1;
    if (i > start) add(prefix, query.slice(start, i));
  }
  return out;
}

export function eventFilterSql(f: EventFilter): SQL {
  const { since, until } = f.occurred;
  const parts: SQL[] = [sql`e.occurred >= ${since}::timestamptz`, sql`e.occurred <= ${until}::timestamptz`];
  /** `e.id IN (event_resource rows in the window matching conds)`. */
  const viaResources = (conds: SQL[]) =>
    sql`e.id IN (SELECT r.event_id FROM event_resource r WHERE r.occurred >= ${since}::timestamptz AND r.occurred <= ${until}::timestamptz AND ${and(conds)})`;

  if (f.event) {
    const { prefix, exclude_prefix, name, exclude_name } = f.event;
    if (nonEmpty(prefix)) parts.push(or(prefix.map((p) => startsWith(sql`e.event`, p))));
    if (nonEmpty(exclude_prefix)) parts.push(...exclude_prefix.map((p) => sql`NOT (${startsWith(sql`e.event`, p)})`));
    if (nonEmpty(name)) parts.push(inList(sql`e.event`, name));
    if (nonEmpty(exclude_name)) parts.push(sql`NOT (${inList(sql`e.event`, exclude_name)})`);
  }
  if (f.resource) {
    const { id, id_prefix, labels } = f.resource;
    if (nonEmpty(id)) parts.push(inList(sql`e.resource_id`, id));
    if (nonEmpty(id_prefix)) parts.push(or(id_prefix.map((p) => startsWith(sql`e.resource_id`, p))));
    if (labels && Object.keys(labels).length > 0) parts.push(viaResources([sql`r.resource_role = ''`, ...labelConditions(labels, false)]));
  }
  for (const related of f.related ?? []) {
    const conds: SQL[] = [];
    if (nonEmpty(related.id)) conds.push(inList(sql`r.resource_id`, related.id));
    if (nonEmpty(related.role)) conds.push(inList(sql`r.resource_role`, related.role));
    if (nonEmpty(related.resources_in_roles)) {
      conds.push(or(related.resources_in_roles.map(([rid, role]) => sql`r.resource_id = ${rid} AND r.resource_role = ${role}`)));
    }
    if (related.labels && Object.keys(related.labels).length > 0) conds.push(and(labelConditions(related.labels, true)));
    if (conds.length > 0) {
      // Related resources only: the primary resource (role '') is left out unless roles are named.
      if (!nonEmpty(related.role)) conds.push(sql`r.resource_role <> ''`);
      parts.push(viaResources(conds));
    }
  }
  for (const any of f.any_resource ?? []) {
    const conds: SQL[] = [];
    if (nonEmpty(any.id)) conds.push(inList(sql`r.resource_id`, any.id));
    if (nonEmpty(any.id_prefix)) conds.push(or(any.id_prefix.map((p) => startsWith(sql`r.resource_id`, p))));
    if (any.labels && Object.keys(any.labels).length > 0) conds.push(and(labelConditions(any.labels, true)));
    if (conds.length > 0) parts.push(viaResources(conds));
  }
  if (f.id && nonEmpty(f.id.id)) parts.push(inList(sql`e.id`, f.id.id));
  if (f.text && f.text.query.trim()) {
    const { include, exclude, required } = parseTextQuery(f.text.query);
    const searchable = sql`lower(concat(e.event, ' ', e.resource::text, ' ', e.related::text, ' ', e.payload::text))`;
    const contains = (term: string) => sql`strpos(${searchable}, ${term.toLowerCase()}) > 0`;
    if (include.length > 0) parts.push(or(include.map(contains)));
    parts.push(...exclude.map((t) => sql`NOT (${contains(t)})`));
    parts.push(...required.map(contains));
  }
  return and(parts);
}
