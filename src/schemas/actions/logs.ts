/** LogCreate: one log line as the SDK posts it (POST /logs/ takes a list of them). */
import * as v from 'valibot';
import { dateTime, issueMessage, laxInt, list, model, opt, str, uuid } from '../common';

/** `level` is a smallint column, as in Prefect; outside its range is a 422 here, not a database error. */
const SMALLINT_MIN = -32768;
const SMALLINT_MAX = 32767;
const level = () =>
  v.pipe(
    laxInt(),
    v.minValue(
      SMALLINT_MIN,
      issueMessage('greater_than_equal', `Input should be greater than or equal to ${SMALLINT_MIN}`, { ge: SMALLINT_MIN }),
    ),
    v.maxValue(SMALLINT_MAX, issueMessage('less_than_equal', `Input should be less than or equal to ${SMALLINT_MAX}`, { le: SMALLINT_MAX })),
  );

/** Postgres text cannot hold NUL; Prefect strips it rather than failing the whole batch. */
const withoutNul = () => v.pipe(str(), v.transform((s) => s.replaceAll('\u0000', '')));

export const LogCreate = model({
  name: withoutNul(),
  level: level(),
  message: withoutNul(),
  timestamp: dateTime(),
  flow_run_id: opt(uuid()),
  task_run_id: opt(uuid()),
  // Only Prefect Cloud uses it; accepted so that clients sending it are not rejected, then dropped.
  worker_id: opt(uuid()),
});
export type LogCreate = v.InferOutput<typeof LogCreate>;

export const LogCreateList = list(LogCreate);
