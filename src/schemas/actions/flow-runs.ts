/** FlowRunUpdate (PATCH /flow_runs/{id}) and the labels body of PATCH /flow_runs/{id}/labels. */
import * as v from 'valibot';
import { jsonObject, list, model, opt, str } from '../common';
import { flowRunPolicyInput } from '../states';
import { keyValueLabels } from './fields';

export const FlowRunUpdate = model({
  name: opt(str()),
  flow_version: opt(str()),
  parameters: v.optional(jsonObject()),
  empirical_policy: v.optional(flowRunPolicyInput),
  tags: v.optional(list(str())),
  infrastructure_pid: opt(str()),
  job_variables: opt(jsonObject()),
});
export type FlowRunUpdate = v.InferOutput<typeof FlowRunUpdate>;

/** PATCH /flow_runs/{id}/labels: labels merged over the run's own. */
export const FlowRunLabels = keyValueLabels();
