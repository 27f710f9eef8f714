/** Calls the app with an explicit environment, for tests of configuration-dependent behaviour. */
import { env } from 'cloudflare:workers';
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { app } from '../../../src/app';
import type { Env } from '../../../src/env';

export interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

/**
 * Sends one request to the app. The environment is the test bindings minus ALLOW_UNAUTHENTICATED (so
 * the Worker is secure by default, as when deployed), plus `overrides`.
 */
export async function send(url: string, init: RequestInit = {}, overrides: Partial<Env> = {}): Promise<Reply> {
  const ctx = createExecutionContext();
  const bindings = { ...env, ALLOW_UNAUTHENTICATED: undefined, ...overrides };
  const res = await app.fetch(new Request(url, init), bindings, ctx);
  await waitOnExecutionContext(ctx);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, headers: res.headers };
}

/** The Authorization header the Prefect client builds from PREFECT_API_AUTH_STRING. */
export const basicHeader = (authString: string) => {
  const bytes = new TextEncoder().encode(authString);
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
};
