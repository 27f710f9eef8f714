/**
 * POST /templates/validate (and the older /automations/templates/validate the UI still calls): 204
 * when an automation template parses, else 422 `{"error": {line, message, source}}`, Prefect 3.9.1's
 * own shape for this endpoint. The body is one JSON string; without a JSON content type the raw text
 * is the template, as FastAPI reads it.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { RequestValidationError } from '../http/errors';
import { methodNotAllowed } from '../http/method-not-allowed';
import { readJson } from '../http/validation';
import { validateTemplate } from '../events/template-validation';

export const templateRoutes = new Hono<AppEnv>()
  .post('/validate', async (c) => {
    const isJson = /json/i.test(c.req.header('content-type') ?? '');
    const raw = isJson ? await readJson(c) : await c.req.text();
    // An empty body or null is the default, the empty template.
    const template = raw === undefined || raw === null ? '' : raw;
    if (typeof template !== 'string') {
      throw new RequestValidationError([{ type: 'string_type', loc: ['body'], msg: 'Input should be a valid string', input: template }], template);
    }
    const error = validateTemplate(template);
    if (!error) return c.body(null, 204);
    return c.json({ error: { line: error.line, message: error.message, source: template } }, 422);
  })
  .all('/validate', methodNotAllowed);
