/**
 * Flow run input, /flow_runs/{id}/input: the key/value store behind `pause_flow_run(wait_for_input=…)`,
 * `send_input` and `receive_input`. Values are opaque text (the SDK stores JSON); create answers
 * 201 with a null body, a taken key is 409 and an unknown run 404, as in Prefect 3.9.1.
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import type { AppEnv } from '../env';
import { detailError, notFound, sqlState } from '../http/errors';
import { methodNotAllowed } from '../http/method-not-allowed';
import { pathUuid, uuidParam } from '../http/params';
import { embeddedBody } from '../http/validation';
import { issueMessage, laxInt, list, opt, str } from '../schemas/common';
import { deleteFlowRunInput, filterFlowRunInputs, flowRunInputValue, insertFlowRunInput } from '../queries/flow-run-input';
import { describe } from '../openapi/describe';

/**
 * Prefect checks the key only after the request is parsed (its FlowRunInput model), so a bad key is
 * a 500 there; here it is the 422 that check describes.
 */
const inputKey = () =>
  v.pipe(
    str(),
    v.check((s) => /^[a-z0-9-]*$/.test(s), issueMessage('value_error', 'Value error, key must only contain lowercase letters, numbers, and dashes.', { error: {} })),
  );

const CreateBody = v.object({
  key: inputKey(),
  // FastAPI's `bytes` body: any JSON string.
  value: v.string(issueMessage('bytes_type', 'Input should be a valid bytes')),
  sender: opt(str()),
});

const FilterBody = v.object({
  prefix: str(),
  // Prefect has no bound here and a negative limit fails in the database (503); here it is a 422.
  limit: v.optional(v.pipe(laxInt(), v.minValue(0, issueMessage('greater_than_equal', 'Input should be greater than or equal to 0', { ge: 0 }))), 1),
  exclude_keys: v.optional(list(str()), () => []),
});

const RUN = `/${uuidParam('id')}/input`;
const inputNotFound = () => notFound('Flow run input not found');

export const flowRunInputRoutes = new Hono<AppEnv>()
  .post(RUN, describe({ body: CreateBody }), async (c) => {
    const body = await embeddedBody(c, CreateBody);
    try {
      await insertFlowRunInput(c.var.db, { flowRunId: pathUuid(c, 'id'), key: body.key, value: body.value, sender: body.sender ?? null });
    } catch (e) {
      const code = sqlState(e);
      if (code === '23505') throw detailError(409, 'A flow run input with this key already exists.');
      if (code === '23503') throw notFound('Flow run not found');
      throw e;
    }
    return c.json(null, 201);
  })
  .post(`${RUN}/filter`, describe({ body: FilterBody }), async (c) => {
    const body = await embeddedBody(c, FilterBody);
    return c.json(
      await filterFlowRunInputs(c.var.db, { flowRunId: pathUuid(c, 'id'), prefix: body.prefix, limit: body.limit, excludeKeys: body.exclude_keys }),
    );
  })
  .get(`${RUN}/:key`, async (c) => {
    const value = await flowRunInputValue(c.var.db, pathUuid(c, 'id'), c.req.param('key'));
    if (value === null) throw inputNotFound();
    return c.text(value, 200, { 'content-type': 'text/plain; charset=utf-8' });
  })
  .delete(`${RUN}/:key`, async (c) => {
    if (!(await deleteFlowRunInput(c.var.db, pathUuid(c, 'id'), c.req.param('key')))) throw inputNotFound();
    return c.body(null, 204);
  })
  .all(RUN, methodNotAllowed)
  .all(`${RUN}/filter`, methodNotAllowed)
  .all(`${RUN}/:key`, methodNotAllowed);
