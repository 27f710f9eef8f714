/**
 * Webhooks, /webhooks (Prefect Cloud's API, what `prefect cloud webhook …` calls): create, filter,
 * read, PATCH, PUT, delete, and rotate (a new random slug). The incoming side, /hooks/{slug}, is in
 * ./hooks.ts.
 */
import { Hono, type Context } from 'hono';
import * as v from 'valibot';
import type { AppEnv } from '../env';
import { notFound } from '../http/errors';
import { methodNotAllowed } from '../http/method-not-allowed';
import { pathUuid, uuidParam } from '../http/params';
import { modelBody } from '../http/validation';
import { WebhookCreate, WebhookPatch, WebhookPut } from '../schemas/actions/webhooks';
import { list, model, opt, str, uuid } from '../schemas/common';
import { DEFAULT_LIMIT, limitField, offsetField, readBody } from '../schemas/pagination';
import { deleteWebhook, insertWebhook, readWebhook, readWebhooks, rotateWebhookSlug, updateWebhook } from '../queries/webhooks';
import { describe } from '../openapi/describe';

const WebhookFilter = model({
  id: opt(model({ any_: opt(list(uuid())) })),
  name: opt(model({ any_: opt(list(str())) })),
});

const FilterBody = v.object({
  webhooks: opt(WebhookFilter),
  limit: limitField(),
  offset: offsetField(),
});

const webhookNotFound = () => notFound('Webhook not found.');
const ID = `/${uuidParam('id')}`;
const id = (c: Context) => pathUuid(c, 'id');

export const webhookRoutes = new Hono<AppEnv>()
  .post('/', describe({ body: WebhookCreate }), async (c) => {
    const body = await modelBody(c, WebhookCreate);
    const created = await insertWebhook(c.var.db, {
      name: body.name,
      description: body.description ?? '',
      enabled: body.enabled,
      template: body.template,
      service_account_id: body.service_account_id ?? null,
    });
    return c.json(created, 201);
  })
  .post('/filter', describe({ body: FilterBody }), async (c) => {
    const body = await readBody(c, FilterBody);
    return c.json(
      await readWebhooks(c.var.db, {
        ids: body.webhooks?.id?.any_ ?? undefined,
        names: body.webhooks?.name?.any_ ?? undefined,
        limit: body.limit ?? DEFAULT_LIMIT,
        offset: body.offset ?? 0,
      }),
    );
  })
  .get(ID, async (c) => {
    const found = await readWebhook(c.var.db, id(c));
    if (!found) throw webhookNotFound();
    return c.json(found);
  })
  .patch(ID, describe({ body: WebhookPatch }), async (c) => {
    const body = await modelBody(c, WebhookPatch);
    const fields = { ...body, description: body.description === null ? '' : body.description };
    if (!(await updateWebhook(c.var.db, id(c), fields))) throw webhookNotFound();
    return c.body(null, 204);
  })
  .put(ID, describe({ body: WebhookPut }), async (c) => {
    const body = await modelBody(c, WebhookPut);
    const fields = { ...body, description: body.description ?? '', service_account_id: body.service_account_id ?? null };
    if (!(await updateWebhook(c.var.db, id(c), fields))) throw webhookNotFound();
    return c.body(null, 204);
  })
  .delete(ID, async (c) => {
    if (!(await deleteWebhook(c.var.db, id(c)))) throw webhookNotFound();
    return c.body(null, 204);
  })
  .post(`${ID}/rotate`, async (c) => {
    const rotated = await rotateWebhookSlug(c.var.db, id(c));
    if (!rotated) throw webhookNotFound();
    return c.json(rotated);
  })
  .all('/', methodNotAllowed)
  .all('/filter', methodNotAllowed)
  .all(ID, methodNotAllowed)
  .all(`${ID}/rotate`, methodNotAllowed);
