/** Webhook helpers: create one, call its URL, and read the events it produced. */
import { sql } from 'drizzle-orm';
import { call, post, withDb } from '../helpers';

export const TEMPLATE = '{"event": "model.refreshed", "resource": {"prefect.resource.id": "product.models.{{ body.model }}"}}';

export async function createWebhook(over: Record<string, unknown> = {}) {
  const res = await post('/webhooks/', { name: 'wh', template: TEMPLATE, ...over });
  if (res.status !== 201) throw new Error(`create webhook: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; slug: string; name: string; enabled: boolean; template: string };
}

/** Calls /hooks/{slug} (under /api like every helper; `root` calls it at the root). */
export function hook(slug: string, method = 'POST', body?: unknown, headers: Record<string, string> = {}) {
  return call(method, `/hooks/${slug}`, body, headers);
}

export async function eventsNamed(name: string): Promise<any[]> {
  return withDb(async (db) => (await db.execute(sql`select * from event where event = ${name} order by occurred, id`)).rows as any[]);
}
