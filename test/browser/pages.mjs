// @ts-check
// The pages the browser suite loads, in both of Prefect's UIs, and the failures expected today.

/**
 * @typedef {{ flow_run_id: string, flow_id: string, deployment_id: string, scheduled_run_id: string, work_pool: string, variable: string, suffix: string }} Seeded
 * @typedef {{ id: string, title: string, path: (s: Seeded) => string, shows?: (s: Seeded) => string }} Page
 */

/**
 * The main pages: the same routes in both UIs (v2 under /v2). `shows` is text the page must show
 * once its data has loaded (a seeded object's name), so an empty page is a failure too.
 * @type {Page[]}
 */
export const PAGES = [
  { id: 'dashboard', title: 'dashboard', path: () => '/dashboard', shows: (s) => s.work_pool },
  { id: 'runs', title: 'runs', path: () => '/runs', shows: () => 'browser-etl' },
  { id: 'flow-run', title: 'a flow run', path: (s) => `/runs/flow-run/${s.flow_run_id}`, shows: () => 'browser-etl' },
  { id: 'flows', title: 'flows', path: () => '/flows', shows: () => 'browser-etl' },
  { id: 'flow', title: 'a flow', path: (s) => `/flows/flow/${s.flow_id}`, shows: () => 'nightly' },
  { id: 'deployments', title: 'deployments', path: () => '/deployments', shows: () => 'nightly' },
  { id: 'deployment', title: 'a deployment', path: (s) => `/deployments/deployment/${s.deployment_id}`, shows: (s) => s.work_pool },
  { id: 'work-pools', title: 'work pools', path: () => '/work-pools', shows: (s) => s.work_pool },
  { id: 'work-pool', title: 'a work pool', path: (s) => `/work-pools/work-pool/${s.work_pool}`, shows: () => 'high' },
  { id: 'blocks', title: 'blocks', path: () => '/blocks' },
  { id: 'variables', title: 'variables', path: () => '/variables', shows: () => 'browser_var' },
  { id: 'automations', title: 'automations', path: () => '/automations' },
  { id: 'events', title: 'event feed', path: () => '/events', shows: () => 'prefect.flow-run.' },
  { id: 'concurrency', title: 'concurrency', path: () => '/concurrency-limits', shows: () => 'browser-gcl' },
  { id: 'artifacts', title: 'artifacts', path: () => '/artifacts', shows: () => 'etl-report' },
  { id: 'settings', title: 'settings', path: () => '/settings', shows: () => '3.9.1' },
];

export const UIS = /** @type {const} */ (['v1', 'v2']);

/**
 * KNOWN FAILURES: endpoints the UIs call that this branch does not serve yet. A page whose only API
 * failures are (some of) these endpoints is reported as a known failure (loudly, counted as skipped)
 * instead of failing the suite; console errors on such a page are taken as consequences of them.
 * Shrink this list as the branches that build the endpoints are merged; the suite says when an entry
 * no longer fails anywhere. Patterns: "METHOD /path" with `*` for one path segment.
 * @type {{ endpoint: string, branch: string }[]}
 */
/** @type {{ endpoint: string, branch: string }[]} */
export const KNOWN_MISSING = [
  // Empty since the automations merge: every endpoint the pages call is served. An entry here makes a
  // page that fails on that endpoint count as skipped (loudly) instead of failed.
];

/** The KNOWN_MISSING entry an API failure ("METHOD /path") belongs to, or undefined. */
export function knownMissing(/** @type {string} */ call) {
  return KNOWN_MISSING.find(({ endpoint }) => {
    const re = new RegExp(`^${endpoint.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]+')}$`);
    return re.test(call);
  });
}
