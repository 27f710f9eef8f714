/**
 * Automations (Prefect 3.9.1 server/events/schemas/automations.py and server/events/actions.py):
 * triggers, actions, AutomationCreate / AutomationUpdate / AutomationPartialUpdate and the filter.
 *
 * Pydantic validates Prefect's trigger and action unions "smartly" and reports the errors of every
 * member; we pick the member by its `type` (an event trigger and `do-nothing` when it is absent, as
 * their defaults make Pydantic do) and report that member's errors under its class name.
 */
import * as v from 'valibot';
import { STATE_TYPES } from '../orchestration/states';
import { validateTemplate } from '../events/automations/templating';
import { parseIntervalSeconds, timedeltaSeconds } from './actions/schedules';
import { dateTime, dict, enumOf, issueMessage, jsonObject, laxBool, laxInt, list, literalOf, model, opt, str, uuid } from './common';
import { FlowRunFilter } from './filters';

const valueError = (msg: string) => issueMessage('value_error', `Value error, ${msg}`, { error: {} });

/** A timedelta given as seconds, ISO 8601 or a clock string; seconds out. */
const duration = () => timedeltaSeconds();

/** A Set[str]: a list (or a lone string is refused, as Pydantic refuses it) deduplicated in order. */
const stringSet = () => v.pipe(list(str()), v.transform((xs) => [...new Set(xs)]));

/** ResourceSpecification: label → value or list of values (glob patterns, `!` negates). */
const resourceSpec = () => dict(v.union([str(), list(str())], issueMessage('string_type', 'Input should be a valid string')));
export type ResourceSpec = Record<string, string | string[]>;

export const POSTURES = ['Reactive', 'Proactive'] as const;

const PROACTIVE_MIN_WITHIN = 10;

/** EventTrigger. */
const eventTriggerEntries = {
  type: v.optional(literalOf(['event']), 'event'),
  id: v.optional(v.unknown()),
  match: v.optional(resourceSpec(), () => ({})),
  match_related: v.optional(v.union([resourceSpec(), list(resourceSpec())], issueMessage('dict_type', 'Input should be a valid dictionary')), () => ({})),
  after: v.optional(stringSet(), () => []),
  expect: v.optional(stringSet(), () => []),
  for_each: v.optional(stringSet(), () => []),
  posture: enumOf(POSTURES),
  threshold: v.optional(laxInt(), 1),
  within: v.optional(
    v.pipe(
      duration(),
      v.minValue(0, issueMessage('greater_than_equal', 'Input should be greater than or equal to 0 seconds', { ge: 'PT0S' })),
    ),
    0,
  ),
};

export interface EventTrigger {
  type: 'event';
  id: string;
  match: ResourceSpec;
  match_related: ResourceSpec | ResourceSpec[];
  after: string[];
  expect: string[];
  for_each: string[];
  posture: (typeof POSTURES)[number];
  threshold: number;
  within: number;
}
export interface CompoundTrigger {
  type: 'compound';
  id: string;
  triggers: Trigger[];
  within: number | null;
  require: number | 'any' | 'all';
}
export interface SequenceTrigger {
  type: 'sequence';
  id: string;
  triggers: Trigger[];
  within: number | null;
}
export type Trigger = EventTrigger | CompoundTrigger | SequenceTrigger;

/** Prefect's "before" validator: `within: null` is refused; a proactive trigger's within is at least 10 s (0 means 10). */
function proactiveWithinProblem(x: unknown): string | null {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return null;
  const t = x as Record<string, unknown>;
  if ('within' in t && t.within === null) return '`within` should be a valid timedelta';
  if (t.posture !== 'Proactive' || t.within === undefined) return null;
  const seconds = parseIntervalSeconds(t.within);
  if (seconds === null || seconds === 0) return null; // the field reports it, or it becomes 10 s
  return seconds < PROACTIVE_MIN_WITHIN ? '`within` for Proactive triggers must be greater than or equal to 10 seconds' : null;
}

const EventTriggerSchema = v.pipe(
  v.unknown(),
  v.rawCheck(({ dataset, addIssue }) => {
    const problem = proactiveWithinProblem(dataset.value);
    if (problem) addIssue({ message: valueError(problem) });
  }),
  model(eventTriggerEntries),
  v.transform((t): EventTrigger => ({
    type: 'event',
    id: crypto.randomUUID(),
    match: t.match,
    match_related: t.match_related,
    after: t.after,
    expect: t.expect,
    for_each: t.for_each,
    posture: t.posture,
    threshold: t.threshold,
    within: t.posture === 'Proactive' && t.within === 0 ? PROACTIVE_MIN_WITHIN : t.within,
  })),
);

const triggerList = () => list(v.lazy(() => TriggerSchema));

const CompoundTriggerSchema = v.pipe(
  model({
    type: literalOf(['compound']),
    id: v.optional(v.unknown()),
    triggers: triggerList(),
    within: v.nullable(duration()),
    require: v.union([laxInt(), literalOf(['any', 'all'])], issueMessage('literal_error', "Input should be 'any' or 'all'", { expected: "'any' or 'all'" })),
  }),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const t = dataset.value;
    if (typeof t.require === 'number') {
      if (t.require < 1) {
        addIssue({ message: valueError('require must be at least 1') });
        return NEVER;
      }
      if (t.require > t.triggers.length) {
        addIssue({ message: valueError('require must be less than or equal to the number of triggers') });
        return NEVER;
      }
    }
    const out: CompoundTrigger = { type: 'compound', id: crypto.randomUUID(), triggers: t.triggers, within: t.within, require: t.require };
    return out;
  }),
);

const SequenceTriggerSchema = v.pipe(
  model({ type: literalOf(['sequence']), id: v.optional(v.unknown()), triggers: triggerList(), within: v.nullable(duration()) }),
  v.transform((t): SequenceTrigger => ({ type: 'sequence', id: crypto.randomUUID(), triggers: t.triggers, within: t.within })),
);

/** Picks a union member by `type`, so its errors are reported under Pydantic's class name. */
function byType<const M extends Record<string, readonly [string, v.GenericSchema]>>(members: M, fallback: keyof M & string, unionName: string) {
  const types = Object.keys(members);
  return v.pipe(
    v.unknown(),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const x = dataset.value;
      if (typeof x !== 'object' || x === null || Array.isArray(x)) {
        addIssue({ message: issueMessage('model_type', `Input should be a valid dictionary or instance of ${unionName}`) });
        return NEVER;
      }
      const type = (x as Record<string, unknown>).type ?? fallback;
      const member = typeof type === 'string' ? members[type] : undefined;
      if (!member) {
        const expected = types.map((t) => `'${t}'`).join(', ');
        addIssue({
          message: issueMessage('union_tag_invalid', `Input tag '${String(type)}' found using 'type' does not match any of the expected tags: ${expected}`, {
            discriminator: "'type'",
            tag: String(type),
            expected_tags: expected,
          }),
          path: [{ type: 'object', origin: 'value', input: x as Record<string, unknown>, key: 'type', value: type }],
        });
        return NEVER;
      }
      const [className, schema] = member;
      const result = v.safeParse(schema, x);
      if (result.success) return result.output as unknown;
      for (const issue of result.issues) {
        const tag = { type: 'object', origin: 'value', input: x as Record<string, unknown>, key: className, value: x } as const;
        // A model-level ("after" validator) error reports the member's raw input, as Pydantic does.
        const input = issue.path?.length ? issue.input : x;
        addIssue({ ...issue, input, message: issue.message, path: [tag, ...(issue.path ?? [])] } as never);
      }
      return NEVER;
    }),
  );
}

export const TriggerSchema: v.GenericSchema<unknown, Trigger> = byType(
  {
    event: ['EventTrigger', EventTriggerSchema],
    compound: ['function-after[validate_require(), function-after[validate_require(), CompoundTrigger]]', CompoundTriggerSchema],
    sequence: ['SequenceTrigger', SequenceTriggerSchema],
  },
  'event',
  'EventTrigger',
) as v.GenericSchema<unknown, Trigger>;

// ---- actions ----------------------------------------------------------------------------------

const SOURCES = ['selected', 'inferred'] as const;

/** `source` and the id it requires: selected needs the id, inferred refuses it. */
function targeted<const T extends string, const K extends string>(type: T, idKey: K) {
  return v.pipe(
    model({ type: literalOf([type]), source: v.optional(literalOf(SOURCES), 'selected'), [idKey]: opt(uuid()) } as {
      type: ReturnType<typeof literalOf<[T]>>;
      source: v.OptionalSchema<ReturnType<typeof literalOf<typeof SOURCES>>, 'selected'>;
    } & Record<K, ReturnType<typeof opt<ReturnType<typeof uuid>>>>),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const a = dataset.value as Record<string, unknown>;
      const has = Boolean(a[idKey]);
      if ((a.source === 'selected') !== has) {
        addIssue({ message: valueError(`${idKey} is ${has ? 'not allowed' : 'required'}`) });
        return NEVER;
      }
      return { type, source: a.source, [idKey]: a[idKey] ?? null } as Record<string, unknown>;
    }),
  );
}

const templateString = (field: string) =>
  v.pipe(
    str(),
    v.rawCheck(({ dataset, addIssue }) => {
      if (!dataset.typed) return;
      const problem = validateTemplate(dataset.value);
      if (problem) addIssue({ message: valueError(`'${field}' is not a valid template: ${problem.message}`) });
    }),
  );

/** Only the fields of an action, in Prefect's order (what the API returns). */
const pick = (a: object, keys: readonly string[]) =>
  Object.fromEntries(keys.map((k) => [k, (a as Record<string, unknown>)[k] ?? null])) as Record<string, unknown>;

const RunDeployment = v.pipe(
  model({
    type: literalOf(['run-deployment']),
    source: v.optional(literalOf(SOURCES), 'selected'),
    deployment_id: opt(uuid()),
    parameters: opt(jsonObject()),
    job_variables: opt(jsonObject()),
    schedule_after: v.optional(
      v.pipe(duration(), v.minValue(0, issueMessage('greater_than_equal', 'Input should be greater than or equal to 0 seconds', { ge: 'PT0S' }))),
      0,
    ),
  }),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const a = dataset.value;
    const has = Boolean(a.deployment_id);
    if ((a.source === 'selected') !== has) {
      addIssue({ message: valueError(`deployment_id is ${has ? 'not allowed' : 'required'}`) });
      return NEVER;
    }
    const problems = parameterTemplateProblems(a.parameters ?? {});
    if (problems.length > 0) {
      addIssue({ message: valueError(`Invalid parameters: \n${problems.join('\n  ')}`) });
      return NEVER;
    }
    return pick(a, ['type', 'source', 'deployment_id', 'parameters', 'job_variables', 'schedule_after']);
  }),
);

/** Jinja syntax problems in the string values (and `__prefect_kind: jinja` templates) of parameters. */
function parameterTemplateProblems(value: Record<string, unknown>, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, x] of Object.entries(value)) {
    const template =
      typeof x === 'string'
        ? x
        : x && typeof x === 'object' && !Array.isArray(x) && (x as Record<string, unknown>).__prefect_kind === 'jinja'
          ? (x as Record<string, unknown>).template
          : undefined;
    if (typeof template === 'string') {
      const problem = validateTemplate(template);
      if (problem) out.push(`${prefix}${k}: ${problem.message}`);
    } else if (x && typeof x === 'object' && !Array.isArray(x) && !('__prefect_kind' in x)) {
      out.push(...parameterTemplateProblems(x as Record<string, unknown>, `${prefix}${k}.`));
    }
  }
  return out;
}

const bare = (type: string) => v.pipe(model({ type: literalOf([type]) }), v.transform(() => ({ type }) as Record<string, unknown>));

const ChangeFlowRunState = v.pipe(
  model({
    type: literalOf(['change-flow-run-state']),
    name: opt(str()),
    state: enumOf(STATE_TYPES),
    message: opt(str()),
    force: v.optional(laxBool(), false),
  }),
  v.transform((a) => pick(a, ['type', 'name', 'state', 'message', 'force'])),
);

const CallWebhook = v.pipe(
  model({ type: literalOf(['call-webhook']), block_document_id: uuid(), payload: v.optional(templateString('payload'), '') }),
  v.transform((a) => pick(a, ['type', 'block_document_id', 'payload'])),
);

const SendNotification = v.pipe(
  model({
    type: literalOf(['send-notification']),
    block_document_id: uuid(),
    subject: v.optional(templateString('subject'), 'Prefect automated notification'),
    body: templateString('body'),
  }),
  v.transform((a) => pick(a, ['type', 'block_document_id', 'subject', 'body'])),
);

/** Ours: the largest number of flow runs one bulk action may touch (the bulk endpoints' cap). */
export const BULK_ACTION_LIMIT = 50;

const bulkLimit = () =>
  v.optional(
    v.pipe(
      laxInt(),
      v.minValue(1, issueMessage('greater_than_equal', 'Input should be greater than or equal to 1', { ge: 1 })),
      v.maxValue(BULK_ACTION_LIMIT, issueMessage('less_than_equal', `Input should be less than or equal to ${BULK_ACTION_LIMIT}`, { le: BULK_ACTION_LIMIT })),
    ),
    BULK_ACTION_LIMIT,
  );

/** Ours: set the state of the flow runs a FlowRunFilter selects (at most 50, one transaction). */
const BulkSetState = v.pipe(
  model({
    type: literalOf(['bulk-set-state']),
    flow_runs: FlowRunFilter,
    state: enumOf(STATE_TYPES),
    name: opt(str()),
    message: opt(str()),
    force: v.optional(laxBool(), false),
    limit: bulkLimit(),
  }),
  v.transform((a) => pick(a, ['type', 'flow_runs', 'state', 'name', 'message', 'force', 'limit'])),
);

/** Ours: delete the flow runs a FlowRunFilter selects (at most 50, one transaction). */
const BulkDelete = v.pipe(
  model({ type: literalOf(['bulk-delete']), flow_runs: FlowRunFilter, limit: bulkLimit() }),
  v.transform((a) => pick(a, ['type', 'flow_runs', 'limit'])),
);

export const ActionSchema = byType(
  {
    'do-nothing': ['DoNothing', bare('do-nothing')],
    'run-deployment': ['function-after[selected_deployment_requires_id(), RunDeployment]', RunDeployment],
    'pause-deployment': ['function-after[selected_deployment_requires_id(), PauseDeployment]', targeted('pause-deployment', 'deployment_id')],
    'resume-deployment': ['function-after[selected_deployment_requires_id(), ResumeDeployment]', targeted('resume-deployment', 'deployment_id')],
    'cancel-flow-run': ['CancelFlowRun', bare('cancel-flow-run')],
    'delete-flow-run': ['DeleteFlowRun', bare('delete-flow-run')],
    'change-flow-run-state': ['ChangeFlowRunState', ChangeFlowRunState],
    'pause-work-queue': ['function-after[selected_work_queue_requires_id(), PauseWorkQueue]', targeted('pause-work-queue', 'work_queue_id')],
    'resume-work-queue': ['function-after[selected_work_queue_requires_id(), ResumeWorkQueue]', targeted('resume-work-queue', 'work_queue_id')],
    'send-notification': ['SendNotification', SendNotification],
    'call-webhook': ['CallWebhook', CallWebhook],
    'pause-automation': ['function-after[selected_automation_requires_id(), PauseAutomation]', targeted('pause-automation', 'automation_id')],
    'resume-automation': ['function-after[selected_automation_requires_id(), ResumeAutomation]', targeted('resume-automation', 'automation_id')],
    'suspend-flow-run': ['SuspendFlowRun', bare('suspend-flow-run')],
    'resume-flow-run': ['ResumeFlowRun', bare('resume-flow-run')],
    'pause-work-pool': ['function-after[selected_work_pool_requires_id(), PauseWorkPool]', targeted('pause-work-pool', 'work_pool_id')],
    'resume-work-pool': ['function-after[selected_work_pool_requires_id(), ResumeWorkPool]', targeted('resume-work-pool', 'work_pool_id')],
    'bulk-set-state': ['BulkSetState', BulkSetState],
    'bulk-delete': ['BulkDelete', BulkDelete],
  },
  'do-nothing',
  'DoNothing',
) as v.GenericSchema<unknown, Action>;

/** An action as stored and returned: its `type` and its fields in Prefect's order. */
export type Action = Record<string, unknown> & { type: string };

// ---- automations ------------------------------------------------------------------------------

const coreEntries = {
  name: str(),
  description: v.optional(str(), ''),
  enabled: v.optional(laxBool(), true),
  tags: v.optional(list(str()), () => []),
  trigger: TriggerSchema,
  actions: list(ActionSchema),
  actions_on_trigger: v.optional(list(ActionSchema), () => []),
  actions_on_resolve: v.optional(list(ActionSchema), () => []),
};

/** Prefect's prevent_run_deployment_loops: a reactive flow-run trigger must not re-run deployments blindly. */
function runDeploymentLoopProblem(a: { enabled: boolean; trigger: Trigger; actions: Action[] }): string | null {
  const t = a.trigger;
  if (!a.enabled || t.type !== 'event' || t.posture !== 'Reactive') return null;
  if (!t.expect.some((e) => e.startsWith('prefect.flow-run.'))) return null;
  const problematic = ['prefect.flow-run.Scheduled', 'prefect.flow-run.Pending', 'prefect.flow-run.Running', 'prefect.flow-run.*'];
  if (!t.expect.some((e) => problematic.includes(e))) return null;
  const everyRun = (spec: ResourceSpec) => {
    const keys = Object.keys(spec);
    if (keys.length === 0) return true;
    if (keys.length !== 1) return false;
    const id = spec['prefect.resource.id'];
    if (!id) return false;
    return (typeof id === 'string' ? [id] : id).some((x) => x === 'prefect.flow-run.*');
  };
  for (const action of a.actions.filter((x) => x.type === 'run-deployment')) {
    if (action.source === 'inferred') {
      return 'Running an inferred deployment from a flow run state change event will lead to an infinite loop of flow runs.  Please choose a specific deployment and add additional filtering labels to the match or match_related for this automation\'s trigger.';
    }
    const related = Array.isArray(t.match_related) ? t.match_related : [t.match_related];
    if (everyRun(t.match) && related.some(everyRun)) {
      return "Running a selected deployment from a flow run state change event may lead to an infinite loop of flow runs.  Please include additional filtering labels on either match or match_related to narrow down which flow runs will trigger this automation to exclude flow runs from the deployment you've selected.";
    }
  }
  return null;
}

const withLoopCheck = <S extends v.GenericSchema<unknown, { enabled: boolean; trigger: Trigger; actions: Action[] }>>(schema: S) =>
  v.pipe(
    schema,
    v.rawCheck(({ dataset, addIssue }) => {
      if (!dataset.typed) return;
      const problem = runDeploymentLoopProblem(dataset.value);
      if (problem) addIssue({ message: valueError(problem) });
    }),
  );

export const AutomationCreate = withLoopCheck(model({ ...coreEntries, owner_resource: opt(str()) }));
export type AutomationCreate = v.InferOutput<typeof AutomationCreate>;

export const AutomationUpdate = withLoopCheck(model(coreEntries));
export type AutomationUpdate = v.InferOutput<typeof AutomationUpdate>;

export const AutomationPartialUpdate = model({ enabled: v.optional(laxBool(), true) });

/** The stored automation, re-checked after a partial update (Prefect validates the merged model). */
export const checkAutomationLoops = runDeploymentLoopProblem;

export const AUTOMATION_SORTS = ['CREATED_DESC', 'UPDATED_DESC', 'NAME_ASC', 'NAME_DESC'] as const;

export const AutomationFilter = model({
  operator: v.optional(enumOf(['and_', 'or_'] as const), 'and_'),
  id: opt(model({ any_: opt(list(uuid())) })),
  name: opt(model({ any_: opt(list(str())) })),
  created: opt(model({ before_: opt(dateTime()) })),
  tags: opt(model({ operator: v.optional(enumOf(['and_', 'or_'] as const), 'and_'), all_: opt(list(str())), any_: opt(list(str())), is_null_: opt(laxBool()) })),
});
export type AutomationFilter = v.InferOutput<typeof AutomationFilter>;

