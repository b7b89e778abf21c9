import type { BotDataType } from '../api/types.js';
import { nowIso, type Db } from './connection.js';
import type { ItemRow, Origin } from './rows.js';

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

/** What an uncertain entry names: an item that may exist twice in the bot. */
export interface UncertainItem {
  key: string;
  type: BotDataType;
  label: string;
  sourceFile: string | null;
  remoteId: string | null;
}

/**
 * The `stale` and `uncertain` lists: items in the bot that no longer match the folder (the API
 * cannot delete them), and items that may have been created twice. Both stay until forgotten.
 */
export class Lists {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  addStale(botId: string, item: ItemRow, reason: 'changed' | 'removed', runId: number | null): void {
    this.#db
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

  addUncertain(botId: string, u: UncertainItem, reason: string, runId: number | null): void {
    this.#db
      .prepare(
        'INSERT INTO uncertain (bot_id, key, type, label, source_file, remote_id, reason, since, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(botId, u.key, u.type, u.label, u.sourceFile, u.remoteId, reason, nowIso(), runId);
  }

  /** Uncertain entries of an item that moved (a rename) follow it: its new key, title and file. */
  moveUncertain(botId: string, m: { from: string; to: string; label: string; sourceFile: string }): void {
    this.#db
      .prepare('UPDATE uncertain SET key = ?, label = ?, source_file = ? WHERE bot_id = ? AND key = ?')
      .run(m.to, m.label, m.sourceFile, botId, m.from);
  }

  /** Uncertain entries of earlier runs for `key` now know the id of the copy that is tracked. */
  nameUncertain(botId: string, key: string, remoteId: string): void {
    this.#db
      .prepare('UPDATE uncertain SET remote_id = ? WHERE bot_id = ? AND key = ? AND remote_id IS NULL')
      .run(remoteId, botId, key);
  }

  stale(botId: string): StaleRow[] {
    return (
      this.#db.prepare('SELECT * FROM stale WHERE bot_id = ? ORDER BY id').all(botId) as Record<string, unknown>[]
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
      this.#db.prepare('SELECT * FROM uncertain WHERE bot_id = ? ORDER BY id').all(botId) as Record<string, unknown>[]
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
    return this.#db
      .transaction(() => {
        const all = this.stale(botId);
        if (ids === 'all') {
          this.#db.prepare('DELETE FROM stale WHERE bot_id = ?').run(botId);
          return { forgotten: all, unknown: [] };
        }
        const forgotten: StaleRow[] = [];
        const unknown: string[] = [];
        const del = this.#db.prepare('DELETE FROM stale WHERE bot_id = ? AND id = ?');
        for (const id of ids) {
          const hits = all.filter((s) => s.remoteId === id || `#${s.id}` === id || String(s.id) === id);
          if (hits.length === 0) unknown.push(id);
          for (const h of hits) {
            del.run(botId, h.id);
            forgotten.push(h);
          }
        }
        return { forgotten, unknown };
      })
      .immediate();
  }

  forgetUncertain(botId: string): number {
    return this.#db.prepare('DELETE FROM uncertain WHERE bot_id = ?').run(botId).changes;
  }

  /** Replace both lists of a bot with a snapshot's (no run id). */
  replaceImported(
    botId: string,
    stale: readonly Omit<StaleRow, 'id'>[],
    uncertain: readonly Omit<UncertainRow, 'id'>[],
  ): void {
    this.#db.prepare('DELETE FROM stale WHERE bot_id = ?').run(botId);
    this.#db.prepare('DELETE FROM uncertain WHERE bot_id = ?').run(botId);
    const st = this.#db.prepare(
      'INSERT INTO stale (bot_id, remote_id, key, type, label, origin, source_file, reason, since, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)',
    );
    for (const s of stale)
      st.run(
        botId,
        s.remoteId ?? null,
        s.key,
        s.type,
        s.label,
        s.origin ?? 'imported',
        s.sourceFile ?? null,
        s.reason === 'changed' ? 'changed' : 'removed',
        s.since,
      );
    const unc = this.#db.prepare(
      'INSERT INTO uncertain (bot_id, key, type, label, source_file, remote_id, reason, since, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)',
    );
    for (const u of uncertain)
      unc.run(botId, u.key, u.type, u.label, u.sourceFile ?? null, u.remoteId ?? null, u.reason ?? 'imported', u.since);
  }
}
