// `npm run db:migrate`: applies ./drizzle migrations to DATABASE_URL (for example a Neon database
// before `wrangler deploy`). Neon is reached directly over its WebSocket endpoint; a local Postgres
// through a temporary proxy.
import { startWsProxy } from './wsproxy.mjs';
import { addressOf, isLocalUrl, migrate } from './localdb.mjs';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('Set DATABASE_URL to the database to migrate.');
  process.exit(2);
}
const local = isLocalUrl(url);
let proxy;
try {
  if (local) proxy = await startWsProxy({ allow: [addressOf(url)] });
  await migrate({ url, wsproxy: proxy?.url, pipelineConnect: local ? false : 'password' });
  console.log('migrations applied');
} finally {
  await proxy?.close();
}
