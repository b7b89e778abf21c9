import { publicUrl } from '../util/redact.js';
import { nowIso, type Db } from './connection.js';

export interface GitSnapshot {
  /** The key of git's index listing and the scan options (select-git.ts `snapshotKey`). */
  key: string;
  /** How many of the bot's files are not in `paths`. */
  unlooked: number;
  /** Files looked at on every run while the snapshot holds (changed in the work tree, or with errors). */
  paths: string[];
  /**
   * git's index file as it was (src/scan/git-index.ts), with the hash of its listing that the
   * key was made of: while the index is that file, its listing need not be asked for.
   */
  index?: { checksum: string; listingHash: string } | undefined;
}

/**
 * The `bots.git_snapshot` column: "<key> <unlooked>", then " <listing hash> <index checksum>" when
 * the index can be known by its checksum (a version before that reads such a value as no snapshot).
 */
const SNAPSHOT = /^([0-9a-f]{64}) (\d+)(?: ([0-9a-f]{64}) ([0-9a-f]+-[0-9a-f]{64}))?$/;

export function parseGitSnapshot(v: string | null | undefined): Omit<GitSnapshot, 'paths'> | undefined {
  const m = v ? SNAPSHOT.exec(v) : null;
  if (!m) return undefined;
  return {
    key: m[1]!,
    unlooked: Number(m[2]),
    index: m[3] && m[4] ? { listingHash: m[3], checksum: m[4] } : undefined,
  };
}

function formatGitSnapshot(snap: GitSnapshot): string {
  const index = snap.index ? ` ${snap.index.listingHash} ${snap.index.checksum}` : '';
  return `${snap.key} ${snap.unlooked}${index}`;
}

export interface BotRow {
  botId: string;
  apiBaseUrl: string | null;
  extractFingerprint: string | null;
  firstSyncedAt: string | null;
  lastSyncedAt: string | null;
}

/**
 * The `bots` table: one row per bot, its extraction fingerprint, sync times and item counter.
 * The API URL is stored and read back without user info, query or fragment (`publicUrl`).
 */
export class Bots {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  get(botId: string): BotRow | undefined {
    const r = this.#db
      .prepare(
        'SELECT bot_id, api_base_url, extract_fingerprint, first_synced_at, last_synced_at FROM bots WHERE bot_id = ?',
      )
      .get(botId) as Record<string, string | null> | undefined;
    if (!r) return undefined;
    return {
      botId: r.bot_id as string,
      apiBaseUrl: r.api_base_url ? publicUrl(r.api_base_url) : null,
      extractFingerprint: r.extract_fingerprint ?? null,
      firstSyncedAt: r.first_synced_at ?? null,
      lastSyncedAt: r.last_synced_at ?? null,
    };
  }

  ensure(botId: string, apiBaseUrl: string): void {
    this.#db
      .prepare(
        'INSERT INTO bots (bot_id, api_base_url, created_at) VALUES (?, ?, ?) ON CONFLICT (bot_id) DO UPDATE SET api_base_url = excluded.api_base_url',
      )
      .run(botId, publicUrl(apiBaseUrl), nowIso());
  }

  setFingerprint(botId: string, fingerprint: string): void {
    this.#db.prepare('UPDATE bots SET extract_fingerprint = ? WHERE bot_id = ?').run(fingerprint, botId);
  }

  markSynced(botId: string): void {
    const t = nowIso();
    this.#db
      .prepare('UPDATE bots SET first_synced_at = coalesce(first_synced_at, ?), last_synced_at = ? WHERE bot_id = ?')
      .run(t, t, botId);
  }

  /** A bot row as a snapshot describes it: its fingerprint cleared, so every file is read again. */
  putImported(botId: string, apiBaseUrl: string | null, firstSyncedAt: string, lastSyncedAt: string | null): void {
    this.#db
      .prepare(
        `INSERT INTO bots (bot_id, api_base_url, extract_fingerprint, first_synced_at, last_synced_at, created_at) VALUES (?, ?, NULL, ?, ?, ?)
       ON CONFLICT (bot_id) DO UPDATE SET extract_fingerprint = NULL, first_synced_at = excluded.first_synced_at, last_synced_at = excluded.last_synced_at`,
      )
      .run(botId, apiBaseUrl === null ? null : publicUrl(apiBaseUrl), firstSyncedAt, lastSyncedAt, nowIso());
  }

  /**
   * The snapshot of git's index taken when the bot's files were what git vouched for, but for
   * `paths` (looked at on every run); `unlooked`: how many of the bot's files were not among
   * them. Migration 7: a write to any other file of the bot clears it.
   */
  gitSnapshot(botId: string): GitSnapshot | undefined {
    const v = this.#db.prepare('SELECT git_snapshot FROM bots WHERE bot_id = ?').pluck().get(botId) as
      string | null | undefined;
    const snap = parseGitSnapshot(v);
    if (!snap) return undefined;
    const paths = this.#db
      .prepare('SELECT path FROM git_snapshot_paths WHERE bot_id = ?')
      .pluck()
      .all(botId) as string[];
    return { ...snap, paths };
  }

  setGitSnapshot(botId: string, snap: GitSnapshot): void {
    this.#db.prepare('DELETE FROM git_snapshot_paths WHERE bot_id = ?').run(botId);
    const add = this.#db.prepare('INSERT OR IGNORE INTO git_snapshot_paths (bot_id, path) VALUES (?, ?)');
    for (const p of snap.paths) add.run(botId, p);
    this.#db.prepare('UPDATE bots SET git_snapshot = ? WHERE bot_id = ?').run(formatGitSnapshot(snap), botId);
  }

  /** Every bot this state holds anything for. */
  ids(): string[] {
    return this.#db.prepare('SELECT bot_id FROM bots ORDER BY bot_id').pluck().all() as string[];
  }

  /** How many items the bot has (kept up to date on every insert and delete of an item). */
  itemCount(botId: string): number {
    return (
      (this.#db.prepare('SELECT item_count FROM bots WHERE bot_id = ?').pluck().get(botId) as number | undefined) ?? 0
    );
  }

  bumpItems(botId: string, delta: number): void {
    if (delta !== 0)
      this.#db.prepare('UPDATE bots SET item_count = max(0, item_count + ?) WHERE bot_id = ?').run(delta, botId);
  }

  /** Count the items again (after an import). */
  recountItems(botId: string): void {
    this.#db
      .prepare('UPDATE bots SET item_count = (SELECT count(*) FROM items WHERE bot_id = @bot) WHERE bot_id = @bot')
      .run({ bot: botId });
  }
}
