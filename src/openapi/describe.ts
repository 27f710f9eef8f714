/**
 * Route descriptions for the OpenAPI document: `describe({ body })` is a pass-through middleware placed
 * before a handler; the document reads the schema back from Hono's route list, so what is documented is
 * the schema the handler validates with, not a copy of it.
 */
import type { MiddlewareHandler } from 'hono';
import type * as v from 'valibot';

export interface RouteDescription {
  /** The Valibot schema of the JSON request body. */
  body?: v.GenericSchema;
  summary?: string;
}

const descriptions = new WeakMap<object, RouteDescription>();

export function describe(description: RouteDescription): MiddlewareHandler {
  const passThrough: MiddlewareHandler = (_c, next) => next();
  descriptions.set(passThrough, description);
  return passThrough;
}

/** The description a route-list entry carries, if its handler is a `describe` middleware. */
export const descriptionOf = (handler: unknown): RouteDescription | undefined =>
  typeof handler === 'function' ? descriptions.get(handler) : undefined;
