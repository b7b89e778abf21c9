import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { StateError } from '../errors.js';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';
import type { BotDataType } from '../api/types.js';
import type { Kind } from '../extract/types.js';

export type Origin = 'pushed' | 'adopted' | 'imported';

export interface FileRow {
  path: string;
  kind: Kind;
  sig: string | null;
  racy: boolean;
  contentHash: string | null;
  synced: boolean;
  error: string | null;
}

export interface ItemRow {
  key: string;
  type: BotDataType;
  label: string;
  hash: string;
  payloadHash: string | null;
  remoteId: string | null;
  origin: Origin;
  sourceFile: string | null;
  sourceLine: number | null;
  syncedAt: string;
}

export interface StaleRow {
  id: number;
  remoteId: string | null;
  key: string;
  type: BotDataType;
  label: string;
  origin: Origin;
  sourceFile: string | null;
  reason: 'changed' | 'removed';
  since: string;
}

export interface UncertainRow {
  id: number;
  key: string;
  type: BotDataType;
  label: string;
  sourceFile: string | null;
  remoteId: string | null;
  reason: string;
  since: string;
}

export interface PendingRow {
  key: string;
  hash: string;
  type: BotDataType;
  label: string;
  sourceFile: string | null;
  runId: number | null;
  startedAt: string;
  ambiguous: boolean;
}

export interface RunRow {
  id: number;
  command: string;
  startedAt: string;
  finishedAt: string | null;
  status: string;
  counts: Record<string, number> | null;
}

export interface BotRow {
  botId: string;
  apiBaseUrl: string | null;
  extractFingerprint: string | null;
  firstSyncedAt: string | null;
  lastSyncedAt: string | null;
}

export interface FileRecord {
  path: string;
  kind: Kind;
  sig: string | null;
  racy: boolean;
  contentHash: string | null;
  error: string | null;
  /** The file's items at this read; undefined keeps the previous mapping (a file that failed). */
  items?: { key: string; hash: string }[];
}

const DAMAGED_HINT =
  'Restore the file from a backup or import a snapshot (`kb-sync state import FILE`). If it is lost for good, move it away, check the bot in the CX Genie dashboard, and run `kb-sync adopt` so that nothing is pushed twice.';

function nowIso(): string {
  return new Date().toISOString();
}

/**
 * The SQLite state store (better-sqlite3, WAL). Every row is scoped by bot id. Writes are small
 * transactions, committed the moment something is achieved, so a killed run loses nothing.
 */
export class StateStore {
  readonly file: string;
  readonly db: Database.Database;
  readonly readonly: boolean;

  private constructor(file: string, db: Database.Database, readonly: boolean) {
    this.file = file;
    this.db = db;
    this.readonly = readonly;
  }

  /**
   * Open (and create, unless `readonly`) the state file. A read-only open of a missing file gives
   * an empty in-memory store, so `plan` and `status` work before the first sync.
   */
  static open(file: string, opts: { readonly?: boolean } = {}): StateStore {
    const readonly = opts.readonly ?? false;
    let db: Database.Database;
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
          // `plan` and `status` do not write: bring a copy up to date in memory instead.
          const copy = new Database(db.serialize());
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
    return new StateStore(file, db, readonly);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Run `fn` in one transaction. */
  tx<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // ------------------------------------------------------------------ bots

  bot(botId: string): BotRow | undefined {
    const r = this.db
      .prepare(
        'SELECT bot_id, api_base_url, extract_fingerprint, first_synced_at, last_synced_at FROM bots WHERE bot_id = ?',
      )
      .get(botId) as Record<string, string | null> | undefined;
    if (!r) return undefined;
    return {
      botId: r.bot_id as string,
      apiBaseUrl: r.api_base_url ?? null,
      extractFingerprint: r.extract_fingerprint ?? null,
      firstSyncedAt: r.first_synced_at ?? null,
      lastSyncedAt: r.last_synced_at ?? null,
    };
  }

  ensureBot(botId: string, apiBaseUrl: string): void {
    this.db
      .prepare(
        'INSERT INTO bots (bot_id, api_base_url, created_at) VALUES (?, ?, ?) ON CONFLICT (bot_id) DO UPDATE SET api_base_url = excluded.api_base_url',
      )
      .run(botId, apiBaseUrl, nowIso());
  }

  setFingerprint(botId: string, fingerprint: string): void {
    this.db.prepare('UPDATE bots SET extract_fingerprint = ? WHERE bot_id = ?').run(fingerprint, botId);
  }

  markSynced(botId: string): void {
    const t = nowIso();
    this.db
      .prepare('UPDATE bots SET first_synced_at = coalesce(first_synced_at, ?), last_synced_at = ? WHERE bot_id = ?')
      .run(t, t, botId);
  }

  /** Whether this bot was ever synced (or adopted/imported) from this state. */
  hasHistory(botId: string): boolean {
    const b = this.bot(botId);
    if (b?.firstSyncedAt) return true;
    return this.db.prepare('SELECT 1 FROM items WHERE bot_id = ? LIMIT 1').get(botId) !== undefined;
  }

  // ------------------------------------------------------------------ files

  loadFiles(botId: string): Map<string, FileRow> {
    const out = new Map<string, FileRow>();
    const rows = this.db
      .prepare('SELECT path, kind, sig, racy, content_hash, synced, error FROM files WHERE bot_id = ?')
      .raw()
      .iterate(botId) as IterableIterator<[string, Kind, string | null, number, string | null, number, string | null]>;
    for (const [p, kind, sig, racy, contentHash, synced, error] of rows) {
      out.set(p, { path: p, kind, sig, racy: racy === 1, contentHash, synced: synced === 1, error });
    }
    return out;
  }

  /**
   * The stat fast path's index: path → `kind|sig` for a file that may be skipped (read without
   * error, not racy, every item in the bot), or '' for one that must be read again.
   */
  loadFileIndex(botId: string): Map<string, string> {
    // One string for the whole table, split here: far cheaper than a JS row per file. The unit
    // and record separators (31, 30) do not occur in paths in practice; if one did, the entry
    // could only fail to match (inode numbers differ), and the file would simply be read.
    const text = this.db
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
  fileKeys(botId: string, paths: Iterable<string>): Map<string, { key: string; hash: string }[]> {
    const stmt = this.db.prepare('SELECT key, hash FROM file_items WHERE bot_id = ? AND path = ?');
    const out = new Map<string, { key: string; hash: string }[]>();
    for (const p of paths) out.set(p, stmt.all(botId, p) as { key: string; hash: string }[]);
    return out;
  }

  /** Of `keys`, those still yielded by some file outside `excluding`. */
  keysHeldElsewhere(botId: string, keys: Iterable<string>, excluding: ReadonlySet<string>): Set<string> {
    const stmt = this.db.prepare('SELECT path FROM file_items WHERE bot_id = ? AND key = ?').pluck();
    const out = new Set<string>();
    for (const k of keys) {
      const paths = stmt.all(botId, k) as string[];
      if (paths.some((p) => !excluding.has(p))) out.add(k);
    }
    return out;
  }

  /** Record what was read of files; `items` replaces a file's key mapping. Recomputes `synced`. */
  recordFiles(botId: string, records: readonly FileRecord[]): void {
    if (records.length === 0) return;
    const upsert = this.db.prepare(
      `INSERT INTO files (bot_id, path, kind, sig, racy, content_hash, synced, error) VALUES (?, ?, ?, ?, ?, ?, 0, ?)
       ON CONFLICT (bot_id, path) DO UPDATE SET kind = excluded.kind, sig = excluded.sig, racy = excluded.racy,
         content_hash = excluded.content_hash, error = excluded.error`,
    );
    const delItems = this.db.prepare('DELETE FROM file_items WHERE bot_id = ? AND path = ?');
    const addItem = this.db.prepare('INSERT OR REPLACE INTO file_items (bot_id, path, key, hash) VALUES (?, ?, ?, ?)');
    const unsynced = this.db
      .prepare(
        `SELECT count(*) FROM file_items fi LEFT JOIN items i ON i.bot_id = fi.bot_id AND i.key = fi.key
       WHERE fi.bot_id = ? AND fi.path = ? AND (i.key IS NULL OR i.hash <> fi.hash)`,
      )
      .pluck();
    const pendingFor = this.db
      .prepare(
        'SELECT count(*) FROM pending p JOIN file_items fi ON fi.bot_id = p.bot_id AND fi.key = p.key WHERE p.bot_id = ? AND fi.path = ?',
      )
      .pluck();
    const setSynced = this.db.prepare('UPDATE files SET synced = ? WHERE bot_id = ? AND path = ?');
    this.tx(() => {
      for (const r of records) {
        upsert.run(botId, r.path, r.kind, r.sig, r.racy ? 1 : 0, r.contentHash, r.error);
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
    });
  }

  forgetFiles(botId: string, paths: Iterable<string>): void {
    const delFile = this.db.prepare('DELETE FROM files WHERE bot_id = ? AND path = ?');
    const delItems = this.db.prepare('DELETE FROM file_items WHERE bot_id = ? AND path = ?');
    this.tx(() => {
      for (const p of paths) {
        delFile.run(botId, p);
        delItems.run(botId, p);
      }
    });
  }

  // ------------------------------------------------------------------ items

  items(botId: string, keys: Iterable<string>): Map<string, ItemRow> {
    const stmt = this.db.prepare('SELECT * FROM items WHERE bot_id = ? AND key = ?');
    const out = new Map<string, ItemRow>();
    for (const k of keys) {
      const r = stmt.get(botId, k) as Record<string, unknown> | undefined;
      if (r) out.set(k, toItem(r));
    }
    return out;
  }

  allItems(botId: string): ItemRow[] {
    return (
      this.db
        .prepare('SELECT * FROM items WHERE bot_id = ? ORDER BY source_file, source_line, key')
        .all(botId) as Record<string, unknown>[]
    ).map(toItem);
  }

  countItems(botId: string): Record<string, Record<string, number>> {
    const rows = this.db
      .prepare('SELECT type, origin, count(*) AS n FROM items WHERE bot_id = ? GROUP BY type, origin')
      .all(botId) as {
      type: string;
      origin: string;
      n: number;
    }[];
    const out: Record<string, Record<string, number>> = {};
    for (const r of rows) (out[r.type] ??= {})[r.origin] = r.n;
    return out;
  }

  /** How many items the bot has (kept up to date on every insert and delete of an item). */
  itemCount(botId: string): number {
    return (
      (this.db.prepare('SELECT item_count FROM bots WHERE bot_id = ?').pluck().get(botId) as number | undefined) ?? 0
    );
  }

  private bumpItems(botId: string, delta: number): void {
    if (delta !== 0)
      this.db.prepare('UPDATE bots SET item_count = max(0, item_count + ?) WHERE bot_id = ?').run(delta, botId);
  }

  /** Count the items again (after an import). */
  recountItems(botId: string): void {
    this.db
      .prepare('UPDATE bots SET item_count = (SELECT count(*) FROM items WHERE bot_id = @bot) WHERE bot_id = @bot')
      .run({ bot: botId });
  }

  /** Record items as already in the bot without a remote id (`kb-sync adopt`). Existing keys are left alone. */
  adoptItems(
    botId: string,
    items: readonly {
      key: string;
      type: BotDataType;
      label: string;
      hash: string;
      payloadHash: string | null;
      file: string;
      line: number;
    }[],
    runId: number | null,
  ): void {
    const stmt = this.db.prepare(
      `INSERT INTO items (bot_id, key, type, label, hash, payload_hash, remote_id, origin, source_file, source_line, synced_at, run_id)
       VALUES (?, ?, ?, ?, ?, ?, NULL, 'adopted', ?, ?, ?, ?) ON CONFLICT (bot_id, key) DO NOTHING`,
    );
    const t = nowIso();
    this.tx(() => {
      let added = 0;
      for (const i of items)
        added += stmt.run(botId, i.key, i.type, i.label, i.hash, i.payloadHash, i.file, i.line, t, runId).changes;
      this.bumpItems(botId, added);
    });
  }

  /** Re-key items whose content moved to a new key (a rename): nothing is pushed. */
  applyMoves(
    botId: string,
    moves: readonly { from: string; to: string; label: string; sourceFile: string; sourceLine: number }[],
    runId: number | null,
  ): void {
    const stmt = this.db.prepare(
      'UPDATE items SET key = ?, label = ?, source_file = ?, source_line = ?, run_id = ? WHERE bot_id = ? AND key = ?',
    );
    this.tx(() => {
      for (const m of moves) stmt.run(m.to, m.label, m.sourceFile, m.sourceLine, runId, botId, m.from);
    });
  }

  /** Turn items whose source is gone into stale entries. */
  applyRemovals(botId: string, keys: readonly string[], runId: number | null): void {
    const get = this.db.prepare('SELECT * FROM items WHERE bot_id = ? AND key = ?');
    const del = this.db.prepare('DELETE FROM items WHERE bot_id = ? AND key = ?');
    this.tx(() => {
      let removed = 0;
      for (const k of keys) {
        const r = get.get(botId, k) as Record<string, unknown> | undefined;
        if (!r) continue;
        this.addStale(botId, toItem(r), 'removed', runId);
        removed += del.run(botId, k).changes;
      }
      this.bumpItems(botId, -removed);
    });
  }

  /** An item's source changed but what is sent did not (e.g. whitespace): record the new source hash. */
  refreshHash(botId: string, key: string, hash: string, label: string, sourceFile: string, sourceLine: number): void {
    this.db
      .prepare('UPDATE items SET hash = ?, label = ?, source_file = ?, source_line = ? WHERE bot_id = ? AND key = ?')
      .run(hash, label, sourceFile, sourceLine, botId, key);
  }

  private addStale(botId: string, item: ItemRow, reason: 'changed' | 'removed', runId: number | null): void {
    this.db
      .prepare(
        'INSERT INTO stale (bot_id, remote_id, key, type, label, origin, source_file, reason, since, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        botId,
        item.remoteId,
        item.key,
        item.type,
        item.label,
        item.origin,
        item.sourceFile,
        reason,
        nowIso(),
        runId,
      );
  }

  // ------------------------------------------------------------------ sends (crash safety)

  /** Before a create request is sent: record it as in flight. */
  beginSend(
    botId: string,
    p: { key: string; hash: string; type: BotDataType; label: string; sourceFile: string },
    runId: number | null,
  ): void {
    this.db
      .prepare(
        `INSERT INTO pending (bot_id, key, hash, type, label, source_file, run_id, started_at, ambiguous) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)
         ON CONFLICT (bot_id, key, hash) DO UPDATE SET run_id = excluded.run_id, started_at = excluded.started_at`,
      )
      .run(botId, p.key, p.hash, p.type, p.label, p.sourceFile, runId, nowIso());
  }

  /** A send's response was lost: the item may exist already. Recorded before any retry. */
  markAmbiguous(botId: string, key: string, hash: string): void {
    this.db.prepare('UPDATE pending SET ambiguous = 1 WHERE bot_id = ? AND key = ? AND hash = ?').run(botId, key, hash);
  }

  /**
   * The create succeeded: in one transaction, the item becomes the current version, its earlier
   * version (if any) becomes stale, and the in-flight record is settled (an ambiguous one leaves an
   * uncertain entry naming the new remote id).
   */
  completeSend(
    botId: string,
    c: {
      key: string;
      hash: string;
      payloadHash: string;
      type: BotDataType;
      label: string;
      remoteId: string;
      sourceFile: string;
      sourceLine: number;
    },
    runId: number | null,
  ): { replaced: ItemRow | undefined; wasAmbiguous: boolean } {
    return this.tx(() => {
      const prevRaw = this.db.prepare('SELECT * FROM items WHERE bot_id = ? AND key = ?').get(botId, c.key) as
        Record<string, unknown> | undefined;
      const prev = prevRaw ? toItem(prevRaw) : undefined;
      if (prev && prev.remoteId !== c.remoteId) this.addStale(botId, prev, 'changed', runId);
      this.db
        .prepare(
          `INSERT INTO items (bot_id, key, type, label, hash, payload_hash, remote_id, origin, source_file, source_line, synced_at, run_id)
           VALUES (?, ?, ?, ?, ?, ?, ?, 'pushed', ?, ?, ?, ?)
           ON CONFLICT (bot_id, key) DO UPDATE SET type = excluded.type, label = excluded.label, hash = excluded.hash,
             payload_hash = excluded.payload_hash, remote_id = excluded.remote_id, origin = 'pushed', source_file = excluded.source_file,
             source_line = excluded.source_line, synced_at = excluded.synced_at, run_id = excluded.run_id`,
        )
        .run(
          botId,
          c.key,
          c.type,
          c.label,
          c.hash,
          c.payloadHash,
          c.remoteId,
          c.sourceFile,
          c.sourceLine,
          nowIso(),
          runId,
        );
      if (!prev) this.bumpItems(botId, 1);
      const pend = this.db
        .prepare('SELECT ambiguous FROM pending WHERE bot_id = ? AND key = ? AND hash = ?')
        .pluck()
        .get(botId, c.key, c.hash) as number | undefined;
      const wasAmbiguous = pend === 1;
      if (wasAmbiguous) {
        this.addUncertain(
          botId,
          { key: c.key, type: c.type, label: c.label, sourceFile: c.sourceFile, remoteId: c.remoteId },
          'a response was lost and the request was sent again',
          runId,
        );
      }
      // Uncertain entries from earlier runs for this key now know the id of the copy we track.
      this.db
        .prepare('UPDATE uncertain SET remote_id = ? WHERE bot_id = ? AND key = ? AND remote_id IS NULL')
        .run(c.remoteId, botId, c.key);
      this.db.prepare('DELETE FROM pending WHERE bot_id = ? AND key = ? AND hash = ?').run(botId, c.key, c.hash);
      return { replaced: prev, wasAmbiguous };
    });
  }

  /** The create failed for good. An ambiguous one is kept as uncertain; the item keeps its earlier state. */
  abandonSend(botId: string, key: string, hash: string, runId: number | null): { wasAmbiguous: boolean } {
    return this.tx(() => {
      const row = this.db
        .prepare('SELECT * FROM pending WHERE bot_id = ? AND key = ? AND hash = ?')
        .get(botId, key, hash) as Record<string, unknown> | undefined;
      if (!row) return { wasAmbiguous: false };
      const wasAmbiguous = row.ambiguous === 1;
      if (wasAmbiguous) {
        this.addUncertain(
          botId,
          {
            key,
            type: row.type as BotDataType,
            label: row.label as string,
            sourceFile: (row.source_file as string | null) ?? null,
            remoteId: null,
          },
          'a response was lost, and sending it again failed; it may have been created',
          runId,
        );
      }
      this.db.prepare('DELETE FROM pending WHERE bot_id = ? AND key = ? AND hash = ?').run(botId, key, hash);
      return { wasAmbiguous };
    });
  }

  pending(botId: string): PendingRow[] {
    return (
      this.db.prepare('SELECT * FROM pending WHERE bot_id = ? ORDER BY started_at').all(botId) as Record<
        string,
        unknown
      >[]
    ).map((r) => ({
      key: r.key as string,
      hash: r.hash as string,
      type: r.type as BotDataType,
      label: r.label as string,
      sourceFile: (r.source_file as string | null) ?? null,
      runId: (r.run_id as number | null) ?? null,
      startedAt: r.started_at as string,
      ambiguous: r.ambiguous === 1,
    }));
  }

  /**
   * Settle requests left in flight by a run that stopped (killed, crashed): each may have created
   * an item, so each becomes an uncertain entry. Call only while holding the lock.
   */
  recoverPending(botId: string, runId: number | null): PendingRow[] {
    return this.tx(() => {
      const rows = this.pending(botId);
      for (const r of rows) {
        this.addUncertain(
          botId,
          { key: r.key, type: r.type, label: r.label, sourceFile: r.sourceFile, remoteId: null },
          'the request was in flight when an earlier run stopped',
          runId,
        );
      }
      this.db.prepare('DELETE FROM pending WHERE bot_id = ?').run(botId);
      if (rows.length > 0) this.db.prepare('UPDATE files SET synced = 0 WHERE bot_id = ?').run(botId);
      return rows;
    });
  }

  private addUncertain(
    botId: string,
    u: { key: string; type: BotDataType; label: string; sourceFile: string | null; remoteId: string | null },
    reason: string,
    runId: number | null,
  ): void {
    this.db
      .prepare(
        'INSERT INTO uncertain (bot_id, key, type, label, source_file, remote_id, reason, since, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(botId, u.key, u.type, u.label, u.sourceFile, u.remoteId, reason, nowIso(), runId);
  }

  // ------------------------------------------------------------------ stale and uncertain

  stale(botId: string): StaleRow[] {
    return (
      this.db.prepare('SELECT * FROM stale WHERE bot_id = ? ORDER BY id').all(botId) as Record<string, unknown>[]
    ).map((r) => ({
      id: r.id as number,
      remoteId: (r.remote_id as string | null) ?? null,
      key: r.key as string,
      type: r.type as BotDataType,
      label: r.label as string,
      origin: r.origin as Origin,
      sourceFile: (r.source_file as string | null) ?? null,
      reason: r.reason as 'changed' | 'removed',
      since: r.since as string,
    }));
  }

  uncertain(botId: string): UncertainRow[] {
    return (
      this.db.prepare('SELECT * FROM uncertain WHERE bot_id = ? ORDER BY id').all(botId) as Record<string, unknown>[]
    ).map((r) => ({
      id: r.id as number,
      key: r.key as string,
      type: r.type as BotDataType,
      label: r.label as string,
      sourceFile: (r.source_file as string | null) ?? null,
      remoteId: (r.remote_id as string | null) ?? null,
      reason: r.reason as string,
      since: r.since as string,
    }));
  }

  /** Forget stale entries (after a person removed them in the dashboard), by remote id or stale entry number. */
  forgetStale(botId: string, ids: readonly string[] | 'all'): { forgotten: StaleRow[]; unknown: string[] } {
    return this.tx(() => {
      const all = this.stale(botId);
      if (ids === 'all') {
        this.db.prepare('DELETE FROM stale WHERE bot_id = ?').run(botId);
        return { forgotten: all, unknown: [] };
      }
      const forgotten: StaleRow[] = [];
      const unknown: string[] = [];
      const del = this.db.prepare('DELETE FROM stale WHERE bot_id = ? AND id = ?');
      for (const id of ids) {
        const hits = all.filter((s) => s.remoteId === id || `#${s.id}` === id || String(s.id) === id);
        if (hits.length === 0) unknown.push(id);
        for (const h of hits) {
          del.run(botId, h.id);
          forgotten.push(h);
        }
      }
      return { forgotten, unknown };
    });
  }

  forgetUncertain(botId: string): number {
    return this.db.prepare('DELETE FROM uncertain WHERE bot_id = ?').run(botId).changes;
  }

  // ------------------------------------------------------------------ runs

  startRun(botId: string, command: string, host: string): number {
    return Number(
      this.db
        .prepare("INSERT INTO runs (bot_id, command, started_at, status, pid, host) VALUES (?, ?, ?, 'running', ?, ?)")
        .run(botId, command, nowIso(), process.pid, host).lastInsertRowid,
    );
  }

  /** Close a run, and keep only the last 1000 runs of its bot (cron every few minutes adds up). */
  finishRun(runId: number, status: string, counts: Record<string, number>): void {
    this.tx(() => {
      this.db
        .prepare('UPDATE runs SET finished_at = ?, status = ?, counts = ? WHERE id = ?')
        .run(nowIso(), status, JSON.stringify(counts), runId);
      this.db
        .prepare('DELETE FROM runs WHERE bot_id = (SELECT bot_id FROM runs WHERE id = @id) AND id <= @id - 1000')
        .run({ id: runId });
    });
  }

  runs(botId: string, limit = 5): RunRow[] {
    return (
      this.db.prepare('SELECT * FROM runs WHERE bot_id = ? ORDER BY id DESC LIMIT ?').all(botId, limit) as Record<
        string,
        unknown
      >[]
    ).map((r) => ({
      id: r.id as number,
      command: r.command as string,
      startedAt: r.started_at as string,
      finishedAt: (r.finished_at as string | null) ?? null,
      status: r.status as string,
      counts: r.counts ? (JSON.parse(r.counts as string) as Record<string, number>) : null,
    }));
  }
}

/** The schema version of an open state file; refuses one written by a newer kb-sync. */
function checkVersion(db: Database.Database, file: string): number {
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
function migrate(db: Database.Database): void {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    for (let v = version; v < SCHEMA_VERSION; v++) {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    }
  }).immediate();
}

function toItem(r: Record<string, unknown>): ItemRow {
  return {
    key: r.key as string,
    type: r.type as BotDataType,
    label: r.label as string,
    hash: r.hash as string,
    payloadHash: (r.payload_hash as string | null) ?? null,
    remoteId: (r.remote_id as string | null) ?? null,
    origin: r.origin as Origin,
    sourceFile: (r.source_file as string | null) ?? null,
    sourceLine: (r.source_line as number | null) ?? null,
    syncedAt: r.synced_at as string,
  };
}
