/** POST /ui/schemas/validate: checks parameter values against a flow's parameter schema, for the UI's forms. */
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { methodNotAllowed } from '../http/method-not-allowed';

export const uiSchemaRoutes = new Hono<AppEnv>().all('/validate', methodNotAllowed);
