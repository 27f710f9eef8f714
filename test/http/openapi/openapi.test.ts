import { describe, expect, it } from 'vitest';
import { app } from '../../../src/app';
import { openApiPath, servedOperations } from '../../../src/openapi/document';
import { get } from '../helpers';

const served = servedOperations(app.routes);

describe('GET /api/openapi.json', () => {
  it('documents every operation the app serves, and nothing else', async () => {
    const res = await get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const documented = Object.entries(res.body.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(served.map((op) => `${op.method} ${op.path}`).sort());
    // Sanity: the families a Prefect client uses first are there.
    expect(documented).toEqual(expect.arrayContaining(['POST /flow_runs/filter', 'POST /flow_runs/{id}/set_state', 'GET /variables/name/{name}']));
  });

  it('gives each request body the JSON Schema of the Valibot schema the handler validates with', async () => {
    const res = await get('/openapi.json');
    const create = res.body.paths['/variables'].post.requestBody.content['application/json'].schema;
    expect(create.type).toBe('object');
    expect(Object.keys(create.properties)).toEqual(expect.arrayContaining(['name', 'value', 'tags']));
    const filter = res.body.paths['/flow_runs/filter'].post.requestBody.content['application/json'].schema;
    expect(Object.keys(filter.properties)).toEqual(expect.arrayContaining(['flows', 'flow_runs', 'sort', 'limit', 'offset']));
    const param = res.body.paths['/flow_runs/{id}'].get.parameters;
    expect(param).toEqual([{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }]);
  });

  it('every POST, PUT and PATCH that reads a JSON body documents it', () => {
    // Only these take no body, as in Prefect: each checked by hand. A new route with a body and no
    // `describe({ body })` lands here.
    const withoutBody = served.filter((op) => op.method !== 'GET' && op.method !== 'DELETE' && !op.description.body).map((op) => `${op.method} ${op.path}`);
    expect(withoutBody.sort()).toEqual(
      [
        'POST /deployments/{id}/pause_deployment',
        'POST /deployments/{id}/resume_deployment',
        'POST /block_types/install_system_block_types',
        'POST /webhooks/{id}/rotate',
        // An incoming webhook takes any body (JSON, form or text) and hands it to its template.
        'POST /hooks/{slug}',
        'PUT /hooks/{slug}',
        'PATCH /hooks/{slug}',
      ].sort(),
    );
  });
});

describe('openApiPath', () => {
  it('turns Hono parameters, patterns with nested braces included, into OpenAPI ones', () => {
    expect(openApiPath('/flow_runs/:id{[0-9a-f]{8}-[0-9a-f]{4}}/graph')).toEqual({ path: '/flow_runs/{id}/graph', params: ['id'] });
    expect(openApiPath('/work_pools/:name/queues/:queue')).toEqual({ path: '/work_pools/{name}/queues/{queue}', params: ['name', 'queue'] });
    expect(openApiPath('/flows/')).toEqual({ path: '/flows', params: [] });
  });
});
