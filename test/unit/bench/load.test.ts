/** The benchmark's load generator against a real local HTTP server (no timing assertions). */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoad } from '../../../bench/lib/load.mjs';

let server: http.Server;
let baseUrl: string;
let inFlight = 0;
let maxInFlight = 0;
const bodies: unknown[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      const body = JSON.parse(text || 'null') as { n: number; delay?: number } | null;
      bodies.push(body);
      setTimeout(() => {
        inFlight -= 1;
        const n = body?.n ?? 0;
        res.writeHead(n === 3 ? 500 : 200, { 'content-type': 'application/json', 'x-sql-statements': String(n % 3) });
        res.end(JSON.stringify({ n }));
      }, body?.delay ?? 5);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('runLoad', () => {
  it('sends every request once, with at most `concurrency` in flight, and counts wrong answers apart', async () => {
    bodies.length = 0;
    maxInFlight = 0;
    const seen: number[] = [];
    const result = await runLoad({
      baseUrl,
      count: 20,
      concurrency: 4,
      maxSeconds: 60,
      spec: (n) => ({ method: 'POST', path: '/api/x', body: { n, delay: 20 } }),
      check: (reply) => (reply.status === 200 ? null : `HTTP ${reply.status}`),
      onReply: (_reply, n) => seen.push(n),
    });
    expect(bodies.map((b) => (b as { n: number }).n).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(seen).toHaveLength(20);
    expect(maxInFlight).toBeLessThanOrEqual(4);
    expect(maxInFlight).toBeGreaterThan(1);
    expect(result.requests).toBe(19);
    expect(result.errors).toBe(1);
    expect(result.firstError).toBe('request 3: HTTP 500');
    expect(result.stoppedByTime).toBe(false);
    // Statement counts of the 19 good replies: n % 3 for n in 0..19 without 3.
    expect(result.sqlStatements).toEqual({ min: 0, median: 1, max: 2 });
    expect(result.latencyMs.p50).toBeGreaterThan(0);
    expect(result.latencyMs.p50).toBeLessThanOrEqual(result.latencyMs.p95);
    expect(result.latencyMs.p95).toBeLessThanOrEqual(result.latencyMs.p99);
    expect(result.latencyMs.p99).toBeLessThanOrEqual(result.latencyMs.max);
    expect(result.responseBytes).toBeGreaterThan(0);
  });

  it('stops starting requests once its time is up', async () => {
    const result = await runLoad({
      baseUrl,
      count: 10_000,
      concurrency: 2,
      maxSeconds: 0.2,
      spec: (n) => ({ method: 'POST', path: '/api/x', body: { n: n === 3 ? 4 : n, delay: 50 } }),
      check: () => null,
    });
    expect(result.stoppedByTime).toBe(true);
    expect(result.requests).toBeLessThan(10_000);
    expect(result.requests).toBeGreaterThan(0);
  });

  it('reports a refused connection as an error instead of throwing', async () => {
    const result = await runLoad({
      baseUrl: 'http://127.0.0.1:1',
      count: 2,
      concurrency: 1,
      maxSeconds: 10,
      spec: () => ({ method: 'GET', path: '/' }),
      check: () => null,
    });
    expect(result.requests).toBe(0);
    expect(result.errors).toBe(2);
    expect(result.firstError).toMatch(/ECONNREFUSED/);
  });
});
