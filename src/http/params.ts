/**
 * Path parameters. Prefect's `{id:uuid}` routes match 32 hex digits, upper or lower case, with or
 * without hyphens; any other segment matches no route (404 {"detail":"Not Found"}, no lookup).
 */

/** The segment pattern, for Hono paths: `/:id{${UUID_PATTERN}}`. */
export const UUID_PATTERN =
  '[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}';

/** A path segment that matched UUID_PATTERN, as a lowercase hyphenated UUID. */
export function pathUuid(segment: string): string {
  const h = segment.replace(/-/g, '').toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
