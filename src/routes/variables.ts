/**
 * Variables, /variables: create, read / update / delete by id or by name, filter and count.
 */
import { Hono, type Context } from 'hono';
import type { SQL } from 'drizzle-orm';
import type { AppEnv } from '../env';
import { variable } from '../db/schema';
import { detailError, notFound } from '../http/errors';
import { methodNotAllowed } from '../http/method-not-allowed';
import { pathUuid, uuidParam } from '../http/params';
import { modelBody } from '../http/validation';
import { VariableCreate, VariableUpdate } from '../schemas/actions/variables';
import { opt } from '../schemas/common';
import { VARIABLE_SORTS, VariableFilter } from '../schemas/filters';
import { VARIABLE_ORDER, variableFilterSql } from '../queries/filters';
import {
  deleteVariable,
  insertVariable,
  readVariables,
  updateVariable,
  variableById,
  variableByName,
} from '../queries/variables';
import { filterCount } from './read-support';
import { describe } from '../openapi/describe';

const variableNotFound = () => notFound('Variable not found.');
/** Python's repr of a name (names are [a-z0-9_-] and at most one final newline). */
const pyRepr = (s: string) => `'${s.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll("'", "\\'")}'`;

const ID = `/${uuidParam('id')}`;
const NAME = '/name/:name';
const byId = (c: Context) => variableById(pathUuid(c, 'id'));
const byName = (c: Context) => variableByName(c.req.param('name') ?? '');

async function readOne(c: Context<AppEnv>, where: SQL) {
  const [found] = await readVariables(c.var.db, { where });
  if (!found) throw variableNotFound();
  return c.json(found);
}

async function update(c: Context<AppEnv>, where: SQL) {
  const body = await modelBody(c, VariableUpdate);
  if (!(await updateVariable(c.var.db, where, body))) throw variableNotFound();
  return c.body(null, 204);
}

async function remove(c: Context<AppEnv>, where: SQL) {
  if (!(await deleteVariable(c.var.db, where))) throw variableNotFound();
  return c.body(null, 204);
}

export const variableRoutes = new Hono<AppEnv>()
  .post('/', describe({ body: VariableCreate }), async (c) => {
    const body = await modelBody(c, VariableCreate);
    const created = await insertVariable(c.var.db, body);
    if (!created) throw detailError(409, `A variable with the name ${pyRepr(body.name)} already exists.`);
    return c.json(created, 201);
  })
  .route(
    '/',
    filterCount({
      filters: { variables: opt(VariableFilter) },
      sorts: VARIABLE_SORTS,
      defaultSort: 'NAME_ASC',
      order: VARIABLE_ORDER,
      table: variable,
      condition: (body) => (body.variables ? variableFilterSql(body.variables) : undefined),
      read: readVariables,
    }),
  )
  .get(ID, (c) => readOne(c, byId(c)))
  .patch(ID, describe({ body: VariableUpdate }), (c) => update(c, byId(c)))
  .delete(ID, (c) => remove(c, byId(c)))
  .get(NAME, (c) => readOne(c, byName(c)))
  .patch(NAME, describe({ body: VariableUpdate }), (c) => update(c, byName(c)))
  .delete(NAME, (c) => remove(c, byName(c)))
  .all('/', methodNotAllowed)
  .all(ID, methodNotAllowed)
  .all(NAME, methodNotAllowed);
