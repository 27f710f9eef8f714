/** GET /ready and GET /admin/settings: Prefect's shapes, our values, no secrets. */
import { describe, expect, it } from 'vitest';
import { API, get } from '../helpers';
import { send } from '../security/app';

describe('readiness and settings', () => {
  it('GET /ready answers {"message":"OK"} once the database answers', async () => {
    const res = await get('/ready');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ message: 'OK' });
  });

  it('GET /ready is public when credentials are configured, and 503 without a database', async () => {
    const keys = { PREFECT_API_KEYS: 'pnu_ready-key' };
    expect((await send(`${API}/ready`, {}, keys)).body).toEqual({ message: 'OK' });
    expect((await send(`${API}/admin/settings`, {}, keys)).status).toBe(401);
    const down = await send(`${API}/ready`, {}, { ...keys, DATABASE_URL: undefined });
    expect(down.status).toBe(503);
    expect(down.body).toEqual({ message: 'Database is not available' });
  });

  it('GET /admin/settings masks a configured auth string', async () => {
    const res = await send(`${API}/admin/settings`, { headers: { authorization: 'Bearer pnu_k' } }, { PREFECT_API_KEYS: 'pnu_k', PREFECT_API_AUTH_STRING: 'admin:pw' });
    expect(res.body.server.api.auth_string).toBe('**********');
    expect(JSON.stringify(res.body)).not.toContain('pnu_k');
    expect(JSON.stringify(res.body)).not.toContain('admin:pw');
  });

  it("GET /admin/settings has Prefect's top-level and server keys", async () => {
    const res = await get('/admin/settings');
    expect(res.status).toBe(200);
    const s = res.body;
    expect(Object.keys(s)).toEqual([
      'home', 'profiles_path', 'debug_mode', 'api', 'cli', 'client', 'cloud', 'deployments', 'events', 'experiments',
      'flows', 'internal', 'logging', 'plugins', 'results', 'runner', 'server', 'tasks', 'telemetry', 'testing',
      'worker', 'ui_url', 'silence_api_url_misconfiguration',
    ]);
    expect(s.server.api.default_limit).toBe(200);
    expect(s.server.api.host).toBe('edge.test');
    expect(s.server.ui.api_url).toBe('http://edge.test/api');
    expect(s.server.services.late_runs).toEqual({ enabled: true, loop_seconds: 5, after_seconds: 'PT15S' });
    expect(s.server.services.scheduler.max_scheduled_time).toBe('P100D');
    expect(s.server.services.scheduler.min_scheduled_time).toBe('PT1H');
    expect(s.server.flow_run_graph).toEqual({ max_nodes: 10000, max_artifacts: 10000 });
  });

  it('never echoes a secret: the database URL is masked as Prefect masks it', async () => {
    const res = await get('/admin/settings');
    const text = JSON.stringify(res.body);
    expect(res.body.server.database.connection_url).toBe('**********');
    expect(text).not.toContain('postgres://');
    expect(text).not.toContain('postgresql://');
    expect(res.body.api.key).toBeNull();
  });
});
