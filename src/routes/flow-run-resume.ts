/**
 * POST /flow_runs/{id}/resume (spec §4.4): validate run input against the schema the paused state
 * names, then orchestrate (non-forced) to Running, or to Scheduled "Resuming" for a suspended run.
 */
import type { Context } from 'hono';
import { and, eq } from 'drizzle-orm';
import * as v from 'valibot';
import type { AppEnv } from '../env';
import { flowRunInput } from '../db/schema';
import { objectNotFound } from '../http/errors';
import { embeddedBody } from '../http/validation';
import { schemaValidationMessage } from '../orchestration/json-schema';
import { serializeState } from '../orchestration/state-json';
import { buildProposedState } from '../schemas/states';
import { jsonObject } from '../schemas/common';
import { lockRunsForOrchestration, applyOrchestration } from '../queries/flow-run-orchestration-store';
import { orchestrateBatch, outcomesOf } from '../queries/flow-run-orchestration';
import { orchestrationResult, pathId, requestOptions } from './orchestration-http';
import { formatMicros } from '../time';

export const resumeBody = v.object({ run_input: v.optional(jsonObject()) });

export async function resumeFlowRun(c: Context<AppEnv>) {
  const body = await embeddedBody(c, resumeBody);
  const runId = pathId(c);
  return c.var.db.transaction(async (tx) => {
    const batch = await lockRunsForOrchestration(tx, { ids: [runId] });
    const run = batch.runs[0];
    // Prefect answers 500 here; a missing run is a 404 (Appendix A9).
    if (!run) throw objectNotFound(`Flow run with id ${runId} not found`);
    const paused = run.state;
    if (paused?.type !== 'PAUSED') {
      return c.json({ state: null, status: 'ABORT', details: { type: 'abort_details', reason: 'Cannot resume a flow run that is not paused.' } }, 200);
    }
    const keyset = paused.stateDetails.run_input_keyset;
    // A failed input check answers REJECT with abort details: a Prefect quirk clients rely on.
    const refuse = (reason: string) =>
      c.json({ state: serializeState(paused), status: 'REJECT', details: { type: 'abort_details', reason } }, 200);
    if (keyset?.schema) {
      const [stored] = await tx
        .select({ value: flowRunInput.value })
        .from(flowRunInput)
        .where(and(eq(flowRunInput.flowRunId, runId), eq(flowRunInput.key, keyset.schema)));
      if (!stored) return refuse('Run input schema not found.');
      let schema: unknown;
      try {
        schema = JSON.parse(stored.value);
      } catch {
        return refuse('Run input schema is not valid JSON.');
      }
      let error: string | null;
      try {
        error = schemaValidationMessage((schema ?? {}) as Record<string, unknown>, body.run_input ?? {});
      } catch {
        return refuse('Invalid schema: Unable to validate schema with circular references.');
      }
      if (error) return refuse(`Reason: ${error}`);
    }
    const [result] = orchestrateBatch(
      batch,
      (_run, now) =>
        paused.stateDetails.pause_reschedule
          ? buildProposedState({ type: 'SCHEDULED', name: 'Resuming', state_details: { scheduled_time: formatMicros(now) } }, now)
          : buildProposedState({ type: 'RUNNING' }, now),
      requestOptions(c, false),
    );
    const outcome = result!.outcome!;
    if (outcome.error !== undefined) throw outcome.error;
    await applyOrchestration(tx, batch, outcomesOf([result!]));
    if (outcome.status === 'ACCEPT' && body.run_input !== undefined && keyset?.response) {
      await tx.insert(flowRunInput).values({ flowRunId: runId, key: keyset.response, value: JSON.stringify(body.run_input) });
    }
    return c.json(orchestrationResult(outcome), outcome.wrote ? 201 : 200);
  });
}
