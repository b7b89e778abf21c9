import type { ApiError } from '../../api/errors.js';
import type { FileIssue } from '../../errors.js';
import type { ItemResult } from '../../events.js';
import type { FileResult } from '../../extract/index.js';
import type { Plan } from '../../plan/plan.js';
import type { ScannedFile } from '../../scan/file.js';
import type { ItemMove } from '../../state/store.js';
import type { RunContext } from '../context.js';
import type { RunCounts } from '../counts.js';
import type { PlannedRun } from './plan.js';
import type { Selection } from './select.js';

/**
 * Stage 4, apply: what is done with a plan. Three strategies share this shape: a dry run
 * (`plan`, `sync --dry-run`: writes nothing), adopt (`kb-sync adopt --yes`: records, pushes
 * nothing) and push (`sync`, `watch`).
 */

export interface ApplyInput {
  sel: Selection;
  results: readonly FileResult[];
  planned: PlannedRun;
  /** Every issue so far: the scan's, the files', the plan's conflicts. */
  issues: readonly FileIssue[];
}

export interface Applied {
  /** The plan as applied (a dry run's is refined, and its creates are in `items` only: its list is emptied). */
  plan: Plan;
  items: ItemResult[];
  counts: RunCounts;
  /** Issues that applying found (the push's). */
  issues: FileIssue[];
  /** Requests left in flight by an earlier run, settled now. */
  recovered: number;
  requests: number;
  rateLimited: number;
  authError?: ApiError;
  interrupted: boolean;
  /** Another process took the state lock over during the run. */
  lockLost: boolean;
  /** Adopt: how many items were recorded as already in the bot. */
  adopted?: number;
}

export type ApplyStrategy = (ctx: RunContext, input: ApplyInput) => Promise<Applied>;

/** Pure: the plan's renames as the store records them. */
export function movesOf(plan: Plan): ItemMove[] {
  return plan.moved.map((m) => ({
    from: m.from.key,
    to: m.item.key,
    label: m.item.label,
    sourceFile: m.item.file,
    sourceLine: m.item.line,
  }));
}

/** An outcome of a strategy that sends nothing (a dry run, adopt). */
export function sentNothing(plan: Plan, items: ItemResult[], counts: RunCounts): Applied {
  return {
    plan,
    items,
    counts,
    issues: [],
    recovered: 0,
    requests: 0,
    rateLimited: 0,
    interrupted: false,
    lockLost: false,
  };
}

export function filesByPath(files: readonly ScannedFile[]): Map<string, ScannedFile> {
  return new Map(files.map((f) => [f.relPath, f]));
}
