// @ts-check
// The UIs' own actions, done in the browser the way a user does them (menus, dialogs, switches, the
// automation wizard), each checked by its effect read back through the API. An action fails when
// the effect does not show within ACTION_EFFECT_MS, when a control it needs is missing, or (in
// run.mjs) on any API answer >= 400 or console error while it runs. Nothing here is skipped.
/* global AbortSignal */
import { apiClient, waitFor } from '../e2e/lib/api.mjs';

/** How long an action's effect may take to show through the API. */
const ACTION_EFFECT_MS = 15_000;
/** How long a control may take to appear (pages load their data, then their code, lazily). */
const CONTROL_MS = 20_000;

/**
 * @typedef {import('./pages.mjs').Seeded} Seeded
 * @typedef {import('playwright-core').Page} Page
 * @typedef {{ base: string, seeded: Seeded, api: ReturnType<typeof apiClient> & { patch: (path: string, body: unknown) => Promise<void> } }} ActionContext
 * @typedef {{ id: string, ui: 'v1' | 'v2', title: string, run: (page: Page, ctx: ActionContext) => Promise<string> }} Action
 *   `run` does the action and waits for its effect; it returns what it saw (for the report), throws otherwise.
 */

/** The API the actions' effects are read through. */
export function actionApi(/** @type {string} */ base) {
  const api = apiClient(`${base}/api`);
  return Object.assign(api, {
    async patch(/** @type {string} */ path, /** @type {unknown} */ body) {
      const res = await fetch(`${base}/api${path}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(20_000),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`PATCH ${path} answered ${res.status}: ${text.slice(0, 500)}`);
    },
  });
}

const effect = (/** @type {string} */ what, /** @type {() => Promise<any>} */ probe, /** @type {() => Promise<string>} */ describe) =>
  waitFor(what, probe, { timeoutMs: ACTION_EFFECT_MS, intervalMs: 300, describe });

/** The deployment's runs, for counting what a "run" action added. */
const deploymentRuns = (/** @type {ActionContext} */ ctx) =>
  ctx.api.post('/flow_runs/filter', { deployments: { id: { any_: [ctx.seeded.deployment_id] } }, sort: 'EXPECTED_START_TIME_DESC', limit: 200 });

/** A fresh SCHEDULED run of the seeded deployment, made through the API, for a cancel action. */
async function scheduledRun(/** @type {ActionContext} */ ctx, /** @type {string} */ name) {
  return ctx.api.post(`/deployments/${ctx.seeded.deployment_id}/create_flow_run`, { name, state: { type: 'SCHEDULED' } });
}

/** The seeded deployment's schedule, made active through the API so that the UI can pause it. */
async function activeSchedule(/** @type {ActionContext} */ ctx) {
  const [schedule] = await ctx.api.get(`/deployments/${ctx.seeded.deployment_id}/schedules`);
  if (!schedule) throw new Error('the seeded deployment has no schedule');
  await ctx.api.patch(`/deployments/${ctx.seeded.deployment_id}/schedules/${schedule.id}`, { active: true });
  return schedule.id;
}

const scheduleActive = async (/** @type {ActionContext} */ ctx, /** @type {string} */ id) =>
  (await ctx.api.get(`/deployments/${ctx.seeded.deployment_id}/schedules`)).find((/** @type {any} */ s) => s.id === id)?.active;

/** Waits until the run is CANCELLING or CANCELLED through the API (either UI's cancel), and returns it. */
const runCancelled = (/** @type {ActionContext} */ ctx, /** @type {string} */ id) =>
  effect(
    'the run to be CANCELLING or CANCELLED',
    async () => {
      const r = await ctx.api.get(`/flow_runs/${id}`);
      return ['CANCELLING', 'CANCELLED'].includes(r.state_type) && r;
    },
    async () => `its state is ${(await ctx.api.get(`/flow_runs/${id}`)).state_type}`,
  );

/** Waits until the schedule reads as inactive through the API (either UI's switch). */
const scheduleInactive = (/** @type {ActionContext} */ ctx, /** @type {string} */ id) =>
  effect('the schedule to be inactive', async () => (await scheduleActive(ctx, id)) === false, async () => `active is ${await scheduleActive(ctx, id)}`);

/** Replaces the text of the CodeMirror editor inside `scope` (the UIs' JSON fields). */
async function setEditorText(/** @type {import('playwright-core').Locator} */ editor, /** @type {Page} */ page, /** @type {string} */ text) {
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  // insertText, not typing: typed brackets would be closed by the editor a second time.
  await page.keyboard.insertText(text);
}

/** An automation named `name`, or undefined. */
const automationNamed = async (/** @type {ActionContext} */ ctx, /** @type {string} */ name) =>
  (await ctx.api.post('/automations/filter', { limit: 200 })).find((/** @type {any} */ a) => a.name === name);

/**
 * Waits for the automation the wizard made (its action: cancel a flow run), then disables it: its
 * trigger (any flow run state) would otherwise cancel every run the later actions make.
 */
async function checkAutomation(/** @type {ActionContext} */ ctx, /** @type {string} */ name) {
  const automation = await effect(`an automation named ${name}`, () => automationNamed(ctx, name), async () => 'POST /automations/filter does not list it');
  await ctx.api.patch(`/automations/${automation.id}`, { enabled: false });
  if (automation.actions?.[0]?.type !== 'cancel-flow-run') throw new Error(`its actions are ${JSON.stringify(automation.actions)}`);
  return `automation ${automation.id} (${automation.trigger?.posture} trigger, cancel-flow-run)`;
}

/** Opens a select of the v1 UI (Prefect Design): a click alone leaves its options closed. */
async function v1Select(/** @type {Page} */ page, /** @type {import('playwright-core').Locator} */ button, /** @type {string} */ option) {
  await button.click({ timeout: CONTROL_MS });
  await page.keyboard.press('ArrowDown');
  await page.getByRole('option', { name: option, exact: true }).click({ timeout: CONTROL_MS });
}

/** @type {Action[]} */
export const ACTIONS = [
  {
    id: 'quick-run',
    ui: 'v2',
    title: 'run a deployment (Run → Quick run)',
    async run(page, ctx) {
      const before = new Set((await deploymentRuns(ctx)).map((/** @type {any} */ r) => r.id));
      await page.goto(`${ctx.base}/v2/deployments/deployment/${ctx.seeded.deployment_id}`);
      await page.getByRole('button', { name: 'Run', exact: true }).click({ timeout: CONTROL_MS });
      await page.getByRole('menuitem', { name: 'Quick run' }).click({ timeout: CONTROL_MS });
      const run = await effect(
        'a new flow run of the deployment',
        async () => (await deploymentRuns(ctx)).find((/** @type {any} */ r) => !before.has(r.id)),
        async () => `the deployment has ${before.size} run(s), as before`,
      );
      return `flow run ${run.name} (${run.state_type}) created`;
    },
  },
  {
    id: 'cancel-run',
    ui: 'v2',
    title: 'cancel a flow run (menu → Cancel → Cancel Flow Run)',
    async run(page, ctx) {
      const target = await scheduledRun(ctx, 'browser-cancel-v2');
      await page.goto(`${ctx.base}/v2/runs/flow-run/${target.id}`);
      await page.getByRole('button', { name: 'Open menu' }).first().click({ timeout: CONTROL_MS });
      await page.getByRole('menuitem', { name: 'Cancel', exact: true }).click({ timeout: CONTROL_MS });
      await page.getByRole('button', { name: 'Cancel Flow Run' }).click({ timeout: CONTROL_MS });
      const run = await runCancelled(ctx, target.id);
      return `run ${target.name}: ${run.state_type}`;
    },
  },
  {
    id: 'pause-schedule',
    ui: 'v2',
    title: "pause a deployment's schedule (its switch)",
    async run(page, ctx) {
      const id = await activeSchedule(ctx);
      await page.goto(`${ctx.base}/v2/deployments/deployment/${ctx.seeded.deployment_id}`);
      const toggle = page.locator('[role=switch][aria-label^="toggle "]').first();
      await toggle.waitFor({ timeout: CONTROL_MS });
      if ((await toggle.getAttribute('aria-checked')) !== 'true') throw new Error('the schedule made active through the API shows as paused');
      await toggle.click();
      await scheduleInactive(ctx, id);
      return `schedule ${id}: active false`;
    },
  },
  {
    id: 'resume-deployment',
    ui: 'v2',
    title: 'resume a paused deployment (its "Pause or resume all schedules" switch)',
    async run(page, ctx) {
      const id = ctx.seeded.deployment_id;
      // The v2 UI shows this switch only on a paused deployment (or one with more than 3 schedules).
      await ctx.api.patch(`/deployments/${id}`, { paused: true });
      await page.goto(`${ctx.base}/v2/deployments/deployment/${id}`);
      const toggle = page.getByRole('switch', { name: 'Pause or resume all schedules' });
      await toggle.waitFor({ timeout: CONTROL_MS });
      if ((await toggle.getAttribute('aria-checked')) !== 'false') throw new Error('the deployment paused through the API shows as active');
      await toggle.click();
      const paused = async () => (await ctx.api.get(`/deployments/${id}`)).paused;
      await effect('the deployment to be active (paused false)', async () => (await paused()) === false, async () => `paused is ${await paused()}`);
      return 'paused false';
    },
  },
  {
    id: 'edit-variable',
    ui: 'v2',
    title: 'edit a variable (menu → Edit → Save)',
    async run(page, ctx) {
      const name = ctx.seeded.variable;
      const value = { region: 'us', retries: 5, edited_in: 'v2' };
      await page.goto(`${ctx.base}/v2/variables`);
      const row = page.locator('tr').filter({ has: page.getByText(name, { exact: true }) });
      await row.getByRole('button', { name: 'Open menu' }).click({ timeout: CONTROL_MS });
      await page.getByRole('menuitem', { name: 'Edit', exact: true }).click({ timeout: CONTROL_MS });
      const dialog = page.getByRole('dialog');
      await setEditorText(dialog.locator('.cm-content').first(), page, JSON.stringify(value));
      await dialog.getByRole('button', { name: 'Save' }).click({ timeout: CONTROL_MS });
      await effect(
        `variable ${name} to hold ${JSON.stringify(value)}`,
        async () => JSON.stringify((await ctx.api.get(`/variables/name/${name}`)).value) === JSON.stringify(value),
        async () => `its value is ${JSON.stringify((await ctx.api.get(`/variables/name/${name}`)).value)}`,
      );
      return `${name} = ${JSON.stringify(value)}`;
    },
  },
  {
    id: 'create-automation',
    ui: 'v2',
    title: 'create an automation (the wizard: flow run state → cancel a flow run)',
    async run(page, ctx) {
      const name = `browser-automation-v2${ctx.seeded.suffix}`;
      await page.goto(`${ctx.base}/v2/automations/create`);
      await page.locator('button[role=combobox]', { hasText: 'Select template' }).click({ timeout: CONTROL_MS });
      await page.getByRole('option', { name: 'Flow run state' }).click({ timeout: CONTROL_MS });
      await page.getByRole('button', { name: 'Next', exact: true }).click();
      await page.locator('button[role=combobox]', { hasText: 'Select action' }).click({ timeout: CONTROL_MS });
      await page.getByRole('option', { name: 'Cancel a flow run' }).click({ timeout: CONTROL_MS });
      await page.getByRole('button', { name: 'Next', exact: true }).click();
      await page.getByLabel('Automation Name').fill(name, { timeout: CONTROL_MS });
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      return checkAutomation(ctx, name);
    },
  },
  // The same actions in the v1 (Vue) UI. It has no switch that pauses a whole deployment.
  {
    id: 'quick-run',
    ui: 'v1',
    title: 'run a deployment (Run → Quick run)',
    async run(page, ctx) {
      const before = new Set((await deploymentRuns(ctx)).map((/** @type {any} */ r) => r.id));
      await page.goto(`${ctx.base}/deployments/deployment/${ctx.seeded.deployment_id}`);
      await page.locator('button.run-menu__run-button').click({ timeout: CONTROL_MS });
      await page.getByRole('button', { name: 'Quick run' }).click({ timeout: CONTROL_MS });
      const run = await effect(
        'a new flow run of the deployment',
        async () => (await deploymentRuns(ctx)).find((/** @type {any} */ r) => !before.has(r.id)),
        async () => `the deployment has ${before.size} run(s), as before`,
      );
      return `flow run ${run.name} (${run.state_type}) created`;
    },
  },
  {
    id: 'cancel-run',
    ui: 'v1',
    title: 'cancel a flow run (Cancel → Confirm)',
    async run(page, ctx) {
      const target = await scheduledRun(ctx, 'browser-cancel-v1');
      await page.goto(`${ctx.base}/runs/flow-run/${target.id}`);
      await page.getByRole('button', { name: 'Cancel', exact: true }).click({ timeout: CONTROL_MS });
      await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click({ timeout: CONTROL_MS });
      const run = await runCancelled(ctx, target.id);
      return `run ${target.name}: ${run.state_type}`;
    },
  },
  {
    id: 'pause-schedule',
    ui: 'v1',
    title: "pause a deployment's schedule (its switch)",
    async run(page, ctx) {
      const id = await activeSchedule(ctx);
      await page.goto(`${ctx.base}/deployments/deployment/${ctx.seeded.deployment_id}`);
      const toggle = page.getByRole('switch').first();
      await toggle.waitFor({ timeout: CONTROL_MS });
      if ((await toggle.getAttribute('aria-checked')) !== 'true') throw new Error('the schedule made active through the API shows as paused');
      await toggle.click();
      await scheduleInactive(ctx, id);
      return `schedule ${id}: active false`;
    },
  },
  {
    id: 'edit-variable',
    ui: 'v1',
    title: 'edit a variable (menu → Edit → Save)',
    async run(page, ctx) {
      const name = ctx.seeded.variable;
      const value = { region: 'ap', retries: 7, edited_in: 'v1' };
      await page.goto(`${ctx.base}/variables`);
      const row = page.locator('tr').filter({ has: page.getByText(name, { exact: true }) });
      await row.locator('button.p-button--outline').last().click({ timeout: CONTROL_MS });
      await page.getByRole('button', { name: 'Edit', exact: true }).click({ timeout: CONTROL_MS });
      const dialog = page.getByRole('dialog');
      await dialog.locator('textarea').first().fill(JSON.stringify(value));
      await dialog.getByRole('button', { name: 'Save' }).click({ timeout: CONTROL_MS });
      await effect(
        `variable ${name} to hold ${JSON.stringify(value)}`,
        async () => JSON.stringify((await ctx.api.get(`/variables/name/${name}`)).value) === JSON.stringify(value),
        async () => `its value is ${JSON.stringify((await ctx.api.get(`/variables/name/${name}`)).value)}`,
      );
      return `${name} = ${JSON.stringify(value)}`;
    },
  },
  {
    id: 'create-automation',
    ui: 'v1',
    title: 'create an automation (the wizard: flow run state → cancel a flow run)',
    async run(page, ctx) {
      const name = `browser-automation-v1${ctx.seeded.suffix}`;
      await page.goto(`${ctx.base}/automations/create`);
      await v1Select(page, page.locator('.automation-trigger-template-select button'), 'Flow run state');
      await page.getByRole('button', { name: 'Next', exact: true }).click();
      await v1Select(page, page.locator('.p-label', { hasText: 'Action Type' }).locator('button').first(), 'Cancel a flow run');
      await page.getByRole('button', { name: 'Next', exact: true }).click();
      await page.locator('.p-label', { hasText: 'Automation Name' }).locator('input').fill(name, { timeout: CONTROL_MS });
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      return checkAutomation(ctx, name);
    },
  },
];
