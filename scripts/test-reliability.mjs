// `npm run test:reliability`: the webhook reliability test at full size, 1,000 calls in bursts with the
// database connections cut and an automation acting on every call (test/http/webhooks/reliability.test.ts;
// `npm test` runs it with 100). RELIABILITY_CALLS changes the count; extra arguments go to vitest.
import { spawnSync } from 'node:child_process';

const calls = process.env.RELIABILITY_CALLS || '1000';
const result = spawnSync('vitest', ['run', '--project', 'workers', 'test/http/webhooks/reliability.test.ts', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, RELIABILITY_CALLS: calls },
});
process.exit(result.status ?? 1);
