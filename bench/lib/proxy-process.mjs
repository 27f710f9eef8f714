// @ts-check
// Runs scripts/wsproxy.mjs in its own process, so the proxy's work (every byte our Worker exchanges
// with Postgres) does not share an event loop with the load generator's clock.
// Usage: node bench/lib/proxy-process.mjs host:port [host:port…]  → prints {"url": "ws://127.0.0.1:N"} once listening.
import { startWsProxy } from '../../scripts/wsproxy.mjs';

const addresses = process.argv.slice(2);
if (!addresses.length) throw new Error('usage: proxy-process.mjs host:port [host:port…]');
const proxy = await startWsProxy({ allow: addresses });
process.stdout.write(`${JSON.stringify({ url: proxy.url })}\n`);
const stop = () => proxy.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
