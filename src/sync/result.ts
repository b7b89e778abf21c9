import type { ApiError } from '../api/errors.js';
import type { FileIssue } from '../errors.js';
import type { ItemResult } from '../events.js';
import type { ScanResult } from '../scan/walk.js';
import type { StaleRow, UncertainRow } from '../state/store.js';
import { plannedStaleEntry, staleEntry, uncertainEntry, type StaleEntry, type UncertainEntry } from './entries.js';
import type { Applied } from './stages/apply.js';
import type { RunCounts } from './counts.js';

export type { RunCounts } from './counts.js';

/**
 * Stage 5, the result: what one run did, for the renderers (report/) and the CLI. It states
 * facts; turning them into an exit code is the CLI's business (src/cli/exit.ts).
 */

export interface RunResult {
  /** Nothing failed, no file error, not stopped: everything the folder says is in the bot. */
  ok: boolean;
  dryRun: boolean;
  counts: RunCounts;
  items: ItemResult[];
  /** File errors and warnings, located, with paths relative to the working directory. */
  errors: FileIssue[];
  warnings: FileIssue[];
  /** Every stale item the state lists for this bot (not only this run's). */
  stale: StaleEntry[];
  /** When the run started (ISO): stale entries since then turned stale in this run. */
  startedAt: string;
  /** Items that may exist more than once in the bot (once per create whose response was lost). */
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
  /** Another kb-sync took the state lock over during the run (it stopped taking new work). */
  lockLost: boolean;
  /** The API refused the token (or the bot): the run stopped. */
  authError?: ApiError;
  durationMs: number;
  /** Milliseconds per phase (start, state, scan, read, plan, apply, push, record, report). */
  timings: Record<string, number>;
  /** `adopt`: how many items were recorded as already in the bot. */
  adopted?: number;
}

export interface ResultInput {
  dryRun: boolean;
  applied: Applied;
  /** Every issue before applying (the scan's, the files', the plan's conflicts). */
  issues: readonly FileIssue[];
  scan: Pick<ScanResult, 'files' | 'ignored' | 'unlisted'>;
  filesRead: number;
  skippedDrafts: number;
  /** The state's lists for the bot, after the run. */
  stale: readonly StaleRow[];
  uncertain: readonly UncertainRow[];
  display: (rel: string) => string;
  startedAt: string;
}

/**
 * The run's result, paths shown through `display` (timings and duration come last, from the
 * caller). The applied items become the result's in place (their paths shown): a cold plan has
 * hundreds of thousands, and a copy of each would be a second set alive at the peak.
 */
export function buildResult(a: ResultInput): Omit<RunResult, 'durationMs' | 'timings'> {
  const { applied, display } = a;
  const issues = [...a.issues, ...applied.issues].map((i) => ({
    ...i,
    file: i.file.startsWith('(') ? i.file : display(i.file),
  }));
  const errors = issues.filter((i) => i.severity === 'error');
  const stale = a.stale.map((s) => staleEntry(s, display));
  // A dry run shows what would turn stale as well.
  if (a.dryRun)
    stale.push(
      ...applied.plan.update.map((u) =>
        plannedStaleEntry({ prior: u.prior, file: u.prior.sourceFile }, display, a.startedAt, 'changed'),
      ),
      ...applied.plan.stale.map((s) => plannedStaleEntry(s, display, a.startedAt)),
    );
  const ok =
    !applied.authError &&
    applied.counts.failed === 0 &&
    errors.length === 0 &&
    !applied.interrupted &&
    !applied.lockLost;
  return {
    ok,
    dryRun: a.dryRun,
    counts: applied.counts,
    items: showPaths(applied.items, display),
    errors,
    warnings: issues.filter((i) => i.severity === 'warning'),
    stale,
    startedAt: a.startedAt,
    uncertain: a.uncertain.map((u) => uncertainEntry(u, display)),
    recovered: applied.recovered,
    skippedDrafts: a.skippedDrafts,
    ignoredFiles: a.scan.ignored.map(display),
    filesScanned: a.scan.files.length + (a.scan.unlisted ?? 0),
    filesRead: a.filesRead,
    requests: applied.requests,
    rateLimited: applied.rateLimited,
    interrupted: applied.interrupted,
    lockLost: applied.lockLost,
    ...(applied.authError ? { authError: applied.authError } : {}),
    ...(applied.adopted !== undefined ? { adopted: applied.adopted } : {}),
  };
}

/** Items' paths shown through `display`: one shown path per file for its run of items (not one each). */
export function showPaths(items: ItemResult[], display: (rel: string) => string): ItemResult[] {
  let from: string | undefined;
  let shown = '';
  for (const it of items) {
    if (it.file !== from) {
      from = it.file;
      shown = display(it.file);
    }
    it.file = shown;
  }
  return items;
}
