/** Actions that change things: run-deployment with templated parameters, flow-run state changes, and our bulk actions. */
import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { evaluateQueuedEvents, runTriggeredActions } from '../../../src/events/automations/engine';
import { formatMicros, nowMicros } from '../../../src/time';
import { call, get, post, resetDb, withDb } from '../helpers';

beforeEach(async () => {
  await resetDb();
});

const evaluate = () => withDb((db) => evaluateQueuedEvents(db));
const runActions = () => withDb((db) => runTriggeredActions(db, env));
const statuses = () => withDb(async (db) => (await db.execute<{ status: string; last_error: string | null }>(sql`SELECT status, last_error FROM automation_triggered_action ORDER BY triggered`)).rows);

async function flowWithDeployment(name: string) {
  const flow = (await post('/flows/', { name })).body;
  const deployment = (await post('/deployments/', { name: `${name}-dep`, flow_id: flow.id, parameters: { x: 1 } })).body;
  return { flow, deployment };
}

describe('run-deployment', () => {
  it('creates one run of the deployment, created by the automation, with rendered parameters', async () => {
    const failing = await post('/flows/', { name: 'failing' });
    const { deployment } = await flowWithDeployment('target');
    const auto = await post('/automations/', {
      name: 'on failure',
      trigger: { posture: 'Reactive', expect: ['prefect.flow-run.Failed'], match_related: { 'prefect.resource.id': `prefect.flow.${failing.body.id}` } },
      actions: [
        {
          type: 'run-deployment',
          deployment_id: deployment.id,
          parameters: {
            run: '{{ flow_run.name }}',
            count: '{{ flow_run.run_count }}',
            text: 'run {{ flow.name }} failed',
            nested: { kind: '{{ event.event }}', id: '{{ event.resource.id }}', flow: '{{ event.resource_in_role.flow.name }}' },
          },
        },
      ],
    });
    expect(auto.status).toBe(201);
    const run = (await post('/flow_runs/', { flow_id: failing.body.id, name: 'doomed', state: { type: 'RUNNING' } })).body;
    await post(`/flow_runs/${run.id}/set_state`, { state: { type: 'FAILED' } });
    expect((await evaluate()).fired).toBe(1);
    expect(await runActions()).toEqual({ executed: 1, failed: 0, retrying: 0 });

    const runs = await post('/flow_runs/filter', { deployments: { id: { any_: [deployment.id] } } });
    expect(runs.body).toHaveLength(1);
    const created = runs.body[0];
    expect(created.parameters).toEqual({ x: 1, run: 'doomed', count: 1, text: 'run failing failed', nested: { kind: 'prefect.flow-run.Failed', id: `prefect.flow-run.${run.id}`, flow: 'failing' } });
    expect(created.created_by).toEqual({ id: auto.body.id, type: 'AUTOMATION', display_value: 'on failure' });
    expect(created.state_type).toBe('SCHEDULED');
    // Prefect's action sends job_variables: null when it has none, and the run keeps null.
    expect(created.job_variables).toBeNull();
    expect(created.idempotency_key).toMatch(new RegExp(`^automation ${auto.body.id}, action 0, invocation `));

    const executed = await post('/events/filter', { filter: { event: { name: ['prefect.automation.action.executed'] } } });
    expect(executed.body.events[0].related).toEqual(
      expect.arrayContaining([
        { 'prefect.resource.id': `prefect.deployment.${deployment.id}`, 'prefect.resource.role': 'target' },
        { 'prefect.resource.id': `prefect.flow-run.${created.id}`, 'prefect.resource.role': 'flow-run', 'prefect.resource.name': created.name },
      ]),
    );
    // The deployment's default parameters are merged in, as for any run created from it. The new run's
    // own events (Scheduled) are evaluated too, and do not match.
    expect((await evaluate()).fired).toBe(0);
  });

  it('a run-deployment retried after its runner vanished does not create a second run', async () => {
    const { deployment } = await flowWithDeployment('target');
    await post('/automations/', { name: 'a', trigger: { posture: 'Reactive', expect: ['go'] }, actions: [{ type: 'run-deployment', deployment_id: deployment.id }] });
    await post('/events', [{ id: crypto.randomUUID(), occurred: formatMicros(nowMicros()), event: 'go', resource: { 'prefect.resource.id': 'x' } }]);
    await evaluate();
    await runActions();
    // As if the runner had died after creating the run: the action is RUNNING with an expired lease.
    await withDb((db) => db.execute(sql`UPDATE automation_triggered_action SET status = 'RUNNING', next_attempt_at = now() - interval '1 second'`));
    expect(await runActions()).toEqual({ executed: 1, failed: 0, retrying: 0 });
    expect((await post('/flow_runs/count', { deployments: { id: { any_: [deployment.id] } } })).body).toBe(1);
  });

  it('fails with Prefect reason for an unknown deployment', async () => {
    await post('/automations/', { name: 'a', trigger: { posture: 'Reactive', expect: ['go'] }, actions: [{ type: 'run-deployment', deployment_id: '00000000-0000-0000-0000-0000000000aa' }] });
    await post('/events', [{ id: crypto.randomUUID(), occurred: formatMicros(nowMicros()), event: 'go', resource: { 'prefect.resource.id': 'x' } }]);
    await evaluate();
    expect(await runActions()).toEqual({ executed: 0, failed: 1, retrying: 0 });
    expect(await statuses()).toEqual([{ status: 'FAILED', last_error: "Unexpected status from 'run-deployment' action: 404" }]);
  });
});

describe('flow-run and deployment actions', () => {
  it('change the state of the flow run in the event and pause the deployment', async () => {
    const { flow, deployment } = await flowWithDeployment('f');
    await post('/automations/', {
      name: 'cancel late runs',
      trigger: { posture: 'Reactive', expect: ['prefect.flow-run.Running'], match_related: { 'prefect.resource.id': `prefect.flow.${flow.id}` } },
      actions: [{ type: 'change-flow-run-state', state: 'CANCELLED', message: 'no' }, { type: 'pause-deployment', deployment_id: deployment.id }],
    });
    const run = (await post('/flow_runs/', { flow_id: flow.id, state: { type: 'PENDING' } })).body;
    await post(`/flow_runs/${run.id}/set_state`, { state: { type: 'RUNNING' } });
    await evaluate();
    expect(await runActions()).toEqual({ executed: 2, failed: 0, retrying: 0 });
    const after = (await get(`/flow_runs/${run.id}`)).body;
    expect(after.state).toMatchObject({ type: 'CANCELLED', message: 'no' });
    expect((await get(`/deployments/${deployment.id}`)).body.paused).toBe(true);
  });
});

describe('bulk actions (ours)', () => {
  it('preview answers what a bulk action would do; firing it cancels at most `limit` runs in one go', async () => {
    const { flow } = await flowWithDeployment('bulk');
    const runs = [];
    for (let i = 0; i < 3; i += 1) runs.push((await post('/flow_runs/', { flow_id: flow.id, tags: ['stuck'], state: { type: 'RUNNING' } })).body);
    const action = { type: 'bulk-set-state', flow_runs: { tags: { all_: ['stuck'] } }, state: 'CANCELLED', message: 'bulk', limit: 2 };
    const preview = await post('/automations/actions/preview', action);
    expect(preview.status).toBe(200);
    expect(preview.body.results).toHaveLength(2);
    expect((await post('/flow_runs/count', { flow_runs: { state: { type: { any_: ['CANCELLED'] } } } })).body).toBe(0);
    expect((await post('/automations/actions/preview', { ...action, limit: 51 })).status).toBe(422);
    expect((await post('/automations/actions/preview', { type: 'do-nothing' })).status).toBe(422);

    await post('/automations/', { name: 'bulk', trigger: { posture: 'Reactive', expect: ['cleanup'] }, actions: [action] });
    await post('/events', [{ id: crypto.randomUUID(), occurred: formatMicros(nowMicros()), event: 'cleanup', resource: { 'prefect.resource.id': 'x' } }]);
    await evaluate();
    expect(await runActions()).toEqual({ executed: 1, failed: 0, retrying: 0 });
    expect((await post('/flow_runs/count', { flow_runs: { state: { type: { any_: ['CANCELLED'] } } } })).body).toBe(2);
  });
});

describe('call-webhook', () => {
  async function webhookAction(blockSlug: string, data: Record<string, unknown>) {
    await post('/block_types/install_system_block_types');
    const [type] = (await post('/block_types/filter', { block_types: { slug: { any_: [blockSlug] } } })).body;
    const [schema] = (await post('/block_schemas/filter', { block_schemas: { block_type_id: { any_: [type.id] } } })).body;
    const doc = await post('/block_documents/', { name: `hook-${blockSlug}`, data, block_type_id: type.id, block_schema_id: schema.id });
    expect(doc.status).toBe(201);
    await post('/automations/', { name: 'hook', trigger: { posture: 'Reactive', expect: ['ring'] }, actions: [{ type: 'call-webhook', block_document_id: doc.body.id, payload: '{"event": "{{ event.event }}"}' }] });
    await post('/events', [{ id: crypto.randomUUID(), occurred: formatMicros(nowMicros()), event: 'ring', resource: { 'prefect.resource.id': 'x' } }]);
    await evaluate();
    expect(await runActions()).toEqual({ executed: 0, failed: 1, retrying: 0 });
    return (await post('/events/filter', { filter: { event: { name: ['prefect.automation.action.failed'] } } })).body.events[0];
  }

  it('refuses private addresses unless the block allows them, and blocks that are not webhooks', async () => {
    const failed = await webhookAction('webhook', { method: 'POST', url: 'http://127.0.0.1:9/hook', headers: {}, allow_private_urls: false });
    expect(failed.payload.reason).toBe('Webhook call failed: URL 127.0.0.1 is a private address');
    expect(failed.related.map((r: Record<string, string>) => r['prefect.resource.role'])).toEqual(['block', 'block-type', 'automation-triggered-event', 'triggering-event']);
    await resetDb();
    const notHook = await webhookAction('secret', { value: 's' });
    expect(notHook.payload.reason).toBe('The referenced block was not a webhook block');
  });
});

describe('an automation and its own lifecycle events', () => {
  it('reacts to its own prefect.automation.updated like any event (as Prefect does); pausing itself ends there', async () => {
    const created = (await post('/automations/', { name: 'self', trigger: { posture: 'Reactive', expect: ['nothing'] }, actions: [{ type: 'do-nothing' }] })).body;
    const id = created.id as string;
    // The replace is itself a prefect.automation.updated of this automation, so it fires on it.
    const replaced = await call('PUT', `/automations/${id}`, {
      name: 'self',
      trigger: { posture: 'Reactive', expect: ['prefect.automation.updated'], match: { 'prefect.resource.id': `prefect.automation.${id}` } },
      actions: [{ type: 'pause-automation', source: 'selected', automation_id: id }],
    });
    expect(replaced.status).toBe(204);
    expect((await evaluate()).fired).toBe(1);
    expect(await runActions()).toEqual({ executed: 1, failed: 0, retrying: 0 });
    // Pausing stored another prefect.automation.updated; a disabled automation does not fire on it.
    expect((await get(`/automations/${id}`)).body.enabled).toBe(false);
    expect((await evaluate()).fired).toBe(0);
    expect(await runActions()).toEqual({ executed: 0, failed: 0, retrying: 0 });
    const events = await post('/events/filter', { filter: { resource: { id: [`prefect.automation.${id}`] }, order: 'ASC' } });
    expect(events.body.events.map((e: { event: string }) => e.event)).toEqual([
      'prefect.automation.created',
      'prefect.automation.updated',
      'prefect.automation.triggered',
      'prefect.automation.action.triggered',
      'prefect.automation.updated',
      'prefect.automation.action.executed',
    ]);
  });
});
