import { RefusedError } from '../../errors.js';
import type { ScannedFile } from '../../scan/file.js';
import { scanPaths, scanTree, type ScanResult } from '../../scan/walk.js';
import type { RunContext } from '../context.js';
import { extractFingerprint, stateSkipPaths } from '../settings.js';

/**
 * Stage 1, select what to read: scan the folder (or, in watch mode, only the changed paths),
 * compare with what the state knows, and refuse a scan that would turn the whole bot stale.
 */

export interface Selection {
  scan: ScanResult;
  /** What the state knows: path → `kind|sig` of a file that may be skipped, '' for one that must be read. */
  known: ReadonlyMap<string, string>;
  /** Known files that are gone (deleted, renamed away, now excluded). */
  removed: Set<string>;
  /** Found files that must be read: new, changed, or not known to be synced. */
  dirty: ScannedFile[];
  fingerprint: string;
  /** Extraction changed since the last run: every file is read again. */
  fingerprintChanged: boolean;
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
    if (a.fingerprintChanged || a.known.get(f.relPath) !== `${f.kind}|${f.sig}`) dirty.push(f);
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
  const remaining = a.incremental
    ? a.known.size - a.removed.size + newFiles
    : a.scan.files.length + a.scan.unreadable.length;
  if (remaining === 0 && a.hasItems && !a.allowEmpty) {
    throw new RefusedError(
      `Found no knowledge files in ${a.knowledgeDir}, but the state holds items in the bot; refusing to mark them all stale.`,
      'Check "knowledgeDir" and "include"/"exclude". If the folder really is empty now, run again with --allow-empty.',
    );
  }
}

/** The select stage: the state's file index, the scan, and the selection. */
export function selectFiles(ctx: RunContext): Selection {
  const { cfg, botId, store, opts, events, display, clock } = ctx;
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
  const known = store.loadFileIndex(botId);
  clock.lap('state');
  const hinted = opts.changedPaths && !fingerprintChanged ? [...new Set(opts.changedPaths)] : undefined;
  const scan = hinted ? scanPaths(scanOpts, hinted) : scanTree(scanOpts);
  const { removed, dirty } = selectWork({ known, scan, hinted, fingerprintChanged });
  for (const i of scan.issues) events.issue?.({ ...i, file: display(i.file) });
  clock.lap('scan');
  refuseEmptyScan({
    known,
    scan,
    removed,
    incremental: opts.changedPaths !== undefined,
    hasItems: store.itemCount(botId) > 0,
    allowEmpty: opts.allowEmpty ?? false,
    knowledgeDir: cfg.knowledgeDir,
  });
  clock.lap('scan');
  return { scan, known, removed, dirty, fingerprint, fingerprintChanged };
}
