/** Events as the Prefect SDK sends them, a WebSocket client for /events/in, and database probes. */
import { env, exports } from 'cloudflare:workers';
import { createExecutionContext } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { app } from '../../../src/app';
import type { Env } from '../../../src/env';
import { API, withDb } from '../helpers';

/** Microsecond-distinct instants, in order: `at(0) < at(1) < …`. */
export const at = (i: number) => `2026-01-01T00:00:00.${String(i).padStart(6, '0')}Z`;

export const event = (over: Record<string, unknown> = {}): Record<string, any> => ({
  id: crypto.randomUUID(),
  occurred: at(0),
  event: 'test.something.happened',
  resource: { 'prefect.resource.id': `test.thing.${crypto.randomUUID()}` },
  related: [],
  payload: {},
  ...over,
});

export interface TaskEventOptions {
  taskRunId: string;
  flowRunId?: string | null;
  type: string;
  name?: string;
  occurred: string;
  taskKey?: string;
  dynamicKey?: string;
  runCount?: number;
  id?: string;
  taskRun?: Record<string, unknown>;
}

/** A client-side `prefect.task-run.<State>` event, shaped as the 3.9.1 SDK's emit_task_run_state_change_event. */
export function taskRunEvent(o: TaskEventOptions) {
  const name = o.name ?? o.type[0] + o.type.slice(1).toLowerCase();
  return {
    id: o.id ?? crypto.randomUUID(),
    occurred: o.occurred,
    event: `prefect.task-run.${name}`,
    resource: {
      'prefect.resource.id': `prefect.task-run.${o.taskRunId}`,
      'prefect.resource.name': 'my-task-abc',
      'prefect.run-count': String(o.runCount ?? 0),
      'prefect.state-message': '',
      'prefect.state-name': name,
      'prefect.state-timestamp': o.occurred,
      'prefect.state-type': o.type,
      'prefect.orchestration': 'client',
    },
    related: o.flowRunId
      ? [
          { 'prefect.resource.id': `prefect.flow-run.${o.flowRunId}`, 'prefect.resource.name': 'run', 'prefect.resource.role': 'flow-run' },
          { 'prefect.resource.id': `prefect.flow.${crypto.randomUUID()}`, 'prefect.resource.name': 'flow', 'prefect.resource.role': 'flow' },
        ]
      : [],
    payload: {
      intended: { from: null, to: o.type },
      initial_state: null,
      validated_state: { type: o.type, name, message: '', state_details: {}, data: null },
      task_run: {
        name: 'my-task-abc',
        tags: [],
        labels: {},
        task_key: o.taskKey ?? 'my_task-1234',
        run_count: o.runCount ?? 0,
        dynamic_key: o.dynamicKey ?? '0',
        task_inputs: { x: [] },
        total_run_time: 0.0,
        empirical_policy: { retries: 0, max_retries: 0, retry_delay: 0, retry_delay_seconds: 0.0 },
        flow_run_run_count: 1,
        expected_start_time: o.occurred,
        ...(o.type === 'RUNNING' ? { start_time: o.occurred } : {}),
        ...o.taskRun,
      },
    },
  };
}

export const count = async (query: ReturnType<typeof sql>) =>
  Number(((await withDb((db) => db.execute(query))).rows[0] as { n: number }).n);

export const eventCount = () => count(sql`SELECT count(*)::int AS n FROM event`);

/** Waits (without a time budget of its own: the test timeout bounds it) until `probe` is true. */
export async function until(probe: () => Promise<boolean>): Promise<void> {
  while (!(await probe())) await new Promise((r) => setTimeout(r, 20));
}

export interface OpenSocket {
  ws: WebSocket;
  status: number;
  protocol: string | null;
  body: string;
  messages: string[];
  closed: Promise<{ code: number; reason: string }>;
  next: () => Promise<string>;
}

/**
 * Opens /events/in. Without `bindings` it goes through the Worker's own fetch (open on purpose in tests);
 * with them, through the app with that environment, from a remote host (as a deployed Worker sees it).
 */
export async function openEventsIn(opts: { protocol?: boolean; headers?: Record<string, string>; bindings?: Partial<Env>; path?: string } = {}): Promise<OpenSocket> {
  const headers: Record<string, string> = { upgrade: 'websocket', ...opts.headers };
  if (opts.protocol !== false) headers['sec-websocket-protocol'] = 'prefect';
  const res = opts.bindings
    ? await app.fetch(
        new Request(`https://prefect.example.com/api${opts.path ?? '/events/in'}`, { headers }),
        { ...env, ALLOW_UNAUTHENTICATED: undefined, ...opts.bindings },
        createExecutionContext(),
      )
    : await (exports as any).default.fetch(new Request(`${API}${opts.path ?? '/events/in'}`, { headers }));
  const ws = res.webSocket as WebSocket | null;
  const messages: string[] = [];
  const waiters: ((m: string) => void)[] = [];
  let closed: Promise<{ code: number; reason: string }> = Promise.resolve({ code: -1, reason: 'not upgraded' });
  if (ws) {
    ws.accept();
    ws.addEventListener('message', (e) => {
      const text = String(e.data);
      const w = waiters.shift();
      if (w) w(text);
      else messages.push(text);
    });
    closed = new Promise((resolve) => ws.addEventListener('close', (e) => resolve({ code: e.code, reason: e.reason })));
  }
  const next = () => (messages.length > 0 ? Promise.resolve(messages.shift()!) : new Promise<string>((r) => waiters.push(r)));
  return { ws: ws as WebSocket, status: res.status, protocol: res.headers.get('sec-websocket-protocol'), body: ws ? '' : await res.text(), messages, closed, next };
}
