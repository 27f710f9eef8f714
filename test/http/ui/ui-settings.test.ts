/** GET /ui-settings: public (the UI reads it before its login), derived from the request and the vars. */
import { describe, expect, it } from 'vitest';
import { send } from '../security/app';

const REMOTE = 'https://prefect.example.com';

describe('GET /ui-settings', () => {
  it('answers without credentials when credentials are configured, and says the UI must log in with Basic', async () => {
    const res = await send(`${REMOTE}/ui-settings`, {}, { PREFECT_API_AUTH_STRING: 'admin:pw' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ api_url: `${REMOTE}/api`, auth: 'BASIC', csrf_enabled: false, default_ui: 'v2' });
    // Only the settings are public: the API still wants credentials.
    expect((await send(`${REMOTE}/api/flows/count`, { method: 'POST', body: '{}' }, { PREFECT_API_AUTH_STRING: 'admin:pw' })).status).toBe(401);
  });

  it('API keys alone give the UI no login; the vars override the API URL, the default UI and the UI list', async () => {
    const keys = await send(`${REMOTE}/ui-settings`, {}, { PREFECT_API_KEYS: 'k' });
    expect(keys.body.auth).toBeNull();
    const res = await send(
      `${REMOTE}/ui-settings`,
      {},
      { PREFECT_API_KEYS: 'k', PREFECT_UI_API_URL: 'https://api.example.com/api', PREFECT_SERVER_UI_V2_ENABLED: 'false', PREFECT_UI_ENABLED: 'false' },
    );
    expect(res.body).toEqual({
      api_url: 'https://api.example.com/api',
      csrf_enabled: false,
      auth: null,
      flags: [],
      default_ui: 'v1',
      available_uis: [],
      v1_base_url: null,
      v2_base_url: null,
    });
    const admin = await send(`${REMOTE}/api/admin/settings`, { headers: { authorization: 'Bearer k' } }, { PREFECT_API_KEYS: 'k', PREFECT_UI_API_URL: 'https://api.example.com/api' });
    expect(admin.body.server.ui.api_url).toBe('https://api.example.com/api');
    expect(admin.body.server.api.cors_allowed_origins).toBe('*');
  });
});
