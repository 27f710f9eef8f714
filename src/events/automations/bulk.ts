/**
 * Our bulk actions: `bulk-set-state` and `bulk-delete` over a FlowRunFilter. They run the API's own
 * bulk endpoints (`/flow_runs/bulk_set_state`, `/flow_runs/bulk_delete`): at most 50 runs, in one
 * transaction, with orchestration rules applied per run. `POST /automations/actions/preview` answers
 * what the action would do now (the endpoints' `dry_run`), writing nothing.
 */
import type { ApiCall } from '../../http/self-api';
import type { Action } from '../../schemas/automations';
import { ActionFailed, ActionRetryable } from './action-errors';
import type { ActionOutcome } from './actions';

interface BulkCall {
  path: string;
  body: Record<string, unknown>;
}

function bulkCall(a: Action, dryRun: boolean): BulkCall {
  if (a.type === 'bulk-delete') return { path: '/flow_runs/bulk_delete', body: { flow_runs: a.flow_runs, limit: a.limit, dry_run: dryRun } };
  return {
    path: '/flow_runs/bulk_set_state',
    body: {
      flow_runs: a.flow_runs,
      limit: a.limit,
      dry_run: dryRun,
      force: a.force,
      state: { type: a.state, name: a.name ?? null, message: a.message ?? null },
    },
  };
}

export async function runBulkAction(api: ApiCall, a: Action, out: ActionOutcome): Promise<void> {
  const { path, body } = bulkCall(a, false);
  const res = await api('POST', path, body);
  out.details.status_code = res.status;
  if (res.status >= 500) throw new ActionRetryable(`'${a.type}' got ${res.status}`);
  if (res.status >= 300) throw new ActionFailed(`Unexpected status from '${a.type}' action: ${res.status}`);
  const result = res.body as { deleted?: string[]; results?: { flow_run_id: string; status: string }[] };
  const ids = result.deleted ?? (result.results ?? []).filter((r) => r.status === 'ACCEPT').map((r) => r.flow_run_id);
  out.details.flow_runs = ids;
  for (const id of ids) out.related.push({ 'prefect.resource.id': `prefect.flow-run.${id}`, 'prefect.resource.role': 'target' });
}

/** The bulk endpoint's dry-run answer for this action. */
export async function previewBulkAction(api: ApiCall, a: Action): Promise<unknown> {
  const { path, body } = bulkCall(a, true);
  const res = await api('POST', path, body);
  return res.body;
}

