/** Worker entry point: HTTP requests, and the cron trigger that runs background maintenance. */
import { app } from './app';
import type { Env } from './env';
import { runMaintenance } from './jobs/maintenance';

export default {
  fetch: app.fetch,
  scheduled: (_controller, env, ctx) => {
    ctx.waitUntil(runMaintenance(env).then(() => undefined));
  },
} satisfies ExportedHandler<Env>;
