import type { Db } from './connection.js';

export interface LockHolder {
  owner: string;
  pid: number;
  host: string;
  command: string;
  since: string;
  heartbeatAt: number;
  /** The holder's PID namespace on Linux ('' elsewhere). */
  pidns: string;
}

/** A try for the lock: taken (over a dead holder, if any), or held by a live one. */
export type LockAttempt = { got: true; took?: LockHolder } | { got: false; holder: LockHolder };

/**
 * The `lock` table: at most one row, the holder of the state file. The policy (who is dead, how
 * long to wait, the heartbeat timer) is in lock.ts; this is only the row.
 */
export class LockRow {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  read(): LockHolder | undefined {
    const r = this.#db
      .prepare('SELECT owner, pid, host, command, since, heartbeat_at, pidns FROM lock WHERE id = 1')
      .get() as
      | {
          owner: string;
          pid: number;
          host: string;
          command: string;
          since: string;
          heartbeat_at: number;
          pidns: string;
        }
      | undefined;
    return r
      ? {
          owner: r.owner,
          pid: r.pid,
          host: r.host,
          command: r.command,
          since: r.since,
          heartbeatAt: r.heartbeat_at,
          pidns: r.pidns,
        }
      : undefined;
  }

  /**
   * In one IMMEDIATE transaction: read the holder, and unless `mayTake` refuses it, write `next`
   * in its place (since now, with a heartbeat now). Says whether it was taken, and from whom.
   */
  take(
    next: Omit<LockHolder, 'since' | 'heartbeatAt'>,
    mayTake: (holder: LockHolder, now: number) => boolean,
  ): LockAttempt {
    const attempt = this.#db.transaction((): LockAttempt => {
      const holder = this.read();
      const now = Date.now();
      if (holder && !mayTake(holder, now)) return { got: false, holder };
      this.#db.prepare('DELETE FROM lock WHERE id = 1').run();
      this.#db
        .prepare(
          'INSERT INTO lock (id, owner, pid, host, command, since, heartbeat_at, pidns) VALUES (1, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(next.owner, next.pid, next.host, next.command, new Date(now).toISOString(), now, next.pidns);
      return holder ? { got: true, took: holder } : { got: true };
    });
    return attempt.immediate();
  }

  /** Refresh `owner`'s heartbeat; false when the row is no longer its own (it was taken over). */
  beat(owner: string, now: number): boolean {
    return this.#db.prepare('UPDATE lock SET heartbeat_at = ? WHERE owner = ?').run(now, owner).changes > 0;
  }

  release(owner: string): void {
    this.#db.prepare('DELETE FROM lock WHERE owner = ?').run(owner);
  }
}
