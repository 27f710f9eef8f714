import type { Db, StatementCounter } from './db/client';

/** Worker bindings: vars and secrets from wrangler.toml, `wrangler secret put`, or `.dev.vars`. */
export interface Env {
  /** Postgres connection string (Neon in production; a local cluster or PGlite in dev and tests). */
  DATABASE_URL?: string;
  /** Local only: a ws:// URL of the WebSocket→TCP proxy that lets the Neon driver reach a plain Postgres. */
  WSPROXY?: string;
  /** Local only: "false" makes the driver wait for the server's auth request (PGlite, trust auth). */
  PG_PIPELINE_CONNECT?: string;
  /** When "1", responses carry `x-sql-statements` and `x-sql-round-trips`: the SQL statements the request sent, and in how many round trips. */
  EXPOSE_SQL_COUNT?: string;

  // Orchestration settings (src/queries/flow-run-orchestration.ts).
  /** Seconds a deployment-concurrency lease lives without renewal (Prefect's default: 300). */
  PREFECT_SERVER_CONCURRENCY_INITIAL_DEPLOYMENT_LEASE_DURATION?: string;
  /** Seconds a run waits in AwaitingConcurrencySlot before it is tried again (default: 30). */
  PREFECT_DEPLOYMENTS_CONCURRENCY_SLOT_WAIT_SECONDS?: string;

  // Flow run graph (GET /flow_runs/{id}/graph-v2), Prefect's names and defaults (10000 each).
  /** Nodes a graph may hold; a larger graph is a 400. */
  PREFECT_SERVER_FLOW_RUN_GRAPH_MAX_NODES?: string;
  /** Artifacts a graph shows at most. */
  PREFECT_SERVER_FLOW_RUN_GRAPH_MAX_ARTIFACTS?: string;

  // Security (see src/http/auth.ts and src/http/limits.ts). Set the secrets with `wrangler secret put`.
  /** Secret: comma-separated API keys accepted as `Authorization: Bearer <key>` (what PREFECT_API_KEY sends). */
  PREFECT_API_KEYS?: string;
  /** Secret: `user:password`, accepted as `Authorization: Basic base64(...)` (what PREFECT_API_AUTH_STRING sends). */
  PREFECT_API_AUTH_STRING?: string;
  /** "true" runs a deployed Worker without credentials on purpose. Ignored once a credential is configured. */
  ALLOW_UNAUTHENTICATED?: string;
  /** Largest accepted request body in bytes (default 1 MiB). */
  MAX_BODY_BYTES?: string;
  /** Postgres statement_timeout and idle_in_transaction_session_timeout in ms (default 10000; 0 = none). */
  STATEMENT_TIMEOUT_MS?: string;
  /**
   * Base URL of the collection registry's views (`<url>/aggregate-worker-metadata.json`, ...), fetched by
   * GET /collections/views/{view}. Unset: no fetch; the worker view is empty (src/routes/collections.ts).
   */
  COLLECTIONS_REGISTRY_URL?: string;

  // Incoming webhooks (src/routes/hooks.ts).
  /** Largest body /hooks/{slug} accepts, in bytes (default 512 KiB); larger is a 413. */
  WEBHOOK_MAX_BODY_BYTES?: string;
  /** Calls a webhook slug accepts per minute (default 600); more are a 429. */
  WEBHOOK_RATE_LIMIT_PER_MINUTE?: string;
  // The web UI (src/http/ui.ts): Prefect's UIs as static assets, absent when built without them.
  /** The static assets binding (`[assets]` in wrangler.toml): ui-dist/, Prefect's two UIs. */
  ASSETS?: Fetcher;
  // CORS (src/http/cors.ts) and the UI's settings (src/routes/ui-settings.ts), Prefect's names and defaults.
  /** Comma-separated origins allowed to call the API from a browser (default `*`). */
  PREFECT_SERVER_CORS_ALLOWED_ORIGINS?: string;
  /** Comma-separated methods a preflight allows (default `*`: all of them). */
  PREFECT_SERVER_CORS_ALLOWED_METHODS?: string;
  /** Comma-separated request headers a preflight allows (default `*`: whatever is asked). */
  PREFECT_SERVER_CORS_ALLOWED_HEADERS?: string;
  /** The API URL the UI is told to use; default: this Worker's `/api` on the request's origin. */
  PREFECT_UI_API_URL?: string;
  /** "false": the UIs are not served, and /ui-settings lists none (Prefect's default: true). */
  PREFECT_UI_ENABLED?: string;
  /** "false" makes the V1 (Vue) UI the default one (Prefect's default: true, the V2 UI). */
  PREFECT_SERVER_UI_V2_ENABLED?: string;
  /**
   * "false" stops evaluating automations right after write requests (src/services/automations.ts);
   * the services tick still does. Tests set it to drive evaluation themselves.
   */
  AUTOMATIONS_AFTER_WRITES?: string;
}

/** Per-request values that middleware puts on the Hono context. */
export interface Vars {
  db: Db;
  /** The request's statement counter (src/db/client.ts): what it sent, and whether any of it stored events. */
  statements: StatementCounter;
  /** The X-Prefect-API-Version header, parsed; null when absent (meaning "latest"). */
  apiVersion: [number, number, number] | null;
  /** The Prefect client version from the User-Agent header, or null when unknown. */
  clientVersion: string | null;
}

export interface AppEnv {
  Bindings: Env;
  Variables: Vars;
}
