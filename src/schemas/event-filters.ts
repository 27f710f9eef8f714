/**
 * Prefect's EventFilter (server/events/filters.py): the body of POST /events/filter and
 * /events/count-by/{countable}. Every part forbids unknown keys, as Prefect's EventDataFilter does.
 */
import * as v from 'valibot';
import { dateTime, enumOf, issueMessage, laxBool, list, model, opt, str, uuid } from './common';
import { formatMicros, nowMicros } from '../time';

const strings = () => opt(list(str()));

/** ResourceSpecification: label → a pattern or a list of patterns (`*`, `?` wildcards, `!` negation). */
const resourceSpecification = () =>
  v.pipe(
    v.custom<Record<string, unknown>>((x) => typeof x === 'object' && x !== null && !Array.isArray(x), issueMessage('dict_type', 'Input should be a valid dictionary')),
    v.record(v.string(), v.union([str(), list(str())], issueMessage('union_type', 'Input should be a valid string or a list of strings'))),
  );

const DAY_US = 86_400_000_000;
/** Prefect's default window: from the start of the day 180 days ago until now. */
export const defaultSince = (now = nowMicros()) => formatMicros(Math.floor(now / DAY_US) * DAY_US - 180 * DAY_US);

const EventOccurredFilter = model({
  since: v.optional(dateTime()),
  until: v.optional(dateTime()),
});

const EventNameFilter = model({ prefix: strings(), exclude_prefix: strings(), name: strings(), exclude_name: strings() });

const EventResourceFilter = model({
  id: strings(),
  id_prefix: strings(),
  labels: opt(resourceSpecification()),
  distinct: v.optional(laxBool(), false),
});

const pair = () =>
  v.pipe(
    list(str()),
    v.length(2, issueMessage('value_error', 'Value error, a resource id and a role are expected', { error: {} })),
    v.transform((p) => [p[0] as string, p[1] as string] as const),
  );

const EventRelatedFilter = model({
  id: strings(),
  role: strings(),
  resources_in_roles: opt(list(pair())),
  labels: opt(resourceSpecification()),
});

const EventAnyResourceFilter = model({ id: strings(), id_prefix: strings(), labels: opt(resourceSpecification()) });

const oneOrMany = <T extends v.GenericSchema>(schema: T) =>
  opt(
    v.pipe(
      v.union([schema, list(schema)], issueMessage('union_type', 'Input should be a filter or a list of filters')),
      v.transform((x) => (Array.isArray(x) ? x : [x]) as v.InferOutput<T>[]),
    ),
  );

export const EVENT_ORDERS = ['ASC', 'DESC'] as const;

export const EventFilter = v.pipe(
  model({
    occurred: opt(EventOccurredFilter),
    event: opt(EventNameFilter),
    resource: opt(EventResourceFilter),
    related: oneOrMany(EventRelatedFilter),
    any_resource: oneOrMany(EventAnyResourceFilter),
    id: opt(model({ id: opt(list(uuid())) })),
    text: opt(model({ query: v.pipe(str(), v.maxLength(200, issueMessage('string_too_long', 'String should have at most 200 characters', { max_length: 200 }))) })),
    order: v.optional(enumOf(EVENT_ORDERS), 'DESC'),
  }),
  // The window's defaults are fixed once, so a page token replays the same window.
  v.transform((f) => ({ ...f, occurred: { since: f.occurred?.since ?? defaultSince(), until: f.occurred?.until ?? formatMicros(nowMicros()) } })),
);
export type EventFilter = v.InferOutput<typeof EventFilter>;

export const COUNTABLES = ['day', 'time', 'event', 'resource'] as const;
export type Countable = (typeof COUNTABLES)[number];
export const TIME_UNITS = ['week', 'day', 'hour', 'minute', 'second'] as const;
export type TimeUnit = (typeof TIME_UNITS)[number];
