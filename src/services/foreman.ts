/**
 * The foreman (Prefect's services/foreman.py): ONLINE workers whose last heartbeat is older than
 * `heartbeat_interval_seconds` (or `..._FALLBACK_HEARTBEAT_INTERVAL_SECONDS`) times
 * `..._INACTIVITY_HEARTBEAT_MULTIPLE` go OFFLINE; READY work pools left without an ONLINE worker go
 * NOT_READY; READY deployments and work queues not polled for `..._LAST_POLLED_TIMEOUT_SECONDS` go
 * NOT_READY (a deployment only when its queue was not polled either).
 *
 * One statement loads bounded batches of candidates, a pure function decides, and at most four
 * UPDATEs write, each re-checking its condition so a heartbeat or poll that lands meanwhile wins.
 */
import { sql } from 'drizzle-orm';
import { toPgTimestamp, parseMicros, type Micros } from '../time';
import { uuidArray, type ServiceContext } from './context';
import type { ServiceSettings } from './settings';

const BATCH = 500;

export interface ForemanLoad {
  workers: { id: string; last_heartbeat_time: string; heartbeat_interval_seconds: number | null }[];
  pools: { id: string; online: string[] }[];
  deployments: { id: string; last_polled: string; queue_last_polled: string | null }[];
  queues: { id: string; last_polled: string }[];
}

export interface ForemanDecision {
  offlineWorkers: string[];
  notReadyPools: string[];
  notReadyDeployments: string[];
  notReadyQueues: string[];
}

/** What goes offline or not ready at `now`. Pure. */
export function foremanDecisions(load: ForemanLoad, now: Micros, s: ServiceSettings['foreman']): ForemanDecision {
  const t = (x: string) => parseMicros(x)!;
  const offlineWorkers = load.workers
    .filter((w) => now - t(w.last_heartbeat_time) > (w.heartbeat_interval_seconds ?? s.fallbackHeartbeatIntervalSeconds) * s.inactivityHeartbeatMultiple * 1_000_000)
    .map((w) => w.id);
  const offline = new Set(offlineWorkers);
  const notReadyPools = load.pools.filter((p) => p.online.every((w) => offline.has(w))).map((p) => p.id);
  const deploymentThreshold = now - s.deploymentLastPolledTimeoutSeconds * 1_000_000;
  const notReadyDeployments = load.deployments
    .filter((d) => t(d.last_polled) < deploymentThreshold && (d.queue_last_polled === null || t(d.queue_last_polled) < deploymentThreshold))
    .map((d) => d.id);
  const queueThreshold = now - s.workQueueLastPolledTimeoutSeconds * 1_000_000;
  const notReadyQueues = load.queues.filter((q) => t(q.last_polled) < queueThreshold).map((q) => q.id);
  return { offlineWorkers, notReadyPools, notReadyDeployments, notReadyQueues };
}

export async function runForeman(ctx: ServiceContext): Promise<{ workers: number; pools: number; deployments: number; queues: number }> {
  const s = ctx.settings.foreman;
  const now = toPgTimestamp(ctx.now);
  const depThreshold = toPgTimestamp(ctx.now - s.deploymentLastPolledTimeoutSeconds * 1_000_000);
  const queueThreshold = toPgTimestamp(ctx.now - s.workQueueLastPolledTimeoutSeconds * 1_000_000);
  return ctx.db.transaction(async (tx) => {
    const loaded = await tx.execute(sql`
      SELECT
        (SELECT coalesce(json_agg(w), '[]') FROM (
           SELECT id, last_heartbeat_time::text, heartbeat_interval_seconds FROM worker
           WHERE status = 'ONLINE' AND last_heartbeat_time < ${now}::timestamptz
             - coalesce(heartbeat_interval_seconds, ${s.fallbackHeartbeatIntervalSeconds}) * ${s.inactivityHeartbeatMultiple} * interval '1 second'
           ORDER BY id LIMIT ${BATCH}) w) AS workers,
        (SELECT coalesce(json_agg(p), '[]') FROM (
           SELECT p.id, coalesce(array_agg(w.id) FILTER (WHERE w.id IS NOT NULL), '{}') AS online
           FROM work_pool p LEFT JOIN worker w ON w.work_pool_id = p.id AND w.status = 'ONLINE'
           WHERE p.status = 'READY' GROUP BY p.id ORDER BY p.id LIMIT ${BATCH}) p) AS pools,
        (SELECT coalesce(json_agg(d), '[]') FROM (
           SELECT d.id, d.last_polled::text, q.last_polled::text AS queue_last_polled
           FROM deployment d LEFT JOIN work_queue q ON q.id = d.work_queue_id
           WHERE d.status = 'READY' AND d.last_polled < ${depThreshold}::timestamptz
             AND (q.last_polled IS NULL OR q.last_polled < ${depThreshold}::timestamptz)
           ORDER BY d.id LIMIT ${BATCH}) d) AS deployments,
        (SELECT coalesce(json_agg(q), '[]') FROM (
           SELECT id, last_polled::text FROM work_queue
           WHERE status = 'READY' AND last_polled < ${queueThreshold}::timestamptz
           ORDER BY last_polled LIMIT ${BATCH}) q) AS queues`);
    const decision = foremanDecisions(loaded.rows[0] as unknown as ForemanLoad, ctx.now, s);
    if (decision.offlineWorkers.length > 0) {
      await tx.execute(sql`
        UPDATE worker SET status = 'OFFLINE', updated = now()
        WHERE id = ANY(${uuidArray(decision.offlineWorkers)}::uuid[]) AND status = 'ONLINE'
          AND last_heartbeat_time < ${now}::timestamptz
            - coalesce(heartbeat_interval_seconds, ${s.fallbackHeartbeatIntervalSeconds}) * ${s.inactivityHeartbeatMultiple} * interval '1 second'`);
    }
    if (decision.notReadyPools.length > 0) {
      await tx.execute(sql`
        UPDATE work_pool p SET status = 'NOT_READY', last_transitioned_status_at = now(), updated = now()
        WHERE p.id = ANY(${uuidArray(decision.notReadyPools)}::uuid[]) AND p.status = 'READY'
          AND NOT EXISTS (SELECT 1 FROM worker w WHERE w.work_pool_id = p.id AND w.status = 'ONLINE')`);
    }
    if (decision.notReadyDeployments.length > 0) {
      await tx.execute(sql`
        UPDATE deployment d SET status = 'NOT_READY', updated = now()
        WHERE d.id = ANY(${uuidArray(decision.notReadyDeployments)}::uuid[]) AND d.status = 'READY'
          AND d.last_polled < ${depThreshold}::timestamptz`);
    }
    if (decision.notReadyQueues.length > 0) {
      await tx.execute(sql`
        UPDATE work_queue SET status = 'NOT_READY', updated = now()
        WHERE id = ANY(${uuidArray(decision.notReadyQueues)}::uuid[]) AND status = 'READY'
          AND last_polled < ${queueThreshold}::timestamptz`);
    }
    return {
      workers: decision.offlineWorkers.length,
      pools: decision.notReadyPools.length,
      deployments: decision.notReadyDeployments.length,
      queues: decision.notReadyQueues.length,
    };
  });
}
