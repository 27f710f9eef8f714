/** Prefect's ActionFailed: an expected failure of an action (a 4xx, nothing to infer), recorded and not retried. */
export class ActionFailed extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** A transient failure (the API answered 5xx, an exception): the runner tries again later. */
export class ActionRetryable extends Error {}
