/**
 * Flow writes: POST /flows/ (idempotent by name), PATCH and DELETE /flows/{id}, POST /flows/bulk_delete
 * (../shared/spec/prefect-filters.md §4.1).
 */
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { notFound } from '../http/errors';
import { pathUuid, uuidParam } from '../http/params';
import { modelBody } from '../http/validation';
import { FlowCreate, FlowUpdate } from '../schemas/actions/flows';
import { deleteFlow, insertFlow, updateFlowTags } from '../queries/flows';
import { toFlowResponse } from '../queries/read-models';

export const flowRoutes = new Hono<AppEnv>()
  .post('/', async (c) => {
    const body = await modelBody(c, FlowCreate);
    const { row, created } = await insertFlow(c.var.db, body);
    return c.json(toFlowResponse(row), created ? 201 : 200);
  })
  .patch(`/${uuidParam('id')}`, async (c) => {
    const body = await modelBody(c, FlowUpdate);
    if (!(await updateFlowTags(c.var.db, pathUuid(c, 'id'), body.tags))) throw notFound('Flow not found');
    return c.body(null, 204);
  })
  .delete(`/${uuidParam('id')}`, async (c) => {
    if (!(await deleteFlow(c.var.db, pathUuid(c, 'id')))) throw notFound('Flow not found');
    return c.body(null, 204);
  });
