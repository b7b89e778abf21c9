import { createHash } from 'node:crypto';
import path from 'node:path';
import type { ObjectFormat } from './blob.js';
import { attributeFiles, conversions, readRelevance, type AutoCrlf } from './git-attributes.js';
import { findIndexFile, markIndex, realFolder, sameFile, type IndexMark } from './git-index.js';
import {
  GitSpawnError,
  gitComplaint,
  gitEnv,
  runGitBatchGated,
  runGitLarge,
  type GatedBatch,
  type GitLargeOutput,
  type GitOutput,
} from './git-run.js';

/**
 * Ask git what changed, instead of the file system. git's index holds the blob id of every
 * tracked file, and `git status` knows which of them differ from the index (with git's own
 * handling of files modified within the clock's granularity, "racily clean"). A tracked file
 * that git says is unchanged, whose bytes on disk are exactly its blob, is vouched for by that
 * id: a scan that recorded the same id when it last read the file need neither stat nor read it.
 *
 * Not vouched for: files git does not track (untracked, ignored, inside a submodule), tracked
 * files that differ from the index, that git skips checking (assume-unchanged, skip-worktree),
 * symbolic links, submodules, conflicts, and files whose bytes git converts (see
 * git-attributes.ts). Those keep the stat fast path.
 *
 * The commands, run at once from the folder: `git rev-parse` (where the repository and its index
 * are), `git config` (core.autocrlf, core.attributesFile), `git status --porcelain=v2` (what
 * differs from the index, comparing ctimes whatever core.trustctime says) and `git ls-files
 * --stage -v` (blob ids, and the assume-unchanged and skip-worktree flags). The listing is left
 * out when the caller knows the index by its checksum (git-index.ts): a no-op then costs git
 * little more than its status. `git check-attr` only when some attributes file names a
 * converting attribute.
 */

export { blobHasher, blobId, type ObjectFormat } from './blob.js';

export type DirtyReason =
  | 'modified'
  | 'deleted'
  | 'type changed'
  | 'added with intent to add'
  | 'unmerged'
  | 'assume-unchanged'
  | 'skip-worktree'
  | 'symbolic link'
  | 'submodule';

export interface GitView {
  /** The work tree's top folder. */
  topLevel: string;
  /** The folder relative to the top, with a trailing '/' ('' when it is the top). */
  prefix: string;
  objectFormat: ObjectFormat;
  /**
   * Every file in git's index under the folder (relative to it, '/'-separated) → its blob id.
   * Read from git's listing on first use (a no-op that git's index snapshot settles never needs it).
   */
  readonly tracked: Map<string, string>;
  /** Tracked paths git does not vouch for, each with the reason (read with `tracked`). */
  readonly dirty: Map<string, DirtyReason>;
  /**
   * A hash of git's whole listing of the index under the folder (paths, modes, blob ids, stages,
   * assume-unchanged and skip-worktree flags): equal hashes, the same index entries.
   */
  indexHash: string;
  /**
   * The index file's checksum (src/scan/git-index.ts), when the index can be known by it: it held
   * still while git ran and no attributes file under the folder is tracked. A caller that recorded
   * it with this view's `indexHash` may pass it back (`knownIndex`) to skip git's listing.
   */
  indexChecksum: string | undefined;
  /**
   * Whether git's listing was read. Not when the caller knew the index by its checksum: `tracked`
   * and `dirty` then throw, `vouch` vouches for nothing and `indexHash` is ''; `withListing()`
   * reads it.
   */
  listed: boolean;
  /** This view with git's listing read (itself when it has it). */
  withListing(): Promise<GitView | GitUnavailable>;
  /** Tracked paths `git status` reports as differing from the index (or unmerged), with the reason. */
  changed: ReadonlyMap<string, DirtyReason>;
  /** Tracked paths whose bytes on disk may differ from their blob (conversions), each with the reason. */
  unsafe: Map<string, string>;
  /** Untracked paths, as `git status` lists them (a folder that is wholly untracked ends in '/'). */
  untracked: string[];
  /** Ignored paths, as `git status --ignored=matching` lists them (an ignored folder ends in '/'). */
  ignored: string[];
  /** Attributes files that name a converting attribute (why some files are not vouched for). */
  attributeSources: string[];
  /** The blob id git vouches for `relPath` (relative to the folder), or undefined. */
  vouch(relPath: string): string | undefined;
  /** One line for --verbose: what git vouched for, and what not and why. */
  summary(): string;
}

export interface GitUnavailable {
  /** Why git is not used, as a sentence for --verbose. */
  unavailable: string;
}

export interface GitOptions {
  /** The environment git runs in (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Give up on a git command after this long (default 60 s): the scan then works as without git. */
  timeoutMs?: number;
  /** Files (relative to the folder) whose line endings matter byte for byte (default: all). */
  eolMatters?: (relPath: string) => boolean;
  /**
   * The `.gitattributes` files under the folder (relative to it), from the caller's own walk of
   * it. Given, git need not look for untracked and ignored files (`status -uno`), which is
   * cheaper; and `untracked` is then empty.
   */
  attributeFiles?: Promise<readonly string[]>;
  /**
   * Whether the caller knows the index with this checksum (a view's `indexChecksum` it recorded,
   * with that view's `indexHash`): git's listing is then not asked for unless needed.
   */
  knownIndex?: ((checksum: string) => boolean) | undefined;
}

/** Whether `env` turns git use off (`KB_SYNC_GIT=0`, `false`, `off` or `no`). */
export function gitDisabledByEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.KB_SYNC_GIT?.trim().toLowerCase();
  return v === '0' || v === 'false' || v === 'off' || v === 'no';
}

/**
 * The commands of a view, run at once (see the top of this file; the bench's floor runs them
 * too). git's listing (`LISTING`) is run beside them only when the index is not known by its
 * checksum (src/scan/git-index.ts).
 */
export function viewCommands(attributeFilesGiven: boolean): string[][] {
  const untracked = attributeFilesGiven ? ['--untracked-files=no'] : ['--untracked-files=normal', '--ignored=matching'];
  return [
    [
      'rev-parse',
      '--show-toplevel',
      '--git-common-dir',
      '--show-prefix',
      '--show-object-format',
      '--git-path',
      'index',
    ],
    ['config', '-z', '--get-regexp', '^core\\.(autocrlf|attributesfile)$'],
    // git compares ctimes and whole stat data as kb-sync's own stat path does, whatever the
    // repository says (with core.trustctime=false, an edit that keeps size and mtime is unseen).
    [
      ...['-c', 'core.trustctime=true', '-c', 'core.checkStat=default'],
      ...['status', '--porcelain=v2', '-z', ...untracked, '--no-renames', '--ignore-submodules=all', '--', '.'],
    ],
  ];
}

/** git's listing of the index under the folder: blob ids, modes, stages and flags. */
export const LISTING: readonly string[] = ['ls-files', '--stage', '-v', '-z', '--', '.'];

/**
 * A view's git commands, started: the main ones at once, git's listing as soon as it is known
 * to be needed (at once, unless the index may be one the caller knows by its checksum).
 */
class ViewRequest {
  /** The folder's real path: where git runs, and what its relative answers are relative to. */
  readonly here: string;
  /** The index as found before git started, if it can be known by checksum. */
  readonly before: IndexMark | undefined;
  readonly main: Promise<GitOutput[]>;
  readonly #batch: GatedBatch;
  /** Whether the listing runs with the others (true), was found not needed (false), or undecided. */
  #withOthers: boolean | undefined;
  /** The listing started on its own, after the others were let go without it. */
  #late: Promise<GitLargeOutput> | undefined;
  readonly #run: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number };

  constructor(
    root: string,
    run: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
    attributeFilesGiven: boolean,
  ) {
    this.#run = run;
    this.here = realFolder(root);
    const indexFile = findIndexFile(this.here);
    // Read before git starts: the same mark after git has answered, and git read this index.
    this.before = indexFile === undefined ? undefined : markIndex(indexFile);
    // The listing waits in the same shell until it is known to be needed (see decide).
    this.#batch = runGitBatchGated(viewCommands(attributeFilesGiven), LISTING, run);
    this.main = this.#batch.outputs;
    if (this.before === undefined) this.#open(true);
  }

  get decided(): boolean {
    return this.#withOthers !== undefined;
  }

  /** Decide now: the listing is needed unless `known` says the index is one the caller knows. */
  decide(known: ((checksum: string) => boolean) | undefined): void {
    if (!this.decided) this.#open(!(this.before !== undefined && known?.(this.before.checksum)));
  }

  #open(run: boolean): void {
    this.#withOthers = run;
    this.#batch.open(run);
  }

  get listed(): boolean {
    return this.#withOthers === true || this.#late !== undefined;
  }

  /** git's listing (started now if it was not). */
  list(): Promise<GitLargeOutput> {
    if (!this.decided) this.#open(true);
    if (this.#withOthers) return this.#batch.gated as Promise<GitLargeOutput>;
    this.#late ??= runGitLarge(LISTING, this.#run);
    this.#late.catch(() => undefined);
    return this.#late;
  }
}

const prefetched = new Map<string, ViewRequest>();

/**
 * Start the view's commands for the folder `root` now, in this process's environment, for
 * `readGitView(root)` to take later: the CLI calls this before it loads the rest of itself, so
 * that git works while it loads. `known`, when it comes, says whether the index is one the
 * state knows by checksum (git's listing is started at once if not). Never throws; a failure is
 * met again (and said) by readGitView.
 */
export function prefetchGitView(root: string, known?: Promise<(checksum: string) => boolean>): void {
  if (prefetched.has(root) || gitDisabledByEnv()) return;
  const req = new ViewRequest(root, { cwd: root, env: gitEnv(process.env), timeoutMs: 60_000 }, false);
  prefetched.set(root, req);
  // Decided in any case (the shell waits for a word on the listing).
  if (!known) req.decide(undefined);
  else
    known.then(
      (k) => req.decide(k),
      () => req.decide(undefined),
    );
}

function takePrefetched(root: string): ViewRequest | undefined {
  const p = prefetched.get(root);
  prefetched.delete(root);
  return p;
}

/** Ask git about the folder `root`. Never throws: anything that goes wrong makes git unavailable. */
export async function readGitView(root: string, opts: GitOptions = {}): Promise<GitView | GitUnavailable> {
  const env = gitEnv(opts.env ?? process.env);
  const timeoutMs = opts.timeoutMs ?? 60_000;
  try {
    // All at once: they do not depend on each other, and a no-op sync waits for the slowest.
    // Started before the CLI loaded, if it could.
    const early =
      !opts.attributeFiles && opts.timeoutMs === undefined && (opts.env === undefined || opts.env === process.env)
        ? takePrefetched(root)
        : undefined;
    const req = early ?? new ViewRequest(root, { cwd: root, env, timeoutMs }, opts.attributeFiles !== undefined);
    req.decide(opts.knownIndex);
    const [rev, config, status] = (await req.main) as [GitOutput, GitOutput, GitOutput];
    if (rev.code !== 0) return { unavailable: notARepository(rev.stderr) };
    const [topLevel = '', commonDirRaw = '.git', prefix = '', format = 'sha1', indexPath = ''] = rev.stdout
      .toString('utf8')
      .split('\n');
    if (format !== 'sha1' && format !== 'sha256')
      return { unavailable: `the repository uses the ${format} object format` };
    if (status.code !== 0) return { unavailable: `git failed (${gitComplaint(status.stderr)})` };
    // status -z prints paths relative to the top of the work tree (ls-files, relative to the folder).
    const partial = buildView(prefix, status);
    if (opts.attributeFiles) partial.attributesInside.push(...(await opts.attributeFiles));
    const settings = parseConfig(config);
    // git's relative answers are relative to where it ran: the folder's real path, not a link to it.
    const here = req.here;
    const attributes = {
      root,
      topLevel,
      commonDir: path.resolve(here, commonDirRaw),
      prefix,
      attributesFile: settings.attributesFile,
      env,
    };
    // The index git read, if it is the one found before it started and it held still meanwhile.
    const mark = req.before && sameFile(req.before.file, path.resolve(here, indexPath)) ? req.before : undefined;
    const still = () => mark !== undefined && markIndex(mark.file)?.checksum === mark.checksum;
    const where: Where = { topLevel, prefix, format, mark };
    const withListing = async (): Promise<GitView | GitUnavailable> => {
      const ls = await req.list();
      if (ls.code !== 0) return { unavailable: `git failed (${gitComplaint(ls.stderr)})` };
      // Its status and its listing must be of one index: one that changed meanwhile (another git
      // command, perhaps between the two) could pair a file's id with another file's bytes.
      const held = still();
      if (mark !== undefined && !held)
        return { unavailable: "git's index changed while git was asked (another git command at the same time)" };
      addListing(partial, ls);
      const found = await conversions(
        { ...attributes, inside: partial.attributesInside },
        () => {
          const { tracked, dirty } = partial.listing!();
          return [...tracked.keys()].filter((p) => !dirty.has(p));
        },
        { autocrlf: settings.autocrlf, eolMatters: opts.eolMatters ?? (() => true), timeoutMs },
      );
      // Known by its checksum next time only when nothing in the listing is needed without it.
      const known = partial.trackedAttributes.length === 0 && held;
      return finish(partial, found, { ...where, mark: known ? mark : undefined }, withListing);
    };
    if (!req.listed) {
      // The caller knows this index: without attributes that convert bytes, the listing is not needed.
      const relevant = readRelevance(attributeFiles({ ...attributes, inside: partial.attributesInside }));
      if (still() && !relevant.content && !relevant.eol && settings.autocrlf === 'false')
        return finish(partial, { unsafe: new Map(), sources: relevant.sources }, where, withListing);
    }
    return await withListing();
  } catch (err) {
    if (err instanceof GitSpawnError) return { unavailable: err.message };
    return { unavailable: `git failed (${(err as Error).message})` };
  }
}

/** rev-parse's complaint, made into what to do about it. */
function notARepository(stderr: string): string {
  const said = gitComplaint(stderr);
  if (/safe\.directory|dubious ownership/.test(stderr)) {
    const cmd = /git config --global --add safe\.directory \S+/.exec(stderr)?.[0];
    return `git refuses the repository: ${said}${cmd ? ` (to trust it: ${cmd})` : ''}`;
  }
  if (/not a git repository/i.test(said)) return 'the folder is not in a git repository';
  if (/must be run in a work tree/i.test(said)) return 'the folder is not in a git work tree';
  return `git failed (${said})`;
}

function parseConfig(r: GitOutput): { autocrlf: AutoCrlf; attributesFile: string | undefined } {
  // `-z`: "key\nvalue\0" per entry; the last one set wins, as git reads it.
  let autocrlf: AutoCrlf = 'false';
  let attributesFile: string | undefined;
  if (r.code !== 0) return { autocrlf, attributesFile };
  for (const entry of r.stdout.toString('utf8').split('\0')) {
    const nl = entry.indexOf('\n');
    const key = (nl === -1 ? entry : entry.slice(0, nl)).toLowerCase();
    const value = nl === -1 ? 'true' : entry.slice(nl + 1);
    if (key === 'core.autocrlf') {
      const v = value.trim().toLowerCase();
      autocrlf = v === 'input' ? 'input' : ['true', 'yes', 'on', '1'].includes(v) ? 'true' : 'false';
    } else if (key === 'core.attributesfile') {
      attributesFile = value;
    }
  }
  return { autocrlf, attributesFile };
}

interface PartialView {
  /** git's listing, read into `tracked` and `dirty` on first use (undefined: git was not asked for it). */
  listing: (() => { tracked: Map<string, string>; dirty: Map<string, DirtyReason> }) | undefined;
  /** A hash of the listing ('' without one). */
  indexHash: string;
  /** `.gitattributes` files under the folder that git tracks. */
  trackedAttributes: string[];
  /** What `git status` says of tracked paths (applied over the listing's own reasons). */
  changed: Map<string, DirtyReason>;
  untracked: string[];
  ignored: string[];
  /** `.gitattributes` files under the folder that git reports (tracked, untracked, ignored). */
  attributesInside: string[];
}

const isAttributes = (p: string) => p === '.gitattributes' || p.endsWith('/.gitattributes');

/** The view from `git status` alone. */
function buildView(prefix: string, st: GitOutput): PartialView {
  const v: PartialView = {
    listing: undefined,
    indexHash: '',
    trackedAttributes: [],
    changed: new Map(),
    untracked: [],
    ignored: [],
    attributesInside: [],
  };
  parseStatus(st.stdout.toString('utf8'), prefix, v);
  return v;
}

/**
 * Add git's listing to the view: hashed in pieces (with a look for attributes files), and read
 * whole and parsed only when something asks for it.
 */
function addListing(v: PartialView, ls: GitLargeOutput): void {
  type Listed = { tracked: Map<string, string>; dirty: Map<string, DirtyReason>; attributesInside: string[] };
  let parsed: Listed | undefined;
  const parse = (): Listed => {
    if (parsed) return parsed;
    parsed = { tracked: new Map(), dirty: new Map(), attributesInside: [] };
    parseLsFiles(ls.read().toString('utf8'), parsed);
    return parsed;
  };
  let merged = false;
  v.listing = () => {
    const l = parse();
    // What git status says wins over the listing's own reasons (it is read after it).
    if (!merged) for (const [p, r] of v.changed) l.dirty.set(p, r);
    merged = true;
    return l;
  };
  const { sha256, found } = hashAndFind(ls.pieces(), ATTRIBUTES);
  v.indexHash = sha256;
  // Attributes files git tracks decide which bytes it converts: only then is the listing read now.
  if (found) v.trackedAttributes = parse().attributesInside;
  v.attributesInside.push(...v.trackedAttributes);
}

const ATTRIBUTES = Buffer.from('.gitattributes');

/**
 * Pure: the SHA-256 of the pieces, and whether `needle` occurs in them (also across the seam of
 * two pieces). A piece may be a buffer reused for the next one.
 */
export function hashAndFind(pieces: Iterable<Buffer>, needle: Buffer): { sha256: string; found: boolean } {
  const hash = createHash('sha256');
  let found = false;
  let tail = Buffer.alloc(0);
  for (const piece of pieces) {
    hash.update(piece);
    if (!found) {
      found = piece.includes(needle) || Buffer.concat([tail, piece.subarray(0, needle.length - 1)]).includes(needle);
      // The last bytes so far, copied: the next piece may overwrite this one.
      const keep = needle.length - 1;
      tail = Buffer.from(
        piece.length >= keep ? piece.subarray(piece.length - keep) : Buffer.concat([tail, piece]).subarray(-keep),
      );
    }
  }
  return { sha256: hash.digest('hex'), found };
}

/**
 * `git ls-files --stage -v -z`: "<tag> <mode> <blob> <stage>\t<path>\0" per entry, read in place
 * (one string per path and per id: this runs for every tracked file). Tag H is a plain entry;
 * h is assume-unchanged, S/s skip-worktree, M unmerged (stages 1-3).
 */
export function parseLsFiles(
  out: string,
  v: { tracked: Map<string, string>; dirty: Map<string, DirtyReason>; attributesInside: string[] },
): void {
  let at = 0;
  while (at < out.length) {
    let end = out.indexOf('\0', at);
    if (end === -1) end = out.length;
    const tab = out.indexOf('\t', at);
    if (tab === -1 || tab > end) {
      at = end + 1;
      continue;
    }
    const start = at;
    at = end + 1;
    const p = out.slice(tab + 1, end);
    const tag = out.charCodeAt(start);
    const mode = out.slice(start + 2, start + 8);
    const stage = out.charCodeAt(tab - 1);
    if (isAttributes(p)) v.attributesInside.push(p);
    if (stage !== 48 /* 0 */ || tag === 77 /* M */) {
      v.dirty.set(p, 'unmerged');
      continue;
    }
    v.tracked.set(p, out.slice(start + 9, tab - 2));
    if (tag === 104 /* h */) v.dirty.set(p, 'assume-unchanged');
    else if (tag === 83 /* S */ || tag === 115 /* s */) v.dirty.set(p, 'skip-worktree');
    else if (tag !== 72 /* H */) v.dirty.set(p, 'modified');
    else if (mode === '120000') v.dirty.set(p, 'symbolic link');
    else if (mode === '160000') v.dirty.set(p, 'submodule');
    else if (mode !== '100644' && mode !== '100755') v.dirty.set(p, 'type changed');
  }
}

/**
 * `git status --porcelain=v2 -z`: "1 XY …8 fields… path", "2 XY …9 fields… path\0orig" (not
 * with --no-renames, but understood), "u XY …10 fields… path", "? path", "! path". Y, the
 * second status letter, compares the working tree with the index: anything but '.' is a change.
 */
function parseStatus(out: string, prefix: string, v: PartialView): void {
  // Paths relative to the top of the work tree: only those under the folder (all, given the
  // pathspec) are kept, relative to it.
  const strip = (full: string) => (full.startsWith(prefix) ? full.slice(prefix.length) : undefined);
  const recs = out.split('\0');
  for (let i = 0; i < recs.length; i++) {
    const rec = recs[i] as string;
    const type = rec[0];
    if (type === '?' || type === '!') {
      const p = strip(rec.slice(2));
      if (p === undefined) continue;
      if (isAttributes(p)) v.attributesInside.push(p);
      (type === '?' ? v.untracked : v.ignored).push(p);
      continue;
    }
    if (type !== '1' && type !== '2' && type !== 'u') continue;
    const fields = type === '1' ? 8 : type === '2' ? 9 : 10;
    const p = strip(nthField(rec, fields));
    if (type === '2') i++; // The original path follows.
    if (p === undefined) continue;
    if (type === 'u') {
      v.changed.set(p, 'unmerged');
      continue;
    }
    const y = rec[3];
    if (y === '.' || y === undefined) continue;
    v.changed.set(
      p,
      y === 'D' ? 'deleted' : y === 'T' ? 'type changed' : y === 'A' ? 'added with intent to add' : 'modified',
    );
  }
}

/** The rest of `rec` after its first `n` space-separated fields (a path may hold spaces). */
function nthField(rec: string, n: number): string {
  let at = 0;
  for (let k = 0; k < n; k++) {
    at = rec.indexOf(' ', at) + 1;
    if (at === 0) return '';
  }
  return rec.slice(at);
}

interface Where {
  topLevel: string;
  prefix: string;
  format: ObjectFormat;
  /** The index, when it is known by this checksum. */
  mark: IndexMark | undefined;
}

function finish(
  v: PartialView,
  found: { unsafe: Map<string, string>; sources: string[] },
  where: Where,
  withListing: () => Promise<GitView | GitUnavailable>,
): GitView {
  const { unsafe } = found;
  const listing = () => {
    if (!v.listing) throw new Error("git's listing was not read (GitView.withListing reads it)");
    return v.listing();
  };
  const view: GitView = {
    topLevel: where.topLevel,
    prefix: where.prefix,
    objectFormat: where.format,
    get tracked() {
      return listing().tracked;
    },
    get dirty() {
      return listing().dirty;
    },
    indexHash: v.indexHash,
    indexChecksum: where.mark?.checksum,
    listed: v.listing !== undefined,
    withListing: () => (view.listed ? Promise.resolve(view) : withListing()),
    changed: v.changed,
    unsafe,
    untracked: v.untracked,
    ignored: v.ignored,
    attributeSources: found.sources,
    // The two maps are nearly always empty or small: skip hashing the path when they are.
    vouch: (p) => {
      // What git status says changed needs no listing to answer; without one, nothing is vouched for.
      if ((v.changed.size > 0 && v.changed.has(p)) || !v.listing) return undefined;
      const { tracked, dirty } = v.listing();
      return (dirty.size > 0 && dirty.has(p)) || (unsafe.size > 0 && unsafe.has(p)) ? undefined : tracked.get(p);
    },
    summary() {
      if (!v.listing) return 'its index is the one the state knows (by its checksum), so its listing was not read';
      const { tracked, dirty } = v.listing();
      const parts = [`vouches for ${tracked.size - countNotVouched(v, unsafe)} of ${tracked.size} tracked file(s)`];
      const reasons = new Map<string, number>();
      for (const r of dirty.values()) reasons.set(r, (reasons.get(r) ?? 0) + 1);
      if (unsafe.size > 0) reasons.set('with bytes git converts (attributes, core.autocrlf)', unsafe.size);
      if (reasons.size > 0) parts.push(`not: ${[...reasons].map(([r, n]) => `${n} ${r}`).join(', ')}`);
      return parts.join('; ');
    },
  };
  return view;
}

function countNotVouched(v: PartialView, unsafe: Map<string, string>): number {
  if (!v.listing) return 0;
  const { tracked, dirty } = v.listing();
  let n = 0;
  for (const p of tracked.keys()) if (dirty.has(p) || unsafe.has(p)) n++;
  return n;
}
