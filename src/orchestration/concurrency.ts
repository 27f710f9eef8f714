/**
 * Deployment concurrency in memory (spec §3.3): the `concurrency_limit_v2` rows and leases that the
 * runs of one request touch, loaded (and locked) once, then changed by the rules. Because every run
 * of a bulk request shares one ledger, a limit of N admits at most N runs per request, and the
 * store writes the final values once.
 */
import type { Micros } from '../time';
import { uuid4 } from './ids';

export interface ConcurrencyLimit {
  id: string;
  limit: number;
  activeSlots: number;
  active: boolean;
}

export interface LeaseMetadata {
  slots: number;
  holder?: { type: string; id: string } | null;
}

export interface Lease {
  id: string;
  resourceIds: string[];
  expiration: Micros;
  metadata: LeaseMetadata | null;
}

interface Checkpoint {
  slots: Map<string, number>;
  leases: Map<string, Lease | null>;
  created: Set<string>;
  renewed: Set<string>;
  revoked: Set<string>;
}

export class ConcurrencyLedger {
  private readonly limits = new Map<string, ConcurrencyLimit>();
  private readonly initialSlots = new Map<string, number>();
  /** Known leases; null marks a lease revoked during this request. */
  private readonly leases = new Map<string, Lease | null>();
  private created = new Set<string>();
  private renewed = new Set<string>();
  private revoked = new Set<string>();

  constructor(limits: Iterable<ConcurrencyLimit> = [], leases: Iterable<Lease> = []) {
    for (const l of limits) {
      this.limits.set(l.id, { ...l });
      this.initialSlots.set(l.id, l.activeSlots);
    }
    for (const lease of leases) this.leases.set(lease.id, lease);
  }

  limit(id: string): ConcurrencyLimit | undefined {
    return this.limits.get(id);
  }

  /** Takes `n` slots if the limit is active and has room (Prefect's conditional increment). */
  takeSlots(limitId: string, n = 1): boolean {
    const l = this.limits.get(limitId);
    if (!l || !l.active || l.activeSlots + n > l.limit) return false;
    l.activeSlots += n;
    return true;
  }

  /** Releases `n` slots, clamped at 0. Fails (returns false) on an inactive or unknown limit. */
  releaseSlots(limitId: string, n = 1): boolean {
    const l = this.limits.get(limitId);
    if (!l || !l.active) return false;
    l.activeSlots = Math.max(0, l.activeSlots - n);
    return true;
  }

  createLease(resourceIds: string[], ttlSeconds: number, now: Micros, metadata: LeaseMetadata): string {
    const id = uuid4();
    this.leases.set(id, { id, resourceIds, expiration: now + ttlSeconds * 1_000_000, metadata });
    this.created.add(id);
    return id;
  }

  readLease(id: string): Lease | null {
    return this.leases.get(id) ?? null;
  }

  /** Extends a lease that still exists; false when it was revoked or reaped. */
  renewLease(id: string, ttlSeconds: number, now: Micros): boolean {
    const lease = this.leases.get(id);
    if (!lease) return false;
    this.leases.set(id, { ...lease, expiration: now + ttlSeconds * 1_000_000 });
    if (!this.created.has(id)) this.renewed.add(id);
    return true;
  }

  /** Deletes a lease without touching slots. */
  revokeLease(id: string): void {
    if (!this.leases.get(id)) return;
    this.leases.set(id, null);
    this.renewed.delete(id);
    if (this.created.delete(id)) return; // created and revoked within this request: never written
    this.revoked.add(id);
  }

  /** Releases a lease's slots on all its limits, then revokes it; false if the lease is gone. */
  releaseLease(id: string): boolean {
    const lease = this.readLease(id);
    if (!lease) return false;
    for (const r of lease.resourceIds) this.releaseSlots(r, lease.metadata?.slots ?? 1);
    this.revokeLease(id);
    return true;
  }

  checkpoint(): Checkpoint {
    return {
      slots: new Map([...this.limits].map(([id, l]) => [id, l.activeSlots])),
      leases: new Map(this.leases),
      created: new Set(this.created),
      renewed: new Set(this.renewed),
      revoked: new Set(this.revoked),
    };
  }

  restore(cp: Checkpoint): void {
    for (const [id, n] of cp.slots) {
      const l = this.limits.get(id);
      if (l) l.activeSlots = n;
    }
    this.leases.clear();
    for (const [k, v] of cp.leases) this.leases.set(k, v);
    this.created = new Set(cp.created);
    this.renewed = new Set(cp.renewed);
    this.revoked = new Set(cp.revoked);
  }

  /** The writes this request needs: changed slot counts and lease creations, renewals, revocations. */
  changes() {
    return {
      slots: [...this.limits.values()]
        .filter((l) => l.activeSlots !== this.initialSlots.get(l.id))
        .map((l) => ({ id: l.id, activeSlots: l.activeSlots })),
      createdLeases: [...this.created].map((id) => this.leases.get(id)).filter((l): l is Lease => !!l),
      renewedLeases: [...this.renewed].map((id) => this.leases.get(id)).filter((l): l is Lease => !!l),
      revokedLeaseIds: [...this.revoked],
    };
  }
}
