import type { Hono } from 'hono';
import type { AppEnv } from '../env';

/** Every resource router and where it is mounted (relative to the API root). */
export const routeTable: [string, Hono<AppEnv>][] = [];
