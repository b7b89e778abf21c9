import { RefusedError } from '../../errors.js';
import type { ScannedFile } from '../../scan/file.js';
import type { GitUnavailable, GitView } from '../../scan/git.js';
import { listTree, scanPaths, type ScanResult } from '../../scan/walk.js';
import { entryMatchesBlob, entryMatchesSig } from '../../state/store.js';
import { folderOnGitsWord, snapshotAgrees, snapshotOf } from './select-git.js';
import { warmWhileWaiting } from '../warm.js';
import type { RunContext } from '../context.js';
import { extractFingerprint, stateSkipPaths } from '../settings.js';

/**
 * Stage 1, select what to read: scan the folder (or, in watch mode, only the changed paths),
 * compare with what the state knows, and refuse a scan that would turn the whole bot stale.
 *
 * In a git work tree, git says which tracked files are unchanged, by blob id (src/scan/git.ts):
 * such a file whose id is the one recorded when it was last read is neither stat'ed nor read.
 * Everything else (untracked, ignored, changed, converted by git) takes the stat path.
 */

export interface Selection {
  scan: ScanResult;
  /** What the state knows: path → `kind|blob|sig` of a file that may be skipped, '' for one that must be read. */
  known: ReadonlyMap<string, string>;
  /** Known files that are gone (deleted, renamed away, now excluded). */
  removed: Set<string>;
  /** Found files that must be read: new, changed, or not known to be synced. */
  dirty: ScannedFile[];
  fingerprint: string;
  /** Extraction changed since the last run: every file is read again. */
  fingerprintChanged: boolean;
  /**
   * Files the stat path found as last read that git vouches for under another blob id than the
   * state has (none recorded yet, say): record git's, so that git vouches for them next time.
   */
  blobs: { path: string; blob: string }[];
  /** How many files the state knew before this run (0: a cold state, nothing to look up). */
  stateFiles: number;
}

/**
 * Pure: which known files are gone and which found files must be read. `hinted` (watch mode)
 * limits "gone" to the hinted paths and what is under them. What could not be examined (an
 * unreadable folder, a file that cannot be stat'ed) is not gone.
 */
export function selectWork(a: {
  known: ReadonlyMap<string, string>;
  scan: ScanResult;
  hinted?: readonly string[] | undefined;
  fingerprintChanged: boolean;
}): { removed: Set<string>; dirty: ScannedFile[] } {
  const found = new Set(a.scan.files.map((f) => f.relPath));
  let removed: Set<string>;
  if (a.hinted) {
    removed = new Set();
    for (const h of a.hinted) {
      for (const p of a.known.keys()) {
        if ((p === h || p.startsWith(`${h}/`)) && !found.has(p)) removed.add(p);
      }
    }
  } else {
    removed = new Set([...a.known.keys()].filter((p) => !found.has(p)));
  }
  for (const u of a.scan.unreadable) {
    for (const p of removed) if (u === '' || p === u || p.startsWith(`${u}/`)) removed.delete(p);
  }
  const dirty: ScannedFile[] = [];
  for (const f of a.scan.files) {
    // An empty signature: not stat'ed, because git vouched for the blob id the state recorded.
    if (a.fingerprintChanged || (f.sig !== '' && !entryMatchesSig(a.known.get(f.relPath), f.kind, f.sig)))
      dirty.push(f);
  }
  return { removed, dirty };
}

/**
 * Pure: a scan that leaves no file (a wrong knowledgeDir, an empty checkout, a folder replaced
 * by an empty one while watching) must not turn the whole bot stale, unless `allowEmpty`.
 */
export function refuseEmptyScan(a: {
  known: ReadonlyMap<string, string>;
  scan: ScanResult;
  removed: ReadonlySet<string>;
  /** Watch mode: the scan covered only the changed paths. */
  incremental: boolean;
  hasItems: boolean;
  allowEmpty: boolean;
  knowledgeDir: string;
}): void {
  const newFiles = a.scan.files.filter((f) => !a.known.has(f.relPath)).length;
  const remaining =
    (a.incremental ? a.known.size - a.removed.size + newFiles : a.scan.files.length + a.scan.unreadable.length) +
    (a.scan.unlisted ?? 0);
  if (remaining === 0 && a.hasItems && !a.allowEmpty) {
    throw new RefusedError(
      `Found no knowledge files in ${a.knowledgeDir}, but the state holds items in the bot; refusing to mark them all stale.`,
      'Check "knowledgeDir" and "include"/"exclude". If the folder really is empty now, run again with --allow-empty.',
    );
  }
}

/**
 * Pure: which files git vouches for unchanged since they were last read: tracked, unchanged in
 * the working tree, with the blob id the state recorded (and the same kind).
 */
export function vouchedBy(git: GitView, known: ReadonlyMap<string, string>): (f: ScannedFile) => boolean {
  return (f) => {
    const id = git.vouch(f.relPath);
    return id !== undefined && entryMatchesBlob(known.get(f.relPath), f.kind, id);
  };
}

/** The select stage: the state's file index, the scan (with git when it can), and the selection. */
export async function selectFiles(ctx: RunContext): Promise<Selection> {
  const { cfg, botId, store, opts, events, clock } = ctx;
  const fingerprint = extractFingerprint(cfg);
  const fingerprintChanged = store.bot(botId)?.extractFingerprint !== fingerprint;
  clock.lap('start');
  events.phase?.('scan');
  const scanOpts = {
    root: cfg.knowledgeDir,
    include: cfg.include,
    exclude: cfg.exclude,
    kinds: cfg.kinds,
    skip: stateSkipPaths(cfg.stateFile),
  };
  const hinted = opts.changedPaths && !fingerprintChanged ? [...new Set(opts.changedPaths)] : undefined;
  let git = hinted ? undefined : await askGit(ctx);
  let snapshot = git && !fingerprintChanged ? snapshotAgrees(git, store, botId, scanOpts) : undefined;
  if (git && !git.listed && !snapshot) {
    // The index is one the state knows, but its snapshot does not hold now: git's listing, then.
    git = usable(ctx, await git.withListing());
    snapshot = git && !fingerprintChanged ? snapshotAgrees(git, store, botId, scanOpts) : undefined;
  }
  clock.lap('git');
  // The digest path: git's listing against the state, file by file in sums.
  const quick = snapshot ?? (git && !fingerprintChanged ? folderOnGitsWord(git, store, botId, scanOpts) : undefined);
  if (git && quick) {
    events.log?.(
      'verbose',
      snapshot
        ? `git: its index is as when the state last agreed with it${git.listed ? '' : ' (the same index file, by its checksum: not listed again)'}: ${quick.vouched} file(s) taken on its word, ${quick.hinted.length} looked at`
        : `git: ${git.summary()}; the state agrees with its index: ${quick.vouched} file(s) taken on its word, ${quick.hinted.length} looked at`,
    );
    // Remember git's index as it is (before this run writes anything: a write to any file but
    // those looked at clears it), so that the next run need not go through git's listing.
    const record = snapshot ? snapshot.snapshot : snapshotOf(git, scanOpts, quick);
    if (record && !opts.dryRun) store.setGitSnapshot(botId, record);
    return finishSelection(ctx, {
      scan: { ...quick.scan, unlisted: quick.vouched },
      known: quick.known,
      hinted: quick.hinted,
      incremental: true,
      stateFiles: quick.stateFiles,
      git,
      fingerprint,
      fingerprintChanged,
    });
  }
  const known = store.loadFileIndex(botId);
  clock.lap('state');
  let scan: ScanResult;
  if (hinted) {
    scan = scanPaths(scanOpts, hinted);
  } else {
    scan = listTree(scanOpts).finish(git && !fingerprintChanged ? vouchedBy(git, known) : undefined);
    if (git) {
      const skipped = scan.files.reduce((n, f) => (f.sig === '' ? n + 1 : n), 0);
      events.log?.('verbose', `git: ${git.summary()}; ${skipped} file(s) taken on its word (neither stat'ed nor read)`);
    }
  }
  return finishSelection(ctx, {
    scan,
    known,
    hinted,
    incremental: opts.changedPaths !== undefined,
    stateFiles: known.size,
    git,
    fingerprint,
    fingerprintChanged,
  });
}

/** What is gone and what must be read, the blob ids to learn, and the empty-scan guard. */
function finishSelection(
  ctx: RunContext,
  a: {
    scan: ScanResult;
    known: ReadonlyMap<string, string>;
    hinted: readonly string[] | undefined;
    incremental: boolean;
    stateFiles: number;
    git: GitView | undefined;
    fingerprint: string;
    fingerprintChanged: boolean;
  },
): Selection {
  const { cfg, botId, store, opts, events, display, clock } = ctx;
  const { scan, known, git } = a;
  const { removed, dirty } = selectWork({ known, scan, hinted: a.hinted, fingerprintChanged: a.fingerprintChanged });
  // What is read now records its blob id, for git to vouch for next time (a dry run records nothing).
  if (git && !opts.dryRun) for (const f of dirty) f.blobFormat = git.objectFormat;
  const blobs = git ? blobsToAdopt(git, scan, dirty) : [];
  for (const i of scan.issues) events.issue?.({ ...i, file: display(i.file) });
  clock.lap('scan');
  refuseEmptyScan({
    known,
    scan,
    removed,
    incremental: a.incremental,
    hasItems: store.itemCount(botId) > 0,
    allowEmpty: opts.allowEmpty ?? false,
    knowledgeDir: cfg.knowledgeDir,
  });
  clock.lap('scan');
  return {
    scan,
    known,
    removed,
    dirty,
    fingerprint: a.fingerprint,
    fingerprintChanged: a.fingerprintChanged,
    blobs,
    stateFiles: a.stateFiles,
  };
}

/**
 * Pure: files that were stat'ed and found as last read (not dirty) that git vouches for: their
 * bytes are git's blob, so its id may be recorded without reading them.
 */
export function blobsToAdopt(
  git: Pick<GitView, 'vouch'>,
  scan: ScanResult,
  dirty: readonly ScannedFile[],
): { path: string; blob: string }[] {
  const read = new Set(dirty);
  const out: { path: string; blob: string }[] = [];
  for (const f of scan.files) {
    if (f.sig === '' || read.has(f)) continue;
    const blob = git.vouch(f.relPath);
    if (blob !== undefined) out.push({ path: f.relPath, blob });
  }
  return out;
}

/** git's view, when the run asked for it and git could answer (said under --verbose either way). */
async function askGit(ctx: RunContext): Promise<GitView | undefined> {
  const probe = ctx.git;
  if (!probe) return undefined;
  if ('unavailable' in probe) {
    ctx.events.log?.('verbose', `git: not used (${probe.unavailable})`);
    return undefined;
  }
  const warm = warmWhileWaiting({ push: !ctx.opts.dryRun && !ctx.opts.adopt });
  const view = await probe.view;
  warm.stop();
  // Asked once per run: let go of it, so the view (an entry per tracked file) is not kept alive
  // through the extraction of a cold run, where memory peaks.
  ctx.git = undefined;
  return usable(ctx, view);
}

function usable(ctx: RunContext, view: GitView | GitUnavailable): GitView | undefined {
  if (!('unavailable' in view)) return view;
  ctx.events.log?.('verbose', `git: not used (${view.unavailable}); files are compared by their stat signatures`);
  return undefined;
}
