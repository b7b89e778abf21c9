import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { StateError } from '../errors.js';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';

/**
 * The one SQLite connection of a state store (better-sqlite3, WAL). Only the modules of
 * `src/state/` see it: everything else goes through `StateStore` and its tables.
 */
export type Db = Database.Database;

export const DAMAGED_HINT =
  'Restore the file from a backup or import a snapshot (`kb-sync state import FILE`). If it is lost for good, move it away, check the bot in the CX Genie dashboard, and run `kb-sync adopt` so that nothing is pushed twice.';

export function nowIso(): string {
  return new Date().toISOString();
}

/**
 * Open (and create, unless `readonly`) the state file and bring its schema up to date. A
 * read-only open of a missing file gives an empty in-memory database, so `plan` and `status`
 * work before the first sync; a read-only open of an older file migrates a copy in memory.
 */
export function openConnection(file: string, readonly: boolean): Db {
  let db: Db;
  try {
    if (readonly && !fs.existsSync(file)) {
      db = new Database(':memory:');
    } else {
      if (!readonly) fs.mkdirSync(path.dirname(file), { recursive: true });
      db = new Database(file, { readonly, fileMustExist: readonly });
    }
  } catch (err) {
    throw new StateError(`Cannot open the state file ${file}: ${(err as Error).message}`, DAMAGED_HINT, err);
  }
  try {
    // First, so that a second process opening the file meanwhile waits instead of failing.
    db.pragma('busy_timeout = 10000');
    if (!readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    const version = checkVersion(db, file);
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
    if (err instanceof StateError) throw err;
    throw new StateError(
      `The state file ${file} is damaged or is not a kb-sync state file (${(err as Error).message}).`,
      DAMAGED_HINT,
      err,
    );
  }
  return db;
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
