// @ts-check
// o. Every REST operation of Prefect's own OpenAPI document (generated from the installed 3.9.1 package,
// never a committed copy) is served by us, except those the README lists under "Prefect operations not
// served", each with its reason. A listed operation that we do serve fails too, so the list stays true.
// "Served" is read from our /api/openapi.json, which is built from the routes the app registers.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { listedAsNotServed, operationsOf } from '../lib/operations.mjs';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/** @type {import('../run.mjs').Scenario} */
export default {
  id: 'o',
  title: 'Prefect 3.9.1’s OpenAPI operations are all served, but for the README’s listed exceptions',
  needs: 'the whole REST surface',
  timeoutMs: 240_000,
  async run(ctx) {
    const file = path.join(ctx.workDir, 'prefect-openapi.json');
    const r = await ctx.python([path.join(root, 'test/e2e/lib/prefect_openapi.py'), file], { label: 'prefect-openapi', timeoutMs: 200_000 });
    assert.equal(r.code, 0, `generating Prefect's OpenAPI document failed:\n${ctx.tail(r.output)}`);
    const theirs = operationsOf(JSON.parse(fs.readFileSync(file, 'utf8')));
    const ours = operationsOf(await ctx.api.get('/openapi.json'));
    const listed = listedAsNotServed(path.join(root, 'README.md'));
    const unexplained = [...theirs].filter(([key]) => !ours.has(key) && !listed.has(key)).map(([, op]) => op);
    const stale = [...listed.keys()].filter((key) => ours.has(key) || !theirs.has(key));
    ctx.note(`${[...theirs.keys()].filter((k) => ours.has(k)).length} of ${theirs.size} served, ${listed.size} listed as not served`);
    assert.deepEqual(unexplained, [], 'Prefect operations neither served nor listed in the README');
    assert.deepEqual(stale, [], 'README lists these as not served, but they are served (or not in Prefect 3.9.1)');
  },
};
