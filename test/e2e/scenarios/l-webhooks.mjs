// @ts-check
// l. Incoming webhooks (a Prefect Cloud feature we serve): the real 3.9.1 CLI's `prefect cloud webhook
// create|ls|get|toggle|rotate|update|delete` manages a webhook, and a plain HTTP POST of JSON to
// /hooks/<slug> produces the event its template describes (checked through /events/filter).
//
// The CLI refuses to run without PREFECT_API_KEY (`confirm_logged_in`); our dev server has no keys
// configured and serves loopback callers, so any key does. With PREFECT_API_KEYS set, use one of them.
//
// Then an automation on the webhook's event runs a deployment, its parameter taken from the JSON body the
// hook received (the event's default payload holds the request's method, headers and body).
import assert from 'node:assert/strict';
/* global AbortSignal */
import { waitFor } from '../lib/api.mjs';

const KEY = 'e2e-webhook-key';

/**
 * The webhooks of `prefect cloud webhook ls -o json` (it prints the list as JSON, after nothing else).
 * @param {string} output
 * @returns {any}
 */
function jsonIn(output) {
  const start = output.search(/^[[{]/m);
  assert.ok(start >= 0, `no JSON in:\n${output}`);
  return JSON.parse(output.slice(start));
}

/** @type {import('../run.mjs').Scenario} */
export default {
  id: 'l',
  title: '`prefect cloud webhook` create/ls/get/toggle/rotate/update/delete, and a POST to /hooks/<slug> makes the event',
  needs: 'webhooks (/webhooks, /hooks/{slug})',
  timeoutMs: 180_000,
  async run(ctx) {
    /**
     * Runs the CLI with an API key; `answer` is typed at its prompt (rotate asks for confirmation).
     * @param {string[]} args
     * @param {{ label: string, answer?: string, mayFail?: boolean }} o
     */
    const cli = async (args, o) => {
      const command = o.answer === undefined ? '"$0" "$@" </dev/null' : `printf '%s\\n' "$E2E_ANSWER" | "$0" "$@"`;
      const proc = ctx.start('/bin/sh', ['-c', command, ctx.bin('prefect'), ...args], {
        label: o.label,
        env: { PREFECT_API_KEY: KEY, E2E_ANSWER: o.answer ?? '' },
      });
      const { code } = await proc.exited;
      const output = proc.output();
      if (code !== 0 && !o.mayFail) throw new Error(`\`prefect ${args.join(' ')}\` exited ${code}:\n${ctx.tail(output)}`);
      return { code, output };
    };
    /** @param {string} slug @param {unknown} [body] */
    const callHook = async (slug, body) => {
      // At the root mount, as a sender outside Prefect would call it; scenario g's check of the dev log
      // looks for 404s under /api only, and this scenario's 404s (disabled, rotated, deleted) are meant.
      const res = await fetch(`${ctx.apiUrl.replace(/\/api$/, '')}/hooks/${slug}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body ?? {}),
        signal: AbortSignal.timeout(20_000),
      });
      await res.text();
      return res.status;
    };
    const name = ctx.name('e2e-hook');
    const models = ctx.name('e2e-models');
    const template = `{"event": "e2e.model.refreshed", "resource": {"prefect.resource.id": "${models}.{{ body.model }}", "prefect.resource.name": "{{ body.friendly_name|default(body.model) }}"}}`;

    // create, then ls and get as JSON.
    const created = await cli(['cloud', 'webhook', 'create', name, '--description', 'from e2e', '--template', template], { label: 'l-create' });
    assert.match(created.output, new RegExp(`Successfully created webhook ${name}`));
    const listed = jsonIn((await cli(['cloud', 'webhook', 'ls', '--output', 'json'], { label: 'l-ls' })).output);
    const mine = listed.find((/** @type {any} */ w) => w.name === name);
    assert.ok(mine, `webhook ${name} not in \`ls\`:\n${JSON.stringify(listed)}`);
    assert.equal(mine.template, template);
    assert.equal(mine.enabled, true);
    assert.match(mine.slug, /^[A-Za-z0-9_-]{22}$/);
    const got = jsonIn((await cli(['cloud', 'webhook', 'get', mine.id, '--output', 'json'], { label: 'l-get' })).output);
    assert.deepEqual(got, mine);
    // The table form prints too (it reads id, slug, name, enabled, template).
    assert.match((await cli(['cloud', 'webhook', 'ls'], { label: 'l-ls-table' })).output, new RegExp(mine.slug));

    // A POST of JSON to the hook makes the event.
    assert.equal(await callHook(mine.slug, { model: 'recs', friendly_name: 'Recommendations' }), 204);
    const event = await waitFor(
      'the webhook’s event in /events/filter',
      async () => {
        const page = await ctx.api.post('/events/filter', { filter: { event: { name: ['e2e.model.refreshed'] }, resource: { id: [`${models}.recs`] } } });
        return page.events[0];
      },
      { timeoutMs: 20_000 },
    );
    assert.equal(event.resource['prefect.resource.name'], 'Recommendations');
    assert.deepEqual(
      event.related.map((/** @type {any} */ r) => [r['prefect.resource.id'], r['prefect.resource.role']]),
      [[`prefect-cloud.webhook.${mine.id}`, 'webhook']],
    );

    // toggle off: the hook stops answering; toggle on again.
    assert.match((await cli(['cloud', 'webhook', 'toggle', mine.id], { label: 'l-toggle-off' })).output, /Webhook is now disabled/);
    assert.equal(await callHook(mine.slug, { model: 'off' }), 404);
    assert.match((await cli(['cloud', 'webhook', 'toggle', mine.id], { label: 'l-toggle-on' })).output, /Webhook is now enabled/);

    // rotate: confirmed at the prompt; the old URL is dead, the new one works.
    const rotated = await cli(['cloud', 'webhook', 'rotate', mine.id], { label: 'l-rotate', answer: 'y' });
    const slug = /Successfully rotated webhook URL to (\S+)/.exec(rotated.output)?.[1];
    assert.ok(slug && slug !== mine.slug, `no new slug in:\n${rotated.output}`);
    assert.equal(await callHook(mine.slug, { model: 'old' }), 404);
    assert.equal(await callHook(slug, { model: 'new' }), 204);

    // update: a new name and template (PUT), the rest kept.
    const template2 = `{"event": "e2e.model.updated", "resource": {"prefect.resource.id": "${models}.{{ body.model }}"}}`;
    await cli(['cloud', 'webhook', 'update', mine.id, '--name', `${name}-2`, '--template', template2], { label: 'l-update' });
    const updated = jsonIn((await cli(['cloud', 'webhook', 'get', mine.id, '-o', 'json'], { label: 'l-get-2' })).output);
    assert.equal(updated.name, `${name}-2`);
    assert.equal(updated.template, template2);
    assert.equal(updated.description, 'from e2e');
    assert.equal(updated.slug, slug);
    assert.equal(await callHook(slug, { model: 'second' }), 204);
    const counted = await ctx.api.post('/events/filter', { filter: { event: { prefix: ['e2e.model.'] }, resource: { id_prefix: [`${models}.`] } } });
    assert.deepEqual(counted.events.map((/** @type {any} */ e) => e.resource['prefect.resource.id']).sort(), [`${models}.new`, `${models}.recs`, `${models}.second`]);

    // An automation on the webhook's event runs a deployment with a parameter from the request body.
    const flow = await ctx.api.post('/flows/', { name: ctx.name('e2e-webhook-flow') });
    const deployment = await ctx.api.post('/deployments/', { name: 'from-webhook', flow_id: flow.id, enforce_parameter_schema: false });
    await ctx.api.post('/automations/', {
      name: ctx.name('e2e-webhook-automation'),
      trigger: { type: 'event', posture: 'Reactive', expect: ['e2e.model.updated'], match: { 'prefect.resource.id': `${models}.trigger` }, threshold: 1, within: 0 },
      actions: [
        {
          type: 'run-deployment',
          source: 'selected',
          deployment_id: deployment.id,
          parameters: { model: { __prefect_kind: 'jinja', template: '{{ event.payload.body.model }}' } },
        },
      ],
    });
    assert.equal(await callHook(slug, { model: 'trigger' }), 204);
    const run = await waitFor(
      'a flow run of the deployment the automation runs',
      async () => (await ctx.api.post('/flow_runs/filter', { deployments: { id: { any_: [deployment.id] } } }))[0],
      { timeoutMs: 60_000 },
    );
    assert.deepEqual(run.parameters, { model: 'trigger' });

    // delete, then it is gone.
    assert.match((await cli(['cloud', 'webhook', 'delete', mine.id], { label: 'l-delete' })).output, /Successfully deleted webhook/);
    // Asked through the suite's own client (the root mount): a meant 404 under /api would fail scenario g.
    assert.equal(await ctx.api.find(`/webhooks/${mine.id}`), null, 'a deleted webhook is still there');
    assert.equal(await callHook(slug, { model: 'deleted' }), 404);
  },
};
