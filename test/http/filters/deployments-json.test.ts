/**
 * POST /deployments/filter answers with JSON text that Postgres builds (readDeploymentsJson). It must
 * say exactly what the row-by-row model (readDeployments, used by GET /deployments/{id}) says: the
 * same keys in the same order and the same values, for every shape a stored deployment can have.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { post, randomName, resetDb, withDb } from '../helpers';
import { readDeployments } from '../../../src/queries/read-models';
import { DEPLOYMENT_ORDER } from '../../../src/queries/filters';
import { createDeployment } from '../orchestration/fixtures';

/** The model's answer, re-serialised: key order and values, without whitespace. */
const modelText = async (order: keyof typeof DEPLOYMENT_ORDER = 'NAME_ASC') =>
  JSON.stringify(await withDb((db) => readDeployments(db, { orderBy: DEPLOYMENT_ORDER[order], limit: 200 })));

async function filterText(body: unknown): Promise<string> {
  const res = await post('/deployments/filter', body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return JSON.stringify(res.body);
}

beforeAll(async () => {
  await resetDb();
  // Plain, with a concurrency limit and options, with a queue in a pool, with schedules, and with
  // stored values that only a direct write can produce (JSON null, a non-object creator, whole seconds).
  const plain = await createDeployment();
  const limited = await createDeployment({ limit: 3, activeSlots: 1, options: { collision_strategy: 'CANCEL_NEW' } });
  const graced = await createDeployment({ options: { collision_strategy: 'ENQUEUE', grace_period_seconds: 30 } });
  await withDb(async (db) => {
    const pool = await db.execute(sql`INSERT INTO work_pool (name, type) VALUES (${randomName('pool')}, 'process') RETURNING id`);
    const poolId = (pool.rows[0] as { id: string }).id;
    const queue = await db.execute(sql`INSERT INTO work_queue (name, work_pool_id) VALUES ('default', ${poolId}) RETURNING id`);
    const queueId = (queue.rows[0] as { id: string }).id;
    await db.execute(sql`
      UPDATE deployment SET work_queue_id = ${queueId}, work_queue_name = 'stale-name', tags = '["a", "b c"]',
        labels = '{"x": {"y": [1, 2.50, "\\u00e9"]}}', parameters = '{"n": 1.0, "big": 12345678901234567890, "s": "q\\"uote\\n"}',
        infra_overrides = '{"env": {"K": "V"}}', pull_steps = '[{"step": {"a": null}}]',
        parameter_openapi_schema = '{"type": "object", "properties": {}}',
        created_by = '{"id": "9b0f5f46-1f0a-4cc8-9d0e-2f1f2f1f2f1f", "type": "USER", "display_value": "me", "extra": 1}',
        updated_by = '[1]', last_polled = '2026-01-02T03:04:05Z', created = '2026-01-01T00:00:00.000001Z',
        status = 'READY', enforce_parameter_schema = true, version = 'v1', description = 'd', path = '.', entrypoint = 'f.py:f'
      WHERE id = ${limited.id}`);
    await db.execute(sql`UPDATE deployment SET labels = 'null', created_by = 'null', concurrency_options = 'null' WHERE id = ${plain.id}`);
    await db.execute(sql`UPDATE deployment SET labels = NULL, updated = '2026-03-04T05:06:07Z' WHERE id = ${graced.id}`);
    await db.execute(sql`
      INSERT INTO deployment_schedule (deployment_id, schedule, active, max_scheduled_runs, parameters, slug, updated) VALUES
        (${limited.id}, '{"interval": 3600.0, "timezone": "UTC"}', true, NULL, '{}', 'hourly', '2026-01-01T00:00:00Z'),
        (${limited.id}, '{"cron": "0 * * * *"}', false, 5, '{"p": 1}', NULL, '2026-02-01T00:00:00.5Z')`);
  });
});

describe('/deployments/filter: JSON built by Postgres', () => {
  it('equals the model for every shape, key order included', async () => {
    const text = await filterText({});
    expect(text).toBe(await modelText());
    const parsed = JSON.parse(text) as Record<string, unknown>[];
    expect(parsed).toHaveLength(3);
    // A spot check of what the comparison covers.
    const limited = parsed.find((d) => d.global_concurrency_limit !== null)!;
    expect((limited.schedules as { slug: string | null }[]).map((s) => s.slug)).toEqual([null, 'hourly']);
    expect(limited.created).toBe('2026-01-01T00:00:00.000001Z');
    expect(limited.last_polled).toBe('2026-01-02T03:04:05Z');
    expect(limited.work_queue_name).toBe('default');
    expect(limited.updated_by).toEqual({ id: null, type: null, display_value: null });
  });

  it('follows sort, limit and offset as the model does', async () => {
    expect(await filterText({ sort: 'UPDATED_DESC' })).toBe(await modelText('UPDATED_DESC'));
    const all = JSON.parse(await modelText('NAME_DESC')) as unknown[];
    expect(await filterText({ sort: 'NAME_DESC', limit: 1, offset: 1 })).toBe(JSON.stringify(all.slice(1, 2)));
    expect(await filterText({ deployments: { name: { any_: ['no-such-deployment'] } } })).toBe('[]');
  });
});
