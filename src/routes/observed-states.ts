/** GET /observed-states (Prefect 3.9.1): which state types and exact names the run histories hold. */
import { Hono } from 'hono';
import * as v from 'valibot';
import type { AppEnv } from '../env';
import { RequestValidationError } from '../http/errors';
import { methodNotAllowed } from '../http/method-not-allowed';
import { toValidationIssue } from '../http/validation';
import { enumOf, issueMessage, laxInt, maxChars, opt, str } from '../schemas/common';
import { readObservedStates } from '../queries/observed-states';

const ObservedStatesQuery = v.object({
  query: opt(v.pipe(str(), maxChars(100))),
  order_by: opt(enumOf(['NAME_ASC', 'LAST_SEEN_DESC'] as const)),
  // The bounds are checked on the raw text: Prefect's 422 echoes the query string ("0"), not the int.
  limit: opt(
    v.pipe(
      str(),
      v.check((s) => !(Number(s) < 1), issueMessage('greater_than_equal', 'Input should be greater than or equal to 1', { ge: 1 })),
      v.check((s) => !(Number(s) > 200), issueMessage('less_than_equal', 'Input should be less than or equal to 200', { le: 200 })),
      laxInt() as v.GenericSchema<unknown, number> as v.GenericSchema<string, number>,
    ),
  ),
});

export const observedStateRoutes = new Hono<AppEnv>()
  .get('/', async (c) => {
    const parsed = v.safeParse(ObservedStatesQuery, { query: c.req.query('query'), order_by: c.req.query('order_by'), limit: c.req.query('limit') });
    if (!parsed.success) throw new RequestValidationError(parsed.issues.map((i) => toValidationIssue(i, ['query'])), null);
    const q = parsed.output;
    // Prefect strips the search text, and an empty one matches everything.
    const prefix = q.query?.trim() || null;
    return c.json(await readObservedStates(c.var.db, { prefix, sort: q.order_by ?? 'LAST_SEEN_DESC', limit: q.limit ?? 200 }));
  })
  .all('/', methodNotAllowed);
