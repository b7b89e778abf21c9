import fs from 'node:fs';
import path from 'node:path';
import type { FileIssue } from '../errors.js';
import { statSig, type StatSig } from '../scan/file.js';
import { readWhole } from '../util/read-fd.js';

/** A file modified this recently may change again within the clock's granularity: re-check it next time. */
export const RACY_WINDOW_MS = 3_000;

export function isRacy(st: fs.Stats, nowMs: number = Date.now()): boolean {
  return nowMs - st.mtimeMs < RACY_WINDOW_MS;
}

export type ReadResult =
  { ok: true; bytes: Buffer; sig: StatSig; racy: boolean } | { ok: false; issue: FileIssue; vanished?: boolean };

const O_NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;

export function errorIssue(err: unknown, file: string): { ok: false; issue: FileIssue; vanished?: boolean } {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    return {
      ok: false,
      vanished: true,
      issue: {
        file,
        severity: 'warning',
        message: 'the file disappeared during the sync; it is checked again next time',
      },
    };
  }
  if (code === 'EACCES' || code === 'EPERM')
    return { ok: false, issue: { file, severity: 'error', message: 'cannot read the file: permission denied' } };
  if (code === 'ELOOP')
    return {
      ok: false,
      issue: { file, severity: 'error', message: 'the file was replaced by a symbolic link during the sync; not read' },
    };
  return { ok: false, issue: { file, severity: 'error', message: `cannot read the file: ${(err as Error).message}` } };
}

/** Where the kernel says an open file is (Linux); `undefined` where it cannot say. */
function fdPath(fd: number): string | undefined {
  try {
    return fs.readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

function within(p: string, root: string): boolean {
  return p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

/**
 * Is the file open on `fd` (whose `fstat` is `st`) inside `root` (a real path)? Checked on the
 * opened file, not on a name, so that a folder swapped for a symbolic link between the scan and
 * the read is caught: on Linux the kernel says where the open file is; elsewhere the real path of
 * `absPath` must be inside `root` and be the very file that is open (same device and inode).
 */
export function openedInside(fd: number, absPath: string, root: string, st: fs.Stats): boolean {
  const where = fdPath(fd);
  if (where !== undefined && where.startsWith('/')) return within(where, root);
  return realPathInside(absPath, root, st);
}

/** The portable check of `openedInside`: the name's real path is inside, and is the open file. */
export function realPathInside(absPath: string, root: string, st: fs.Stats): boolean {
  try {
    const real = fs.realpathSync(absPath);
    if (!within(real, root)) return false;
    const now = fs.statSync(real);
    return now.ino === st.ino && now.dev === st.dev;
  } catch {
    return false;
  }
}

export const OUTSIDE =
  'the file is outside the knowledge folder now (a folder on its path became a symbolic link during the sync); not read';

/**
 * Open without following a symbolic link (a file swapped for a link after the scan is refused),
 * check it is a regular file within `maxBytes` and, given `root` (the knowledge folder's real
 * path), that the opened file is inside it; then read it. What is returned is what was checked.
 */
export function readFileChecked(
  absPath: string,
  file: string,
  maxBytes: number,
  tooBig: string,
  root?: string,
): ReadResult {
  let fd: number;
  try {
    fd = fs.openSync(absPath, fs.constants.O_RDONLY | O_NOFOLLOW);
  } catch (err) {
    return errorIssue(err, file);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return { ok: false, issue: { file, severity: 'error', message: 'not a regular file; not read' } };
    if (root !== undefined && !openedInside(fd, absPath, root, st))
      return { ok: false, issue: { file, severity: 'error', message: OUTSIDE } };
    if (st.size > maxBytes) {
      return {
        ok: false,
        issue: {
          file,
          severity: 'error',
          message: `${tooBig} (${formatBytes(st.size)}, the limit is ${formatBytes(maxBytes)})`,
        },
      };
    }
    return { ok: true, bytes: readWhole(fd, st.size), sig: statSig(st), racy: isRacy(st) };
  } catch (err) {
    return errorIssue(err, file);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * `readFileChecked` without blocking (for a document at upload time): the bytes that are hashed
 * are the bytes that are sent.
 */
export async function readFileCheckedAsync(
  absPath: string,
  file: string,
  maxBytes: number,
  tooBig: string,
  root?: string,
): Promise<ReadResult> {
  const opened = await openCheckedAsync(absPath, file, root);
  if (!opened.ok) return opened;
  const { fh, st } = opened;
  try {
    if (st.size > maxBytes) {
      const message = `${tooBig} (${formatBytes(st.size)}, the limit is ${formatBytes(maxBytes)})`;
      return { ok: false, issue: { file, severity: 'error', message } };
    }
    const bytes = Buffer.allocUnsafe(st.size);
    let off = 0;
    while (off < st.size) {
      const { bytesRead } = await fh.read(bytes, off, st.size - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return { ok: true, bytes: bytes.subarray(0, off), sig: statSig(st), racy: isRacy(st) };
  } catch (err) {
    return errorIssue(err, file);
  } finally {
    await fh.close();
  }
}

/**
 * Open a file to read it without blocking: no link followed, a regular file, and (with `root`,
 * the folder's real path) inside the folder. The caller closes the handle.
 */
export async function openCheckedAsync(
  absPath: string,
  file: string,
  root: string | undefined,
): Promise<
  { ok: true; fh: fs.promises.FileHandle; st: fs.Stats } | { ok: false; issue: FileIssue; vanished?: boolean }
> {
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(absPath, fs.constants.O_RDONLY | O_NOFOLLOW);
  } catch (err) {
    return errorIssue(err, file);
  }
  let refused: string | undefined;
  let st: fs.Stats;
  try {
    st = await fh.stat();
    if (!st.isFile()) refused = 'not a regular file; not read';
    else if (root !== undefined && !openedInside(fh.fd, absPath, root, st)) refused = OUTSIDE;
  } catch (err) {
    await fh.close();
    return errorIssue(err, file);
  }
  if (refused === undefined) return { ok: true, fh, st };
  await fh.close();
  return { ok: false, issue: { file, severity: 'error', message: refused } };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}
