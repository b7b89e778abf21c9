import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { StateError } from '../errors.js';
import { DAMAGED_HINT, stateFailure } from './failure.js';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';

/**
 * The one SQLite connection of a state store (better-sqlite3, WAL). Only the modules of
 * `src/state/` see it: everything else goes through `StateStore` and its tables.
 */
export type Db = Database.Database;

export { DAMAGED_HINT };

export function nowIso(): string {
  return new Date().toISOString();
}

/**
 * Open (and create, unless `readonly`) the state file and bring its schema up to date. Only a
 * missing file is a fresh state: one that exists but is empty, truncated, not SQLite or another
 * program's database is refused (exit 2, with what to do), in every mode, and left untouched.
 * A new file is built under a temporary name and linked into place complete, so that no other
 * process ever sees it half made. A read-only open of a missing file gives an empty in-memory
 * database, so `plan` and `status` work before the first sync; a read-only open of an older file
 * migrates a copy in memory.
 */
export function openConnection(file: string, readonly: boolean): Db {
  let db: Db;
  try {
    if (readonly && !fs.existsSync(file)) {
      db = new Database(':memory:');
    } else {
      if (!readonly && !fs.existsSync(file)) createFile(file);
      checkHeader(file);
      db = new Database(file, { readonly, fileMustExist: true });
    }
  } catch (err) {
    throw (
      stateFailure(err, file) ??
      new StateError(`Cannot open the state file ${file}: ${(err as Error).message}`, DAMAGED_HINT, err)
    );
  }
  try {
    // First, so that a second process opening the file meanwhile waits instead of failing.
    db.pragma('busy_timeout = 10000');
    // Before anything is written (WAL mode is a write): a file that is not ours is left as it is.
    const version = checkVersion(db, file);
    if (!readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      testOnlyLimit(db);
    }
    db.pragma('foreign_keys = ON');
    if (version < SCHEMA_VERSION) {
      if (readonly && db.name !== ':memory:') {
        // `plan` and `status` do not write: bring a copy up to date in memory instead. A file
        // kb-sync wrote is in WAL mode, and its header says so (bytes 18 and 19 = 2): an image
        // with that header cannot be opened in memory, so the copy is marked rollback-journal (1).
        const image = db.serialize();
        image[18] = 1;
        image[19] = 1;
        const copy = new Database(image);
        db.close();
        db = copy;
      }
      migrate(db);
    }
  } catch (err) {
    db.close();
    throw (
      stateFailure(err, file) ??
      new StateError(
        `The state file ${file} is damaged or is not a kb-sync state file (${(err as Error).message}).`,
        DAMAGED_HINT,
        err,
      )
    );
  }
  return db;
}

/** Build a new, migrated state file beside `file` and link it into place (unless another process was first). */
function createFile(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.new-${process.pid}-${Date.now()}`;
  try {
    const db = new Database(tmp);
    try {
      db.pragma('journal_mode = WAL');
      migrate(db);
    } finally {
      db.close();
    }
    try {
      fs.linkSync(tmp, file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return; // Another process made it first: use theirs.
      // A file system without hard links: a rename (whole all the same), unless one appeared meanwhile.
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw err;
      if (!fs.existsSync(file)) fs.renameSync(tmp, file);
    }
  } finally {
    for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`]) fs.rmSync(f, { force: true });
  }
}

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * Refuse, before SQLite touches it, a file that is empty (SQLite would take it for a new
 * database), not SQLite, or shorter than its header says (truncated).
 */
function checkHeader(file: string): void {
  const damaged = (what: string): never => {
    throw new StateError(`The state file ${file} ${what}: it is damaged or is not a kb-sync state file.`, DAMAGED_HINT);
  };
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    if (size === 0) damaged('is empty (0 bytes)');
    const head = Buffer.alloc(100);
    const n = fs.readSync(fd, head, 0, 100, 0);
    if (n < 100 || !head.subarray(0, 16).equals(SQLITE_MAGIC)) damaged('is not a SQLite database');
    const pageSize = head.readUInt16BE(16) === 1 ? 65536 : head.readUInt16BE(16);
    const pages = head.readUInt32BE(28);
    // The page count in the header is valid when its change counter matches (offsets 24 and 92).
    // With a -wal file beside it a writer may be checkpointing (growing the file) right now: then
    // SQLite's own checks judge it (a damaged file is still a StateError, see failure.ts).
    const settled = !fs.existsSync(`${file}-wal`);
    if (settled && pages > 0 && head.readUInt32BE(24) === head.readUInt32BE(92) && size < pages * pageSize) {
      damaged(`is truncated (${size} bytes; its header says ${pages * pageSize})`);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Test only: `KB_SYNC_TEST_STATE_GROW_PAGES=N` lets the state grow by N pages in this process
 * (SQLite's max_page_count), so that tests can fill the "disk". Not a setting for users.
 */
function testOnlyLimit(db: Db): void {
  const grow = Number(process.env.KB_SYNC_TEST_STATE_GROW_PAGES);
  if (!Number.isInteger(grow) || grow < 0) return;
  const pages = db.pragma('page_count', { simple: true }) as number;
  db.pragma(`max_page_count = ${pages + grow}`);
}

/** The schema version of an open state file; refuses one written by a newer kb-sync. */
function checkVersion(db: Db, file: string): number {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new StateError(
      `The state file ${file} was written by a newer kb-sync (schema ${version}; this one knows ${SCHEMA_VERSION}).`,
      'Upgrade kb-sync (npm install cxgenie-kb-sync@latest).',
    );
  }
  // Touch the schema so that a file that is not SQLite fails here, with the clear message.
  if (version > 0) db.prepare('SELECT count(*) FROM bots').get();
  // Version 0 with tables of its own is another program's database: never migrated into.
  else if (
    (db.prepare("SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").pluck().get() as number) > 0
  ) {
    throw new StateError(
      `The state file ${file} is another program's SQLite database, not a kb-sync state file.`,
      `Point "stateFile" at a file of its own (the default is .kb-sync/state.db). ${DAMAGED_HINT}`,
    );
  }
  return version;
}

/**
 * Apply the numbered migrations the file lacks, in one IMMEDIATE transaction that reads the
 * version again inside it: two processes opening a new file at once cannot both migrate it.
 */
function migrate(db: Db): void {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    for (let v = version; v < SCHEMA_VERSION; v++) {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    }
  }).immediate();
}

/** SQLite's own check of an open file (`PRAGMA integrity_check`): the problems it finds, none when sound. */
export function integrityProblems(db: Db): string[] {
  const rows = db.pragma('integrity_check') as { integrity_check: string }[];
  return rows.map((r) => r.integrity_check).filter((m) => m !== 'ok');
}

/**
 * The schema version written in a state file, as it is on disk (a read-only open migrates a copy
 * in memory): undefined when there is no file. Throws `StateError` for a file that is not SQLite.
 */
export function fileSchemaVersion(file: string): number | undefined {
  if (!fs.existsSync(file)) return undefined;
  let db: Db | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    return db.pragma('user_version', { simple: true }) as number;
  } catch (err) {
    throw new StateError(`Cannot read the state file ${file}: ${(err as Error).message}`, DAMAGED_HINT, err);
  } finally {
    db?.close();
  }
}
