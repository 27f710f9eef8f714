/** GET /ready: can the database be reached? One `SELECT 1`. */
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';

export async function isDatabaseReachable(db: Db | undefined): Promise<boolean> {
  if (!db) return false; // no DATABASE_URL configured
  try {
    await db.execute(sql`SELECT 1`);
    return true;
  } catch {
    return false;
  }
}
