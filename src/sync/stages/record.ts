import type { FileResult } from '../../extract/index.js';
import type { Plan } from '../../plan/plan.js';
import type { FileIssue } from '../../errors.js';
import type { FileKey, FileRecord } from '../../state/store.js';

/** What to record of one read file beyond what it yields now. */
export interface RecordOptions {
  /** The key conflict the file lost, recorded as its error. */
  conflict?: string | undefined;
  /** Earlier keys kept mapped (stale keys deferred until their replacement is pushed). */
  keep?: readonly FileKey[];
  /** The run has not settled the file: record no stat signature (nor blob id), so it is read again. */
  unsettled?: boolean;
}

/**
 * Pure: what to record of a file that was read: its stat signature (none while the run is
 * unsettled, so that it is read again), its error, and the keys it yields — minus keys it lost
 * in a conflict, plus earlier keys held back because of errors or kept until their replacement
 * is pushed.
 */
export function recordFor(r: FileResult, plan: Plan, priorKeys: readonly FileKey[], o: RecordOptions = {}): FileRecord {
  const parsed = r.extract.complete || r.extract.items.length > 0;
  const base = {
    path: r.relPath,
    kind: r.kind,
    sig: o.unsettled ? null : (r.sig ?? null),
    blob: o.unsettled ? null : (r.blob ?? null),
    racy: r.racy ?? false,
    contentHash: r.extract.contentHash ?? null,
    error: located(r.extract.issues.find((i) => i.severity === 'error')) ?? o.conflict ?? null,
    warnings: r.extract.issues.filter((i) => i.severity === 'warning').map((i) => located(i) as string),
    drafts: draftsOf(r),
  };
  if (!parsed) return base; // Failed to parse: the earlier key mapping stays.
  const lost = plan.lost.get(r.relPath);
  const items = r.extract.items.filter((i) => !lost?.has(i.key)).map((i) => ({ key: i.key, hash: i.hash }));
  const have = new Set(items.map((i) => i.key));
  const add = (k: FileKey) => {
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

/**
 * Pure: the records of every read file that still exists. `keep` and `unsettled` say, per
 * file, which earlier keys to keep mapped and whether to leave out its stat signature.
 */
export function recordsFor(
  results: readonly FileResult[],
  plan: Plan,
  priorFileKeys: ReadonlyMap<string, readonly FileKey[]>,
  conflicted: ReadonlyMap<string, string>,
  per: { keep?: (file: string) => readonly FileKey[]; unsettled?: (file: string) => boolean } = {},
): FileRecord[] {
  return results
    .filter((r) => !r.vanished)
    .map((r) =>
      recordFor(r, plan, priorFileKeys.get(r.relPath) ?? [], {
        conflict: conflicted.get(r.relPath),
        ...(per.keep ? { keep: per.keep(r.relPath) } : {}),
        ...(per.unsettled ? { unsettled: per.unsettled(r.relPath) } : {}),
      }),
    );
}

/** An issue as the state keeps it for `kb-sync status`: `line:col message` (the file is the row's). */
export function located(i: FileIssue | undefined): string | undefined {
  if (!i) return undefined;
  if (i.line === undefined) return i.message;
  return `${i.line}${i.column !== undefined ? `:${i.column}` : ''} ${i.message}`;
}

/** Drafts a read file left out: its draft Q&A entries, or itself (`draft: true`, `sync: false`). */
export function draftsOf(r: FileResult): number {
  return (r.extract.draftEntries ?? 0) + (r.extract.skipped === 'draft' || r.extract.skipped === 'sync-false' ? 1 : 0);
}
