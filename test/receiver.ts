/**
 * A real HTTP receiver for tests of outgoing requests (notifications, webhooks), served by the
 * global setup's control server so tests inside workerd can reach it on loopback.
 *   any method  /receiver/<box>/...   records the request; answers 200 "ok", or, when the box is
 *                                     named `fail-once-…`, 503 to its first request, or `status-<code>-…`
 *                                     always <code> (a 3xx points to /receiver/followed-<box>)
 *   GET         /received/<box>       the requests recorded for the box, oldest first (JSON)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface ReceivedRequest {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function recordingReceiver() {
  const boxes = new Map<string, ReceivedRequest[]>();
  return {
    handles(req: IncomingMessage, res: ServerResponse): boolean {
      const url = new URL(req.url ?? '/', 'http://receiver');
      const [, kind, box, ...rest] = url.pathname.split('/');
      if (kind === 'received' && box) {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(boxes.get(box) ?? []));
        return true;
      }
      if (kind !== 'receiver' || !box) return false;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const list = boxes.get(box) ?? [];
        list.push({ method: req.method ?? '', path: `/${rest.join('/')}`, query: url.search, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        boxes.set(box, list);
        const status = box.startsWith('fail-once-') && list.length === 1 ? 503 : Number(/^status-(\d{3})-/.exec(box)?.[1] ?? 200);
        res.statusCode = status;
        if (status >= 300 && status < 400) res.setHeader('location', `/receiver/followed-${box}`);
        res.end(status < 300 ? 'ok' : 'try again');
      });
      return true;
    },
  };
}
