/**
 * Read models: complete Prefect response objects for rows chosen by a caller-given condition, order,
 * limit and offset, each in a constant number of SQL statements (one). Implementation in ./read/.
 */
export * from './read';
