import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type KbSyncError, LockedError, StateError } from '../../errors.js';
import { acquireLock } from '../lock.js';
import {
  exportSnapshot,
  importSnapshot,
  SNAPSHOT_FORMAT,
  SNAPSHOT_VERSION,
  validateSnapshot,
  type Snapshot,
} from '../snapshot.js';
import { StateStore } from '../store.js';
import {
  acquireGitLock,
  loadTip,
  settleUnpushed,
  type GitStateLock,
  type HolderInfo,
  type LoadedTip,
} from './git-lock.js';
import { GitStateError, readBlob, repositoryRoot, sourceCommit, type RefLocation } from './git-ref.js';
import { hideEnvFromGit } from './git.js';
import { describeLock, oneLine, type LockRecord } from './records.js';
import { stateMessage, type RunSummary } from './message.js';

/**
 * What the git-held state needs of a run's configuration (the CLI's ResolvedConfig is one; this
 * layer does not import config/).
 */
export interface GitStateConfig {
  /** The folder relative paths resolve against (inside the repository). */
  baseDir: string;
  knowledgeDir: string;
  /** The local working copy (SQLite). */
  stateFile: string;
  apiBaseUrl: string;
  target: string | undefined;
  /** The token's variable, kept away from the git processes. */
  tokenEnv: string;
  gitState: { remote: string; ref: string | undefined; lockTimeoutSeconds: number };
}

/**
 * The state held in git, around a run: before it, take the ref's lock and load the ref's
 * snapshot into the local SQLite file (the working copy); while it runs, heartbeats, and a
 * write-ahead checkpoint of what it is about to create; after it, export the working copy and
 * push it as the ref's next commit, which releases the lock.
 */

export interface GitStateOptions {
  cfg: GitStateConfig;
  botId: string;
  command: string;
  /** Seconds to wait for another runner's lock (0: exit 3 at once; Infinity: no limit). */
  waitSeconds?: number;
  log?: (level: 'info' | 'warn', message: string) => void;
  onWait?: (holder: LockRecord) => void;
  /** For tests: the clock, and the heartbeat and polling periods. */
  now?: () => number;
  heartbeatMs?: number;
  pollMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** The local file recording which snapshot blob the working copy was loaded from (or pushed as). */
export function sidecarFile(stateFile: string): string {
  return `${stateFile}.git.json`;
}

/** Where a snapshot that could not be pushed is written, next to the state file. */
export function keptSnapshotFile(stateFile: string, why: 'unpushed' | 'fenced'): string {
  return `${stateFile}.${why}-snapshot.json`;
}

interface Sidecar {
  botId: string;
  ref: string;
  blob: string;
}

function readSidecar(stateFile: string): Sidecar | undefined {
  try {
    const s = JSON.parse(fs.readFileSync(sidecarFile(stateFile), 'utf8')) as Partial<Sidecar>;
    return typeof s.blob === 'string' && typeof s.botId === 'string' && typeof s.ref === 'string'
      ? (s as Sidecar)
      : undefined;
  } catch {
    return undefined;
  }
}

function writeAtomic(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/** Where the state ref is: the repository holding the config, its remote, the ref. Exit 2 when unusable. */
export async function locateRef(cfg: GitStateConfig): Promise<RefLocation> {
  const ref = cfg.gitState.ref;
  if (!ref) throw new StateError('gitState is enabled, but the bot id (and so the state ref) is not known.');
  const repoDir = await repositoryRoot(cfg.baseDir);
  if (!repoDir) {
    throw new StateError(
      `gitState is enabled, but ${cfg.baseDir} is not inside a git repository.`,
      'Run kb-sync in a clone of the repository (in GitHub Actions, after actions/checkout), or turn "gitState.enabled" off.',
    );
  }
  return { repoDir, remote: cfg.gitState.remote, ref };
}

/** Who this run is, for lock.json and the audit log: a CI run id and link when there is one. */
export function holderInfo(command: string, source: string | null, env: NodeJS.ProcessEnv = process.env): HolderInfo {
  const ghRun = env.GITHUB_RUN_ID;
  const runId = ghRun ? `${ghRun}.${env.GITHUB_RUN_ATTEMPT ?? '1'}` : `local-${randomUUID().slice(0, 8)}`;
  const url =
    ghRun && env.GITHUB_REPOSITORY
      ? `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${ghRun}`
      : null;
  return { runId, host: os.hostname(), pid: process.pid, command, sourceCommit: source, url };
}

/** Read and check the snapshot a tip holds (exit 2 when it is damaged or another bot's). */
async function readTipSnapshot(loc: RefLocation, tip: LoadedTip, botId: string): Promise<Snapshot | undefined> {
  if (!tip.snapshotBlob) return undefined;
  const text = await readBlob(loc.repoDir, tip.snapshotBlob);
  try {
    return validateSnapshot(JSON.parse(text), botId);
  } catch (err) {
    const why = err instanceof SyntaxError ? `it is not valid JSON (${err.message})` : (err as Error).message;
    throw new GitStateError(
      `The state ref ${loc.ref} on ${loc.remote} (commit ${(tip.oid ?? '').slice(0, 12)}) holds an unusable snapshot: ${why}`,
      `Look at it with \`git fetch ${loc.remote} ${loc.ref} && git show FETCH_HEAD:snapshot.json\`. An earlier commit of the ref may hold a good one: \`git log ${loc.ref}\`, then \`git show COMMIT:snapshot.json > snap.json\` and \`kb-sync state import snap.json --force\`.`,
    );
  }
}

/**
 * Make the working copy hold the ref's snapshot. Nothing to load (no ref yet, or a ref without a
 * snapshot): the working copy is left as it is, so the first-run guard decides as without git.
 */
async function loadWorkingCopy(
  cfg: GitStateConfig,
  loc: RefLocation,
  tip: LoadedTip,
  snap: Snapshot | undefined,
): Promise<'none' | 'current' | 'loaded'> {
  if (!tip.snapshotBlob || !snap) return 'none';
  const side = readSidecar(cfg.stateFile);
  if (side?.blob === tip.snapshotBlob && side.ref === loc.ref && fs.existsSync(cfg.stateFile)) return 'current';
  const store = StateStore.open(cfg.stateFile);
  try {
    const local = await acquireLock(store, { command: 'load the state from git', waitSeconds: 30 });
    try {
      importSnapshot(store, snap, { force: true });
    } finally {
      local.release();
    }
  } finally {
    store.close();
  }
  writeAtomic(
    sidecarFile(cfg.stateFile),
    `${JSON.stringify({ botId: snap.botId, ref: loc.ref, blob: tip.snapshotBlob })}\n`,
  );
  return 'loaded';
}

/**
 * For commands that only read (`plan`, `status`): bring the working copy up to the ref's
 * snapshot, without the lock. Returns the ref's lock holder, if a run holds it.
 */
export async function refreshFromGit(
  cfg: GitStateConfig,
  botId: string,
): Promise<{ loaded: 'none' | 'current' | 'loaded'; holder: LockRecord | undefined; ref: string }> {
  const loc = await locateRef(cfg);
  const tip = await loadTip(loc, botId, cfg.target ?? null);
  const snap = await readTipSnapshot(loc, tip, botId);
  return { loaded: await loadWorkingCopy(cfg, loc, tip, snap), holder: tip.lock, ref: loc.ref };
}

/** Take the ref's lock and load its state into the working copy (exit 3 when held, 2 when unusable). */
export async function beginGitState(opts: GitStateOptions): Promise<GitStateSession> {
  const { cfg, botId } = opts;
  if (cfg.tokenEnv) hideEnvFromGit(cfg.tokenEnv);
  const loc = await locateRef(cfg);
  const settled = await settleUnpushed(loc);
  if (settled) opts.log?.(settled.startsWith('Pushed') ? 'info' : 'warn', settled);
  const holder = holderInfo(opts.command, await sourceCommit(cfg.knowledgeDir, [cfg.knowledgeDir]), opts.env);
  let snap: Snapshot | undefined;
  const lock = await acquireGitLock({
    loc,
    botId,
    target: cfg.target ?? null,
    holder,
    timeoutSeconds: cfg.gitState.lockTimeoutSeconds,
    waitMs: (opts.waitSeconds ?? 0) * 1000,
    ...(opts.heartbeatMs !== undefined ? { heartbeatMs: opts.heartbeatMs } : {}),
    ...(opts.pollMs !== undefined ? { pollMs: opts.pollMs } : {}),
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.onWait ? { onWait: opts.onWait } : {}),
    ...(opts.log ? { log: opts.log } : {}),
    check: async (tip) => {
      snap = await readTipSnapshot(loc, tip, botId);
    },
  });
  let loaded: 'none' | 'current' | 'loaded';
  try {
    loaded = await loadWorkingCopy(cfg, loc, lock.base, snap);
  } catch (err) {
    // Give the lock back untouched: this run changed nothing.
    await lock.release(undefined, {
      subject: `kb-sync: run ${holder.runId} released the lock without changes (${oneLine((err as Error).message, 120)})`,
    });
    throw err;
  }
  return new GitStateSession(cfg, botId, loc, lock, loaded);
}

/** A planned create or update, for the write-ahead checkpoint. */
export interface IntendedItem {
  key: string;
  type: Snapshot['items'][number]['type'];
  label: string;
  sourceFile: string | null;
}

/** A run that lost the lock (exit 3): its state was not pushed, and is kept where it says. */
export class FencedError extends LockedError {}

export class GitStateSession {
  readonly loc: RefLocation;
  /** What loading the ref did to the working copy. */
  readonly loaded: 'none' | 'current' | 'loaded';
  readonly #cfg: GitStateConfig;
  readonly #botId: string;
  readonly #lock: GitStateLock;
  #finished = false;

  constructor(
    cfg: GitStateConfig,
    botId: string,
    loc: RefLocation,
    lock: GitStateLock,
    loaded: GitStateSession['loaded'],
  ) {
    this.#cfg = cfg;
    this.#botId = botId;
    this.loc = loc;
    this.#lock = lock;
    this.loaded = loaded;
  }

  /** Aborted when another runner took the lock over: stop taking new work. */
  get lostSignal(): AbortSignal {
    return this.#lock.lostSignal;
  }

  get record(): LockRecord {
    return this.#lock.record;
  }

  #export(extra: Snapshot['uncertain'] = []): string | undefined {
    // A bot this state never synced has nothing to remember: no snapshot, so that the
    // first-run guard still applies to the next run.
    const store = fs.existsSync(this.#cfg.stateFile)
      ? StateStore.open(this.#cfg.stateFile, { readonly: true })
      : undefined;
    try {
      if (!store?.hasHistory(this.#botId) && extra.length === 0) return undefined;
      const snap: Snapshot = store
        ? exportSnapshot(store, this.#botId)
        : {
            format: SNAPSHOT_FORMAT,
            version: SNAPSHOT_VERSION,
            botId: this.#botId,
            apiBaseUrl: this.#cfg.apiBaseUrl,
            exportedAt: new Date().toISOString(),
            firstSyncedAt: null,
            lastSyncedAt: null,
            items: [],
            files: [],
            stale: [],
            uncertain: [],
          };
      const known = new Set(snap.uncertain.map((u) => u.key));
      snap.uncertain.push(...extra.filter((u) => !known.has(u.key)));
      return `${JSON.stringify(snap, null, 1)}\n`;
    } finally {
      store?.close();
    }
  }

  /**
   * Before pushing: record in the ref what this run is about to create, as "possibly created
   * twice" entries. Only a runner that takes over from this one (because it died) ever reads
   * them; this run's final push replaces them with what really happened.
   */
  async intend(items: readonly IntendedItem[]): Promise<void> {
    if (items.length === 0 || this.#finished) return;
    const since = new Date().toISOString();
    const reason = `run ${this.#lock.record.runId} on ${this.#lock.record.host} was about to push it when it stopped`;
    const text = this.#export(
      items.map((i) => ({
        key: i.key,
        type: i.type,
        label: i.label,
        sourceFile: i.sourceFile,
        remoteId: null,
        reason,
        since,
      })),
    );
    if (text === undefined) return;
    await this.#lock.checkpoint(
      text,
      `kb-sync: run ${this.#lock.record.runId} is about to push ${items.length} item(s) (write-ahead checkpoint)`,
    );
  }

  /**
   * Push the working copy as the ref's next commit, releasing the lock. Returns the error to
   * report (exit 2: the push failed; exit 3: the lock was lost), or undefined when it is stored.
   */
  async finish(summary: RunSummary): Promise<KbSyncError | undefined> {
    if (this.#finished) return undefined;
    this.#finished = true;
    let text: string | undefined;
    try {
      text = this.#export();
    } catch (err) {
      this.#lock.dispose();
      return new StateError(`Cannot export the working copy of the state to push it: ${(err as Error).message}`);
    }
    const msg = stateMessage(summary, {
      botId: this.#botId,
      target: this.#cfg.target ?? null,
      source: this.#lock.record.sourceCommit,
    });
    const out = await this.#lock.release(text, msg);
    if (out.ok) {
      if (out.snapshotBlob)
        writeAtomic(
          sidecarFile(this.#cfg.stateFile),
          `${JSON.stringify({ botId: this.#botId, ref: this.loc.ref, blob: out.snapshotBlob })}\n`,
        );
      return undefined;
    }
    const file = keptSnapshotFile(this.#cfg.stateFile, out.reason === 'fenced' ? 'fenced' : 'unpushed');
    if (text !== undefined) writeAtomic(file, text);
    const kept = `${text !== undefined ? `${file}, and ` : ''}in this clone under ${out.keptRef} (commit ${out.oid.slice(0, 12)})`;
    if (out.reason === 'fenced') {
      return new FencedError(
        `This run lost the lock on ${this.loc.ref}: ${out.message}. Its state was NOT pushed (it would overwrite its successor's); it is kept in ${kept}.`,
        'The run that took over lists what this run was about to push as "possibly created twice"; compare with the kept snapshot and the dashboard, then `kb-sync forget --uncertain`.',
      );
    }
    return new GitStateError(
      `The state could not be pushed to ${this.loc.ref} on ${this.loc.remote}: ${out.message}. Nothing is lost: it is kept in ${kept}. The lock stays with this run, so no other run starts from the older state.`,
      `The next run from this clone pushes it first. Elsewhere, a run takes the lock over after ${this.#cfg.gitState.lockTimeoutSeconds} s and reports what this run was about to push as "possibly created twice"; or push it by hand: \`git push ${this.loc.remote} ${out.keptRef}:${this.loc.ref}\` once the lock is yours.`,
    );
  }

  /** The holder's lock in words (for messages). */
  describe(): string {
    return describeLock(this.#lock.record);
  }
}
