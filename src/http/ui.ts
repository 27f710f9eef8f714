/**
 * Prefect's web UIs, served from the Worker's static assets (ui-dist/, built by scripts/ui-assets.mjs).
 *
 * The asset layer answers every request for an existing file (scripts, styles, icons) before the
 * Worker runs. What reaches this middleware is a page of a single-page app: a browser navigation to
 * /runs, /flows/flow/<id>, /v2/dashboard… gets the index.html of the UI whose path it is under, as
 * Prefect's server does: the Vue UI ("v1") at /, the React UI ("v2") at /v2. A navigation to / goes to
 * the UI the `prefect_ui_version` cookie names, else the default one (v2, as Prefect 3.9.1's
 * PREFECT_SERVER_UI_V2_ENABLED). Requests that are not page navigations (the API, curl, the SDK) and
 * everything under /api pass through, and so does /docs (the API docs, as on Prefect's server). Without assets (PREFECT_SERVER_UI_ENABLED=false at build time),
 * or with the Worker var PREFECT_UI_ENABLED = "false" (which /ui-settings also reads), nothing changes.
 */
import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { AppEnv } from '../env';

const V2_BASE = '/v2';

/** A browser loading a page, told apart as Prefect's server does (fetch metadata, else Accept). */
function isHtmlNavigation(req: Request): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const mode = req.headers.get('sec-fetch-mode');
  const dest = req.headers.get('sec-fetch-dest');
  if (mode === 'navigate' || dest === 'document' || dest === 'iframe') return true;
  return (req.headers.get('accept') ?? '').toLowerCase().includes('text/html');
}

const isUnder = (path: string, base: string) => path === base || path.startsWith(`${base}/`);

export const uiPages: MiddlewareHandler<AppEnv> = async (c, next) => {
  const assets = c.env.ASSETS;
  const path = c.req.path;
  const disabled = ['false', '0', 'no', 'off'].includes(c.env.PREFECT_UI_ENABLED?.trim().toLowerCase() ?? '');
  if (!assets || disabled || !isHtmlNavigation(c.req.raw) || isUnder(path, '/api') || path.endsWith('/ui-settings') || path === '/docs') return next();

  let ui: 'v1' | 'v2' = isUnder(path, V2_BASE) ? 'v2' : 'v1';
  if (path === '/') {
    const cookie = getCookie(c, 'prefect_ui_version');
    const preferred = cookie === 'v1' || cookie === 'v2' ? cookie : c.env.PREFECT_SERVER_UI_V2_ENABLED?.trim().toLowerCase() === 'false' ? 'v1' : 'v2';
    if (preferred === 'v2') {
      const query = new URL(c.req.url).search;
      if (await indexOf(assets, c.req.url, 'v2')) return c.redirect(`${V2_BASE}/${query}`, 307);
    }
    ui = 'v1';
  }
  const index = await indexOf(assets, c.req.url, ui);
  if (!index) return next();
  return new Response(c.req.method === 'HEAD' ? null : index.body, { status: 200, headers: index.headers });
};

/** The UI's index.html response, or null when this build has no such UI. */
async function indexOf(assets: Fetcher, url: string, ui: 'v1' | 'v2'): Promise<Response | null> {
  // The folder URL, not …/index.html: the asset layer redirects that to the folder.
  const res = await assets.fetch(new URL(ui === 'v2' ? `${V2_BASE}/` : '/', url));
  if (res.ok && (res.headers.get('content-type') ?? '').includes('text/html')) return res;
  await res.body?.cancel();
  return null;
}
