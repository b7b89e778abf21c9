import { pairLanes, type Lanes } from '../scan/digest.js';
import type { Kind } from '../scan/file.js';
import type { Db } from './connection.js';

export interface FileRow {
  path: string;
  kind: Kind;
  sig: string | null;
  /** The git blob id of the bytes last read, when the folder is in a git work tree. */
  blob: string | null;
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
  /** The git blob id of what was read (null or absent when git was not asked, or while unsettled). */
  blob?: string | null;
  racy: boolean;
  contentHash: string | null;
  error: string | null;
  warnings?: readonly string[];
  /** Drafts (entries, or the file itself) left out at this read. */
  drafts?: number;
  /** The file's items at this read; undefined keeps the previous mapping (a file that failed). */
  items?: { key: string; hash: string }[];
}

/** The state's side of the folder digest (src/scan/digest.ts). */
export interface FileDigest {
  /** Files the state knows for the bot. */
  files: number;
  /** Of them, those in the digest (read without error, synced, with a blob id). */
  count: number;
  sums: [number, number, number, number];
}

/** A key a file yields, with the hash of the version it yields. */
export interface FileKey {
  key: string;
  hash: string;
}

/**
 * Whether a file index entry (`kind|blob|sig`, see `Files.index`) lets a file of `kind` with stat
 * signature `sig` be skipped (the stat path).
 */
export function entryMatchesSig(entry: string | undefined, kind: string, sig: string): boolean {
  return (
    entry !== undefined &&
    sig !== '' &&
    entry.length > kind.length + sig.length + 1 &&
    entry.startsWith(kind) &&
    entry.charCodeAt(kind.length) === 124 &&
    entry.endsWith(sig) &&
    entry.charCodeAt(entry.length - sig.length - 1) === 124
  );
}

/** Whether a file index entry lets a file of `kind` whose blob id git vouches for be skipped (the git path). */
export function entryMatchesBlob(entry: string | undefined, kind: string, blob: string): boolean {
  const end = kind.length + 1 + blob.length;
  return (
    entry !== undefined &&
    blob !== '' &&
    entry.length > end &&
    entry.startsWith(kind) &&
    entry.charCodeAt(kind.length) === 124 &&
    entry.startsWith(blob, kind.length + 1) &&
    entry.charCodeAt(end) === 124
  );
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
      // The partial index holds only the files with drafts (SQLite would walk the bot's every file).
      .prepare('SELECT path, drafts FROM files INDEXED BY files_with_drafts WHERE bot_id = ? AND drafts > 0')
      .raw()
      .all(botId) as [string, number][];
    return new Map(rows);
  }

  load(botId: string): Map<string, FileRow> {
    const out = new Map<string, FileRow>();
    const rows = this.#db
      .prepare('SELECT path, kind, sig, blob, racy, content_hash, synced, error, warnings FROM files WHERE bot_id = ?')
      .raw()
      .iterate(botId) as IterableIterator<
      [string, Kind, string | null, string | null, number, string | null, number, string | null, string | null]
    >;
    for (const [p, kind, sig, blob, racy, contentHash, synced, error, warnings] of rows) {
      out.set(p, {
        path: p,
        kind,
        sig,
        blob,
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
   * The fast paths' index: path → `kind|blob|sig` for a file that may be skipped (read without
   * error, every item in the bot), or '' for one that must be read again. `blob` is the git blob
   * id of what was read ('' if unknown); `sig` its stat signature ('' if racy: the stat path
   * must read it again, while git, which compares contents, may still vouch for its blob).
   */
  index(botId: string): Map<string, string> {
    // One string for the whole table, split here: far cheaper than a JS row per file. The unit
    // and record separators (31, 30) do not occur in paths in practice; if one did, the entry
    // could only fail to match, and the file would simply be read.
    const text = this.#db
      .prepare(
        `SELECT group_concat(path || char(31) || CASE WHEN synced = 1 AND error IS NULL AND (sig IS NOT NULL OR blob IS NOT NULL)
           THEN kind || '|' || coalesce(blob, '') || '|' || CASE WHEN racy = 0 THEN coalesce(sig, '') ELSE '' END ELSE '' END,
           char(30)) FROM files WHERE bot_id = ?`,
      )
      .pluck()
      .get(botId) as string | null;
    const out = new Map<string, string>();
    if (!text) return out;
    let start = 0;
    for (;;) {
      let nl = text.indexOf('\u001e', start);
      if (nl === -1) nl = text.length;
      const tab = text.indexOf('\u001f', start);
      out.set(text.slice(start, tab), text.slice(tab + 1, nl));
      if (nl === text.length) return out;
      start = nl + 1;
    }
  }

  /**
   * The folder digest of the files that may be skipped on git's word (read without error, every
   * item in the bot, a blob id known), and how many files the bot has in all.
   */
  digest(botId: string): FileDigest {
    const r = this.#db
      .prepare(
        `SELECT count(*), count(h1), sum(h1), sum(h2), sum(h3), sum(h4) FROM files
         WHERE bot_id = @bot AND synced = 1 AND error IS NULL`,
      )
      .raw()
      .get({ bot: botId }) as [number, number, number | null, number | null, number | null, number | null];
    const all = this.#db.prepare('SELECT count(*) FROM files WHERE bot_id = ?').pluck().get(botId) as number;
    return { files: all, count: r[1], sums: [r[2] ?? 0, r[3] ?? 0, r[4] ?? 0, r[5] ?? 0] };
  }

  /**
   * The files the state knows for the bot that are not in its digest (read with an error, not
   * wholly in the bot, or without a blob id): they are looked at on every run. Undefined when
   * there are more than `limit` of them.
   */
  outsideDigest(botId: string, limit: number): string[] | undefined {
    const paths = this.#db
      .prepare(
        `SELECT path FROM files WHERE bot_id = ? AND NOT (synced = 1 AND error IS NULL AND h1 IS NOT NULL) LIMIT ?`,
      )
      .pluck()
      .all(botId, limit + 1) as string[];
    return paths.length > limit ? undefined : paths;
  }

  /**
   * What the index says of each of `paths` (as `index` does: `kind|blob|sig` or ''), and, for one
   * that counts in the digest, its lanes. Paths the state does not know are left out.
   */
  entries(botId: string, paths: Iterable<string>): Map<string, { entry: string; lanes: Lanes | undefined }> {
    const stmt = this.#db
      .prepare('SELECT kind, sig, blob, racy, synced, error, h1, h2, h3, h4 FROM files WHERE bot_id = ? AND path = ?')
      .raw();
    const out = new Map<string, { entry: string; lanes: Lanes | undefined }>();
    for (const p of paths) {
      const r = stmt.get(botId, p) as
        | [string, string | null, string | null, number, number, string | null, number | null, number, number, number]
        | undefined;
      if (!r) continue;
      const [kind, sig, blob, racy, synced, error, h1, h2, h3, h4] = r;
      const ok = synced === 1 && error === null;
      const entry =
        ok && (sig !== null || blob !== null) ? `${kind}|${blob ?? ''}|${racy === 0 ? (sig ?? '') : ''}` : '';
      out.set(p, { entry, lanes: ok && h1 !== null ? [h1, h2, h3, h4] : undefined });
    }
    return out;
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
      `INSERT INTO files (bot_id, path, kind, sig, blob, h1, h2, h3, h4, racy, content_hash, synced, error, warnings, drafts)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)
       ON CONFLICT (bot_id, path) DO UPDATE SET kind = excluded.kind, sig = excluded.sig, blob = excluded.blob,
         h1 = excluded.h1, h2 = excluded.h2, h3 = excluded.h3, h4 = excluded.h4,
         racy = excluded.racy, content_hash = excluded.content_hash, error = excluded.error,
         warnings = excluded.warnings, drafts = excluded.drafts`,
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
    this.#db
      .transaction(() => {
        for (const r of records) {
          const warnings = r.warnings && r.warnings.length > 0 ? JSON.stringify(r.warnings) : null;
          const blob = r.blob ?? null;
          const h = blob === null ? [null, null, null, null] : pairLanes(r.path, blob);
          upsert.run(
            botId,
            r.path,
            r.kind,
            r.sig,
            blob,
            ...h,
            r.racy ? 1 : 0,
            r.contentHash,
            r.error,
            warnings,
            r.drafts ?? 0,
          );
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
      })
      .immediate();
  }

  /**
   * Record git's blob id for files whose stat signature says they are as last read (so their
   * bytes are that blob): the git path can vouch for them from now on, without a read.
   */
  setBlobs(botId: string, blobs: readonly { path: string; blob: string }[]): void {
    if (blobs.length === 0) return;
    const stmt = this.#db.prepare(
      'UPDATE files SET blob = ?, h1 = ?, h2 = ?, h3 = ?, h4 = ? WHERE bot_id = ? AND path = ?',
    );
    this.#db
      .transaction(() => {
        for (const b of blobs) stmt.run(b.blob, ...pairLanes(b.path, b.blob), botId, b.path);
      })
      .immediate();
  }

  forget(botId: string, paths: Iterable<string>): void {
    const delFile = this.#db.prepare('DELETE FROM files WHERE bot_id = ? AND path = ?');
    const delItems = this.#db.prepare('DELETE FROM file_items WHERE bot_id = ? AND path = ?');
    this.#db
      .transaction(() => {
        for (const p of paths) {
          delFile.run(botId, p);
          delItems.run(botId, p);
        }
      })
      .immediate();
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
