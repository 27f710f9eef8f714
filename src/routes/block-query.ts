/** The `include_secrets` query parameter of the block document reads. */
import type { Context } from 'hono';
import * as v from 'valibot';
import { RequestValidationError } from '../http/errors';
import { toValidationIssue } from '../http/validation';
import { laxBool } from '../schemas/common';

const IncludeSecrets = v.object({ include_secrets: v.optional(laxBool(), false) });

export function includeSecretsQuery(c: Context): boolean {
  const parsed = v.safeParse(IncludeSecrets, { include_secrets: c.req.query('include_secrets') });
  if (!parsed.success) throw new RequestValidationError(parsed.issues.map((i) => toValidationIssue(i, ['query'])), null);
  return parsed.output.include_secrets;
}
