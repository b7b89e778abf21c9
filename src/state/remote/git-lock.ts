import { setTimeout as sleep } from 'node:timers/promises';
import { LockedError } from '../../errors.js';
import {
  deleteLocalRef,
  fetchTip,
  GitStateError,
  keepLocally,
  localOid,
  parentOf,
  pushWithLease,
  writeBlobs,
  writeCommit,
  type RefLocation,
} from './git-ref.js';
import {
  describeLock,
  LOCK_FILE,
  LOCK_FORMAT,
  lockExpired,
  META_FILE,
  META_FORMAT,
  parseLock,
  parseMeta,
  RECORD_VERSION,
  RecordError,
  SNAPSHOT_FILE,
  trailers,
  type LockRecord,
  type StateMeta,
} from './records.js';

/**
 * A lock across machines, held in the state ref itself. Taking it pushes a commit that adds
 * `lock.json` to the ref's tree, with a compare-and-swap against the commit just fetched: of two
 * runners, one push lands and the other is refused, fetches again and finds the lock. The holder
 * pushes heartbeats (same compare-and-swap); the final state commit releases the lock. A lock
 * silent for longer than its timeout is taken over by pushing on top of it, which is also what
 * fences the old holder: its next push expects the commit it pushed last, finds another, and
 * fails, so it can never overwrite its successor's state.
 */

export interface LoadedTip {
  /** The ref's commit, or null when the remote has no such ref yet. */
  oid: string | null;
  meta: StateMeta | undefined;
  lock: LockRecord | undefined;
  /** Blob id of snapshot.json, when the ref holds a snapshot. */
  snapshotBlob: string | undefined;
  files: Map<string, string>;
}

export interface HolderInfo {
  runId: string;
  host: string;
  pid: number;
  command: string;
  sourceCommit: string | null;
  url: string | null;
}

export interface GitLockOptions {
  loc: RefLocation;
  botId: string;
  target: string | null;
  holder: HolderInfo;
  /** Seconds without a heartbeat after which this lock may be taken over. */
  timeoutSeconds: number;
  /** Between heartbeats (default: a quarter of the timeout). */
  heartbeatMs?: number;
  /** How long to wait for a live holder: 0 fails at once (exit 3), Infinity waits without end. */
  waitMs?: number;
  /** Between looks at a held lock while waiting (default: 5 s, less for short timeouts). */
  pollMs?: number;
  /** Checks what the ref holds before the lock is taken; throwing refuses (nothing is pushed). */
  check?: (tip: LoadedTip) => Promise<void> | void;
  onWait?: (holder: LockRecord) => void;
  log?: (level: 'info' | 'warn', message: string) => void;
  now?: () => number;
}

/** Another runner holds the state ref's lock (exit 3). */
export class GitLockedError extends LockedError {
  constructor(
    readonly holder: LockRecord,
    ref: string,
    waitedMs: number,
  ) {
    super(
      `Another kb-sync holds the lock on ${ref}: ${describeLock(holder)}.`,
      waitedMs > 0
        ? `It did not finish within ${Math.round(waitedMs / 1000)} s. A holder silent for ${holder.timeoutSeconds} s is taken over automatically.`
        : `Wait for it, or run with --wait[=SECONDS] to queue behind it. A holder silent for ${holder.timeoutSeconds} s (one that died) is taken over automatically.`,
    );
  }
}

const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

/** Read and check the ref's tip: whose state it is, whether it is locked. Exit 2 when it is not ours or damaged. */
export async function loadTip(loc: RefLocation, botId: string, target: string | null): Promise<LoadedTip> {
  const tip = await fetchTip(loc, { read: [META_FILE, LOCK_FILE] });
  if (!tip) return { oid: null, meta: undefined, lock: undefined, snapshotBlob: undefined, files: new Map() };
  const damaged = (why: string) =>
    new GitStateError(
      `The state ref ${loc.ref} on ${loc.remote} (commit ${tip.oid.slice(0, 12)}) is not a usable kb-sync state: ${why}.`,
      `Look at it with \`git fetch ${loc.remote} ${loc.ref} && git show FETCH_HEAD --stat\`. If it is damaged, point "gitState.ref" elsewhere, or delete it (\`git push ${loc.remote} :${loc.ref}\`) and restore the state with \`kb-sync state import\`.`,
    );
  const metaText = tip.contents.get(META_FILE);
  if (metaText === undefined) throw damaged(`it has no ${META_FILE}`);
  let meta: StateMeta;
  let lock: LockRecord | undefined;
  try {
    meta = parseMeta(metaText);
    const lockText = tip.contents.get(LOCK_FILE);
    lock = lockText === undefined ? undefined : parseLock(lockText);
  } catch (err) {
    if (err instanceof RecordError) throw damaged(err.message);
    throw err;
  }
  if (meta.botId !== botId) {
    throw new GitStateError(
      `The state ref ${loc.ref} on ${loc.remote} holds the state of bot ${meta.botId}, but this configuration syncs bot ${botId}; refusing to use it.`,
      'Each bot needs its own ref: check "gitState.ref" (its {bot} and {target} placeholders) and the bot id.',
    );
  }
  if (meta.target !== target) {
    throw new GitStateError(
      `The state ref ${loc.ref} on ${loc.remote} holds the state of ${meta.target ? `target "${meta.target}"` : 'a configuration without targets'}, not ${target ? `target "${target}"` : 'this configuration (which has no targets)'}; refusing to use it.`,
      'Two targets must not share a state ref: check "gitState.ref" in the configuration.',
    );
  }
  return { oid: tip.oid, meta, lock, snapshotBlob: tip.entries.get(SNAPSHOT_FILE), files: tip.entries };
}

/** The local ref an unpushed state is kept under, in the clone the run used. */
export function unpushedRef(ref: string): string {
  return `refs/kb-sync-unpushed/${ref.replace(/^refs\//, '')}`;
}

/** The local ref the state of a run that lost its lock is kept under. */
export function fencedRef(ref: string): string {
  return `refs/kb-sync-fenced/${ref.replace(/^refs\//, '')}`;
}

/**
 * A state left unpushed by an earlier run of this clone (its push failed): push it now when the
 * remote is still at the lock that run held; when the remote moved on (the lock was taken over),
 * set it aside under refs/kb-sync-fenced/… and say so. Returns what happened, for the log.
 */
export async function settleUnpushed(loc: RefLocation): Promise<string | undefined> {
  const name = unpushedRef(loc.ref);
  const kept = await localOid(loc.repoDir, name);
  if (!kept) return undefined;
  const parent = await parentOf(loc.repoDir, kept);
  const tip = await fetchTip(loc);
  if (tip && parent === tip.oid) {
    const r = await pushWithLease(loc, kept, parent);
    if (r.ok) {
      await deleteLocalRef(loc.repoDir, name);
      return `Pushed the state an earlier run left unpushed in this clone (commit ${kept.slice(0, 12)}).`;
    }
  }
  await keepLocally(loc.repoDir, fencedRef(loc.ref), kept);
  await deleteLocalRef(loc.repoDir, name);
  return `A state an earlier run left unpushed in this clone (commit ${kept.slice(0, 12)}) was overtaken: another run took the lock over since. It is kept under ${fencedRef(loc.ref)}; the items it created are listed as "possibly created twice" if they were pushed again.`;
}

/** Take the lock (waiting for a live holder up to `waitMs`), taking over one that timed out. */
export async function acquireGitLock(opts: GitLockOptions): Promise<GitStateLock> {
  const now = opts.now ?? Date.now;
  const waitMs = opts.waitMs ?? 0;
  const timeoutMs = opts.timeoutSeconds * 1000;
  const pollMs = opts.pollMs ?? Math.max(100, Math.min(5000, Math.floor(timeoutMs / 4)));
  const started = now();
  const deadline = started + waitMs;
  let announced = false;
  for (let attempt = 0; ; attempt++) {
    const tip = await loadTip(opts.loc, opts.botId, opts.target);
    if (tip.lock && !lockExpired(tip.lock, now())) {
      if (now() >= deadline) throw new GitLockedError(tip.lock, opts.loc.ref, waitMs === 0 ? 0 : now() - started);
      if (!announced) {
        announced = true;
        opts.onWait?.(tip.lock);
      }
      await sleep(Math.max(10, Math.min(pollMs, deadline - now())));
      continue;
    }
    await opts.check?.(tip);
    const at = new Date(now()).toISOString();
    const record: LockRecord = {
      format: LOCK_FORMAT,
      version: RECORD_VERSION,
      ...opts.holder,
      botId: opts.botId,
      target: opts.target,
      since: at,
      heartbeatAt: at,
      timeoutSeconds: opts.timeoutSeconds,
      fence: Math.max(tip.meta?.fence ?? 0, tip.lock?.fence ?? 0) + 1,
      tookOverFrom: tip.lock
        ? { runId: tip.lock.runId, host: tip.lock.host, since: tip.lock.since, heartbeatAt: tip.lock.heartbeatAt }
        : null,
    };
    const meta: StateMeta = {
      format: META_FORMAT,
      version: RECORD_VERSION,
      botId: opts.botId,
      target: opts.target,
      fence: record.fence,
      updatedAt: at,
      runId: opts.holder.runId,
      sourceCommit: opts.holder.sourceCommit,
    };
    const files = new Map(tip.files);
    const [metaBlob, lockBlob] = await writeBlobs(opts.loc.repoDir, [json(meta), json(record)]);
    files.set(META_FILE, metaBlob as string);
    files.set(LOCK_FILE, lockBlob as string);
    const subject = tip.lock
      ? `kb-sync: lock taken over by run ${record.runId} on ${record.host} (run ${tip.lock.runId} on ${tip.lock.host} silent since ${tip.lock.heartbeatAt})`
      : `kb-sync: lock taken by run ${record.runId} on ${record.host} (${record.command})`;
    const message = `${subject}\n\n${lockTrailers(record)}\n`;
    const oid = await writeCommit(opts.loc.repoDir, files, tip.oid, message, new Date(now()));
    const pushed = await pushWithLease(opts.loc, oid, tip.oid);
    if (pushed.ok) {
      if (tip.lock)
        opts.log?.(
          'warn',
          `Took over the lock of ${describeLock(tip.lock)}: it was silent for more than ${tip.lock.timeoutSeconds} s.`,
        );
      return new GitStateLock(opts, record, meta, tip, oid, files);
    }
    // Another runner moved the ref between our fetch and our push: look again.
    await sleep(Math.min(1000, 20 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random()));
  }
}

function lockTrailers(r: LockRecord): string {
  return trailers({
    'Kb-Sync-Run': r.runId,
    'Kb-Sync-Host': r.host,
    'Kb-Sync-Command': r.command,
    'Kb-Sync-Bot': r.botId,
    'Kb-Sync-Target': r.target,
    'Kb-Sync-Fence': r.fence,
    'Kb-Sync-Source': r.sourceCommit,
    'Kb-Sync-Run-Url': r.url,
  });
}

export type ReleaseOutcome =
  /** Stored: the ref's new commit, and its snapshot's blob id (if it holds one). */
  | { ok: true; oid: string; snapshotBlob: string | undefined }
  /** The lock was taken over: the state was not pushed; it is kept under `keptRef`. */
  | { ok: false; reason: 'fenced'; keptRef: string; oid: string; by: LockRecord | undefined; message: string }
  /** The push failed (network, permissions): the state is kept under `keptRef`; the lock stays held. */
  | { ok: false; reason: 'push'; keptRef: string; oid: string; message: string };

export class GitStateLock {
  readonly record: LockRecord;
  /** What the ref held when the lock was taken. */
  readonly base: LoadedTip;
  readonly #opts: GitLockOptions;
  #meta: StateMeta;
  #tip: string;
  #files: Map<string, string>;
  #chain: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #done = false;
  #warned = false;
  readonly #lost = new AbortController();

  constructor(
    opts: GitLockOptions,
    record: LockRecord,
    meta: StateMeta,
    base: LoadedTip,
    tip: string,
    files: Map<string, string>,
  ) {
    this.#opts = opts;
    this.record = record;
    this.#meta = meta;
    this.base = base;
    this.#tip = tip;
    this.#files = files;
    const every = opts.heartbeatMs ?? Math.max(200, Math.floor((opts.timeoutSeconds * 1000) / 4));
    this.#timer = setInterval(() => void this.heartbeat(), every);
    this.#timer.unref();
  }

  /** The commit this holder pushed last. */
  get tip(): string {
    return this.#tip;
  }

  /** Aborted when another runner has taken this lock over: stop taking new work. */
  get lostSignal(): AbortSignal {
    return this.#lost.signal;
  }

  #now(): number {
    return (this.#opts.now ?? Date.now)();
  }

  /** Run pushes one at a time (a heartbeat never races the final push). */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#chain.then(fn, fn);
    this.#chain = next.catch(() => undefined);
    return next;
  }

  #lose(by: string | null): void {
    if (this.#lost.signal.aborted) return;
    this.#lost.abort(
      new Error(`the lock on ${this.#opts.loc.ref} was taken over by another run (now at ${by ?? 'nothing'})`),
    );
    clearInterval(this.#timer);
  }

  async #push(files: Map<string, string>, message: string): Promise<'ok' | 'lost'> {
    const oid = await writeCommit(this.#opts.loc.repoDir, files, this.#tip, message, new Date(this.#now()));
    const r = await pushWithLease(this.#opts.loc, oid, this.#tip);
    if (!r.ok) {
      this.#lose(r.now);
      return 'lost';
    }
    this.#tip = oid;
    this.#files = files;
    return 'ok';
  }

  async #lockFiles(snapshot?: string): Promise<Map<string, string>> {
    const files = new Map(this.#files);
    const beat = { ...this.record, heartbeatAt: new Date(this.#now()).toISOString() };
    const [lockBlob, snapBlob] = await writeBlobs(
      this.#opts.loc.repoDir,
      snapshot === undefined ? [json(beat)] : [json(beat), snapshot],
    );
    files.set(LOCK_FILE, lockBlob as string);
    if (snapBlob !== undefined) files.set(SNAPSHOT_FILE, snapBlob);
    return files;
  }

  /** Tell other runners this holder is alive. Failures other than a takeover are retried at the next beat. */
  heartbeat(): Promise<void> {
    return this.#serial(async () => {
      if (this.#done || this.#lost.signal.aborted) return;
      try {
        await this.#push(
          await this.#lockFiles(),
          `kb-sync: run ${this.record.runId} is still working (heartbeat)\n\n${lockTrailers(this.record)}\n`,
        );
      } catch (err) {
        if (!this.#warned) {
          this.#warned = true;
          this.#opts.log?.('warn', `A heartbeat of the state lock failed (${(err as Error).message}); retrying.`);
        }
      }
    });
  }

  /**
   * Push an interim snapshot, keeping the lock (a write-ahead record: what this run is about to
   * create, so that a runner taking over from a dead one knows). Returns false when the lock was lost.
   */
  checkpoint(snapshot: string, subject: string): Promise<boolean> {
    return this.#serial(async () => {
      if (this.#done || this.#lost.signal.aborted) return false;
      const r = await this.#push(await this.#lockFiles(snapshot), `${subject}\n\n${lockTrailers(this.record)}\n`);
      return r === 'ok';
    });
  }

  /**
   * Store the final state and release the lock in one compare-and-swap push. `snapshot`
   * undefined keeps the snapshot the ref had. A failed push is retried (`attempts`), then the
   * commit is kept in this clone under refs/kb-sync-unpushed/… (the lock stays held, so no
   * other runner starts from the older state until the timeout).
   */
  release(
    snapshot: string | undefined,
    message: { subject: string; body?: string; trailers?: Record<string, string | number | null> },
    opts: { attempts?: number; retryDelayMs?: number } = {},
  ): Promise<ReleaseOutcome> {
    return this.#serial(async () => {
      clearInterval(this.#timer);
      this.#done = true;
      const repo = this.#opts.loc.repoDir;
      const files = new Map(this.#files);
      files.delete(LOCK_FILE);
      const at = new Date(this.#now()).toISOString();
      this.#meta = { ...this.#meta, updatedAt: at };
      const [metaBlob, snapBlob] = await writeBlobs(
        repo,
        snapshot === undefined ? [json(this.#meta)] : [json(this.#meta), snapshot],
      );
      files.set(META_FILE, metaBlob as string);
      if (snapBlob !== undefined) files.set(SNAPSHOT_FILE, snapBlob);
      const text = [
        message.subject,
        message.body ?? '',
        trailers({
          ...message.trailers,
          'Kb-Sync-Run': this.record.runId,
          'Kb-Sync-Host': this.record.host,
          'Kb-Sync-Command': this.record.command,
          'Kb-Sync-Bot': this.record.botId,
          'Kb-Sync-Target': this.record.target,
          'Kb-Sync-Fence': this.record.fence,
          'Kb-Sync-Source': this.record.sourceCommit,
          'Kb-Sync-Started': this.record.since,
          'Kb-Sync-Finished': at,
          'Kb-Sync-Run-Url': this.record.url,
        }),
      ]
        .filter((p) => p !== '')
        .join('\n\n');
      const oid = await writeCommit(repo, files, this.#tip, text, new Date(this.#now()));
      if (this.#lost.signal.aborted) return this.#fenced(oid);
      const attempts = opts.attempts ?? 3;
      let lastError = '';
      for (let i = 0; i < attempts; i++) {
        try {
          const r = await pushWithLease(this.#opts.loc, oid, this.#tip);
          if (r.ok) {
            this.#tip = oid;
            return { ok: true as const, oid, snapshotBlob: files.get(SNAPSHOT_FILE) };
          }
          this.#lose(r.now);
          return this.#fenced(oid);
        } catch (err) {
          lastError = (err as Error).message;
          if (i + 1 < attempts) await sleep((opts.retryDelayMs ?? 1000) * 2 ** i);
        }
      }
      const keptRef = unpushedRef(this.#opts.loc.ref);
      await keepLocally(repo, keptRef, oid);
      return { ok: false as const, reason: 'push' as const, keptRef, oid, message: lastError };
    });
  }

  async #fenced(oid: string): Promise<ReleaseOutcome> {
    const keptRef = fencedRef(this.#opts.loc.ref);
    await keepLocally(this.#opts.loc.repoDir, keptRef, oid);
    let by: LockRecord | undefined;
    try {
      const tip = await loadTip(this.#opts.loc, this.record.botId, this.record.target);
      by = tip.lock;
    } catch {
      by = undefined;
    }
    return {
      ok: false,
      reason: 'fenced',
      keptRef,
      oid,
      by,
      message: `the lock on ${this.#opts.loc.ref} was taken over by ${by ? describeLock(by) : 'another run'} while this run (${this.record.runId}) held it`,
    };
  }

  /** Stop heartbeats without pushing (the process is ending and its state push already failed). */
  dispose(): void {
    clearInterval(this.#timer);
    this.#done = true;
  }
}
