/**
 * Flow writes: POST /flows/ (idempotent by name), PATCH and DELETE /flows/{id}, POST /flows/bulk_delete
 * (../shared/spec/prefect-filters.md §4.1).
 */
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { methodNotAllowed } from '../http/method-not-allowed';
import { notFound } from '../http/errors';
import { pathUuid, uuidParam } from '../http/params';
import { embeddedBody, modelBody } from '../http/validation';
import { BULK_OPERATION_LIMIT } from '../schemas/actions/fields';
import { FlowBulkDelete, FlowCreate, FlowUpdate } from '../schemas/actions/flows';
import { FLOW_ORDER, flowsCondition } from '../queries/filters';
import { deleteFlow, deleteFlows, insertFlow, updateFlowTags } from '../queries/flows';
import { flow } from '../db/schema';
import { toFlowResponse } from '../queries/read-models';
import { describe } from '../openapi/describe';

export const flowRoutes = new Hono<AppEnv>()
  .post('/', describe({ body: FlowCreate }), async (c) => {
    const body = await modelBody(c, FlowCreate);
    const { row, created } = await insertFlow(c.var.db, body);
    return c.json(toFlowResponse(row), created ? 201 : 200);
  })
  .patch(`/${uuidParam('id')}`, describe({ body: FlowUpdate }), async (c) => {
    const body = await modelBody(c, FlowUpdate);
    if (!(await updateFlowTags(c.var.db, pathUuid(c, 'id'), body.tags))) throw notFound('Flow not found');
    return c.body(null, 204);
  })
  .post('/bulk_delete', describe({ body: FlowBulkDelete }), async (c) => {
    const body = await embeddedBody(c, FlowBulkDelete);
    const deleted = await c.var.db.transaction(async (tx) => {
      const chosen = await tx
        .select({ id: flow.id })
        .from(flow)
        .where(flowsCondition({ flows: body.flows }))
        .orderBy(...FLOW_ORDER.NAME_ASC)
        .limit(body.limit ?? BULK_OPERATION_LIMIT)
        .for('update');
      const ids = chosen.map((f) => f.id);
      await deleteFlows(tx, ids);
      return ids;
    });
    return c.json({ deleted });
  })
  .all('/bulk_delete', methodNotAllowed)
  .delete(`/${uuidParam('id')}`, async (c) => {
    if (!(await deleteFlow(c.var.db, pathUuid(c, 'id')))) throw notFound('Flow not found');
    return c.body(null, 204);
  });
