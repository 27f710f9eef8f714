/**
 * POST /ui/schemas/validate: the UI's check of a run's parameters against the flow's parameter schema,
 * before it creates the run. Values are hydrated first (workspace variables read in one statement, only
 * when a value names one); the answer is Prefect's error tree (src/schemas/parameter-validation.ts).
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import type { AppEnv } from '../env';
import { variable } from '../db/schema';
import { detailError } from '../http/errors';
import { methodNotAllowed } from '../http/method-not-allowed';
import { readBody } from '../schemas/pagination';
import { jsonObject } from '../schemas/common';
import {
  CircularSchemaRef,
  errorTree,
  hydrate,
  preprocessSchema,
  schemaErrors,
  UnresolvableRef,
  usesWorkspaceVariables,
} from '../schemas/parameter-validation';
import { describe } from '../openapi/describe';

const ValidateBody = v.object({ schema: jsonObject(), values: jsonObject() });

export const uiSchemaRoutes = new Hono<AppEnv>()
  .post('/validate', describe({ body: ValidateBody }), async (c) => {
    const body = await readBody(c, ValidateBody);
    const schema = preprocessSchema(body.schema);
    const variables = usesWorkspaceVariables(body.values)
      ? new Map((await c.var.db.select({ name: variable.name, value: variable.value }).from(variable)).map((r) => [r.name, r.value as unknown]))
      : null;
    const values = hydrate(body.values, { variables });
    try {
      return c.json(errorTree(schemaErrors(schema, values)));
    } catch (e) {
      if (e instanceof CircularSchemaRef) throw detailError(422, 'Invalid schema: Unable to validate schema with circular references.');
      if (e instanceof UnresolvableRef) throw detailError(422, `Invalid schema: Validation failed. Failure reason: ${e.message}`);
      throw e;
    }
  })
  .all('/validate', methodNotAllowed);
