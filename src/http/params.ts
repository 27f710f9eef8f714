/**
 * Path parameters. A UUID path segment matches Prefect's `{id:uuid}` routes: 32 hex digits, either
 * case, hyphens optional. A segment that does not match selects no route at all, so the client gets
 * 404 {"detail":"Not Found"}, never a validation error (../shared/spec/prefect-filters.md §0.3).
 */
import type { Context } from 'hono';
import { normalizeUuid } from '../schemas/common';

export const UUID_PATTERN =
  '[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}';

/** A Hono path segment for a UUID parameter, e.g. `/${uuidParam('id')}` → `/:id{...}`. */
export const uuidParam = (name: string) => `:${name}{${UUID_PATTERN}}`;

/** The named UUID parameter, lowercase and hyphenated. */
export function pathUuid(c: Context, name: string): string {
  const raw = c.req.param(name) ?? '';
  // The route pattern already matched, so this only normalizes (mixed hyphenation aside).
  return normalizeUuid(raw) ?? normalizeUuid(raw.replace(/-/g, '')) ?? raw;
}
