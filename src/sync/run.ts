import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import type { FileResult } from '../extract/index.js';
import type { SyncEvents } from '../events.js';
import { acquireLock, type StateLock } from '../state/lock.js';
import { StateStore } from '../state/store.js';
import { makeDisplay } from '../util/paths.js';
import type { RunContext, RunOptions } from './context.js';
import { buildResult, type RunResult } from './result.js';
import { startGitProbe } from './git-probe.js';
import { extractSettings } from './settings.js';
import type { ApplyStrategy } from './stages/apply.js';
import { applyAdopt } from './stages/apply-adopt.js';
import { applyDryRun } from './stages/apply-dry-run.js';
import { applyPush } from './stages/apply-push.js';
import { extractFiles, extractInto } from './stages/extract.js';
import { refuseFirstRun } from './stages/guards.js';
import { collectExtract, collectExtracts, emptyCollected, planStage, type PlannedRun } from './stages/plan.js';
import { selectFiles, type Selection } from './stages/select.js';
import { Stopwatch } from './stopwatch.js';

export type { RunOptions } from './context.js';
export type { RunCounts, RunResult } from './result.js';
export type { StaleEntry, UncertainEntry } from './entries.js';

/**
 * One run of the pipeline, as a composition of its stages: select what to read → extract →
 * plan → apply (dry run, adopt or push) → result. Used by `sync`, `plan`, `adopt` and `watch`.
 * The stages live in ./stages/, one file each; this opens the state, holds the lock, and hands
 * each stage what the one before it produced.
 */
export async function runSync(opts: RunOptions): Promise<RunResult> {
  const clock = new Stopwatch();
  const { config: cfg } = opts;
  const cwd = opts.cwd ?? process.cwd();
  if (!opts.dryRun && !opts.adopt && !opts.token)
    throw new ConfigError('No workspace token: set the CXGENIE_WORKSPACE_TOKEN environment variable.');
  if (!fs.existsSync(cfg.knowledgeDir) || !fs.statSync(cfg.knowledgeDir).isDirectory()) {
    throw new ConfigError(
      `The knowledge folder ${cfg.knowledgeDir} does not exist.`,
      `Check "knowledgeDir" in ${cfg.configFile ? path.relative(cwd, cfg.configFile) : 'sync.config.json'} (it is relative to that file).`,
    );
  }
  const display = makeDisplay(cwd, cfg.knowledgeDir);
  const events = shownEvents(opts.events ?? {}, display);
  // git works on the folder while the state is opened, locked and loaded, and the folder walked.
  const git = opts.changedPaths ? undefined : startGitProbe(cfg);
  return withState(opts, events, (store, lock) =>
    runStages({
      opts,
      cfg,
      botId: opts.botId,
      store,
      lock,
      settings: extractSettings(cfg),
      events,
      display,
      clock,
      git,
    }),
  );
}

/** The stages, in order. */
async function runStages(ctx: RunContext): Promise<RunResult> {
  const { opts, store, botId, clock } = ctx;
  const sel = await selectFiles(ctx);
  const { results, planned } = await readAndPlan(ctx, sel);
  refuseFirstRun({
    guarded: !opts.dryRun && !opts.adopt && (opts.ci ?? false) && !opts.allowInitial,
    botId,
    creates: planned.plan.create.length,
    hasHistory: () => store.hasHistory(botId),
  });
  const issues = [...sel.scan.issues, ...planned.issues];
  const apply: ApplyStrategy = opts.dryRun ? applyDryRun : opts.adopt ? applyAdopt : applyPush;
  const applied = await apply(ctx, { sel, results, planned, issues });
  clock.lap('record');
  const result = buildResult({
    dryRun: opts.dryRun,
    applied,
    issues,
    scan: sel.scan,
    filesRead: sel.dirty.length,
    skippedDrafts: planned.skippedDrafts,
    stale: store.stale(botId),
    uncertain: store.uncertain(botId),
    display: ctx.display,
    startedAt: clock.startedAt,
  });
  const durationMs = clock.elapsedMs();
  clock.lap('report');
  return { ...result, durationMs, timings: clock.timings };
}

/**
 * Extract the selected files and plan. A dry run records nothing of the files it read: it
 * collects what each result adds to the plan as the results come in, and holds none of them
 * (they would be most of a cold plan's memory).
 */
async function readAndPlan(
  ctx: RunContext,
  sel: Selection,
): Promise<{ results: readonly FileResult[]; planned: PlannedRun }> {
  if (ctx.opts.dryRun) {
    const collected = emptyCollected();
    await extractInto(ctx, sel.dirty, (r) => collectExtract(collected, r));
    return { results: [], planned: planStage(ctx, sel, collected) };
  }
  const results = await extractFiles(ctx, sel.dirty);
  return { results, planned: planStage(ctx, sel, collectExtracts(results)) };
}

/**
 * Open the state (read-only for a dry run) and take the lock (unless a dry run), or use the
 * ones the caller holds (watch mode); release and close what was opened here.
 */
async function withState<T>(
  opts: RunOptions,
  events: SyncEvents,
  fn: (store: StateStore, lock: StateLock | undefined) => Promise<T>,
): Promise<T> {
  const store = opts.store ?? StateStore.open(opts.config.stateFile, { readonly: opts.dryRun });
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
    return await fn(store, lock);
  } finally {
    if (!opts.store) {
      if (!opts.lock) lock?.release();
      store.close();
    }
  }
}

/** The caller's events, with each item's path shown relative to the working directory. */
function shownEvents(given: SyncEvents, display: (rel: string) => string): SyncEvents {
  return {
    ...given,
    item: given.item ? (r) => given.item?.({ ...r, file: display(r.file) }) : undefined,
  };
}
