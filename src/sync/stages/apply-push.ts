import os from 'node:os';
import type { FileIssue } from '../../errors.js';
import type { ItemResult } from '../../events.js';
import type { Plan, PlannedStale } from '../../plan/plan.js';
import type { PushJob, PushOutcome } from '../../push/pusher.js';
import type { ScannedFile } from '../../scan/file.js';
import type { FileKey } from '../../state/store.js';
import type { RunContext } from '../context.js';
import { plannedItem, staleItem } from '../item-results.js';
import { pushJobs } from '../push-runner.js';
import type { RunCounts } from '../counts.js';
import { filesByPath, movesOf, type Applied, type ApplyInput } from './apply.js';
import { recordsFor } from './record.js';
import { knowledgeDirKey } from '../settings.js';

/**
 * The push strategy (`sync`, `watch`): settle what an earlier run left in flight, apply renames,
 * push creates and updates, turn what the folder lost stale, and record what was read. Each step
 * is committed as it is achieved, so a run killed at any point loses nothing.
 */
export async function applyPush(ctx: RunContext, input: ApplyInput): Promise<Applied> {
  const { store, botId, events, display } = ctx;
  const { plan } = input.planned;
  const { runId, recovered } = beginPushRun(ctx, input);
  const jobs = pushJobsFor(plan, filesByPath(input.sel.scan.files));
  const { now: staleNow, later: staleLater } = splitStale(plan.stale, jobs);
  store.applyRemovals(
    botId,
    staleNow.map((st) => st.prior.key),
    runId,
  );
  const items: ItemResult[] = [
    ...plan.moved.map((m) => ({
      ...plannedItem(m.item, 'move'),
      status: 'moved' as const,
      remoteId: m.from.remoteId ?? undefined,
    })),
    ...staleNow.map((st) => staleItem(st.prior)),
  ];

  // Record the keys every re-read file yields now before anything is sent, without its stat
  // signature (so it is read again unless this run completes): a run killed mid-push leaves
  // the next one able to see what to turn stale. Deferred stale keys stay mapped until settled.
  const keepDeferred = (file: string) => deferredKeys(staleLater, file);
  const records = (per: Parameters<typeof recordsFor>[4]) =>
    recordsFor(input.results, plan, input.planned.priorFileKeys, input.planned.conflicted, per);
  if (jobs.length > 0) store.recordFiles(botId, records({ keep: keepDeferred, unsettled: () => true }));

  if (jobs.length > 0 && ctx.opts.beforePush)
    await ctx.opts.beforePush(
      jobs.map((j) => ({ key: j.item.key, type: j.item.type, label: j.item.label, sourceFile: j.item.file })),
    );
  ctx.clock.lap('apply');
  events.phase?.('push', { items: jobs.length });
  const push = await pushJobs(ctx, jobs, runId);
  ctx.clock.lap('push');
  // The state cannot be written: what was sent is in its journal; the run ends here (exit 2).
  if (push.stateError) throw push.stateError;
  items.push(...push.results);
  for (const i of push.issues) events.issue?.({ ...i, file: display(i.file) });

  // The deferred removals of the files whose pushes all went through.
  const failedFiles = unsettledFiles(push);
  const staleAfter = staleLater.filter((st) => !failedFiles.has(st.fromFile));
  store.applyRemovals(
    botId,
    staleAfter.map((st) => st.prior.key),
    runId,
  );
  items.push(...staleAfter.map((st) => staleItem(st.prior)));

  // Record what was read, so unchanged files are skipped next time.
  store.recordFiles(
    botId,
    records({
      keep: (f) => (failedFiles.has(f) ? keepDeferred(f) : []),
      unsettled: (f) => push.changedFiles.has(f),
    }),
  );
  store.forgetFiles(botId, input.sel.removed);
  store.recordBlobs(botId, input.sel.blobs);
  return finishPushRun(ctx, {
    runId,
    plan,
    push,
    items,
    recovered,
    stale: staleNow.length + staleAfter.length,
    issues: [...input.issues, ...push.issues],
  });
}

/** Open the run's record, note a changed extraction, settle requests left in flight, apply renames. */
function beginPushRun(ctx: RunContext, input: ApplyInput): { runId: number; recovered: number } {
  const { store, botId, cfg, opts, events } = ctx;
  const runId = store.startRun(botId, opts.command ?? 'sync', os.hostname());
  store.ensureBot(botId, cfg.apiBaseUrl);
  store.moveKnowledgeDir(botId, knowledgeDirKey(cfg));
  if (input.sel.fingerprintChanged) store.changeFingerprint(botId, input.sel.fingerprint);
  const recovered = store.recoverPending(botId, runId);
  if (recovered.length > 0) {
    events.log?.(
      'warn',
      `${recovered.length} request(s) were in flight when an earlier run stopped; they may have created items twice (listed as uncertain).`,
    );
  }
  store.applyMoves(botId, movesOf(input.planned.plan), runId);
  return { runId, recovered: recovered.length };
}

/** Close the run's record: was it whole, and what it did. */
function finishPushRun(
  ctx: RunContext,
  a: {
    runId: number;
    plan: Plan;
    push: PushOutcome;
    items: ItemResult[];
    recovered: number;
    stale: number;
    issues: readonly FileIssue[];
  },
): Applied {
  const { store, botId, opts, lock, events } = ctx;
  const lockLost = lock?.lostSignal.aborted ?? false;
  if (lockLost) {
    events.log?.(
      'warn',
      'Another kb-sync took the state lock over during this run (this one looked dead to it): stopped taking new work. Run again.',
    );
  }
  const interrupted = (opts.stop?.aborted ?? false) || lockLost;
  const counts = pushCounts(a.plan, a.push, a.stale, store.itemCount(botId));
  if (!interrupted && !a.push.authError) store.markSynced(botId);
  const hasErrors = a.issues.some((i) => i.severity === 'error');
  store.finishRun(a.runId, runStatus({ interrupted, authError: Boolean(a.push.authError), counts, hasErrors }), {
    ...counts,
  });
  return {
    plan: a.plan,
    items: a.items,
    counts,
    issues: a.push.issues,
    recovered: a.recovered,
    requests: a.push.requests,
    rateLimited: a.push.rateLimited,
    ...(a.push.authError ? { authError: a.push.authError } : {}),
    interrupted,
    lockLost,
  };
}

/** Pure: the plan's creates and updates as push jobs, in file and line order. */
export function pushJobsFor(plan: Plan, files: ReadonlyMap<string, ScannedFile>): PushJob[] {
  const jobs: PushJob[] = [
    ...plan.create.map((c): PushJob => ({
      action: 'create',
      item: c.item,
      file: files.get(c.item.file) as ScannedFile,
    })),
    ...plan.update.map((u): PushJob => ({
      action: 'update',
      item: u.item,
      prior: u.prior,
      file: files.get(u.item.file) as ScannedFile,
    })),
  ];
  return jobs.sort((a, b) =>
    a.item.file < b.item.file ? -1 : a.item.file > b.item.file ? 1 : a.item.line - b.item.line,
  );
}

/**
 * Pure: keys a file no longer yields turn stale now if nothing of that file is pushed (a deleted
 * entry or file); if the file has pushes (a reworded question is a new key), only once they all
 * succeed: a failed replacement must not leave the only copy listed as stale.
 */
export function splitStale(
  stale: readonly PlannedStale[],
  jobs: readonly PushJob[],
): { now: PlannedStale[]; later: PlannedStale[] } {
  const filesWithJobs = new Set(jobs.map((j) => j.item.file));
  return {
    now: stale.filter((st) => !filesWithJobs.has(st.fromFile)),
    later: stale.filter((st) => filesWithJobs.has(st.fromFile)),
  };
}

/** Pure: the deferred stale keys of a file, kept mapped to it until its pushes settle. */
export function deferredKeys(later: readonly PlannedStale[], file: string): FileKey[] {
  return later.filter((st) => st.fromFile === file).map((st) => ({ key: st.prior.key, hash: st.prior.hash }));
}

/** Pure: the files with a push that did not go through (failed, skipped, interrupted). */
export function unsettledFiles(push: Pick<PushOutcome, 'results'>): Set<string> {
  const settled = (st: string) => st === 'created' || st === 'updated' || st === 'unchanged';
  return new Set(push.results.filter((r) => !settled(r.status)).map((r) => r.file));
}

/** Pure: the counts of a push run; `itemCount` is how many items the bot has after it. */
export function pushCounts(
  plan: Plan,
  push: Pick<PushOutcome, 'results'>,
  stale: number,
  itemCount: number,
): RunCounts {
  const n = (status: ItemResult['status']) => push.results.filter((r) => r.status === status).length;
  const created = n('created');
  const updated = n('updated');
  return {
    create: created,
    update: updated,
    moved: plan.moved.length,
    // Each update's old version turns stale (the API cannot update): counted where it is listed.
    stale: stale + updated,
    // Everything else the bot has (read from a counter kept by the store, not counted).
    unchanged: Math.max(0, itemCount - created - updated - plan.moved.length),
    failed: n('failed'),
  };
}

/** Pure: how a run is recorded in the runs table. */
export function runStatus(a: { interrupted: boolean; authError: boolean; counts: RunCounts; hasErrors: boolean }) {
  if (a.interrupted) return 'interrupted';
  if (a.authError) return 'auth-failed';
  return a.counts.failed > 0 || a.hasErrors ? 'partial' : 'ok';
}
