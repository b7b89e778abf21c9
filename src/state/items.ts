import type { BotDataType } from '../api/types.js';
import type { Bots } from './bots.js';
import { nowIso, type Db } from './connection.js';
import type { Lists } from './lists.js';
import type { ItemRow, Origin } from './rows.js';

export type { ItemRow, Origin } from './rows.js';

/** An item recorded as already in the bot, without a remote id (`kb-sync adopt`). */
export interface AdoptedItem {
  key: string;
  type: BotDataType;
  label: string;
  hash: string;
  payloadHash: string | null;
  file: string;
  line: number;
}

/** A re-keyed item (its content moved to a new key: a rename). */
export interface ItemMove {
  from: string;
  to: string;
  label: string;
  sourceFile: string;
  sourceLine: number;
}

/** The version of an item a create request just made. */
export interface PushedItem {
  key: string;
  hash: string;
  payloadHash: string;
  type: BotDataType;
  label: string;
  remoteId: string;
  sourceFile: string;
  sourceLine: number;
}

/**
 * The `items` table: what is in the bot, one row per key (the version last created, adopted or
 * imported). Every insert and delete keeps the bot's item counter up to date.
 */
export class Items {
  readonly #db: Db;
  readonly #bots: Bots;
  readonly #lists: Lists;

  constructor(db: Db, bots: Bots, lists: Lists) {
    this.#db = db;
    this.#bots = bots;
    this.#lists = lists;
  }

  get(botId: string, keys: Iterable<string>): Map<string, ItemRow> {
    const stmt = this.#db.prepare('SELECT * FROM items WHERE bot_id = ? AND key = ?');
    const out = new Map<string, ItemRow>();
    for (const k of keys) {
      const r = stmt.get(botId, k) as Record<string, unknown> | undefined;
      if (r) out.set(k, toItem(r));
    }
    return out;
  }

  one(botId: string, key: string): ItemRow | undefined {
    return this.get(botId, [key]).get(key);
  }

  all(botId: string): ItemRow[] {
    return (
      this.#db
        .prepare('SELECT * FROM items WHERE bot_id = ? ORDER BY source_file, source_line, key')
        .all(botId) as Record<string, unknown>[]
    ).map(toItem);
  }

  /** Whether the bot has any item at all (counted, not read from the counter). */
  any(botId: string): boolean {
    return this.#db.prepare('SELECT 1 FROM items WHERE bot_id = ? LIMIT 1').get(botId) !== undefined;
  }

  /** type → origin → count. */
  countByTypeAndOrigin(botId: string): Record<string, Record<string, number>> {
    const rows = this.#db
      .prepare('SELECT type, origin, count(*) AS n FROM items WHERE bot_id = ? GROUP BY type, origin')
      .all(botId) as { type: string; origin: string; n: number }[];
    const out: Record<string, Record<string, number>> = {};
    for (const r of rows) (out[r.type] ??= {})[r.origin] = r.n;
    return out;
  }

  /** Record items as already in the bot without a remote id. Existing keys are left alone. */
  adopt(botId: string, items: readonly AdoptedItem[], runId: number | null): void {
    const stmt = this.#db.prepare(
      `INSERT INTO items (bot_id, key, type, label, hash, payload_hash, remote_id, origin, source_file, source_line, synced_at, run_id)
       VALUES (?, ?, ?, ?, ?, ?, NULL, 'adopted', ?, ?, ?, ?) ON CONFLICT (bot_id, key) DO NOTHING`,
    );
    const t = nowIso();
    this.#db
      .transaction(() => {
        let added = 0;
        for (const i of items)
          added += stmt.run(botId, i.key, i.type, i.label, i.hash, i.payloadHash, i.file, i.line, t, runId).changes;
        this.#bots.bumpItems(botId, added);
      })
      .immediate();
  }

  /**
   * Re-key items whose content moved to a new key (a rename): nothing is pushed. Their uncertain
   * entries follow them (new key, title and file), so that they name a file that exists.
   */
  move(botId: string, moves: readonly ItemMove[], runId: number | null): void {
    const stmt = this.#db.prepare(
      'UPDATE items SET key = ?, label = ?, source_file = ?, source_line = ?, run_id = ? WHERE bot_id = ? AND key = ?',
    );
    this.#db
      .transaction(() => {
        for (const m of moves) {
          stmt.run(m.to, m.label, m.sourceFile, m.sourceLine, runId, botId, m.from);
          this.#lists.moveUncertain(botId, m);
        }
      })
      .immediate();
  }

  /** Turn items whose source is gone into stale entries. */
  remove(botId: string, keys: readonly string[], runId: number | null): void {
    const get = this.#db.prepare('SELECT * FROM items WHERE bot_id = ? AND key = ?');
    const del = this.#db.prepare('DELETE FROM items WHERE bot_id = ? AND key = ?');
    this.#db
      .transaction(() => {
        let removed = 0;
        for (const k of keys) {
          const r = get.get(botId, k) as Record<string, unknown> | undefined;
          if (!r) continue;
          this.#lists.addStale(botId, toItem(r), 'removed', runId);
          removed += del.run(botId, k).changes;
        }
        this.#bots.bumpItems(botId, -removed);
      })
      .immediate();
  }

  /** An item's source changed but what is sent did not (e.g. whitespace): record the new source hash. */
  refreshHash(botId: string, key: string, hash: string, label: string, sourceFile: string, sourceLine: number): void {
    this.#db
      .prepare('UPDATE items SET hash = ?, label = ?, source_file = ?, source_line = ? WHERE bot_id = ? AND key = ?')
      .run(hash, label, sourceFile, sourceLine, botId, key);
  }

  /**
   * A create succeeded: the item becomes the current version of its key; an earlier version with
   * another remote id becomes stale. Returns the version it replaced. Call inside a transaction.
   */
  putPushed(botId: string, c: PushedItem, runId: number | null): ItemRow | undefined {
    const prev = this.one(botId, c.key);
    if (prev && prev.remoteId !== c.remoteId) this.#lists.addStale(botId, prev, 'changed', runId);
    this.#db
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
    if (!prev) this.#bots.bumpItems(botId, 1);
    return prev;
  }

  /** Replace a bot's items with a snapshot's ("imported"; adopted ones stay adopted). Recount after. */
  replaceImported(botId: string, items: readonly ItemRow[]): void {
    this.#db.prepare('DELETE FROM items WHERE bot_id = ?').run(botId);
    const stmt = this.#db.prepare(
      `INSERT INTO items (bot_id, key, type, label, hash, payload_hash, remote_id, origin, source_file, source_line, synced_at, run_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
    );
    for (const i of items) {
      const origin = i.origin === 'adopted' ? 'adopted' : 'imported';
      stmt.run(
        botId,
        i.key,
        i.type,
        i.label,
        i.hash,
        i.payloadHash ?? null,
        i.remoteId ?? null,
        origin,
        i.sourceFile ?? null,
        i.sourceLine ?? null,
        i.syncedAt ?? nowIso(),
      );
    }
  }
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
