import { describe, expect, it } from 'vitest';
import { post } from '../helpers';
import { send } from './app';
import { MAX_FILTER_LIST_LENGTH, MAX_JSON_DEPTH } from '../../../src/http/limits';

const OPEN = { ALLOW_UNAUTHENTICATED: 'true' };
const url = (path: string) => `https://prefect.example.com/api${path}`;
const uuids = (n: number) => Array.from({ length: n }, () => crypto.randomUUID());
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

/** A body streamed in chunks, so the request carries no Content-Length. */
function streamed(text: string, chunk = 1000): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + chunk));
      at += chunk;
    },
  });
}

/** One of this module's rejections (not the route's own validation). */
const isLimitError = (res: { status: number; body: any }) => {
  const issue = res.body?.exception_detail?.[0];
  return res.status === 413 || issue?.type === 'too_long' || /nested deeper/.test(issue?.ctx?.error ?? '');
};

describe('body size', () => {
  const small = { ...OPEN, MAX_BODY_BYTES: '1024' };

  it('answers 413 in the {"detail"} shape when Content-Length is over the cap', async () => {
    const res = await send(url('/flows/filter'), { method: 'POST', body: JSON.stringify({ pad: 'x'.repeat(1100) }) }, small);
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ detail: 'Request body is too large: the limit is 1024 bytes.' });
  });

  it('trusts a declared Content-Length over the cap without reading the body', async () => {
    const text = JSON.stringify({ pad: 'x'.repeat(1100) });
    const res = await send(url('/flows/filter'), { method: 'POST', body: text, headers: { 'content-length': String(text.length) } }, small);
    expect(res.status).toBe(413);
  });

  it('counts a streamed body (no Content-Length) and stops at the cap', async () => {
    const body = streamed(JSON.stringify({ pad: 'x'.repeat(5000) }));
    const res = await send(url('/flows/filter'), { method: 'POST', body }, small);
    expect(res.status).toBe(413);
  });

  it('lets a body at the cap through, streamed or not', async () => {
    const text = JSON.stringify({ pad: 'x'.repeat(1024 - 10) });
    expect(text.length).toBe(1024);
    expect(isLimitError(await send(url('/flows/filter'), { method: 'POST', body: text }, small))).toBe(false);
    expect(isLimitError(await send(url('/flows/filter'), { method: 'POST', body: streamed(text) }, small))).toBe(false);
  });

  it('defaults to 1 MiB through the real entry point', async () => {
    const over = await post('/flows/filter', JSON.stringify({ pad: 'x'.repeat(1024 * 1024) }));
    expect(over.status).toBe(413);
    expect(over.body.detail).toContain('1048576 bytes');
    const under = await post('/flows/filter', JSON.stringify({ pad: 'x'.repeat(1024 * 1024 - 20) }));
    expect(isLimitError(under)).toBe(false);
  });
});

describe('JSON shape', () => {
  it(`rejects nesting deeper than ${MAX_JSON_DEPTH} levels on any endpoint, with 422 json_invalid`, async () => {
    for (const path of ['/flows/filter', '/flow_runs/', '/no-such-route']) {
      const res = await post(path, `{"parameters": ${nested(MAX_JSON_DEPTH)}}`);
      expect(res.status, path).toBe(422);
      expect(res.body.exception_message).toBe('Invalid request received.');
      expect(res.body.exception_detail).toEqual([
        expect.objectContaining({ type: 'json_invalid', loc: ['body', 15 + MAX_JSON_DEPTH - 1], msg: 'JSON decode error' }),
      ]);
    }
    expect(isLimitError(await post('/flow_runs/', `{"parameters": ${nested(MAX_JSON_DEPTH - 1)}}`))).toBe(false);
  });

  it('survives pathological nesting without a 500', async () => {
    const res = await post('/flow_runs/', '['.repeat(500_000));
    expect(res.status).toBe(422);
  });

  it(`caps each list in a filter body at ${MAX_FILTER_LIST_LENGTH} items, with a Pydantic-shaped too_long`, async () => {
    const body = { flow_runs: { operator: 'and_', id: { any_: uuids(MAX_FILTER_LIST_LENGTH + 1) } } };
    const res = await post('/flow_runs/filter', body);
    expect(res.status).toBe(422);
    expect(res.body.exception_detail).toEqual([
      {
        type: 'too_long',
        loc: ['body', 'flow_runs', 'id', 'any_'],
        msg: `List should have at most ${MAX_FILTER_LIST_LENGTH} items after validation, not ${MAX_FILTER_LIST_LENGTH + 1}`,
        input: null,
        ctx: { field_type: 'List', max_length: MAX_FILTER_LIST_LENGTH, actual_length: MAX_FILTER_LIST_LENGTH + 1 },
      },
    ]);
    expect(res.body.request_body).toBeNull();
  });

  it('applies the list cap to every read and bulk endpoint, and only there', async () => {
    const long = { flows: { name: { any_: Array.from({ length: MAX_FILTER_LIST_LENGTH + 1 }, (_, i) => `f${i}`) } } };
    for (const path of ['/flows/filter', '/flows/count', '/flows/paginate/', '/deployments/filter', '/flow_runs/history', '/flow_runs/bulk_delete', '/flow_runs/bulk_set_state']) {
      const res = await post(path, long);
      expect(res.body.exception_detail?.[0]?.type, path).toBe('too_long');
    }
    // Flow-run parameters are user data: long lists are legitimate there.
    const params = await post('/flow_runs/', { flow_id: crypto.randomUUID(), parameters: { ids: uuids(5000) } });
    expect(isLimitError(params)).toBe(false);
    const atCap = await post('/flows/filter', { flows: { id: { any_: uuids(MAX_FILTER_LIST_LENGTH) } } });
    expect(isLimitError(atCap)).toBe(false);
  });

  it('leaves invalid JSON to the parser', async () => {
    const res = await post('/flows/filter', '{"flows": [1, 2');
    expect(isLimitError(res)).toBe(false);
  });
});
