// @ts-check
// i. The CLI and SDK families around runs, with the real Prefect 3.9.1 client: `prefect variable
// set/get/ls/unset`, `Variable.set/get`, markdown and table artifacts created in a flow then read with
// `prefect artifact ls/inspect`, `prefect concurrency-limit create/ls/inspect/reset/delete`,
// `prefect flow-run logs <id>`, and the flow-run input API through `send_input` / `receive_input` and
// `pause_flow_run(wait_for_input=...)` + `resume_flow_run(run_input=...)`, the variables' lifecycle
// events, and `prefect flow-run delete <id>` (the run and its logs go).
import assert from 'node:assert/strict';
import path from 'node:path';

/** @type {import('../run.mjs').Scenario} */
export default {
  id: 'i',
  title: 'CLI families: variables, artifacts, tag concurrency limits, flow-run logs, flow-run input',
  needs: 'variables, artifacts, tag concurrency limits, logs, flow run input',
  timeoutMs: 360_000,
  async run(ctx) {
    const suffix = ctx.name('');
    const p = (/** @type {string[]} */ args, /** @type {string} */ label) => ctx.prefect(args, { label: `i-${label}` });

    // Variables from the CLI.
    const cliVar = ctx.name('e2e-cli-var');
    await p(['variable', 'set', cliVar, 'hello-from-cli', '--tag', 'e2e'], 'variable-set');
    assert.match((await p(['variable', 'get', cliVar], 'variable-get')).output, /hello-from-cli/);
    await p(['variable', 'set', cliVar, 'replaced', '--overwrite'], 'variable-overwrite');
    assert.match((await p(['variable', 'get', cliVar], 'variable-get-2')).output, /replaced/);
    assert.match((await p(['variable', 'ls'], 'variable-ls')).output, new RegExp(cliVar));
    await p(['variable', 'unset', cliVar], 'variable-unset');
    assert.deepEqual(await ctx.api.post('/variables/filter', { variables: { name: { any_: [cliVar] } } }), [], 'the variable is still there after unset');
    // `variable set` looked the name up before creating it (a 404 on /api); with the name taken again,
    // the suite's check that every /api 404 was such a look-up (g) holds.
    await ctx.api.post('/variables/', { name: cliVar, value: 'set again' });
    // Each of those CLI calls stored Prefect's lifecycle event, in order.
    const varEvents = await ctx.api.post('/events/filter', {
      filter: { event: { prefix: ['prefect.variable.'] }, resource: { labels: { 'prefect.resource.name': [cliVar] } }, order: 'ASC' },
    });
    assert.deepEqual(
      varEvents.events.map((/** @type {any} */ e) => e.event),
      ['prefect.variable.created', 'prefect.variable.updated', 'prefect.variable.deleted', 'prefect.variable.created'],
      JSON.stringify(varEvents.events, null, 1).slice(0, 2000),
    );

    // A flow using the SDK: variables, artifacts, flow-run input, a log line.
    const { code, output } = await ctx.python([path.join(ctx.flowsDir, 'cli_families.py'), suffix], { label: 'i-flow', timeoutMs: 120_000 });
    assert.equal(code, 0, `python cli_families.py exited ${code}:\n${ctx.tail(output)}`);
    const id = /^E2E_FLOW_RUN_ID (\S+)$/m.exec(output)?.[1];
    assert.ok(id, `cli_families.py printed no flow run id:\n${ctx.tail(output)}`);
    const run = await ctx.api.get(`/flow_runs/${id}`);
    assert.equal(run.state_type, 'COMPLETED', `the flow run is ${run.state_type}/${run.state_name}`);
    const sdkVar = await ctx.api.get(`/variables/name/${ctx.name('e2e-sdk-var')}`);
    assert.deepEqual(sdkVar.value, { answer: 43 });
    const inputs = await ctx.api.post(`/flow_runs/${id}/input/filter`, { prefix: '', limit: 10 });
    assert.ok(inputs.length >= 2, `the run's inputs: ${JSON.stringify(inputs)}`);

    // Artifacts from the CLI.
    const ls = (await p(['artifact', 'ls'], 'artifact-ls')).output;
    for (const key of [ctx.name('e2e-md'), ctx.name('e2e-table')]) assert.match(ls, new RegExp(key), `artifact ls lacks ${key}:\n${ctx.tail(ls)}`);
    const inspect = (await p(['artifact', 'inspect', ctx.name('e2e-md')], 'artifact-inspect')).output;
    assert.match(inspect, /all good/, ctx.tail(inspect));
    assert.match(inspect, /markdown/, ctx.tail(inspect));

    // Tag concurrency limits from the CLI.
    const tag = ctx.name('e2e-tag');
    await p(['concurrency-limit', 'create', tag, '3'], 'cl-create');
    assert.match((await p(['concurrency-limit', 'ls'], 'cl-ls')).output, new RegExp(tag));
    assert.match((await p(['concurrency-limit', 'inspect', tag], 'cl-inspect')).output, /concurrency_limit.*3|3/);
    await p(['concurrency-limit', 'reset', tag], 'cl-reset');
    await p(['concurrency-limit', 'delete', tag], 'cl-delete');
    const after = await ctx.api.post('/concurrency_limits/filter', {});
    assert.ok(!after.some((/** @type {any} */ l) => l.tag === tag), `the limit ${tag} is still there`);

    // The run's logs from the CLI.
    const logs = (await p(['flow-run', 'logs', id], 'flow-run-logs')).output;
    assert.match(logs, /e2e cli families: variable 43, inputs \['first message', 'second message'\], answer approved/, ctx.tail(logs));

    // Deleting the run from the CLI: the run, its states' history and its logs go.
    assert.match((await p(['flow-run', 'delete', id], 'flow-run-delete')).output, /Successfully deleted flow run/);
    assert.equal(await ctx.api.find(`/flow_runs/${id}`), null, 'the flow run is still there after delete');
    assert.deepEqual(await ctx.api.post('/logs/filter', { logs: { flow_run_id: { any_: [id] } } }), [], 'the run\'s logs are still there');
  },
};
