import type { Context } from 'hono';

/** 405 in Prefect's shape, for paths that exist under another method. */
export const methodNotAllowed = (c: Context) => c.json({ detail: 'Method Not Allowed' }, 405);
