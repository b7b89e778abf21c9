import type { Kind } from '../scan/file.js';
import type { Db } from './connection.js';

export interface FileRow {
  path: string;
  kind: Kind;
  sig: string | null;
  racy: boolean;
  contentHash: string | null;
  synced: boolean;
  /** The file's first error at its last read: `line:col message` (or the message alone). */
  error: string | null;
  /** Its warnings at that read, the same way. */
  warnings: string[];
}

export interface FileRecord {
  path: string;
  kind: Kind;
  sig: string | null;
  racy: boolean;
  contentHash: string | null;
  error: string | null;
  warnings?: readonly string[];
  /** Drafts (entries, or the file itself) left out at this read. */
  drafts?: number;
  /** The file's items at this read; undefined keeps the previous mapping (a file that failed). */
  items?: { key: string; hash: string }[];
}

/** A key a file yields, with the hash of the version it yields. */
export interface FileKey {
  key: string;
  hash: string;
}

/**
 * The `files` and `file_items` tables: what each file was when it was last read (the stat fast
 * path), which keys it yielded, and whether all of them were in the bot after that read.
 */
export class Files {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Files recorded as read within the racy window (modified too recently to trust their stat). */
  racy(botId: string): string[] {
    return this.#db.prepare('SELECT path FROM files WHERE bot_id = ? AND racy = 1').pluck().all(botId) as string[];
  }

  /** path → drafts left out at its last read, for the files that left any out. */
  drafts(botId: string): Map<string, number> {
    const rows = this.#db
      .prepare('SELECT path, drafts FROM files WHERE bot_id = ? AND drafts > 0')
      .raw()
      .all(botId) as [string, number][];
    return new Map(rows);
  }

  load(botId: string): Map<string, FileRow> {
    const out = new Map<string, FileRow>();
    const rows = this.#db
      .prepare('SELECT path, kind, sig, racy, content_hash, synced, error, warnings FROM files WHERE bot_id = ?')
      .raw()
      .iterate(botId) as IterableIterator<
      [string, Kind, string | null, number, string | null, number, string | null, string | null]
    >;
    for (const [p, kind, sig, racy, contentHash, synced, error, warnings] of rows) {
      out.set(p, {
        path: p,
        kind,
        sig,
        racy: racy === 1,
        contentHash,
        synced: synced === 1,
        error,
        warnings: warningsOf(warnings),
      });
    }
    return out;
  }

  /**
   * The stat fast path's index: path → `kind|sig` for a file that may be skipped (read without
   * error, not racy, every item in the bot), or '' for one that must be read again.
   */
  index(botId: string): Map<string, string> {
    // One string for the whole table, split here: far cheaper than a JS row per file. The unit
    // and record separators (31, 30) do not occur in paths in practice; if one did, the entry
    // could only fail to match (inode numbers differ), and the file would simply be read.
    const text = this.#db
      .prepare(
        `SELECT group_concat(path || char(31) || CASE WHEN racy = 0 AND synced = 1 AND error IS NULL AND sig IS NOT NULL
           THEN kind || '|' || sig ELSE '' END, char(30)) FROM files WHERE bot_id = ?`,
      )
      .pluck()
      .get(botId) as string | null;
    const out = new Map<string, string>();
    if (!text) return out;
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\u001e', start);
      const line = nl === -1 ? text.slice(start) : text.slice(start, nl);
      const tab = line.indexOf('\u001f');
      out.set(line.slice(0, tab), line.slice(tab + 1));
      if (nl === -1) return out;
      start = nl + 1;
    }
  }

  /** Keys (and hashes) each of `paths` yielded at its last read. */
  keys(botId: string, paths: Iterable<string>): Map<string, FileKey[]> {
    const stmt = this.#db.prepare('SELECT key, hash FROM file_items WHERE bot_id = ? AND path = ?');
    const out = new Map<string, FileKey[]>();
    for (const p of paths) out.set(p, stmt.all(botId, p) as FileKey[]);
    return out;
  }

  /** Of `keys`, those still yielded by some file outside `excluding`. */
  keysHeldElsewhere(botId: string, keys: Iterable<string>, excluding: ReadonlySet<string>): Set<string> {
    const stmt = this.#db.prepare('SELECT path FROM file_items WHERE bot_id = ? AND key = ?').pluck();
    const out = new Set<string>();
    for (const k of keys) {
      const paths = stmt.all(botId, k) as string[];
      if (paths.some((p) => !excluding.has(p))) out.add(k);
    }
    return out;
  }

  /** Record what was read of files; `items` replaces a file's key mapping. Recomputes `synced`. */
  record(botId: string, records: readonly FileRecord[]): void {
    if (records.length === 0) return;
    const upsert = this.#db.prepare(
      `INSERT INTO files (bot_id, path, kind, sig, racy, content_hash, synced, error, warnings, drafts) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?)
       ON CONFLICT (bot_id, path) DO UPDATE SET kind = excluded.kind, sig = excluded.sig, racy = excluded.racy,
         content_hash = excluded.content_hash, error = excluded.error, warnings = excluded.warnings,
         drafts = excluded.drafts`,
    );
    const delItems = this.#db.prepare('DELETE FROM file_items WHERE bot_id = ? AND path = ?');
    const addItem = this.#db.prepare('INSERT OR REPLACE INTO file_items (bot_id, path, key, hash) VALUES (?, ?, ?, ?)');
    // A file is synced when every key it yields is in the bot at that version, and none is in flight.
    const unsynced = this.#db
      .prepare(
        `SELECT count(*) FROM file_items fi LEFT JOIN items i ON i.bot_id = fi.bot_id AND i.key = fi.key
       WHERE fi.bot_id = ? AND fi.path = ? AND (i.key IS NULL OR i.hash <> fi.hash)`,
      )
      .pluck();
    const pendingFor = this.#db
      .prepare(
        'SELECT count(*) FROM pending p JOIN file_items fi ON fi.bot_id = p.bot_id AND fi.key = p.key WHERE p.bot_id = ? AND fi.path = ?',
      )
      .pluck();
    const setSynced = this.#db.prepare('UPDATE files SET synced = ? WHERE bot_id = ? AND path = ?');
    this.#db.transaction(() => {
      for (const r of records) {
        const warnings = r.warnings && r.warnings.length > 0 ? JSON.stringify(r.warnings) : null;
        upsert.run(botId, r.path, r.kind, r.sig, r.racy ? 1 : 0, r.contentHash, r.error, warnings, r.drafts ?? 0);
        if (r.items) {
          delItems.run(botId, r.path);
          for (const it of r.items) addItem.run(botId, r.path, it.key, it.hash);
        }
        const ok =
          r.error === null &&
          r.items !== undefined &&
          (unsynced.get(botId, r.path) as number) === 0 &&
          (pendingFor.get(botId, r.path) as number) === 0;
        setSynced.run(ok ? 1 : 0, botId, r.path);
      }
    })();
  }

  forget(botId: string, paths: Iterable<string>): void {
    const delFile = this.#db.prepare('DELETE FROM files WHERE bot_id = ? AND path = ?');
    const delItems = this.#db.prepare('DELETE FROM file_items WHERE bot_id = ? AND path = ?');
    this.#db.transaction(() => {
      for (const p of paths) {
        delFile.run(botId, p);
        delItems.run(botId, p);
      }
    })();
  }

  /** Every file of the bot must be read again (extraction changed, or requests were left in flight). */
  markAllUnsynced(botId: string): void {
    this.#db.prepare('UPDATE files SET synced = 0 WHERE bot_id = ?').run(botId);
  }

  /** Replace a bot's files with a snapshot's: no stat signatures, so each is read once. */
  replaceImported(botId: string, files: readonly { path: string; kind: string; items: readonly FileKey[] }[]): void {
    this.#db.prepare('DELETE FROM files WHERE bot_id = ?').run(botId);
    this.#db.prepare('DELETE FROM file_items WHERE bot_id = ?').run(botId);
    const file = this.#db.prepare(
      'INSERT INTO files (bot_id, path, kind, sig, racy, content_hash, synced, error) VALUES (?, ?, ?, NULL, 0, NULL, 0, NULL)',
    );
    const fileItem = this.#db.prepare(
      'INSERT OR REPLACE INTO file_items (bot_id, path, key, hash) VALUES (?, ?, ?, ?)',
    );
    for (const f of files) {
      file.run(botId, f.path, f.kind);
      for (const k of f.items) fileItem.run(botId, f.path, k.key, k.hash);
    }
  }
}

/** The stored warnings of a file: a JSON list of strings (anything else reads as none). */
function warningsOf(json: string | null): string[] {
  if (json === null) return [];
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}
