import fs from 'node:fs';
import path from 'node:path';
import { watch as chokidarWatch, type FSWatcher } from 'chokidar';
import type { ResolvedConfig } from '../config/load.js';
import type { SyncEvents } from '../events.js';
import { RACY_WINDOW_MS } from '../extract/read.js';
import { acquireLock } from '../state/lock.js';
import { StateStore } from '../state/store.js';
import { toPosix } from '../util/paths.js';
import { runSync, type RunOptions, type RunResult } from './run.js';
import { stateSkipPaths } from './settings.js';

/**
 * Watch mode: an initial full sync, then file events are collected, debounced and synced in
 * batches, one sync at a time (changes during a sync wait for the next). Only the changed paths
 * are stat'ed and read. A failed sync (network down, API errors) is retried by a full sync on a
 * timer with backoff, or sooner on the next change. The state lock is held throughout.
 */

export interface WatchOptions {
  config: ResolvedConfig;
  botId: string;
  token: string;
  debounceMs: number;
  retryIntervalMs: number;
  /** Ctrl-C: stop watching, let the running sync finish its requests in flight. */
  stop: AbortSignal;
  kill?: AbortSignal;
  ci?: boolean;
  allowInitial?: boolean;
  events?: SyncEvents;
  /** After each sync (or failed attempt). */
  onSync?: (s: { result?: RunResult; error?: unknown; batch: number; full: boolean; settle?: boolean }) => void;
  /** When the watcher is ready (after the initial sync). */
  onReady?: (info: { files: number }) => void;
  cwd?: string;
  /** Before each sync's pushes (RunOptions.beforePush: the git-held state's checkpoint). */
  beforePush?: RunOptions['beforePush'];
}

export interface WatchSummary {
  syncs: number;
  pushed: number;
  errors: number;
}

/** Editor temp, swap and backup files, and partial downloads: never synced, never trigger a sync. */
export function isEditorTemp(name: string): boolean {
  return (
    /\.(sw[a-p]|swx|tmp|temp|bak|orig|crdownload|part|kate-swp)$/i.test(name) ||
    name.endsWith('~') ||
    /^#.*#$/.test(name) ||
    name.startsWith('.#') ||
    name === '4913' ||
    name.includes('___jb_') ||
    /^\.~lock\./.test(name) ||
    /^~\$/.test(name)
  );
}

/**
 * The watch's lifecycle: the state and its lock, the watcher, the initial full sync, then
 * watching until `stop`; the batching of changes into syncs is WatchBatches' business.
 */
export async function watchKnowledge(opts: WatchOptions): Promise<WatchSummary> {
  const cfg = opts.config;
  const store = StateStore.open(cfg.stateFile);
  const lock = await acquireLock(store, { command: 'watch', waitSeconds: 0 });
  // The folder is watched by its real path (chokidar does not follow links, the folder's own
  // included), and what an event names is judged by the same scan as a full sync's.
  const rootReal = realRoot(cfg.knowledgeDir);
  const skip = new Set(
    stateSkipPaths(cfg.stateFile).flatMap((s) => [s, path.join(rootReal, path.relative(cfg.knowledgeDir, s))]),
  );
  const batches = new WatchBatches(opts, store, (changed, settle) =>
    runSync({
      config: cfg,
      botId: opts.botId,
      dryRun: false,
      token: opts.token,
      // A batch of nothing but files read again after the racy window is recorded as "watch-settle".
      command: settle ? 'watch-settle' : 'watch',
      ...(changed ? { changedPaths: changed } : {}),
      store,
      lock,
      stop: opts.stop,
      ...(opts.kill ? { kill: opts.kill } : {}),
      ci: opts.ci ?? false,
      allowInitial: opts.allowInitial ?? false,
      events: opts.events,
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
      ...(opts.beforePush ? { beforePush: opts.beforePush } : {}),
    }),
  );
  let watcher: FSWatcher | undefined;
  try {
    // Watch first, then sync: a change made while the initial sync runs is queued, not lost.
    watcher = openWatcher(
      rootReal,
      skip,
      opts.debounceMs,
      (abs) => {
        const rel = changedPath(rootReal, skip, abs);
        if (rel !== undefined) batches.changed(rel);
      },
      opts.events,
    );
    await new Promise<void>((resolve) => watcher?.on('ready', () => resolve()));
    batches.syncAll();
    await batches.running;
    if (opts.stop.aborted) return batches.summary;
    opts.onReady?.({ files: store.loadFiles(opts.botId).size });
    await new Promise<void>((resolve) => {
      if (opts.stop.aborted) resolve();
      else opts.stop.addEventListener('abort', () => resolve(), { once: true });
    });
    return batches.summary;
  } finally {
    batches.close();
    await watcher?.close();
    const running = batches.running;
    if (running) await running;
    lock.release();
    store.close();
  }
}

/** The path (relative, POSIX) an event names, or undefined for the state's own files and anything outside. */
export function changedPath(root: string, skip: ReadonlySet<string>, abs: string): string | undefined {
  if (skip.has(abs)) return undefined;
  const rel = toPosix(path.relative(root, abs));
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return rel;
}

/**
 * The batching of watch mode: changed paths wait (debounced) for the next sync, and one sync runs
 * at a time (it starts the next itself when changes came meanwhile). A failed sync is retried by a
 * full sync on a timer with a growing delay (or sooner, on the next change); files read while
 * racy are read once more after the racy window. `sync(undefined)` is a full sync.
 */
export class WatchBatches {
  readonly summary: WatchSummary = { syncs: 0, pushed: 0, errors: 0 };
  readonly #pending = new Set<string>();
  /** Paths waiting only to be read again after the racy window (no event of their own). */
  readonly #settling = new Set<string>();
  #running: Promise<void> | undefined;
  #debounce: NodeJS.Timeout | undefined;
  #retry: NodeJS.Timeout | undefined;
  #settle: NodeJS.Timeout | undefined;
  #retryDelay: number;
  #needFull = false;
  /** Closed: the watch is ending, and nothing more is scheduled or started (see close). */
  #closed = false;

  constructor(
    readonly opts: Pick<WatchOptions, 'botId' | 'stop' | 'debounceMs' | 'retryIntervalMs' | 'onSync'>,
    readonly store: Pick<StateStore, 'racyFiles'>,
    readonly sync: (changed: string[] | undefined, settle: boolean) => Promise<RunResult>,
  ) {
    this.#retryDelay = opts.retryIntervalMs;
  }

  /** The sync running now, if any. */
  get running(): Promise<void> | undefined {
    return this.#running;
  }

  /** A path changed: it joins the next batch, which starts once events pause for `debounceMs`. */
  changed(rel: string): void {
    this.#pending.add(rel);
    this.#schedule();
  }

  /** Sync the whole folder now (or after the running sync). */
  syncAll(): void {
    this.#needFull = true;
    this.#kick();
  }

  /**
   * End the batching: its timers are cleared, and nothing is scheduled or started afterwards, not
   * even by the sync still running when this is called (the watch closes the state after it).
   */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#debounce);
    clearTimeout(this.#retry);
    clearTimeout(this.#settle);
  }

  get #ended(): boolean {
    return this.#closed || this.opts.stop.aborted;
  }

  async #runOnce(changed: string[] | undefined, settling: boolean): Promise<void> {
    const full = changed === undefined;
    const settle = settling && !full;
    const { opts, summary } = this;
    try {
      const result = await this.sync(changed, settle);
      summary.syncs++;
      summary.pushed += result.counts.create + result.counts.update;
      const failedItems = result.counts.failed > 0;
      if (result.errors.length > 0 || failedItems) summary.errors++;
      opts.onSync?.({ result, batch: changed?.length ?? 0, full, settle });
      // Items that failed to push are retried by a full sync (their files are not trusted as synced),
      // and so are the ones a stopped push left unsent (the server asked to come back later).
      const pushStopped = result.errors.some((e) => e.file === '(push)');
      if (failedItems || result.authError || pushStopped) this.#scheduleRetry();
      else this.#retryDelay = opts.retryIntervalMs;
      this.#scheduleSettle();
    } catch (error) {
      summary.errors++;
      opts.onSync?.({ error, batch: changed?.length ?? 0, full });
      // The retry is a full sync (it covers this batch's paths), after a delay that grows.
      this.#scheduleRetry();
    }
  }

  #scheduleRetry(): void {
    if (this.#ended) return;
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => {
      this.#needFull = true;
      this.#kick();
    }, this.#retryDelay);
    this.#retry.unref?.();
    this.#retryDelay = Math.min(this.#retryDelay * 2, 10 * 60_000);
  }

  /**
   * Files read just after they changed are recorded "racy" (their stat cannot be trusted yet), and
   * the next run reads them again. Once the racy window has passed, watch reads them once more
   * itself (nothing is pushed for an unchanged file), so it leaves the stat index as current as a
   * sync does and the next `kb-sync sync` skips them.
   */
  #scheduleSettle(): void {
    if (this.#ended) return;
    const racy = this.store.racyFiles(this.opts.botId);
    if (racy.length === 0) return;
    clearTimeout(this.#settle);
    this.#settle = setTimeout(() => {
      for (const p of racy) this.#settling.add(p);
      this.#kick();
    }, RACY_WINDOW_MS + 250);
    this.#settle.unref?.();
  }

  /** Start a sync of what is pending unless one is running (it will start the next itself). */
  #kick(): void {
    if (this.#running || this.#ended) return;
    const pending = this.#pending;
    const settling = this.#settling;
    if (!this.#needFull && pending.size === 0 && settling.size === 0) return;
    const full = this.#needFull;
    const onlySettling = !full && pending.size === 0;
    const batch = full ? undefined : [...new Set([...pending, ...settling])];
    pending.clear();
    settling.clear();
    this.#needFull = false;
    this.#running = this.#runOnce(batch, onlySettling).finally(() => {
      this.#running = undefined;
      if (pending.size > 0 || this.#needFull) this.#schedule();
      else if (settling.size > 0) this.#kick();
    });
  }

  #schedule(): void {
    if (this.#ended) return;
    clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => this.#kick(), this.opts.debounceMs);
  }
}

function realRoot(dir: string): string {
  try {
    return fs.realpathSync(dir);
  } catch {
    return dir; // Not there (yet): the sync says so.
  }
}

/**
 * A chokidar watcher on the folder (by its real path) that reports every add, change and removal,
 * minus what is never synced. Symbolic links are never followed (`followSymlinks: false`): a link
 * is reported as an entry of its own and judged by the scan like a full sync does, so that a link
 * to a folder outside (or to `/`) is neither read nor crawled, and memory stays bounded.
 */
function openWatcher(
  root: string,
  skip: ReadonlySet<string>,
  debounceMs: number,
  onEvent: (abs: string) => void,
  events: SyncEvents | undefined,
): FSWatcher {
  const watcher = chokidarWatch(root, {
    ignoreInitial: true,
    persistent: true,
    followSymlinks: false,
    awaitWriteFinish: { stabilityThreshold: Math.max(100, Math.min(debounceMs, 500)), pollInterval: 50 },
    ignored: (p: string) => {
      const rel = toPosix(path.relative(root, p));
      if (rel === '') return false;
      if (rel.startsWith('..') || path.isAbsolute(rel)) return true; // Never anything outside the folder.
      if (skip.has(p)) return true;
      return rel.split('/').some((seg) => seg.startsWith('.') || seg === 'node_modules' || isEditorTemp(seg));
    },
  });
  for (const ev of ['add', 'change', 'unlink', 'addDir', 'unlinkDir'] as const) watcher.on(ev, onEvent);
  watcher.on('error', (err) => events?.log?.('warn', `watcher: ${(err as Error).message}`));
  return watcher;
}
