/** Reads for assertions in the CRUD tests: the read models, straight from the database. */
import { eq } from 'drizzle-orm';
import { deployment, flow, flowRun, taskRun, workPool, workQueue } from '../../../src/db/schema';
import { readDeployments, readFlowRuns, readFlows, readTaskRuns, readWorkPools, readWorkQueues } from '../../../src/queries/read-models';
import { withDb } from '../helpers';

export const hexUpper = (id: string) => id.replace(/-/g, '').toUpperCase();

export const flowById = (id: string) => withDb(async (db) => (await readFlows(db, { where: eq(flow.id, id) }))[0]);
export const deploymentById = (id: string) =>
  withDb(async (db) => (await readDeployments(db, { where: eq(deployment.id, id) }))[0]);
export const flowRunById = (id: string) => withDb(async (db) => (await readFlowRuns(db, { where: eq(flowRun.id, id) }))[0]);
export const taskRunById = (id: string) => withDb(async (db) => (await readTaskRuns(db, { where: eq(taskRun.id, id) }))[0]);
export const poolByName = (name: string) =>
  withDb(async (db) => (await readWorkPools(db, { where: eq(workPool.name, name) }))[0]);
export const queuesOfPool = (poolId: string) =>
  withDb((db) => readWorkQueues(db, { where: eq(workQueue.workPoolId, poolId), orderBy: [workQueue.priority] }, { activeSlots: 'pool_queues' }));
export const queueById = (id: string) =>
  withDb(async (db) => (await readWorkQueues(db, { where: eq(workQueue.id, id) }))[0]);
