import { createHash } from 'node:crypto';
import path from 'node:path';
import { Digest, pairLanes } from '../../scan/digest.js';
import type { GitView } from '../../scan/git.js';
import { listTree, makeClassifier, scanPaths, type ScanOptions, type ScanResult } from '../../scan/walk.js';
import type { FileDigest, GitSnapshot, StateStore } from '../../state/store.js';

/**
 * The whole folder at once, on git's word. The state keeps a digest of the files it may skip
 * (src/scan/digest.ts); git's index gives the same digest of the files it vouches for. When the
 * two agree — once the few files git does not vouch for (changed, deleted, converted, links) are
 * taken out of the state's side — every other file is as the state has it: nothing is walked,
 * stat'ed, read or loaded but those few. Untracked and ignored knowledge files (which git cannot
 * vouch for) make this path give way to the full scan, as does any difference at all.
 */

/** The most files outside the state's digest that the quick path looks at one by one. */
const MAX_LOOKED_AT = 2000;

export interface FolderOnGitsWord {
  /** The few files git does not vouch for, scanned as watch mode scans changed paths. */
  scan: ScanResult;
  /** Their paths (the hints for `selectWork`). */
  hinted: string[];
  /** The state's index entries of those paths. */
  known: Map<string, string>;
  /** How many files git vouched for without any look at them. */
  vouched: number;
  /** How many files the state knows. */
  stateFiles: number;
}

/**
 * The folder on git's word, or undefined when the state and git's index differ beyond the files
 * git does not vouch for (the full scan then says how).
 */
export function folderOnGitsWord(
  git: GitView,
  store: StateStore,
  botId: string,
  opts: ScanOptions,
): FolderOnGitsWord | undefined {
  const state = store.fileDigest(botId);
  if (state.count === 0) return undefined;
  // Files the state cannot skip (an error to report again, an item not in the bot) are looked at
  // as those git does not vouch for are; with very many of them, the walk is as quick.
  const outside = store.filesOutsideDigest(botId, MAX_LOOKED_AT);
  if (outside === undefined) return undefined;
  const split = splitTracked(git, opts, new Set(outside));
  if (split === undefined || hasSubmodule(git) || hasUntrackedKnowledge(git, opts)) return undefined;
  // Files in conflict have no blob id in git's listing (and a new one none in the state either):
  // looked at as `git status` reports them, as the snapshot path does.
  const unmerged = [...git.changed].filter(([, why]) => why === 'unmerged').map(([p]) => p);
  const look = new Set([...split.notVouched, ...outside, ...unmerged]);
  const entries = store.fileEntries(botId, look);
  if (!agrees(state, split.digest, entries.values())) return undefined;
  const known = new Map<string, string>();
  for (const [p, e] of entries) known.set(p, e.entry);
  const hinted = [...look];
  return { scan: scanPaths(opts, hinted), hinted, known, vouched: split.digest.count, stateFiles: state.files };
}

/**
 * Pure: whether the state's digest, less the files git does not vouch for, is git's: the same
 * number of files, the same sums, and every other file of the state in it.
 */
export function agrees(
  state: FileDigest,
  git: Digest,
  notVouched: Iterable<{ lanes: readonly number[] | undefined }>,
): boolean {
  const rest = new Digest();
  rest.count = state.count;
  rest.sums.splice(0, 4, ...state.sums);
  let known = 0;
  for (const e of notVouched) {
    known++;
    if (e.lanes) rest.remove(e.lanes as [number, number, number, number]);
  }
  // Every file of the state is either in the digest or one of those git does not vouch for.
  return state.files - known === rest.count && rest.equals(git);
}

/**
 * git's tracked knowledge files: the digest of those it vouches for, and the paths of the rest
 * (and of those in `lookAt`, which the state cannot skip). Files that are not knowledge files —
 * other kinds, hidden, left out by include/exclude, the state file — are not counted.
 */
export function splitTracked(
  git: Pick<GitView, 'tracked' | 'vouch'>,
  opts: ScanOptions,
  lookAt: ReadonlySet<string> = new Set(),
): { digest: Digest; notVouched: Set<string> } | undefined {
  const classifier = makeClassifier(opts);
  const skip = new Set((opts.skip ?? []).map((p) => path.relative(opts.root, p).split(path.sep).join('/')));
  const digest = new Digest();
  const notVouched = new Set<string>();
  for (const [p, blob] of git.tracked) {
    if (hidden(p) || skip.has(p)) continue;
    // A name that is not UTF-8 came out of git changed: the full scan warns about it.
    if (p.includes('\uFFFD')) return undefined;
    const kind = classifier.classify(p);
    if (kind === undefined || kind === null) continue;
    if (git.vouch(p) === undefined || lookAt.has(p)) notVouched.add(p);
    else digest.add(pairLanes(p, blob));
  }
  return { digest, notVouched };
}

function hidden(p: string): boolean {
  return (
    p.startsWith('.') ||
    p.includes('/.') ||
    p.startsWith('node_modules/') ||
    p.includes('/node_modules/') ||
    p === 'node_modules'
  );
}

/**
 * Whether git's index has a submodule (or another repository added as one) where the walk goes:
 * git lists none of the files in it, nor says when they appear (a submodule added, or checked
 * out later) or change, so the folder cannot be taken on its word. (No snapshot is recorded
 * then either, so its key need not say.)
 */
function hasSubmodule(git: Pick<GitView, 'dirty'>): boolean {
  for (const [p, why] of git.dirty) if (why === 'submodule' && !hidden(p)) return true;
  return false;
}

/**
 * Whether git lists an untracked or ignored knowledge file: a file of a kind, or a folder (git
 * lists a wholly untracked or ignored folder once) that holds one.
 */
function hasUntrackedKnowledge(git: Pick<GitView, 'untracked' | 'ignored'>, opts: ScanOptions): boolean {
  const classifier = makeClassifier(opts);
  const skip = new Set(opts.skip ?? []);
  for (const p of [...git.untracked, ...git.ignored]) {
    if (p.endsWith('/')) {
      const dir = p.slice(0, -1);
      if (hidden(dir)) continue;
      const found = listTree(opts, dir).finish(() => true);
      if (found.files.length > 0 || found.unreadable.length > 0) return true;
      continue;
    }
    if (hidden(p) || skip.has(path.join(opts.root, p))) continue;
    const kind = classifier.classify(p);
    if (kind !== undefined && kind !== null) return true;
  }
  return false;
}

/**
 * The key of git's index snapshot under the folder, for these scan options: git's listing of the
 * index (paths, modes, blob ids, flags), where the folder is in the work tree, and what makes a
 * file a knowledge file. Equal keys: the same tracked knowledge files with the same blob ids.
 */
export function snapshotKey(git: Pick<GitView, 'indexHash' | 'prefix' | 'objectFormat'>, opts: ScanOptions): string {
  // Version 2: version 1 snapshots may have been taken with a submodule in the folder.
  // The state file's place counts only inside the folder (a CI checkout puts the folder elsewhere).
  const skip = (opts.skip ?? [])
    .map((p) => path.relative(opts.root, p).split(path.sep).join('/'))
    .filter((p) => !p.startsWith('../') && p !== '..' && !path.isAbsolute(p));
  const scope = JSON.stringify({ include: opts.include, exclude: opts.exclude, kinds: opts.kinds, skip });
  return createHash('sha256')
    .update(`kb-sync git snapshot 2\0${git.objectFormat}\0${git.prefix}\0${git.indexHash}\0${scope}`)
    .digest('hex');
}

/**
 * The folder on git's word without going through git's listing: when git's index is the
 * snapshot the state recorded (taken when the bot's files were what git vouched for, but for a
 * few looked at on every run; cleared by a write to any other file of the bot), git converts no
 * bytes and no untracked or ignored knowledge file has appeared, then every file is as the state
 * has it but those few and the ones `git status` reports changed. Those are looked at, as the
 * digest path looks at the files git does not vouch for. Without git's listing (the caller knew
 * the index by its checksum), the index must be the one the snapshot recorded, byte for byte.
 * `snapshot`: the snapshot to record now, before this run writes anything, when files joined the
 * few or git's index is now known by another checksum. Undefined: the digest path decides.
 */
export function snapshotAgrees(
  git: GitView,
  store: StateStore,
  botId: string,
  opts: ScanOptions,
): (FolderOnGitsWord & { snapshot: GitSnapshot | undefined }) | undefined {
  const snap = store.gitSnapshot(botId);
  if (!snap || git.unsafe.size > 0) return undefined;
  // Without git's listing, the index must be the very file the snapshot was taken of.
  const listingHash = git.listed
    ? git.indexHash
    : git.indexChecksum !== undefined && snap.index?.checksum === git.indexChecksum
      ? snap.index.listingHash
      : undefined;
  if (listingHash === undefined) return undefined;
  const key = snapshotKey({ indexHash: listingHash, prefix: git.prefix, objectFormat: git.objectFormat }, opts);
  if (snap.key !== key || hasUntrackedKnowledge(git, opts)) return undefined;
  const look = new Set(snap.paths);
  const joined = [...git.changed.keys()].filter((p) => !look.has(p));
  for (const p of joined) look.add(p);
  if (look.size > MAX_LOOKED_AT) return undefined;
  const entries = store.fileEntries(botId, look);
  // A file that joins the few was counted among the others (if the state knows it).
  const unlooked = snap.unlooked - joined.filter((p) => entries.has(p)).length;
  const known = new Map<string, string>();
  for (const [p, e] of entries) known.set(p, e.entry);
  const hinted = [...look];
  // The same listing from another index file (git rewrote it): remember that one too.
  const index = (git.listed && indexOf(git)) || snap.index;
  const again = joined.length > 0 || index?.checksum !== snap.index?.checksum;
  return {
    scan: scanPaths(opts, hinted),
    hinted,
    known,
    vouched: unlooked,
    stateFiles: unlooked + entries.size,
    snapshot: again ? { key: snap.key, unlooked, paths: hinted, index } : undefined,
  };
}

/** The index file a view with git's listing can be known by next time, with that listing's hash. */
function indexOf(git: GitView): GitSnapshot['index'] {
  return git.indexChecksum === undefined ? undefined : { checksum: git.indexChecksum, listingHash: git.indexHash };
}

/** The snapshot to record after the digest path agreed (undefined: too many files to look at). */
export function snapshotOf(git: GitView, opts: ScanOptions, quick: FolderOnGitsWord): GitSnapshot | undefined {
  if (quick.hinted.length > MAX_LOOKED_AT) return undefined;
  return { key: snapshotKey(git, opts), unlooked: quick.vouched, paths: quick.hinted, index: indexOf(git) };
}
