// @ts-check
// k. Automations with the real 3.9.1 CLI: `prefect automation create --from-json` and `--from-file`,
// `ls`, `inspect --json`, `pause`, `resume`, `delete`; then an automation "when a flow run of flow X
// fails, run deployment Y" fires exactly once when a real flow run of X fails: Y gets one flow run,
// created by the automation, and the action is recorded as executed.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from '../lib/api.mjs';

/** @type {import('../run.mjs').Scenario} */
export default {
  id: 'k',
  title: '`prefect automation` create/ls/inspect/pause/resume/delete; a failed flow run runs another deployment once',
  needs: 'automations (/automations, trigger evaluation, actions)',
  timeoutMs: 180_000,
  async run(ctx) {
    const { api } = ctx;
    const label = (/** @type {string} */ what) => `k-${what}`;

    // 1. The CLI round trip.
    const first = ctx.name('e2e-auto-json');
    const created = await ctx.prefect(
      ['automation', 'create', '--from-json', JSON.stringify({ name: first, trigger: { posture: 'Reactive', expect: ['e2e.never'] }, actions: [{ type: 'do-nothing' }] })],
      { label: label('create-json') },
    );
    assert.match(created.output, new RegExp(`Created automation '${first}' with id`));
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'k-auto-')), 'automation.yaml');
    const second = ctx.name('e2e-auto-file');
    fs.writeFileSync(file, `name: ${second}\ndescription: from a file\ntrigger:\n  posture: Proactive\n  expect: [e2e.heartbeat]\n  within: 3600\nactions:\n  - type: do-nothing\n`);
    await ctx.prefect(['automation', 'create', '--from-file', file], { label: label('create-file') });

    const listed = await ctx.prefect(['automation', 'ls'], { label: label('ls') });
    for (const name of [first, second]) assert.ok(listed.output.includes(name), `\`prefect automation ls\` does not list ${name}:\n${ctx.tail(listed.output)}`);
    const inspected = await ctx.prefect(['automation', 'inspect', second, '--json'], { label: label('inspect') });
    const [shown] = JSON.parse(inspected.output.slice(inspected.output.indexOf('[')));
    assert.equal(shown.description, 'from a file');
    assert.equal(shown.trigger.within, 3600);

    await ctx.prefect(['automation', 'pause', first], { label: label('pause') });
    const [paused] = await api.post('/automations/filter', { automations: { name: { any_: [first] } } });
    assert.equal(paused.enabled, false, 'pause did not disable the automation');
    await ctx.prefect(['automation', 'resume', first], { label: label('resume') });
    assert.equal((await api.get(`/automations/${paused.id}`)).enabled, true, 'resume did not enable the automation');
    for (const name of [first, second]) await ctx.prefect(['automation', 'delete', name, '--no-prompt'], { label: label('delete') });
    const left = await api.post('/automations/filter', { automations: { name: { any_: [first, second] } } });
    assert.deepEqual(left, [], 'delete left automations behind');

    // 2. Flow X fails → deployment Y runs, once.
    const failingName = ctx.name('e2e-failing-flow');
    const flowX = await api.post('/flows/', { name: failingName });
    const flowY = await api.post('/flows/', { name: ctx.name('e2e-target-flow') });
    const deploymentY = await api.post('/deployments/', { name: ctx.name('e2e-target'), flow_id: flowY.id });
    const automation = {
      name: ctx.name('e2e-on-failure'),
      trigger: {
        posture: 'Reactive',
        expect: ['prefect.flow-run.Failed'],
        match: { 'prefect.resource.id': 'prefect.flow-run.*' },
        match_related: { 'prefect.resource.id': `prefect.flow.${flowX.id}`, 'prefect.resource.role': 'flow' },
      },
      actions: [{ type: 'run-deployment', deployment_id: deploymentY.id, parameters: { failed_run: '{{ flow_run.name }}', state: '{{ event.resource["prefect.state-name"] }}' } }],
    };
    await ctx.prefect(['automation', 'create', '--from-json', JSON.stringify(automation)], { label: label('create-on-failure') });

    const [{ id: automationId }] = await api.post('/automations/filter', { automations: { name: { any_: [automation.name] } } });
    const flow = ctx.start(ctx.bin('python'), [ctx.flowsFile('failing_flow.py')], { label: label('failing-flow'), env: { E2E_FAILING_FLOW_NAME: failingName } });
    const { code } = await flow.exited;
    assert.equal(code, 0, `failing_flow.py exited ${code}:\n${ctx.tail(flow.output())}`);
    const failedRunId = /^E2E_FLOW_RUN_ID (\S+)$/m.exec(flow.output())?.[1];
    assert.ok(failedRunId, `failing_flow.py printed no flow run id:\n${ctx.tail(flow.output())}`);
    const failedRun = await api.get(`/flow_runs/${failedRunId}`);
    assert.equal(failedRun.state_type, 'FAILED');

    const started = Date.now();
    const executed = await waitFor(
      'the run-deployment action to be executed',
      async () => {
        const events = await api.post('/events/filter', {
          filter: { event: { name: ['prefect.automation.action.executed', 'prefect.automation.action.failed'] }, resource: { id: [`prefect.automation.${automationId}`] } },
        });
        return events.events.length > 0 ? events.events : null;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    ctx.note(`action executed ${((Date.now() - started) / 1000).toFixed(1)} s after the flow failed`);
    assert.deepEqual(executed.map((/** @type {any} */ e) => e.event), ['prefect.automation.action.executed'], JSON.stringify(executed, null, 1).slice(0, 2000));
    const runs = await api.post('/flow_runs/filter', { deployments: { id: { any_: [deploymentY.id] } } });
    assert.equal(runs.length, 1, `deployment Y has ${runs.length} runs`);
    assert.equal(runs[0].created_by?.type, 'AUTOMATION');
    assert.deepEqual(runs[0].parameters, { failed_run: failedRun.name, state: 'Failed' });
    const triggered = await api.post('/events/filter', { filter: { event: { name: ['prefect.automation.triggered'] }, resource: { id: [`prefect.automation.${automationId}`] } } });
    assert.equal(triggered.events.length, 1, 'the automation fired more than once');
  },
};
