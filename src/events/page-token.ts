/**
 * Page tokens of /events/filter, as Prefect builds them: base64 of {filter, count, page_size, offset},
 * put in the next-page link base64-encoded once more. An unreadable token gets 403, as in Prefect.
 */
import * as v from 'valibot';
import { detailError } from '../http/errors';
import { EventFilter } from '../schemas/event-filters';

const toBase64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));
const fromBase64 = (b64: string) => new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0)));

export interface PageState {
  filter: EventFilter;
  count: number;
  page_size: number;
  offset: number;
}

/** The next page's link, or null when this page reaches the end. */
export function nextPageLink(origin: string, state: Omit<PageState, 'offset'>, currentOffset: number): string | null {
  if (currentOffset + state.page_size >= state.count) return null;
  const token = toBase64(JSON.stringify({ ...state, offset: currentOffset + state.page_size }));
  return `${origin}/api/events/filter/next?page-token=${toBase64(token)}`;
}

const forbidden = () => detailError(403, 'Forbidden');

const TokenShape = v.object({
  filter: v.unknown(),
  count: v.pipe(v.number(), v.integer(), v.minValue(0)),
  page_size: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(50)),
  offset: v.pipe(v.number(), v.integer(), v.minValue(0)),
});

export function readPageToken(param: string): PageState {
  let state: v.InferOutput<typeof TokenShape>;
  try {
    const token = fromBase64(param);
    if (!token) throw forbidden();
    state = v.parse(TokenShape, JSON.parse(fromBase64(token)));
  } catch {
    throw forbidden();
  }
  const filter = v.safeParse(EventFilter, state.filter);
  if (!filter.success) throw forbidden();
  return { ...state, filter: filter.output };
}
