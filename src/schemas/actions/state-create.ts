/**
 * StateCreate for task runs. TEMPORARY: replaced by the flow-run engine's `stateCreate` (branch
 * `orch`, src/schemas/states.ts) once that is on main, so there is one definition.
 */
import * as v from 'valibot';
import { STATE_TYPES } from '../../db/schema';
import { dateTime, enumOf, laxBool, looseModel, model, opt, str, uuid } from '../common';

const stateDetailsInput = looseModel({
  flow_run_id: opt(uuid()),
  task_run_id: opt(uuid()),
  child_flow_run_id: opt(uuid()),
  scheduled_time: opt(dateTime()),
  cache_key: opt(str()),
  cache_expiration: opt(dateTime()),
  deferred: opt(laxBool()),
  untrackable_result: opt(laxBool()),
  pause_timeout: opt(dateTime()),
  pause_reschedule: opt(laxBool()),
  pause_key: opt(str()),
  run_input_keyset: opt(v.record(v.string(), v.string())),
  refresh_cache: opt(laxBool()),
  retriable: opt(laxBool()),
  transition_id: opt(uuid()),
  task_parameters_id: opt(uuid()),
  traceparent: opt(str()),
  deployment_concurrency_lease_id: opt(uuid()),
});

export const StateCreate = model({
  type: enumOf(STATE_TYPES),
  name: opt(str()),
  message: opt(str()),
  data: v.optional(v.unknown()),
  state_details: opt(stateDetailsInput),
});
export type StateCreate = v.InferOutput<typeof StateCreate>;
