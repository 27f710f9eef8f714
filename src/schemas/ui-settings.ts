/** What GET /ui-settings answers (Prefect's UISettings), from the Worker's vars and the request's URL. */
import type { Env } from '../env';
import { credentialsFrom } from '../http/auth';

const isFalse = (raw: string | undefined) => ['false', '0', 'no', 'off'].includes(raw?.trim().toLowerCase() ?? '');

/** The UI's settings for a request: the API is this Worker's `/api`, unless PREFECT_UI_API_URL says otherwise. */
export function uiSettings(env: Env, requestUrl: string) {
  const uiServed = !isFalse(env.PREFECT_UI_ENABLED);
  const configured = isFalse(env.PREFECT_SERVER_UI_V2_ENABLED) ? 'v1' : 'v2';
  return {
    api_url: env.PREFECT_UI_API_URL?.trim() || `${new URL(requestUrl).origin}/api`,
    csrf_enabled: false,
    // The UI's login page sends the auth string as Basic credentials; API keys alone give it no login.
    auth: credentialsFrom(env).authString !== null ? 'BASIC' : null,
    flags: [],
    default_ui: configured,
    available_uis: uiServed ? ['v1', 'v2'] : [],
    v1_base_url: uiServed ? '/' : null,
    v2_base_url: uiServed ? '/v2' : null,
  };
}

