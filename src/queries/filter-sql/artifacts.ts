/**
 * Artifact filters (Prefect's ArtifactFilter / ArtifactCollectionFilter) and the related-row filters
 * of /artifacts/filter|count and /artifacts/latest/filter|count: `flow_runs`, `flows` and `deployments`
 * require the artifact's flow run (EXISTS), `task_runs` its task run, as in models/artifacts.py.
 */
import { and, asc, desc, sql, type SQL } from 'drizzle-orm';
import { artifact, artifactCollection, deployment, flow, flowRun, taskRun } from '../../db/schema';
import type {
  ArtifactCollectionFilter,
  ArtifactFilter,
  ArtifactSort,
  DeploymentFilter,
  FlowFilter,
  FlowRunFilter,
  TaskRunFilter,
} from '../../schemas/filters';
import { anyOf, combine, exists, isNull, like, notAnyOf, when } from './criteria';
import { deploymentFilterSql, flowFilterSql, flowRunFilterSql, taskRunFilterSql } from './entities';

type Maybe<T> = T | null | undefined;
type ArtifactTable = typeof artifact | typeof artifactCollection;

function sharedCriteria(t: ArtifactTable, f: ArtifactFilter | ArtifactCollectionFilter): (SQL | undefined)[] {
  return [
    when(f.key, (x) =>
      combine([
        anyOf(t.key, x.any_),
        like(t.key, x.like_),
        x.exists_ === null || x.exists_ === undefined ? undefined : isNull(t.key, !x.exists_),
      ]),
    ),
    when(f.flow_run_id, (x) => combine([anyOf(t.flowRunId, x.any_)])),
    when(f.task_run_id, (x) => combine([anyOf(t.taskRunId, x.any_)])),
    when(f.type, (x) => combine([anyOf(t.type, x.any_), notAnyOf(t.type, x.not_any_)])),
  ];
}

export function artifactFilterSql(f: ArtifactFilter): SQL {
  return combine([when(f.id, (x) => combine([anyOf(artifact.id, x.any_)])), ...sharedCriteria(artifact, f)], f.operator);
}

export function artifactCollectionFilterSql(f: ArtifactCollectionFilter): SQL {
  return combine(
    [when(f.latest_id, (x) => combine([anyOf(artifactCollection.latestId, x.any_)])), ...sharedCriteria(artifactCollection, f)],
    f.operator,
  );
}

export interface ArtifactRelatedFilters {
  flow_runs?: Maybe<FlowRunFilter>;
  task_runs?: Maybe<TaskRunFilter>;
  flows?: Maybe<FlowFilter>;
  deployments?: Maybe<DeploymentFilter>;
}

/** The related-row conditions on an artifact (or collection) table; undefined when none is given. */
export function artifactRelatedSql(t: ArtifactTable, f: ArtifactRelatedFilters): SQL | undefined {
  const given = <T>(x: Maybe<T>): x is T => x !== null && x !== undefined;
  const run =
    given(f.flow_runs) || given(f.flows) || given(f.deployments)
      ? exists(
          sql`${flowRun}`,
          sql`${flowRun.id} = ${t.flowRunId}`,
          when(f.flow_runs, flowRunFilterSql),
          when(f.flows, (x) => exists(sql`${flow}`, sql`${flow.id} = ${flowRun.flowId}`, flowFilterSql(x))),
          when(f.deployments, (x) => exists(sql`${deployment}`, sql`${deployment.id} = ${flowRun.deploymentId}`, deploymentFilterSql(x))),
        )
      : undefined;
  const task = when(f.task_runs, (x) => exists(sql`${taskRun}`, sql`${taskRun.id} = ${t.taskRunId}`, taskRunFilterSql(x)));
  const present = [run, task].filter((c): c is SQL => c !== undefined);
  return present.length ? and(...present) : undefined;
}

/** ArtifactSort / ArtifactCollectionSort, with `id` as the final tie-breaker (as every sort here). */
export function artifactOrder(t: ArtifactTable, sort: ArtifactSort): SQL[] {
  switch (sort) {
    case 'CREATED_DESC':
      return [desc(t.created), desc(t.id)];
    case 'UPDATED_DESC':
      return [desc(t.updated), desc(t.id)];
    case 'ID_DESC':
      return [desc(t.id)];
    case 'KEY_DESC':
      return [desc(t.key), desc(t.id)];
    case 'KEY_ASC':
      return [asc(t.key), asc(t.id)];
  }
}
