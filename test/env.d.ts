import type { Env as AppBindings } from '../src/env';

declare global {
  namespace Cloudflare {
    interface Env extends AppBindings {
      DB_KIND: string;
      PROXY_CONTROL: string;
      PROPERTY_RUNS: string;
      RELIABILITY_CALLS: string;
      PROPERTY_SEED: string;
    }
  }
}
