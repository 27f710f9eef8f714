/**
 * GET /collections/views/{view}: the collection registry's views, which the CLI reads for worker
 * types (`prefect work-pool create`, `prefect worker start`). They are fetched from
 * COLLECTIONS_REGISTRY_URL when it is set. Without it (or when the fetch fails) the worker view is
 * an empty object, which Prefect's CLI treats as "only the worker types installed locally"; Prefect
 * itself falls back to a snapshot bundled with the server.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { notFound } from '../http/errors';

const KNOWN_VIEWS = new Set(['aggregate-block-metadata', 'aggregate-flow-metadata', 'aggregate-worker-metadata', 'demo-flows']);
const WORKER_VIEW = 'aggregate-worker-metadata';
const FETCH_TIMEOUT_MS = 5000;

async function fetchView(base: string, view: string): Promise<Record<string, unknown> | null> {
  try {
    const res = await fetch(`${base.replace(/\/+$/, '')}/${view}.json`, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (!res.ok) return null;
    const data = (await res.json()) as Record<string, unknown>;
    // Prefect hides the retired agent from the worker view.
    if (view === WORKER_VIEW && data.prefect && typeof data.prefect === 'object') {
      delete (data.prefect as Record<string, unknown>)['prefect-agent'];
    }
    return data;
  } catch {
    return null;
  }
}

export const collectionRoutes = new Hono<AppEnv>().get('/views/:view', async (c) => {
  const view = c.req.param('view');
  if (!KNOWN_VIEWS.has(view)) throw notFound(`View ${view} not found in registry`);
  const base = c.env.COLLECTIONS_REGISTRY_URL;
  const data = base ? await fetchView(base, view) : null;
  if (data) return c.json(data);
  if (view === WORKER_VIEW) return c.json({});
  throw notFound(`Requested content missing for view ${view}`);
});
