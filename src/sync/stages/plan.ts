import type { FileIssue } from '../../errors.js';
import type { FileResult } from '../../extract/index.js';
import { planSync, type DesiredItem, type Plan, type PriorItem } from '../../plan/plan.js';
import { rebaseSource, type FileKey, type ItemRow, type StateStore } from '../../state/store.js';
import { knowledgeDirKey } from '../settings.js';
import type { RunContext } from '../context.js';
import { draftsOf } from './record.js';
import type { Selection } from './select.js';

/**
 * Stage 3, plan: what the read files yield now, against the slice of the state they touch,
 * gives what to create, update, move and turn stale. The planning itself is pure; the slice is
 * read from the store first (and not at all for a state that knows nothing yet).
 */

/** What the extract stage's results add up to. */
export interface Collected {
  desired: DesiredItem[];
  /** Files read this run. */
  dirtyFiles: Set<string>;
  /** Files read with errors: their earlier items are held, not turned stale. */
  incompleteFiles: Set<string>;
  issues: FileIssue[];
  /** Drafts (and `sync: false` files) left out. */
  skippedDrafts: number;
}

/** The slice of the state a plan needs: only what the read and removed files touch. */
export interface PriorState {
  /** The keys (and hashes) each read or removed file yielded at its last read. */
  fileKeys: Map<string, FileKey[]>;
  prior: Map<string, PriorItem>;
  /** Keys that files not read this run still yield. */
  heldElsewhere: Set<string>;
}

export interface PlannedRun {
  plan: Plan;
  /** File issues of the read files, then the plan's key conflicts. */
  issues: FileIssue[];
  /** File → the first conflict it lost (recorded as the file's error). */
  conflicted: Map<string, string>;
  priorFileKeys: Map<string, FileKey[]>;
  skippedDrafts: number;
}

/**
 * Pure: gather the results. The item objects become desired items in place (extraction makes
 * them with their file already; no copies, as a cold plan has many).
 */
export function collectExtracts(results: Iterable<FileResult>): Collected {
  const out = emptyCollected();
  for (const r of results) collectExtract(out, r);
  return out;
}

export function emptyCollected(): Collected {
  return { desired: [], dirtyFiles: new Set(), incompleteFiles: new Set(), issues: [], skippedDrafts: 0 };
}

/**
 * Pure: add one file's result to what is collected. What the plan needs of it is taken (its
 * items, path, issues, drafts); the result itself is not kept, so a caller that needs no result
 * afterwards (a dry run) can collect as the files are read and hold none of them.
 */
export function collectExtract(out: Collected, r: FileResult): void {
  out.dirtyFiles.add(r.relPath);
  for (const it of r.extract.items) out.desired.push(it);
  if (!r.extract.complete) out.incompleteFiles.add(r.relPath);
  for (const i of r.extract.issues) out.issues.push(i);
  out.skippedDrafts += draftsOf(r);
}

/** Read the slice of the state that the desired keys and the touched files need. */
export function readPriorState(
  store: StateStore,
  botId: string,
  desired: readonly DesiredItem[],
  touched: readonly string[],
): PriorState {
  const fileKeys = store.fileKeys(botId, touched);
  const relevant = new Set<string>(desired.map((d) => d.key));
  for (const ks of fileKeys.values()) for (const k of ks) relevant.add(k.key);
  const rows = store.items(botId, relevant);
  return {
    fileKeys,
    prior: new Map([...rows].map(([k, r]) => [k, toPrior(r)])),
    heldElsewhere: store.keysHeldElsewhere(botId, relevant, new Set(touched)),
  };
}

/** The slice of a state that knows no file and no item: nothing to look up (a cold plan of a big folder). */
export function emptyPriorState(): PriorState {
  return { fileKeys: new Map(), prior: new Map(), heldElsewhere: new Set() };
}

/** Pure: plan the collected items against the state's slice. */
export function planRun(collected: Collected, removed: ReadonlySet<string>, state: PriorState): PlannedRun {
  const plan = planSync({
    desired: collected.desired,
    dirtyFiles: collected.dirtyFiles,
    incompleteFiles: collected.incompleteFiles,
    removedFiles: removed,
    priorFileKeys: new Map([...state.fileKeys].map(([p, ks]) => [p, ks.map((k) => k.key)])),
    prior: state.prior,
    heldElsewhere: state.heldElsewhere,
  });
  const conflicted = new Map<string, string>();
  for (const c of plan.conflicts) if (!conflicted.has(c.file)) conflicted.set(c.file, c.message);
  return {
    plan,
    issues: [...collected.issues, ...plan.conflicts],
    conflicted,
    priorFileKeys: state.fileKeys,
    skippedDrafts: collected.skippedDrafts,
  };
}

/** The plan stage: read the state's slice, plan what was collected, and report the files' issues. */
export function planStage(ctx: RunContext, sel: Selection, collected: Collected): PlannedRun {
  const { store, botId, events, display, clock } = ctx;
  clock.lap('read');
  events.phase?.('plan');
  const touched = [...collected.dirtyFiles, ...sel.removed];
  const cold = sel.stateFiles === 0 && store.itemCount(botId) === 0;
  const state = cold ? emptyPriorState() : readPriorState(store, botId, collected.desired, touched);
  // Paths recorded under another knowledge folder (the config moved it): as seen from this one.
  const recordedDir = cold ? null : store.knowledgeDir(botId);
  const here = knowledgeDirKey(ctx.cfg);
  if (recordedDir !== null && recordedDir !== here)
    for (const p of state.prior.values())
      if (p.sourceFile !== null) p.sourceFile = rebaseSource(p.sourceFile, recordedDir, here);
  const planned = planRun(collected, sel.removed, state);
  // The folder's drafts, not only the read files': the others' counts as the state recorded them.
  if (!cold) planned.skippedDrafts += draftsElsewhere(store.fileDrafts(botId), collected.dirtyFiles, sel.removed);
  for (const i of planned.issues) events.issue?.({ ...i, file: display(i.file) });
  clock.lap('plan');
  events.phase?.('plan', { items: planned.plan.create.length + planned.plan.update.length });
  return planned;
}

/** Pure: the drafts of the files not read (nor removed) this run, as the state recorded them. */
export function draftsElsewhere(
  recorded: ReadonlyMap<string, number>,
  read: ReadonlySet<string>,
  removed: ReadonlySet<string>,
): number {
  let n = 0;
  for (const [p, d] of recorded) if (!read.has(p) && !removed.has(p)) n += d;
  return n;
}

export function toPrior(r: ItemRow): PriorItem {
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
