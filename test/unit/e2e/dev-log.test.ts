import { describe, expect, it } from 'vitest';
import { notFoundRoutes } from '../../e2e/lib/server.mjs';

describe('e2e: the 404s of the dev log', () => {
  it('lists each /api request that answered 404 once, colours and other mounts aside', () => {
    const log = [
      '[wrangler:info] GET /api/health 200 OK (932ms)',
      '[wrangler:info] GET /api/events/out 404 Not Found (12ms)',
      '\u001b[32m[wrangler:info]\u001b[0m POST /api/work_pools/p/workers/filter 404 Not Found (3ms)',
      '[wrangler:info] GET /api/events/out 404 Not Found (24ms)',
      '[wrangler:info] GET /flow_runs/abc 404 Not Found (5ms)',
      '[wrangler:info] POST /api/logs/ 201 Created (29ms)',
      '[wrangler:info] GET /api/x4040 200 OK (1ms)',
    ].join('\n');
    expect(notFoundRoutes(log)).toEqual(['GET /api/events/out', 'POST /api/work_pools/p/workers/filter']);
  });
});
