/** The filter translator's SQL text: values are bound, never spliced; no `?` jsonb operators. */
import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { PgDialect } from 'drizzle-orm/pg-core';
import { FlowRunFilter, TaskRunFilter } from '../../src/schemas/filters';
import { flowRunsCondition, taskRunsCondition } from '../../src/queries/filters';

const dialect = new PgDialect();
const render = (cond: ReturnType<typeof flowRunsCondition>) => dialect.sqlToQuery(cond!);

describe('filter SQL', () => {
  it('binds like_ values and tags, and avoids the ? operators', () => {
    const f = v.parse(FlowRunFilter, { name: { like_: "x' or 1=1 --" }, tags: { all_: ['a'], any_: ['b', 'c'] } });
    const q = render(flowRunsCondition({ flow_runs: f }));
    expect(q.sql).not.toContain("x'");
    expect(q.sql).not.toMatch(/\?/);
    expect(q.params).toEqual(["x' or 1=1 --", '["a"]', 'b', 'c']);
    expect(q.sql).toContain("ilike '%' || $1 || '%'");
    expect(q.sql).toContain('@> $2::jsonb');
    expect(q.sql).toContain('jsonb_exists_any');
  });

  it('returns no condition for absent filters and a TRUE-only condition for empty ones', () => {
    expect(flowRunsCondition({})).toBeUndefined();
    expect(render(flowRunsCondition({ flow_runs: v.parse(FlowRunFilter, {}) })).sql).toBe('true');
  });

  it('applies the task-run flow_run_id default only when is_null_ is absent', () => {
    const absent = v.parse(TaskRunFilter, { flow_run_id: {} });
    const explicitNull = v.parse(TaskRunFilter, { flow_run_id: { is_null_: null } });
    expect(render(taskRunsCondition({ task_runs: absent })).sql).toContain('is not null');
    expect(render(taskRunsCondition({ task_runs: explicitNull })).sql).toBe('true');
  });
});
