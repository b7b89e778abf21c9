import fs from 'node:fs';
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { LockedError } from '../errors.js';
import type { LockHolder, StateStore } from './store.js';

export type { LockHolder } from './store.js';

/**
 * One sync per state file at a time. The lock is a row in the state file itself, taken in an
 * IMMEDIATE transaction, so taking it and taking over a dead holder's are atomic. A holder is
 * dead when it ran on this host (and PID namespace) and its pid is gone, or when its heartbeat
 * is old. The heartbeat also fences: a holder whose lock was taken over (it slept through its
 * heartbeats, say) learns so at its next beat, and stops taking new work.
 */

/** This process's PID namespace (Linux), so that pids are compared only within one. */
export function pidNamespace(): string {
  try {
    return fs.readlinkSync('/proc/self/ns/pid');
  } catch {
    return '';
  }
}

export interface LockOptions {
  command: string;
  /** Seconds to wait for a running holder (0: fail at once; Infinity: wait for ever). */
  waitSeconds?: number;
  /** Called once when waiting starts. */
  onWait?: (holder: LockHolder) => void;
  host?: string;
  heartbeatMs?: number;
}

/** A holder on another host whose heartbeat is older than this is taken over. */
export const STALE_REMOTE_MS = 90_000;
/** A holder on this host with a live pid but a heartbeat this old is a reused pid or hung. */
export const STALE_LOCAL_MS = 10 * 60_000;

export class StateLock {
  readonly owner: string;
  readonly #store: StateStore;
  #timer: NodeJS.Timeout | undefined;
  #released = false;
  readonly #lost = new AbortController();
  /** Set when a dead holder's lock was taken over. */
  readonly tookOverFrom: LockHolder | undefined;

  /** Aborted when another process has taken this lock over: stop taking new work. */
  get lostSignal(): AbortSignal {
    return this.#lost.signal;
  }

  constructor(store: StateStore, owner: string, tookOverFrom: LockHolder | undefined, heartbeatMs: number) {
    this.#store = store;
    this.owner = owner;
    this.tookOverFrom = tookOverFrom;
    this.#timer = setInterval(() => this.heartbeat(), heartbeatMs);
    this.#timer.unref();
  }

  heartbeat(): void {
    if (this.#released || !this.#store.isOpen) return;
    try {
      const held = this.#store.beatLock(this.owner, Date.now());
      if (!held && !this.#lost.signal.aborted)
        this.#lost.abort(new Error('the state lock was taken over by another process'));
    } catch {
      // A busy database skips one beat; the next one comes soon.
    }
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    clearInterval(this.#timer);
    if (this.#store.isOpen) this.#store.releaseLock(this.owner);
  }
}

export function readLockHolder(store: StateStore): LockHolder | undefined {
  return store.lockHolder();
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether a holder is gone for good (its lock may be taken over). */
export function isDeadHolder(h: LockHolder, host: string, now: number, pidns = pidNamespace()): boolean {
  const age = now - h.heartbeatAt;
  if (h.host === host && h.pidns === pidns) {
    if (!pidAlive(h.pid)) return true;
    return age > STALE_LOCAL_MS;
  }
  return age > STALE_REMOTE_MS;
}

export function describeHolder(h: LockHolder): string {
  return `pid ${h.pid} on ${h.host}, running "${h.command}" since ${h.since}`;
}

export async function acquireLock(store: StateStore, opts: LockOptions): Promise<StateLock> {
  const host = opts.host ?? os.hostname();
  const owner = randomUUID();
  const waitMs = (opts.waitSeconds ?? 0) * 1000;
  const deadline = Date.now() + waitMs;
  let announced = false;
  for (;;) {
    const r = store.takeLock(
      { owner, pid: process.pid, host, command: opts.command, pidns: pidNamespace() },
      (holder, now) => isDeadHolder(holder, host, now),
    );
    if (r.got) return new StateLock(store, owner, r.took, opts.heartbeatMs ?? 15_000);
    if (Date.now() >= deadline) {
      throw new LockedError(
        `Another kb-sync holds the state file ${store.file}: ${describeHolder(r.holder)}.`,
        waitMs > 0
          ? `It did not finish within ${Math.round(waitMs / 1000)} s.`
          : 'Wait for it, or run with --wait[=SECONDS] to queue behind it. A lock left by a process that died is taken over automatically.',
      );
    }
    if (!announced) {
      announced = true;
      opts.onWait?.(r.holder);
    }
    await sleep(Math.min(500, Math.max(50, deadline - Date.now())));
  }
}
