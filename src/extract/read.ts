import fs from 'node:fs';
import { createHash } from 'node:crypto';
import type { FileIssue } from '../errors.js';
import { blobHasher, type ObjectFormat } from '../scan/blob.js';
import { statSig, type StatSig } from '../scan/file.js';

/** A file modified this recently may change again within the clock's granularity: re-check it next time. */
export const RACY_WINDOW_MS = 3_000;

export function isRacy(st: fs.Stats, nowMs: number = Date.now()): boolean {
  return nowMs - st.mtimeMs < RACY_WINDOW_MS;
}

export type ReadResult =
  { ok: true; bytes: Buffer; sig: StatSig; racy: boolean } | { ok: false; issue: FileIssue; vanished?: boolean };

const O_NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;

function errorIssue(err: unknown, file: string): { ok: false; issue: FileIssue; vanished?: boolean } {
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

/**
 * Open without following a symbolic link (a file swapped for a link after the scan is refused),
 * check it is a regular file within `maxBytes`, and read it.
 */
export function readFileChecked(absPath: string, file: string, maxBytes: number, tooBig: string): ReadResult {
  let fd: number;
  try {
    fd = fs.openSync(absPath, fs.constants.O_RDONLY | O_NOFOLLOW);
  } catch (err) {
    return errorIssue(err, file);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return { ok: false, issue: { file, severity: 'error', message: 'not a regular file; not read' } };
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
    const size = st.size;
    const bytes = Buffer.allocUnsafe(size);
    let off = 0;
    while (off < size) {
      const n = fs.readSync(fd, bytes, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    return { ok: true, bytes: off === size ? bytes : bytes.subarray(0, off), sig: statSig(st), racy: isRacy(st) };
  } catch (err) {
    return errorIssue(err, file);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Stream-hash a document (memory does not grow with its size); with `blobFormat`, its git blob
 * id too (undefined if it changed size while being read).
 */
export async function hashFileChecked(
  absPath: string,
  file: string,
  maxBytes: number,
  tooBig: string,
  blobFormat?: ObjectFormat,
): Promise<
  | { ok: true; hash: string; size: number; sig: StatSig; racy: boolean; blob?: string }
  | { ok: false; issue: FileIssue; vanished?: boolean }
> {
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(absPath, fs.constants.O_RDONLY | O_NOFOLLOW);
  } catch (err) {
    return errorIssue(err, file);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return { ok: false, issue: { file, severity: 'error', message: 'not a regular file; not read' } };
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
    const h = createHash('sha256');
    const b = blobFormat ? blobHasher(st.size, blobFormat) : undefined;
    const buf = Buffer.allocUnsafe(256 * 1024);
    let size = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, size);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
      b?.update(buf.subarray(0, bytesRead));
      size += bytesRead;
      if (size > maxBytes) {
        return { ok: false, issue: { file, severity: 'error', message: `${tooBig} (it grew during the sync)` } };
      }
    }
    const blob = b && size === st.size ? b.digest() : undefined;
    return { ok: true, hash: h.digest('hex'), size, sig: statSig(st), racy: isRacy(st), ...(blob ? { blob } : {}) };
  } catch (err) {
    return errorIssue(err, file);
  } finally {
    await fh.close();
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}
