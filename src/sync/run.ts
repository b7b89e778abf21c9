import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ApiError } from '../api/errors.js';
import type { ResolvedConfig } from '../config/load.js';
import { ConfigError, ExitCode, RefusedError, type FileIssue } from '../errors.js';
import type { FileResult, ScannedFile } from '../extract/index.js';
import type { ExtractSettings } from '../extract/types.js';
import type { RenderFn } from '../extract/render-pool.js';
import { planSync, type DesiredItem, type Plan, type PriorItem } from '../plan/plan.js';
import type { PushJob, PushOutcome } from '../push/pusher.js';
import type { ItemResult, SyncEvents } from '../report/events.js';
import { acquireLock, type StateLock } from '../state/lock.js';
import {
  StateStore,
  type FileRecord,
  type ItemRow,
  type PendingRow,
  type StaleRow,
  type UncertainRow,
} from '../state/store.js';
import { scanPaths, scanTree, type ScanResult } from '../scan/walk.js';

// Parsers, the HTTP client and the push queue load only when a run needs them: a no-op sync
// reads no file and sends nothing, and should not pay for loading what would do either.

/** One run of the pipeline: scan → extract → plan → (push). Used by `sync`, `plan` and `watch`. */

export interface RunOptions {
  config: ResolvedConfig;
  botId: string;
  /** Push nothing and write nothing (`plan`, `sync --dry-run`). */
  dryRun: boolean;
  /** Required unless `dryRun`. */
  token?: string;
  command?: string;
  /** Watch mode: only these paths (relative to knowledgeDir) changed; everything else is as the state says. */
  changedPaths?: Iterable<string>;
  /** Allow a first run in CI that would create items (the first-run guard). */
  allowInitial?: boolean;
  /**
   * `kb-sync adopt`: record what would be created as already in the bot (origin "adopted", no
   * remote id) and push nothing. Updates and stale items are left for a later sync.
   */
  adopt?: boolean;
  /** Allow a scan that finds nothing to turn every item stale. */
  allowEmpty?: boolean;
  /** Running in CI (`CI=true`): enables the first-run guard. */
  ci?: boolean;
  /** Seconds to wait for another run's lock. */
  waitSeconds?: number;
  /** An open store and held lock to reuse (watch mode). */
  store?: StateStore;
  lock?: StateLock;
  /** Ctrl-C: stop taking new work. */
  stop?: AbortSignal;
  /** End of the grace period: cut requests in flight. */
  kill?: AbortSignal;
  events?: SyncEvents;
  /** Paths in messages are relative to this (default: the process's working directory). */
  cwd?: string;
  /** Worker threads for extraction (default: one per core when there is enough work). */
  workers?: number;
  random?: () => number;
}

export interface StaleEntry {
  remoteId: string | null;
  key: string;
  type: string;
  title: string;
  file: string | null;
  reason: 'changed' | 'removed';
  since: string;
  origin: string;
}

export interface UncertainEntry {
  key: string;
  type: string;
  title: string;
  file: string | null;
  remoteId: string | null;
  reason: string;
  since: string;
}

export interface RunCounts {
  create: number;
  update: number;
  moved: number;
  stale: number;
  unchanged: number;
  failed: number;
}

export interface RunResult {
  ok: boolean;
  dryRun: boolean;
  counts: RunCounts;
  items: ItemResult[];
  /** File errors and warnings, located, with paths relative to the working directory. */
  errors: FileIssue[];
  warnings: FileIssue[];
  /** Every stale item the state lists for this bot (not only this run's). */
  stale: StaleEntry[];
  /** Items that may exist twice in the bot. */
  uncertain: UncertainEntry[];
  /** Requests left in flight by an earlier run that stopped, settled now. */
  recovered: number;
  skippedDrafts: number;
  ignoredFiles: string[];
  filesScanned: number;
  filesRead: number;
  requests: number;
  rateLimited: number;
  interrupted: boolean;
  authError?: ApiError;
  exitCode: number;
  durationMs: number;
  /** Milliseconds per phase (start, state, scan, read, plan, apply, push, record, report). */
  timings: Record<string, number>;
  /** `adopt`: how many items were recorded as already in the bot. */
  adopted?: number;
}

export function extractSettings(cfg: ResolvedConfig): ExtractSettings {
  return {
    markdownFormat: cfg.markdown.format,
    ...(cfg.markdown.baseUrl ? { markdownBaseUrl: cfg.markdown.baseUrl } : {}),
    maxTextBytes: cfg.limits.maxTextBytes,
    maxItemsPerFile: cfg.limits.maxItemsPerFile,
    maxDocumentBytes: cfg.documents.maxBytes,
  };
}

/** Everything that changes what a file yields: when it changes, every file is read again. */
export function extractFingerprint(cfg: ResolvedConfig): string {
  return JSON.stringify({
    v: 1,
    kinds: cfg.kinds,
    include: cfg.include,
    exclude: cfg.exclude,
    s: extractSettings(cfg),
  });
}

export function stateSkipPaths(stateFile: string): string[] {
  return [stateFile, `${stateFile}-wal`, `${stateFile}-shm`, `${stateFile}-journal`];
}

export async function runSync(opts: RunOptions): Promise<RunResult> {
  const started = performance.now();
  // Where the time went, for --verbose and the benchmark: phase → milliseconds.
  const timings: Record<string, number> = {};
  let mark = started;
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = Math.round((timings[name] ?? 0) + now - mark);
    mark = now;
  };
  const { config: cfg, botId } = opts;
  const cwd = opts.cwd ?? process.cwd();
  // Paths relative to the working directory: one prefix, computed once (this runs per item).
  const prefix = toPosix(path.relative(cwd, cfg.knowledgeDir));
  const shown = new Map<string, string>();
  const display = (rel: string): string => {
    let d = shown.get(rel);
    if (d === undefined) {
      d =
        rel.startsWith('/') || /^[A-Za-z]:/.test(rel)
          ? toPosix(path.relative(cwd, rel))
          : prefix === ''
            ? rel
            : `${prefix}/${rel}`;
      shown.set(rel, d);
    }
    return d;
  };
  const given = opts.events ?? {};
  // Everything reported as it happens carries paths relative to the working directory.
  const events: SyncEvents = {
    ...given,
    item: given.item ? (r) => given.item?.({ ...r, file: display(r.file) }) : undefined,
  };
  const settings = extractSettings(cfg);
  if (!opts.dryRun && !opts.adopt && !opts.token)
    throw new ConfigError('No workspace token: set the CXGENIE_WORKSPACE_TOKEN environment variable.');

  if (!fs.existsSync(cfg.knowledgeDir) || !fs.statSync(cfg.knowledgeDir).isDirectory()) {
    throw new ConfigError(
      `The knowledge folder ${cfg.knowledgeDir} does not exist.`,
      `Check "knowledgeDir" in ${cfg.configFile ? path.relative(cwd, cfg.configFile) : 'sync.config.json'} (it is relative to that file).`,
    );
  }

  const ownStore = !opts.store;
  const store = opts.store ?? StateStore.open(cfg.stateFile, { readonly: opts.dryRun });
  let lock = opts.lock;
  try {
    if (!opts.dryRun && !lock) {
      lock = await acquireLock(store, {
        command: opts.command ?? 'sync',
        waitSeconds: opts.waitSeconds ?? 0,
        onWait: (h) =>
          events.log?.('info', `Waiting for another kb-sync (pid ${h.pid} on ${h.host}, since ${h.since}) to finish…`),
      });
      if (lock.tookOverFrom) {
        events.log?.(
          'warn',
          `Took over a lock left by a process that is gone (pid ${lock.tookOverFrom.pid} on ${lock.tookOverFrom.host}).`,
        );
      }
    }
    return await runLocked(store);
  } finally {
    if (ownStore) {
      if (!opts.lock) lock?.release();
      store.close();
    }
  }

  async function runLocked(store: StateStore): Promise<RunResult> {
    const fingerprint = extractFingerprint(cfg);
    const bot = store.bot(botId);
    const fingerprintChanged = bot?.extractFingerprint !== fingerprint;

    // ---- scan
    lap('start');
    events.phase?.('scan');
    const scanOpts = {
      root: cfg.knowledgeDir,
      include: cfg.include,
      exclude: cfg.exclude,
      kinds: cfg.kinds,
      skip: stateSkipPaths(cfg.stateFile),
    };
    const known = store.loadFileIndex(botId);
    lap('state');
    let scan: ScanResult;
    let removed: Set<string>;
    if (opts.changedPaths && !fingerprintChanged) {
      const hinted = [...new Set(opts.changedPaths)];
      scan = scanPaths(scanOpts, hinted);
      const found = new Set(scan.files.map((f) => f.relPath));
      removed = new Set();
      for (const h of hinted) {
        for (const p of known.keys()) {
          if ((p === h || p.startsWith(`${h}/`)) && !found.has(p)) removed.add(p);
        }
      }
    } else {
      scan = scanTree(scanOpts);
      const found = new Set(scan.files.map((f) => f.relPath));
      removed = new Set([...known.keys()].filter((p) => !found.has(p)));
    }
    // What could not be examined (an unreadable folder, a file that cannot be stat'ed) is not gone.
    for (const u of scan.unreadable) {
      for (const p of removed) if (u === '' || p === u || p.startsWith(`${u}/`)) removed.delete(p);
    }
    for (const i of scan.issues) events.issue?.({ ...i, file: display(i.file) });
    lap('scan');

    // A scan that leaves no file (a wrong knowledgeDir, an empty checkout, a folder replaced by
    // an empty one while watching) must not turn the whole bot stale.
    const hasItems = store.itemCount(botId) > 0;
    const newFiles = scan.files.filter((f) => !known.has(f.relPath)).length;
    const remaining = opts.changedPaths
      ? known.size - removed.size + newFiles
      : scan.files.length + scan.unreadable.length;
    if (remaining === 0 && hasItems && !opts.allowEmpty) {
      throw new RefusedError(
        `Found no knowledge files in ${cfg.knowledgeDir}, but the state holds items in the bot; refusing to mark them all stale.`,
        'Check "knowledgeDir" and "include"/"exclude". If the folder really is empty now, run again with --allow-empty.',
      );
    }

    // ---- which files must be read
    const dirty: ScannedFile[] = [];
    for (const f of scan.files) {
      const k = known.get(f.relPath);
      if (fingerprintChanged || k !== `${f.kind}|${f.sig}`) dirty.push(f);
    }
    lap('scan');
    events.phase?.('read', { files: dirty.length });
    const results: FileResult[] =
      dirty.length === 0
        ? []
        : await (
            await import('./extract-many.js')
          ).extractMany(dirty, settings, {
            workers: opts.workers ?? defaultWorkers(dirty.length),
            onProgress: (d, t) => events.progress?.(d, t),
          });

    // ---- plan
    lap('read');
    events.phase?.('plan');
    const desired: DesiredItem[] = [];
    const dirtySet = new Set<string>();
    const incomplete = new Set<string>();
    const fileIssues: FileIssue[] = [];
    let skippedDrafts = 0;

    for (const r of results) {
      dirtySet.add(r.relPath);
      // The item objects become desired items in place (no copies: a cold plan has many).
      for (const it of r.extract.items) {
        const d = it as DesiredItem;
        d.file = r.relPath;
        desired.push(d);
      }
      if (!r.extract.complete) incomplete.add(r.relPath);

      fileIssues.push(...r.extract.issues);
      skippedDrafts += r.extract.draftEntries ?? 0;
      if (r.extract.skipped === 'draft' || r.extract.skipped === 'sync-false') skippedDrafts++;
    }
    const touched = [...dirtySet, ...removed];
    // A state that knows no file has nothing to look up (a cold plan of a big folder).
    const coldState = known.size === 0 && store.itemCount(botId) === 0;
    const priorFileKeysRaw = coldState
      ? new Map<string, { key: string; hash: string }[]>()
      : store.fileKeys(botId, touched);
    const priorFileKeys = new Map<string, string[]>([...priorFileKeysRaw].map(([p, ks]) => [p, ks.map((k) => k.key)]));
    const relevant = new Set<string>(desired.map((d) => d.key));
    for (const ks of priorFileKeys.values()) for (const k of ks) relevant.add(k);
    const priorRows = coldState ? new Map<string, ItemRow>() : store.items(botId, relevant);
    const prior = new Map<string, PriorItem>([...priorRows].map(([k, r]) => [k, toPrior(r)]));
    const heldElsewhere = coldState ? new Set<string>() : store.keysHeldElsewhere(botId, relevant, new Set(touched));
    const plan = planSync({
      desired,
      dirtyFiles: dirtySet,
      incompleteFiles: incomplete,
      removedFiles: removed,
      priorFileKeys,
      prior,
      heldElsewhere,
    });
    fileIssues.push(...plan.conflicts);
    const conflicted = new Map<string, string>();
    for (const c of plan.conflicts) if (!conflicted.has(c.file)) conflicted.set(c.file, c.message);
    for (const i of fileIssues) events.issue?.({ ...i, file: display(i.file) });
    const allIssues = [...scan.issues, ...fileIssues];
    lap('plan');
    events.phase?.('plan', { items: plan.create.length + plan.update.length });

    // First-run guard: in CI, a state that never synced this bot must not push the whole folder.
    if (
      !opts.dryRun &&
      !opts.adopt &&
      opts.ci &&
      !opts.allowInitial &&
      !store.hasHistory(botId) &&
      plan.create.length > 0
    ) {
      throw new RefusedError(
        `This state file has never synced bot ${botId}, and the plan would create ${plan.create.length} item(s). In CI that usually means the state was lost (a cache miss), and pushing now would create every item in the bot a second time.`,
        'Restore the state (actions/cache, or `kb-sync state import`). If this really is the first sync of this bot, run once with --allow-initial; if the bot already has this content, run `kb-sync adopt` instead.',
      );
    }

    const filesByRel = new Map(scan.files.map((f) => [f.relPath, f]));
    const items: ItemResult[] = [];

    if (opts.dryRun) {
      await refineUpdates(plan, filesByRel);
      for (const c of plan.create) items.push(planned(c.item, 'create'));
      for (const u of plan.update) items.push({ ...planned(u.item, 'update'), replacedRemoteId: u.prior.remoteId });
      for (const m of plan.moved) items.push({ ...planned(m.item, 'move'), remoteId: m.from.remoteId ?? undefined });
      for (const s of plan.stale) items.push(staleItem(s.prior));
      const counts: RunCounts = {
        create: plan.create.length,
        update: plan.update.length,
        moved: plan.moved.length,
        stale: plan.stale.length,
        // Everything the bot has that this plan does not touch (read from a counter, not counted).
        unchanged: Math.max(0, store.itemCount(botId) - plan.update.length - plan.moved.length - plan.stale.length),
        failed: 0,
      };
      return finishResult({
        store,
        items,
        counts,
        allIssues,
        plan,
        recovered: 0,
        push: undefined,
        scanned: scan,
        read: dirty.length,
        skippedDrafts,
        interrupted: false,
      });
    }

    if (opts.adopt) {
      const runId = store.startRun(botId, 'adopt', os.hostname());
      store.ensureBot(botId, cfg.apiBaseUrl);
      store.setFingerprint(botId, fingerprint);
      store.applyMoves(
        botId,
        plan.moved.map((m) => ({
          from: m.from.key,
          to: m.item.key,
          label: m.item.label,
          sourceFile: m.item.file,
          sourceLine: m.item.line,
        })),
        runId,
      );
      // What the state had and the folder no longer has is in the bot and stale, as after a sync.
      store.applyRemovals(
        botId,
        plan.stale.map((st) => st.prior.key),
        runId,
      );
      for (const st of plan.stale) items.push(staleItem(st.prior));
      // No payload hashes: rendering every article would make adopt as slow as a full push's
      // preparation; the first source edit of an adopted article is then pushed as an update.
      const adopted = plan.create.map((c) => ({ item: c.item, payloadHash: null }));
      store.adoptItems(
        botId,
        adopted.map((a) => ({ ...a.item, payloadHash: a.payloadHash })),
        runId,
      );
      for (const a of adopted) items.push({ ...planned(a.item, 'create'), status: 'unchanged', action: 'create' });
      for (const u of plan.update)
        items.push({
          ...planned(u.item, 'update'),
          status: 'skipped',
          error: 'already tracked with another version; `kb-sync sync` pushes it',
        });
      for (const m of plan.moved) items.push({ ...planned(m.item, 'move'), status: 'moved' });
      store.recordFiles(
        botId,
        results
          .filter((r) => !r.vanished)
          .map((r) =>
            recordFor(r, plan, priorFileKeysRaw.get(r.relPath) ?? [], { conflict: conflicted.get(r.relPath) }),
          ),
      );
      store.forgetFiles(botId, removed);
      store.markSynced(botId);
      const counts: RunCounts = {
        create: 0,
        update: 0,
        moved: plan.moved.length,
        stale: plan.stale.length,
        unchanged: Math.max(0, store.itemCount(botId) - plan.moved.length),
        failed: 0,
      };
      store.finishRun(runId, 'ok', { ...counts, adopted: adopted.length });
      const r = finishResult({
        store,
        items,
        counts,
        allIssues,
        plan,
        recovered: 0,
        push: undefined,
        scanned: scan,
        read: dirty.length,
        skippedDrafts,
        interrupted: false,
      });
      return { ...r, adopted: adopted.length };
    }

    // ---- apply
    const runId = store.startRun(botId, opts.command ?? 'sync', os.hostname());
    store.ensureBot(botId, cfg.apiBaseUrl);
    if (fingerprintChanged) {
      store.tx(() => {
        store.db.prepare('UPDATE files SET synced = 0 WHERE bot_id = ?').run(botId);
        store.setFingerprint(botId, fingerprint);
      });
    }
    const recovered = store.recoverPending(botId, runId);
    if (recovered.length > 0) {
      events.log?.(
        'warn',
        `${recovered.length} request(s) were in flight when an earlier run stopped; they may have created items twice (listed as uncertain).`,
      );
    }
    store.applyMoves(
      botId,
      plan.moved.map((m) => ({
        from: m.from.key,
        to: m.item.key,
        label: m.item.label,
        sourceFile: m.item.file,
        sourceLine: m.item.line,
      })),
      runId,
    );
    const jobs: PushJob[] = [];
    for (const c of plan.create)
      jobs.push({ action: 'create', item: c.item, file: filesByRel.get(c.item.file) as ScannedFile });
    for (const u of plan.update)
      jobs.push({ action: 'update', item: u.item, prior: u.prior, file: filesByRel.get(u.item.file) as ScannedFile });
    jobs.sort((a, b) => (a.item.file < b.item.file ? -1 : a.item.file > b.item.file ? 1 : a.item.line - b.item.line));

    // Keys a file no longer yields turn stale now if nothing of that file is pushed (a deleted
    // entry or file); if the file has pushes (a reworded question is a new key), only once they
    // all succeed: a failed replacement must not leave the only copy listed as stale.
    const filesWithJobs = new Set(jobs.map((j) => j.item.file));
    const staleNow = plan.stale.filter((st) => !filesWithJobs.has(st.fromFile));
    const staleLater = plan.stale.filter((st) => filesWithJobs.has(st.fromFile));
    store.applyRemovals(
      botId,
      staleNow.map((st) => st.prior.key),
      runId,
    );
    for (const m of plan.moved)
      items.push({ ...planned(m.item, 'move'), status: 'moved', remoteId: m.from.remoteId ?? undefined });
    for (const st of staleNow) items.push(staleItem(st.prior));

    // Record the keys every re-read file yields now before anything is sent, without its stat
    // signature (so it is read again unless this run completes): a run killed mid-push leaves
    // the next one able to see what to turn stale. Deferred stale keys stay mapped until settled.
    const deferredOf = (file: string) =>
      staleLater.filter((st) => st.fromFile === file).map((st) => ({ key: st.prior.key, hash: st.prior.hash }));
    const recordAll = (keepDeferred: (file: string) => boolean, unsettled: (file: string) => boolean) =>
      results
        .filter((r) => !r.vanished)
        .map((r) =>
          recordFor(r, plan, priorFileKeysRaw.get(r.relPath) ?? [], {
            conflict: conflicted.get(r.relPath),
            keep: keepDeferred(r.relPath) ? deferredOf(r.relPath) : [],
            unsettled: unsettled(r.relPath),
          }),
        );
    if (jobs.length > 0)
      store.recordFiles(
        botId,
        recordAll(
          () => true,
          () => true,
        ),
      );

    lap('apply');
    events.phase?.('push', { items: jobs.length });
    const push: PushOutcome = jobs.length === 0 ? emptyPush() : await pushJobs(jobs, runId);
    lap('push');
    items.push(...push.results);
    allIssues.push(...push.issues);
    for (const i of push.issues) events.issue?.({ ...i, file: display(i.file) });

    // The deferred removals of the files whose pushes all went through.
    const settled = (st: string) => st === 'created' || st === 'updated' || st === 'unchanged';
    const failedFiles = new Set(push.results.filter((r) => !settled(r.status)).map((r) => r.file));
    const staleAfter = staleLater.filter((st) => !failedFiles.has(st.fromFile));
    store.applyRemovals(
      botId,
      staleAfter.map((st) => st.prior.key),
      runId,
    );
    for (const st of staleAfter) items.push(staleItem(st.prior));

    // ---- record what was read, so unchanged files are skipped next time
    store.recordFiles(
      botId,
      recordAll(
        (f) => failedFiles.has(f),
        (f) => push.changedFiles.has(f),
      ),
    );
    store.forgetFiles(botId, removed);

    const lockLost = lock?.lostSignal.aborted ?? false;
    if (lockLost) {
      events.log?.(
        'warn',
        'Another kb-sync took the state lock over during this run (this one looked dead to it): stopped taking new work. Run again.',
      );
    }
    const interrupted = (opts.stop?.aborted ?? false) || lockLost;
    const failed = push.results.filter((r) => r.status === 'failed').length;
    const created = push.results.filter((r) => r.status === 'created').length;
    const updated = push.results.filter((r) => r.status === 'updated').length;
    const counts: RunCounts = {
      create: created,
      update: updated,
      moved: plan.moved.length,
      stale: staleNow.length + staleAfter.length,
      // Everything else the bot has (read from a counter kept by the store, not counted).
      unchanged: Math.max(0, store.itemCount(botId) - created - updated - plan.moved.length),
      failed,
    };
    if (!interrupted && !push.authError) store.markSynced(botId);
    const hasErrors = allIssues.some((i) => i.severity === 'error');
    store.finishRun(
      runId,
      interrupted ? 'interrupted' : push.authError ? 'auth-failed' : failed > 0 || hasErrors ? 'partial' : 'ok',
      { ...counts },
    );
    const result = finishResult({
      store,
      items,
      counts,
      allIssues,
      plan,
      recovered: recovered.length,
      push,
      scanned: scan,
      read: dirty.length,
      skippedDrafts,
      interrupted,
    });
    return lockLost ? { ...result, ok: false, exitCode: ExitCode.locked } : result;
  }

  /**
   * Articles render in worker threads with a time limit (a pathological file must not hang the
   * run), where the compiled workers exist; in-process otherwise (tests on the sources).
   */
  async function withRenderer<T>(needed: boolean, fn: (render: RenderFn | undefined) => Promise<T>): Promise<T> {
    const { RenderPool } = await import('../extract/render-pool.js');
    if (!needed || !RenderPool.available()) return fn(undefined);
    const pool = new RenderPool(Math.min(2, os.availableParallelism()), cfg.limits.renderTimeoutMs);
    try {
      return await fn(pool.render);
    } finally {
      await pool.close();
    }
  }

  async function pushJobs(jobs: PushJob[], runId: number): Promise<PushOutcome> {
    const [{ CxGenieClient }, { Pacer }, { pushAll }] = await Promise.all([
      import('../api/client.js'),
      import('../push/pacer.js'),
      import('../push/pusher.js'),
    ]);
    const client = new CxGenieClient({
      baseUrl: cfg.apiBaseUrl,
      token: opts.token as string,
      botId,
      timeoutMs: cfg.timeoutMs,
      uploadTimeoutMs: cfg.uploadTimeoutMs,
      userAgent: 'cxgenie-kb-sync',
    });
    return withRenderer(
      jobs.some((j) => j.item.type === 'TEXT'),
      (render) =>
        pushAll(jobs, {
          ...(render ? { render } : {}),
          client,
          store,
          botId,
          runId,
          settings,
          retry: cfg.retry,
          concurrency: cfg.rateLimit.concurrency,
          pacer: new Pacer({ maxRate: cfg.rateLimit.requestsPerSecond }),
          documentsBatchSize: cfg.documents.batchSize,
          // Ctrl-C, or another process having taken the lock over, stops new work.
          stop: AbortSignal.any([
            opts.stop ?? new AbortController().signal,
            lock?.lostSignal ?? new AbortController().signal,
          ]),
          kill: opts.kill ?? new AbortController().signal,
          ...(opts.random ? { random: opts.random } : {}),
          events,
        }),
    );
  }

  /** For planned article updates, render both versions' payload hashes: a source-only change is not an update. */
  async function refineUpdates(plan: Plan, filesByRel: Map<string, ScannedFile>): Promise<void> {
    const keep: Plan['update'] = [];
    const byFile = new Map<string, Plan['update']>();
    for (const u of plan.update) {
      if (u.item.type !== 'TEXT' || !u.prior.payloadHash) {
        keep.push(u);
        continue;
      }
      const list = byFile.get(u.item.file) ?? [];
      list.push(u);
      byFile.set(u.item.file, list);
    }
    if (byFile.size > 0) {
      const { buildPayloads } = await import('../extract/index.js');
      await withRenderer(true, async (render) => {
        for (const [file, ups] of byFile) {
          const f = filesByRel.get(file);
          const built = f ? await buildPayloads(f, settings, render) : undefined;
          for (const u of ups) {
            const bp = built instanceof Map ? built.get(u.item.key) : undefined;
            if (bp && bp.payloadHash === u.prior.payloadHash) plan.unchanged.push(u.item);
            else keep.push(u);
          }
        }
      });
    }
    plan.update = keep;
  }

  function finishResult(a: {
    store: StateStore;
    items: ItemResult[];
    counts: RunCounts;
    allIssues: FileIssue[];
    plan: Plan;
    recovered: number;
    push: PushOutcome | undefined;
    scanned: ScanResult;
    read: number;
    skippedDrafts: number;
    interrupted: boolean;
  }): RunResult {
    lap('record');
    const issues = a.allIssues.map((i) => ({ ...i, file: i.file.startsWith('(') ? i.file : display(i.file) }));
    const errors = issues.filter((i) => i.severity === 'error');
    const warnings = issues.filter((i) => i.severity === 'warning');
    const items = a.items;
    for (const it of items) it.file = display(it.file);
    const stale = a.store.stale(botId).map((s) => staleEntry(s, display));
    // A dry run shows what would turn stale as well.
    if (opts.dryRun) {
      for (const s of a.plan.stale) {
        stale.push({
          remoteId: s.prior.remoteId,
          key: s.prior.key,
          type: s.prior.type,
          title: s.prior.label,
          file: s.file ? display(s.file) : null,
          reason: 'removed',
          since: 'this run',
          origin: s.prior.origin,
        });
      }
    }
    const uncertain = a.store.uncertain(botId).map((u) => uncertainEntry(u, display));
    const authError = a.push?.authError;
    let exitCode: number = ExitCode.ok;
    if (authError) exitCode = ExitCode.usage;
    else if (a.counts.failed > 0 || errors.length > 0) exitCode = ExitCode.partial;
    return {
      ok: exitCode === ExitCode.ok && !a.interrupted,
      dryRun: opts.dryRun,
      counts: a.counts,
      items,
      errors,
      warnings,
      stale,
      uncertain,
      recovered: a.recovered,
      skippedDrafts: a.skippedDrafts,
      ignoredFiles: a.scanned.ignored.map(display),
      filesScanned: a.scanned.files.length,
      filesRead: a.read,
      requests: a.push?.requests ?? 0,
      rateLimited: a.push?.rateLimited ?? 0,
      interrupted: a.interrupted,
      ...(authError ? { authError } : {}),
      exitCode,
      durationMs: Math.round(performance.now() - started),
      timings: (lap('report'), timings),
    };
  }
}

/**
 * Threads for reading and parsing (this one plus workers). Workers pay for their start (~0.2 s,
 * loading the parsers) and for copying results back, and parsing is memory-bound: on the 2-vCPU
 * machine the benchmark ran on, two threads were no faster than one (see README, Performance).
 * So they are used only with 3 or more cores and thousands of changed files. KB_SYNC_WORKERS
 * sets the number of threads (0 or 1 = this thread only), for measuring.
 */
function defaultWorkers(files: number): number {
  const forced = process.env.KB_SYNC_WORKERS;
  if (forced !== undefined && /^\d+$/.test(forced)) return Number(forced);
  const cores = os.availableParallelism();
  if (cores < 3 || files < 2000) return 0;
  return Math.min(4, cores);
}

function emptyPush(): PushOutcome {
  return { results: [], issues: [], changedFiles: new Set(), requests: 0, rateLimited: 0 };
}

/**
 * What to record of a file that was read: its stat signature (none while the run is unsettled,
 * so that it is read again), its error, and the keys it yields — minus keys it lost in a conflict,
 * plus earlier keys held back because of errors or kept until their replacement is pushed.
 */
function recordFor(
  r: FileResult,
  plan: Plan,
  priorKeys: { key: string; hash: string }[],
  o: { conflict?: string | undefined; keep?: { key: string; hash: string }[]; unsettled?: boolean } = {},
): FileRecord {
  const parsed = r.extract.complete || r.extract.items.length > 0;
  const base = {
    path: r.relPath,
    kind: r.kind,
    sig: o.unsettled ? null : (r.sig ?? null),
    racy: r.racy ?? false,
    contentHash: r.extract.contentHash ?? null,
    error: r.extract.issues.find((i) => i.severity === 'error')?.message ?? o.conflict ?? null,
  };
  if (!parsed) return base; // Failed to parse: the earlier key mapping stays.
  const lost = plan.lost.get(r.relPath);
  const items = r.extract.items.filter((i) => !lost?.has(i.key)).map((i) => ({ key: i.key, hash: i.hash }));
  const have = new Set(items.map((i) => i.key));
  const add = (k: { key: string; hash: string }) => {
    if (!have.has(k.key)) {
      have.add(k.key);
      items.push(k);
    }
  };
  if (!r.extract.complete || o.conflict) {
    // Keys held back because of errors stay mapped, so they turn stale once the file is fixed.
    const held = new Set(plan.held);
    for (const k of priorKeys) if (held.has(k.key)) add(k);
  }
  for (const k of o.keep ?? []) add(k);
  return { ...base, items };
}

function toPrior(r: ItemRow): PriorItem {
  return {
    key: r.key,
    type: r.type,
    label: r.label,
    hash: r.hash,
    payloadHash: r.payloadHash,
    remoteId: r.remoteId,
    origin: r.origin,
    sourceFile: r.sourceFile,
  };
}

function planned(item: DesiredItem, action: ItemResult['action']): ItemResult {
  return {
    key: item.key,
    type: item.type,
    label: item.label,
    file: item.file,
    line: item.line,
    action,
    status: 'planned',
  };
}

function staleItem(p: PriorItem): ItemResult {
  return {
    key: p.key,
    type: p.type,
    label: p.label,
    file: p.sourceFile ?? '',
    line: 0,
    action: 'stale',
    status: 'stale',
    ...(p.remoteId ? { remoteId: p.remoteId } : {}),
  };
}

export function staleEntry(s: StaleRow, display: (rel: string) => string): StaleEntry {
  return {
    remoteId: s.remoteId,
    key: s.key,
    type: s.type,
    title: s.label,
    file: s.sourceFile ? display(s.sourceFile) : null,
    reason: s.reason,
    since: s.since,
    origin: s.origin,
  };
}

export function uncertainEntry(u: UncertainRow, display: (rel: string) => string): UncertainEntry {
  return {
    key: u.key,
    type: u.type,
    title: u.label,
    file: u.sourceFile ? display(u.sourceFile) : null,
    remoteId: u.remoteId,
    reason: u.reason,
    since: u.since,
  };
}

export function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

export type { PendingRow };
