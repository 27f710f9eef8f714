// @ts-check
// j. Blocks: `prefect block register -m prefect.blocks.notifications` registers the notification block
// types, `prefect block type ls` and `prefect block ls` list them and the saved blocks, the SDK saves and
// loads a Secret (a string, then JSON), a block with a nested block, and a nested block stored inline
// (flows/blocks_sdk.py), the server hides secrets unless asked, and `prefect block delete` removes one.
import assert from 'node:assert/strict';

/** @type {import('../run.mjs').Scenario} */
export default {
  id: 'j',
  title: 'blocks: `prefect block register/ls/type ls/delete`, Secret and nested blocks saved and loaded by the SDK',
  needs: 'blocks (/block_types, /block_schemas, /block_documents)',
  timeoutMs: 150_000,
  async run(ctx) {
    const suffix = ctx.name('');
    const register = await ctx.prefect(['block', 'register', '-m', 'prefect.blocks.notifications'], { label: 'j-register', timeoutMs: 90_000 });
    assert.match(register.output, /Successfully registered \d+ blocks?/, `\`prefect block register\` said:\n${ctx.tail(register.output)}`);
    const slack = await ctx.api.get('/block_types/slug/slack-webhook');
    assert.equal(slack.name, 'Slack Webhook');
    const [slackSchema] = await ctx.api.post('/block_schemas/filter', { block_schemas: { block_type_id: { any_: [slack.id] } } });
    assert.ok(slackSchema?.fields?.secret_fields?.includes('url'), 'the Slack webhook schema names url as a secret field');

    const types = await ctx.prefect(['block', 'type', 'ls'], { label: 'j-type-ls', timeoutMs: 90_000 });
    for (const slug of ['slack-webhook', 'secret', 'local-file-system']) {
      assert.ok(types.output.includes(slug), `\`prefect block type ls\` lacks ${slug}:\n${ctx.tail(types.output)}`);
    }

    const { code, output } = await ctx.python([ctx.flowsFile('blocks_sdk.py'), suffix], { label: 'j-sdk', timeoutMs: 90_000 });
    assert.equal(code, 0, `python blocks_sdk.py exited ${code}:\n${ctx.tail(output)}`);
    assert.match(output, /^E2E_BLOCKS_OK$/m, `blocks_sdk.py did not finish:\n${ctx.tail(output)}`);
    const idOf = (/** @type {string} */ key) => {
      const id = new RegExp(`^${key} (\\S+)$`, 'm').exec(output)?.[1];
      assert.ok(id, `blocks_sdk.py printed no ${key}:\n${ctx.tail(output)}`);
      return id;
    };
    const secretId = idOf('E2E_SECRET_ID');
    const credsId = idOf('E2E_CREDS_ID');
    const serviceId = idOf('E2E_SERVICE_ID');

    // Secrets are hidden unless asked for.
    const hidden = await ctx.api.get(`/block_documents/${secretId}`);
    assert.equal(hidden.data.value, '********');
    const shown = await ctx.api.get(`/block_documents/${secretId}?include_secrets=true`);
    assert.equal(shown.data.value, 's3cr3t-value');

    // The nested block is a reference, resolved on read (its own secret hidden there too).
    const service = await ctx.api.get(`/block_documents/${serviceId}`);
    assert.equal(service.block_document_references.credentials?.block_document?.id, credsId);
    assert.deepEqual(service.data.credentials, { username: 'alice', password: '********' });
    const byName = await ctx.api.get(`/block_types/slug/e2e-service/block_documents/name/e2e-service${suffix}?include_secrets=true`);
    assert.equal(byName.data.credentials.password, 'hunter2');

    const list = await ctx.prefect(['block', 'ls'], { label: 'j-ls', timeoutMs: 90_000 });
    for (const name of [`e2e-secret${suffix}`, `e2e-json${suffix}`, `e2e-creds${suffix}`, `e2e-service${suffix}`]) {
      assert.ok(list.output.includes(name), `\`prefect block ls\` lacks ${name}:\n${ctx.tail(list.output)}`);
    }

    await ctx.prefect(['block', 'delete', `secret/e2e-json${suffix}`], { label: 'j-delete', timeoutMs: 90_000 });
    const left = await ctx.api.post('/block_documents/filter', { block_documents: { name: { any_: [`e2e-json${suffix}`] } } });
    assert.equal(left.length, 0, '`prefect block delete` left the block');
  },
};
