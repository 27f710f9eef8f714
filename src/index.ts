/** Worker entry point: HTTP requests, and the cron trigger that runs the background services. */
import { app } from './app';
import type { Env } from './env';
import { runServices } from './services';

export default {
  fetch: app.fetch,
  scheduled: (_controller, env, ctx) => {
    ctx.waitUntil(runServices(env).then(() => undefined));
  },
} satisfies ExportedHandler<Env>;
