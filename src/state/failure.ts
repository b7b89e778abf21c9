import { StateError } from '../errors.js';

/**
 * SQLite and file-system failures on the state file, as plain messages (exit 2) instead of
 * "internal error": a full disk, a read-only file system or a file or folder this user cannot
 * write, an I/O error, a damaged file. Anything else is left as it is (a bug is a bug).
 */

export const DAMAGED_HINT =
  'Restore the file from a backup or import a snapshot (`kb-sync state import FILE`). If it is lost for good, move it away, check the bot in the CX Genie dashboard, and run `kb-sync adopt` so that nothing is pushed twice.';

const AFTER_WRITE_FAILED =
  'What was sent before is recorded; anything in flight is checked by the next run (see `kb-sync status`), so nothing is pushed twice.';

export function stateFailure(err: unknown, file: string): StateError | undefined {
  if (err instanceof StateError) return err;
  if (!(err instanceof Error)) return undefined;
  const code = String((err as NodeJS.ErrnoException).code ?? '');
  const why = err.message;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') {
    return new StateError(
      `The disk holding the state file ${file} is full (${why}).`,
      `Free some space (or point "stateFile" at another disk) and run again. ${AFTER_WRITE_FAILED}`,
      err,
    );
  }
  if (
    code.startsWith('SQLITE_READONLY') ||
    code === 'SQLITE_CANTOPEN' ||
    code === 'SQLITE_PERM' ||
    code === 'SQLITE_AUTH' ||
    code === 'EROFS' ||
    code === 'EACCES' ||
    code === 'EPERM'
  ) {
    return new StateError(
      `Cannot write the state file ${file}: the file system is read-only, or this user may not read or write the file or its folder (${why}).`,
      `Make the file and its folder writable (SQLite writes ${file}-wal and -shm beside it), or point "stateFile" at a writable place. ${AFTER_WRITE_FAILED}`,
      err,
    );
  }
  if (code.startsWith('SQLITE_IOERR') || code === 'EIO') {
    return new StateError(
      `Cannot read or write the state file ${file}: an input/output error (${why}).`,
      `Check the disk, then run again. ${AFTER_WRITE_FAILED}`,
      err,
    );
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StateError(
      `The state file ${file} stayed locked by another connection for longer than kb-sync waits (10 s) (${why}).`,
      `Something else had it open for writing (another kb-sync reaches it only through the lock, briefly; a database tool, a backup or a sync service may hold it longer). Run again once it is closed. ${AFTER_WRITE_FAILED}`,
      err,
    );
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new StateError(
      `The state file ${file} is damaged or is not a kb-sync state file (${why}).`,
      DAMAGED_HINT,
      err,
    );
  }
  return undefined;
}

/** `stateFailure(err)` when it names one, else `err` itself. */
export function asStateFailure(err: unknown, file: string): unknown {
  return stateFailure(err, file) ?? err;
}
