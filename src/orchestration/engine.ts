/**
 * The orchestration engine: one proposed state for one run, decided in memory.
 *
 *   orchestrate(input) → { status, details, state, wrote, run, parentTaskSync, error, … }
 *
 * The caller loads the run (locked), its deployment and the concurrency ledger, and afterwards
 * writes what the outcome says. No rule touches the database, so a bulk request orchestrates all of
 * its runs first and writes once.
 */
import { OrchestrationContext, type Details, type OrchestrationInput, type ParentTaskSync, type RunSnapshot, type Status } from './context';
import { CORE_FLOW_POLICY, MINIMAL_FLOW_POLICY } from './core-policy';
import { GLOBAL_FLOW_POLICY } from './global-policy';
import { runPolicy } from './rules';
import type { OrchState } from './states';

export interface OrchestrationOutcome {
  status: Status;
  details: Details;
  /** The state to return: the written one, else the run's current state (null if it has none). */
  state: OrchState | null;
  /** True when `state` is a new state row to insert (HTTP 201 on single-run endpoints). */
  wrote: boolean;
  /** The run after the rules and transforms: the columns to write when `wrote`. */
  run: RunSnapshot;
  /** True when the run row must be updated (a state was written, or only its policy changed). */
  runChanged: boolean;
  parentTaskSync: ParentTaskSync | null;
  /** Set the run's FAILED task runs to AwaitingRetry with run_count 0 (legacy retries, API < 0.8.3). */
  retryFailedTaskRuns: boolean;
  /** A rule failed: nothing of this orchestration may be written (single run: 500; bulk: ABORT). */
  error?: unknown;
}

export const policyFor = (force: boolean) => [...(force ? MINIMAL_FLOW_POLICY : CORE_FLOW_POLICY), ...GLOBAL_FLOW_POLICY];

export function orchestrate(input: OrchestrationInput): OrchestrationOutcome {
  const checkpoint = input.ledger.checkpoint();
  const ctx = new OrchestrationContext(input);
  runPolicy(ctx, policyFor(input.force), () => {
    ctx.validated = ctx.proposed ?? ctx.initial;
  });
  if (ctx.error !== undefined) {
    input.ledger.restore(checkpoint);
    return { status: 'ABORT', details: ctx.details, state: null, wrote: false, run: input.run, runChanged: false, parentTaskSync: null, retryFailedTaskRuns: false, error: ctx.error };
  }
  const wrote = ctx.proposed !== null;
  if (wrote) ctx.run.state = ctx.validated;
  // Without a new state the run's columns stay as they were, except its policy: a rejected resume
  // still marks the run as resuming (Appendix A2).
  const run = wrote ? ctx.run : { ...input.run, empiricalPolicy: ctx.run.empiricalPolicy };
  return {
    status: ctx.status,
    details: ctx.details,
    state: ctx.validated,
    wrote,
    run,
    runChanged: wrote || JSON.stringify(run.empiricalPolicy) !== JSON.stringify(input.run.empiricalPolicy),
    parentTaskSync: wrote ? ctx.parentTaskSync : null,
    retryFailedTaskRuns: wrote && ctx.retryFailedTaskRuns,
  };
}
