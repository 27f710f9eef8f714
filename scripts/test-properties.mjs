// `npm run test:properties`: the property-based suite with thousands of cases per property, from a
// random seed printed first (set PROPERTY_SEED to replay one, PROPERTY_RUNS to change the count).
import { spawnSync } from 'node:child_process';

const runs = process.env.PROPERTY_RUNS || '5000';
const seed = process.env.PROPERTY_SEED || String(Math.floor(Math.random() * 2 ** 31));
console.log(`property tests: PROPERTY_RUNS=${runs} PROPERTY_SEED=${seed} (replay with these)`);
const result = spawnSync('vitest', ['run', '--project', 'workers', 'test/http/properties', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, PROPERTY_RUNS: runs, PROPERTY_SEED: seed },
});
process.exit(result.status ?? 1);
