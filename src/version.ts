/** The Prefect REST API version we implement (what Prefect 3 clients send in X-Prefect-API-Version). */
export const SERVER_API_VERSION = '0.8.4';
/** The Prefect server release whose behaviour we reproduce (GET /admin/version). */
export const PREFECT_VERSION = '3.9.1';
