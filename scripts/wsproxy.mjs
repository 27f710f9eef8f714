// A WebSocket→TCP proxy speaking the protocol of Neon's wsproxy (ws://host/v1?address=host:port),
// so the Neon serverless driver can reach a local Postgres or PGlite. Local dev and tests only.
import net from 'node:net';
import { createRequire } from 'node:module';

// The Node build of ws (vitest may otherwise resolve its browser stub).
const { WebSocketServer } = createRequire(import.meta.url)('ws');

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

/**
 * @param {{ port?: number, allow: string[], onSocket?: (sock: import('node:net').Socket) => void }} options
 *   allow: the host:port pairs clients may reach. onSocket: lets fault tests reach the TCP side.
 */
export function startWsProxy({ port = 0, allow, onSocket } = { allow: [] }) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false });
  const sockets = new Set();
  wss.on('connection', (ws, req) => {
    const addr = new URL(req.url ?? '', 'http://x').searchParams.get('address') ?? '';
    if (!allow.includes(addr)) return ws.close(1008, 'address not allowed');
    const i = addr.lastIndexOf(':');
    const sock = net.connect({ host: addr.slice(0, i), port: Number(addr.slice(i + 1)) });
    sock.setNoDelay(true);
    sockets.add(sock);
    onSocket?.(sock);
    const pending = [];
    let buf = Buffer.alloc(0);
    let startup = true;
    let done = false;
    // The driver never closes its own socket (it relies on the server hanging up after Terminate),
    // and PGlite's socket server does not hang up: watch for Terminate ('X') and close both sides.
    const sawTerminate = (d) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const h = startup ? 0 : 1;
        if (buf.length < h + 4) return false;
        const len = buf.readUInt32BE(h);
        if (buf.length < h + len) return false;
        const type = startup ? 0 : buf[0];
        const code = startup ? buf.readUInt32BE(4) : 0;
        buf = buf.subarray(h + len);
        if (startup && code !== SSL_REQUEST && code !== GSSENC_REQUEST) startup = false;
        if (type === 0x58) return true;
      }
    };
    sock.on('connect', () => {
      for (const b of pending) sock.write(b);
      pending.length = 0;
    });
    ws.on('message', (d) => {
      if (done) return;
      if (sock.connecting) pending.push(d);
      else sock.write(d);
      if (sawTerminate(d)) {
        done = true;
        if (sock.connecting) sock.once('connect', () => sock.end());
        else sock.end();
        ws.close(1000);
      }
    });
    sock.on('data', (c) => ws.readyState === ws.OPEN && ws.send(c));
    const close = () => {
      sockets.delete(sock);
      sock.destroy();
      if (ws.readyState <= ws.OPEN) ws.close(1000);
    };
    ws.on('close', close);
    ws.on('error', close);
    sock.on('close', close);
    sock.on('error', close);
  });
  return new Promise((resolve, reject) => {
    wss.on('error', reject);
    wss.on('listening', () =>
      resolve({
        port: wss.address().port,
        url: `ws://127.0.0.1:${wss.address().port}`,
        /** Cuts every open database connection (for fault tests). */
        dropAll: () => {
          for (const s of sockets) s.destroy();
        },
        close: () =>
          new Promise((r) => {
            for (const c of wss.clients) c.terminate();
            wss.close(() => r());
          }),
      }),
    );
  });
}
