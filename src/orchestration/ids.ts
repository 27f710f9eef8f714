/** Ids the server mints: states get time-ordered UUIDv7s (as Prefect's), leases random UUIDv4s. */
import type { Micros } from '../time';

let lastMs = 0;
let sequence = 0;

/**
 * A UUIDv7 for the given time. Within one millisecond a 12-bit counter in `rand_a` keeps ids
 * minted by this isolate increasing, so states created in one request sort in creation order.
 */
export function uuid7(at: Micros): string {
  const ms = Math.floor(at / 1000);
  if (ms <= lastMs) {
    sequence = (sequence + 1) & 0xfff;
    if (sequence === 0) lastMs += 1;
  } else {
    lastMs = ms;
    sequence = 0;
  }
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  const t = lastMs;
  bytes[0] = Math.floor(t / 2 ** 40) & 0xff;
  bytes[1] = Math.floor(t / 2 ** 32) & 0xff;
  bytes[2] = Math.floor(t / 2 ** 24) & 0xff;
  bytes[3] = Math.floor(t / 2 ** 16) & 0xff;
  bytes[4] = Math.floor(t / 2 ** 8) & 0xff;
  bytes[5] = t & 0xff;
  bytes[6] = 0x70 | ((sequence >> 8) & 0x0f);
  bytes[7] = sequence & 0xff;
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const uuid4 = (): string => crypto.randomUUID();
