/** What every background service receives: a database, the Worker's env, its settings and the time. */
import type { Db } from '../db/client';
import type { Env } from '../env';
import type { Micros } from '../time';
import type { ServiceSettings } from './settings';

export interface ServiceContext {
  db: Db;
  env: Env;
  settings: ServiceSettings;
  /** The pass's clock (tests pass their own; deployed, the Worker's clock). */
  now: Micros;
}

export const uuidArray = (ids: string[]) => `{${ids.join(',')}}`;
