/** Webhooks: reads and writes for /webhooks, and the slug lookup of /hooks/{slug}. */
import { asc, inArray, sql, type SQL } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../db/client';
import { webhook } from '../db/schema';
import { formatTimestamp } from '../time';

export type WebhookRow = typeof webhook.$inferSelect;

/** Prefect Cloud's Webhook as its CLI and API clients read it. This server has no accounts or workspaces. */
export interface WebhookResponse {
  id: string;
  created: string;
  updated: string;
  name: string;
  description: string;
  enabled: boolean;
  template: string;
  service_account_id: string | null;
  slug: string;
  account: null;
  workspace: null;
}

export function toWebhookResponse(r: WebhookRow): WebhookResponse {
  return {
    id: r.id,
    created: formatTimestamp(r.created) as string,
    updated: formatTimestamp(r.updated) as string,
    name: r.name,
    description: r.description,
    enabled: r.enabled,
    template: r.template,
    service_account_id: r.serviceAccountId,
    slug: r.slug,
    account: null,
    workspace: null,
  };
}

/** 16 random bytes as unpadded base64url (22 characters), the shape of Cloud's slugs. */
export function newSlug(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');
}

export interface WebhookFields {
  name: string;
  description: string;
  enabled: boolean;
  template: string;
  service_account_id: string | null;
}

export async function insertWebhook(db: DbOrTx, body: WebhookFields): Promise<WebhookResponse> {
  const [row] = await db
    .insert(webhook)
    .values({
      name: body.name,
      description: body.description,
      enabled: body.enabled,
      template: body.template,
      serviceAccountId: body.service_account_id,
      slug: newSlug(),
    })
    .returning();
  return toWebhookResponse(row as WebhookRow);
}

export const webhookById = (id: string): SQL => sql`${webhook.id} = ${id}`;

export interface WebhookQuery {
  ids?: string[];
  names?: string[];
  limit?: number;
  offset?: number;
}

export async function readWebhooks(db: DbOrTx, q: WebhookQuery): Promise<WebhookResponse[]> {
  const where: SQL[] = [];
  if (q.ids) where.push(q.ids.length ? inArray(webhook.id, q.ids) : sql`false`);
  if (q.names) where.push(q.names.length ? inArray(webhook.name, q.names) : sql`false`);
  let select = db.select().from(webhook).$dynamic();
  if (where.length) select = select.where(sql.join(where, sql` and `));
  select = select.orderBy(asc(webhook.name), asc(webhook.created), asc(webhook.id));
  if (q.limit !== undefined) select = select.limit(q.limit);
  if (q.offset) select = select.offset(q.offset);
  return (await select).map(toWebhookResponse);
}

export async function readWebhook(db: DbOrTx, id: string): Promise<WebhookResponse | null> {
  const [row] = await db.select().from(webhook).where(webhookById(id));
  return row ? toWebhookResponse(row) : null;
}

/** Writes the keys given (and `updated`); null when no webhook has the id. */
export async function updateWebhook(db: DbOrTx, id: string, fields: Partial<WebhookFields>): Promise<WebhookResponse | null> {
  const set: PgUpdateSetSource<typeof webhook> = { updated: sql`now()` };
  if (fields.name !== undefined) set.name = fields.name;
  if (fields.description !== undefined) set.description = fields.description;
  if (fields.enabled !== undefined) set.enabled = fields.enabled;
  if (fields.template !== undefined) set.template = fields.template;
  if (fields.service_account_id !== undefined) set.serviceAccountId = fields.service_account_id;
  const [row] = await db.update(webhook).set(set).where(webhookById(id)).returning();
  return row ? toWebhookResponse(row) : null;
}

/** A new random slug: the old URL stops working at once. */
export async function rotateWebhookSlug(db: DbOrTx, id: string): Promise<WebhookResponse | null> {
  const [row] = await db.update(webhook).set({ slug: newSlug(), updated: sql`now()` }).where(webhookById(id)).returning();
  return row ? toWebhookResponse(row) : null;
}

export async function deleteWebhook(db: DbOrTx, id: string): Promise<boolean> {
  const rows = await db.delete(webhook).where(webhookById(id)).returning({ id: webhook.id });
  return rows.length > 0;
}

export interface HookTarget {
  id: string;
  name: string;
  template: string;
  /** Calls of this slug in the current one-minute window, this one included. */
  hits: number;
}

/**
 * Looks an enabled webhook up by slug and counts the call in its one-minute window, in one statement.
 * A disabled webhook is not found: its URL answers as an unknown one does.
 */
export async function takeHook(db: DbOrTx, slug: string): Promise<HookTarget | null> {
  const result = await db.execute(sql`
    update webhook set
      window_hits = case when window_start > now() - interval '1 minute' then window_hits + 1 else 1 end,
      window_start = case when window_start > now() - interval '1 minute' then window_start else now() end
    where slug = ${slug} and enabled
    returning id::text as id, name, template, window_hits as hits`);
  const row = result.rows[0] as { id: string; name: string; template: string; hits: number } | undefined;
  return row ? { ...row, hits: Number(row.hits) } : null;
}
