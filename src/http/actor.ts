/**
 * Who is acting: automations identify themselves with the `Prefect-Automation-ID` (a UUID) and
 * `Prefect-Automation-Name` (base64) headers, and objects they create record it in `created_by`.
 */
import type { Context } from 'hono';
import type { CreatedBy } from '../db/schema';
import { normalizeUuid } from '../schemas/common';

export function automationActor(c: Context): CreatedBy | null {
  const id = normalizeUuid(c.req.header('prefect-automation-id') ?? '');
  const encoded = c.req.header('prefect-automation-name');
  if (!id || !encoded) return null;
  let name: string;
  try {
    name = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(atob(encoded), (ch) => ch.charCodeAt(0)));
  } catch {
    return null;
  }
  return name ? { id, type: 'AUTOMATION', display_value: name } : null;
}
