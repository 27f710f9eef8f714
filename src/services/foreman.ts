/**
 * The foreman (Prefect's services/foreman.py): ONLINE workers whose last heartbeat is older than
 * `heartbeat_interval_seconds` (or `..._FALLBACK_HEARTBEAT_INTERVAL_SECONDS`) times
 * `..._INACTIVITY_HEARTBEAT_MULTIPLE` go OFFLINE; READY work pools left without an ONLINE worker go
 * NOT_READY; READY deployments and work queues not polled for `..._LAST_POLLED_TIMEOUT_SECONDS` go
 * NOT_READY (a deployment only when its queue was not polled either).
 *
 * One statement loads bounded batches of candidates, a pure function decides, and at most four
 * UPDATEs write, each re-checking its condition so a heartbeat or poll that lands meanwhile wins. The
 * pool, deployment and queue UPDATEs insert Prefect's `prefect.<kind>.not-ready` events for the rows they
 * changed, in the same statement.
 */
import { sql } from 'drizzle-orm';
import { toPgTimestamp, parseMicros, type Micros } from '../time';
import { uuidArray, type ServiceContext } from './context';
import { deploymentStatusEventRows, insertEventResources, insertEvents, poolFollows, sqlUuid7, workPoolStatusEventRows, workQueueStatusEventRows } from '../events/status-events';
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
        WITH old AS (
          SELECT id, last_status_event_id, last_transitioned_status_at FROM work_pool
          WHERE id = ANY(${uuidArray(decision.notReadyPools)}::uuid[])
        ), changed AS (
          UPDATE work_pool p SET status = 'NOT_READY', last_transitioned_status_at = now(),
            last_status_event_id = ${sqlUuid7}, updated = now()
          FROM old WHERE p.id = old.id AND p.status = 'READY'
            AND NOT EXISTS (SELECT 1 FROM worker w WHERE w.work_pool_id = p.id AND w.status = 'ONLINE')
          RETURNING p.id, p.name, p.type, p.status, p.last_status_event_id AS event_id, p.last_transitioned_status_at AS occurred,
            ${poolFollows(sql`old.last_status_event_id`, sql`old.last_transitioned_status_at`)} AS follows
        ), events AS (${insertEvents(workPoolStatusEventRows(sql`changed`))})
        ${insertEventResources}`);
    }
    if (decision.notReadyDeployments.length > 0) {
      await tx.execute(sql`
        WITH changed AS (
          UPDATE deployment d SET status = 'NOT_READY', updated = now()
          WHERE d.id = ANY(${uuidArray(decision.notReadyDeployments)}::uuid[]) AND d.status = 'READY'
            AND d.last_polled < ${depThreshold}::timestamptz
          RETURNING d.id, d.name, d.status, d.flow_id, d.work_queue_id, d.concurrency_limit_id
        ), events AS (${insertEvents(deploymentStatusEventRows(sql`changed`))})
        ${insertEventResources}`);
    }
    if (decision.notReadyQueues.length > 0) {
      await tx.execute(sql`
        WITH changed AS (
          UPDATE work_queue SET status = 'NOT_READY', updated = now()
          WHERE id = ANY(${uuidArray(decision.notReadyQueues)}::uuid[]) AND status = 'READY'
            AND last_polled < ${queueThreshold}::timestamptz
          RETURNING id, name, status, work_pool_id
        ), events AS (${insertEvents(workQueueStatusEventRows(sql`changed`))})
        ${insertEventResources}`);
    }
    return {
      workers: decision.offlineWorkers.length,
      pools: decision.notReadyPools.length,
      deployments: decision.notReadyDeployments.length,
      queues: decision.notReadyQueues.length,
    };
  });
}
