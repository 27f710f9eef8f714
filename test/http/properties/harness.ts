/**
 * The two properties every endpoint gets, given how to send a body and what a success looks like:
 * - generated VALID bodies → a 2xx whose body conforms to the response schema;
 * - generated bodies with ONE FAULT → a 4xx in Prefect's shape that points at the fault, never a 5xx,
 *   and (for endpoints that write) no row written.
 */
import fc from 'fast-check';
import type { ApiResponse } from '../helpers';
import { BATCH, batches, check } from './config';
import { expectClientError, expectDetail, expectSuccess, expectValidationAt } from './errors';
import type { Fault, Shape } from './shapes';
import { invalid, valid } from './shapes';

export interface EndpointUnderTest {
  /** e.g. `POST /flows/filter`: names the property and its seed. */
  name: string;
  send: (body: unknown) => Promise<ApiResponse>;
  shape: Shape;
  /** Valid bodies, when the shape alone cannot make them (existing references, coupled fields). */
  validBodies?: fc.Arbitrary<unknown>;
  /** Checks a successful response (status and schema); throws on a mismatch. */
  expectOk: (res: ApiResponse, body: unknown) => void | Promise<void>;
  /** Counts the rows a request could write: a rejected request must leave the count unchanged. */
  rowCount?: () => Promise<number>;
  /** Scales the number of cases (costly endpoints). */
  scale?: number;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The helpers send a string body as raw text: a body that is a JSON string must be encoded first. */
const asBody = (b: unknown) => (typeof b === 'string' ? JSON.stringify(b) : b);

export async function validBodiesSucceed(e: EndpointUnderTest): Promise<void> {
  await check(
    `${e.name} valid`,
    fc.asyncProperty(batches(e.validBodies ?? valid(e.shape)), async (bodies) => {
      const responses = await Promise.all(bodies.map((b) => e.send(asBody(b))));
      for (const [i, res] of responses.entries()) {
        const what = `${e.name} ${JSON.stringify(bodies[i])}`;
        expectSuccess(res, what);
        try {
          await e.expectOk(res, bodies[i]);
        } catch (err) {
          throw new Error(`${what}: ${(err as Error).message}`);
        }
      }
    }),
    e.scale,
    BATCH,
  );
}

/** Asserts what a request with `fault` in its body must get. */
export function expectFaultReported(res: ApiResponse, fault: Fault, what: string): void {
  if (fault.detail) {
    expectDetail(res, 422, what);
    return;
  }
  const loc = ['body', ...fault.loc];
  const body = fault.locPrefix ? prefixMatch(res, loc, what) : expectValidationAt(res, loc, fault.types, what);
  // The body is echoed as it was parsed (§0.5).
  if (!same(body.request_body, JSON.parse(JSON.stringify(fault.value)))) {
    throw new Error(`${what}: request_body ${JSON.stringify(body.request_body)} is not the body sent`);
  }
}

function prefixMatch(res: ApiResponse, loc: (string | number)[], what: string) {
  const body = expectClientError(res, what);
  if (res.status !== 422 || !body) throw new Error(`${what}: expected a 422 validation error below ${JSON.stringify(loc)}, got ${res.status}`);
  const hit = body.exception_detail.some((i) => loc.every((x, k) => i.loc[k] === x));
  if (!hit) throw new Error(`${what}: no issue at or below ${JSON.stringify(loc)}: ${JSON.stringify(body.exception_detail)}`);
  return body;
}

export async function faultyBodiesRejected(e: EndpointUnderTest): Promise<void> {
  const faults = invalid(e.shape);
  if (!faults) throw new Error(`${e.name}: the shape admits no fault`);
  await check(
    `${e.name} invalid`,
    fc.asyncProperty(batches(faults), async (batch) => {
      const before = e.rowCount ? await e.rowCount() : 0;
      const responses = await Promise.all(batch.map((f) => e.send(asBody(f.value))));
      for (const [i, res] of responses.entries()) {
        const fault = batch[i]!;
        expectFaultReported(res, fault, `${e.name} ${JSON.stringify(fault.value)?.slice(0, 300)} (fault at ${JSON.stringify(fault.loc)})`);
      }
      if (e.rowCount) {
        const after = await e.rowCount();
        if (after !== before) throw new Error(`${e.name}: ${batch.length} rejected requests, yet the row count went from ${before} to ${after}`);
      }
    }),
    e.scale,
    BATCH,
  );
}
