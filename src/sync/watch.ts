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

export async function watchKnowledge(opts: WatchOptions): Promise<WatchSummary> {
  const cfg = opts.config;
  const store = StateStore.open(cfg.stateFile);
  const lock = await acquireLock(store, { command: 'watch', waitSeconds: 0 });
  const summary: WatchSummary = { syncs: 0, pushed: 0, errors: 0 };
  // The folder is watched by its real path (chokidar does not follow links, the folder's own
  // included), and what an event names is judged by the same scan as a full sync's.
  const rootReal = realRoot(cfg.knowledgeDir);
  const skip = new Set(
    stateSkipPaths(cfg.stateFile).flatMap((s) => [s, path.join(rootReal, path.relative(cfg.knowledgeDir, s))]),
  );
  const pending = new Set<string>();
  let running: Promise<void> | undefined;
  let debounce: NodeJS.Timeout | undefined;
  let retry: NodeJS.Timeout | undefined;
  let settle: NodeJS.Timeout | undefined;
  /** Paths waiting only to be read again after the racy window (no event of their own). */
  const settling = new Set<string>();
  let retryDelay = opts.retryIntervalMs;
  let needFull = false;
  let watcher: FSWatcher | undefined;

  const runOnce = async (changed: string[] | undefined, settling = false): Promise<void> => {
    const full = changed === undefined;
    // A batch of nothing but files read again after the racy window (recorded as "watch-settle").
    const settle = settling && !full;
    try {
      const result = await runSync({
        config: cfg,
        botId: opts.botId,
        dryRun: false,
        token: opts.token,
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
      });
      summary.syncs++;
      summary.pushed += result.counts.create + result.counts.update;
      const failedItems = result.counts.failed > 0;
      if (result.errors.length > 0 || failedItems) summary.errors++;
      opts.onSync?.({ result, batch: changed?.length ?? 0, full, settle });
      // Items that failed to push are retried by a full sync (their files are not trusted as synced),
      // and so are the ones a stopped push left unsent (the server asked to come back later).
      const pushStopped = result.errors.some((e) => e.file === '(push)');
      if (failedItems || result.authError || pushStopped) scheduleRetry();
      else retryDelay = opts.retryIntervalMs;
      scheduleSettle();
    } catch (error) {
      summary.errors++;
      opts.onSync?.({ error, batch: changed?.length ?? 0, full });
      // The retry is a full sync (it covers this batch's paths), after a delay that grows.
      scheduleRetry();
    }
  };

  const scheduleRetry = () => {
    if (opts.stop.aborted) return;
    clearTimeout(retry);
    retry = setTimeout(() => {
      needFull = true;
      kick();
    }, retryDelay);
    retry.unref?.();
    retryDelay = Math.min(retryDelay * 2, 10 * 60_000);
  };

  /**
   * Files read just after they changed are recorded "racy" (their stat cannot be trusted yet), and
   * the next run reads them again. Once the racy window has passed, watch reads them once more
   * itself (nothing is pushed for an unchanged file), so it leaves the stat index as current as a
   * sync does and the next `kb-sync sync` skips them.
   */
  const scheduleSettle = () => {
    const racy = store.racyFiles(opts.botId);
    if (racy.length === 0 || opts.stop.aborted) return;
    clearTimeout(settle);
    settle = setTimeout(() => {
      for (const p of racy) settling.add(p);
      kick();
    }, RACY_WINDOW_MS + 250);
    settle.unref?.();
  };

  /** Start a sync of what is pending unless one is running (it will start the next itself). */
  const kick = () => {
    if (running || opts.stop.aborted) return;
    if (!needFull && pending.size === 0 && settling.size === 0) return;
    const full = needFull;
    const onlySettling = !full && pending.size === 0;
    const batch = full ? undefined : [...new Set([...pending, ...settling])];
    pending.clear();
    settling.clear();
    needFull = false;
    running = runOnce(batch, onlySettling).finally(() => {
      running = undefined;
      if (pending.size > 0 || needFull) schedule();
      else if (settling.size > 0) kick();
    });
  };

  const schedule = () => {
    clearTimeout(debounce);
    debounce = setTimeout(kick, opts.debounceMs);
  };

  const onEvent = (abs: string) => {
    if (skip.has(abs)) return;
    const rel = toPosix(path.relative(rootReal, abs));
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return;
    pending.add(rel);
    schedule();
  };

  try {
    // Watch first, then sync: a change made while the initial sync runs is queued, not lost.
    watcher = openWatcher(rootReal, skip, opts.debounceMs, onEvent, opts.events);
    await new Promise<void>((resolve) => watcher?.on('ready', () => resolve()));
    needFull = true;
    kick();
    await running;
    if (opts.stop.aborted) return summary;
    opts.onReady?.({ files: store.loadFiles(opts.botId).size });
    await new Promise<void>((resolve) => {
      if (opts.stop.aborted) resolve();
      else opts.stop.addEventListener('abort', () => resolve(), { once: true });
    });
    return summary;
  } finally {
    clearTimeout(debounce);
    clearTimeout(retry);
    clearTimeout(settle);
    await watcher?.close();
    if (running) await running;
    lock.release();
    store.close();
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
