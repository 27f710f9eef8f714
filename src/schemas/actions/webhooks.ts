/**
 * WebhookCreate / WebhookUpdate, as Prefect Cloud's API takes them (the 3.9.1 CLI sends name,
 * description and template; Terraform also enabled and service_account_id). The template is Jinja
 * text; an object is taken as a static template and kept as its JSON text.
 */
import * as v from 'valibot';
import { issueMessage, laxBool, model, opt, str, uuid } from '../common';
import { templateSyntaxError } from '../../webhooks/template';

const template = () =>
  v.pipe(
    v.union([str(), v.custom<Record<string, unknown>>((x) => typeof x === 'object' && x !== null && !Array.isArray(x))], issueMessage('string_type', 'Input should be a valid string')),
    v.transform((t) => (typeof t === 'string' ? t : JSON.stringify(t))),
    v.rawCheck(({ dataset, addIssue }) => {
      if (!dataset.typed) return;
      const problem = templateSyntaxError(dataset.value);
      if (problem) addIssue({ message: issueMessage('value_error', `Value error, Invalid template: ${problem}`, { error: {} }) });
    }),
  );

const name = () => v.pipe(str(), v.minLength(1, issueMessage('string_too_short', 'String should have at least 1 character', { min_length: 1 })));

export const WebhookCreate = model({
  name: name(),
  description: v.optional(v.nullable(str()), ''),
  enabled: v.optional(laxBool(), true),
  template: template(),
  service_account_id: opt(uuid()),
});
export type WebhookCreate = v.InferOutput<typeof WebhookCreate>;

/** PATCH: the keys sent are written. */
export const WebhookPatch = model({
  name: v.optional(name()),
  description: v.optional(v.nullable(str())),
  enabled: v.optional(laxBool()),
  template: v.optional(template()),
  service_account_id: v.optional(v.nullable(uuid())),
});
export type WebhookPatch = v.InferOutput<typeof WebhookPatch>;

/** PUT: the whole definition (what the CLI's `update` sends); `enabled` is kept unless sent. */
export const WebhookPut = model({
  name: name(),
  description: v.optional(v.nullable(str()), ''),
  enabled: v.optional(laxBool()),
  template: template(),
  service_account_id: v.optional(v.nullable(uuid()), null),
});
export type WebhookPut = v.InferOutput<typeof WebhookPut>;
