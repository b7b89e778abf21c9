import fs from 'node:fs';
import path from 'node:path';

/**
 * git's index file known by its own checksum. git writes the index whole (to `index.lock`, then
 * renamed over it) and ends it with a hash of everything before (SHA-1, or SHA-256 in a
 * SHA-256 repository): equal last bytes, the same index. A run that knows the index by that
 * checksum (the state recorded it with the listing it read) need not ask git to list it again:
 * at 100,000 files the listing is ~9 MB, and git, reading it and hashing it cost a no-op about
 * as much as `git status` itself.
 *
 * Not known by checksum: an index written with `index.skipHash` (its last bytes are zeros), one
 * missing, and one this file cannot find where git says it is (src/scan/git.ts compares).
 */

export interface IndexMark {
  /** The index file, as found from the folder (before git was asked). */
  file: string;
  /** Its size and last 32 bytes, in hex: equal marks, the same index. */
  checksum: string;
}

/** The bytes read from the end of the index: a SHA-256 trailer, or a SHA-1 one and what precedes it. */
const TAIL = 32;

/**
 * Where git keeps the index of the work tree that holds `root`, found as git finds it (the
 * nearest `.git` folder up from `root`, or a `.git` file's `gitdir:`), or undefined. The caller
 * checks the answer against git's own (`git rev-parse --git-path index`): a repository found by
 * other means (GIT_DIR, core.worktree) then simply is not known by checksum.
 */
export function findIndexFile(root: string): string | undefined {
  try {
    // From the folder's real path, as git walks (its working directory has no links in it).
    return findFrom(fs.realpathSync(root));
  } catch {
    return undefined; // A folder on the way that cannot be looked into: git meets it too, and says so.
  }
}

function findFrom(start: string): string | undefined {
  let dir = start;
  for (;;) {
    const dotGit = path.join(dir, '.git');
    const st = fs.lstatSync(dotGit, { throwIfNoEntry: false });
    if (st?.isDirectory()) return path.join(dotGit, 'index');
    if (st?.isFile()) {
      // A linked work tree or a submodule: "gitdir: <path>", relative to the folder it is in.
      const m = /^gitdir: (.+?)\r?\n?$/.exec(readSmall(dotGit));
      return m ? path.join(path.resolve(dir, m[1]!), 'index') : undefined;
    }
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

function readSmall(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').slice(0, 4096);
  } catch {
    return '';
  }
}

/** The index file's mark now, or undefined (missing, unreadable, too short, or written without a checksum). */
export function markIndex(file: string): IndexMark | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    if (size < 12 + TAIL) return undefined;
    const tail = Buffer.alloc(TAIL);
    if (fs.readSync(fd, tail, 0, TAIL, size - TAIL) !== TAIL) return undefined;
    // index.skipHash: the trailer is all zeros (20 of them in a SHA-1 repository).
    if (tail.subarray(TAIL - 20).every((b) => b === 0)) return undefined;
    return { file, checksum: `${size.toString(16)}-${tail.toString('hex')}` };
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * The folder with its links resolved, or as given if it cannot be: what git's relative answers
 * (`git rev-parse --git-path`, `--git-common-dir`) are relative to (it runs in the real folder).
 */
export function realFolder(dir: string): string {
  try {
    return fs.realpathSync(dir);
  } catch {
    return path.resolve(dir);
  }
}

/** Whether `a` and `b` name the same file (paths compared as given, then resolved through links). */
export function sameFile(a: string, b: string): boolean {
  if (path.resolve(a) === path.resolve(b)) return true;
  try {
    return fs.realpathSync(a) === fs.realpathSync(b);
  } catch {
    return false;
  }
}
