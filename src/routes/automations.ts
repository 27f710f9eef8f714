/**
 * DELETE /automations/owned-by/{resource_id}: `flow.deploy()`, `prefect deploy` and `flow.serve()`
 * call it to drop the automations a deployment owned before re-creating its triggers. Automations are
 * not served yet, so nothing is owned and the answer is Prefect's 202 with nothing deleted. The
 * automations API replaces this file.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../env';

export const automationRoutes = new Hono<AppEnv>().delete('/owned-by/:resource_id', (c) => c.json(null, 202));
