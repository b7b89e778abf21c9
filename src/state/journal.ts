import type { BotDataType } from '../api/types.js';
import { nowIso, type Db } from './connection.js';
import type { Files } from './files.js';
import type { ItemRow, Items, PushedItem } from './items.js';
import type { Lists } from './lists.js';

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

/** A create request about to be sent. */
export interface SendStart {
  key: string;
  hash: string;
  type: BotDataType;
  label: string;
  sourceFile: string;
}

/**
 * The in-flight journal (the `pending` table), for crash safety: a create request is recorded
 * before it is sent and settled when its answer is known. What a killed run leaves here may
 * have created an item, and is reported as uncertain by the next run.
 */
export class Journal {
  readonly #db: Db;
  readonly #items: Items;
  readonly #lists: Lists;
  readonly #files: Files;

  constructor(db: Db, items: Items, lists: Lists, files: Files) {
    this.#db = db;
    this.#items = items;
    this.#lists = lists;
    this.#files = files;
  }

  /** Before a create request is sent: record it as in flight. */
  begin(botId: string, p: SendStart, runId: number | null): void {
    this.#db
      .prepare(
        `INSERT INTO pending (bot_id, key, hash, type, label, source_file, run_id, started_at, ambiguous) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)
         ON CONFLICT (bot_id, key, hash) DO UPDATE SET run_id = excluded.run_id, started_at = excluded.started_at`,
      )
      .run(botId, p.key, p.hash, p.type, p.label, p.sourceFile, runId, nowIso());
  }

  /** A send's response was lost: the item may exist already. Recorded before any retry. */
  markAmbiguous(botId: string, key: string, hash: string): void {
    this.#db
      .prepare('UPDATE pending SET ambiguous = 1 WHERE bot_id = ? AND key = ? AND hash = ?')
      .run(botId, key, hash);
  }

  /**
   * The create succeeded: in one transaction, the item becomes the current version, its earlier
   * version (if any) becomes stale, and the in-flight record is settled (an ambiguous one leaves an
   * uncertain entry naming the new remote id).
   */
  complete(
    botId: string,
    c: PushedItem,
    runId: number | null,
  ): { replaced: ItemRow | undefined; wasAmbiguous: boolean } {
    return this.#db
      .transaction(() => {
        const prev = this.#items.putPushed(botId, c, runId);
        const pend = this.#db
          .prepare('SELECT ambiguous FROM pending WHERE bot_id = ? AND key = ? AND hash = ?')
          .pluck()
          .get(botId, c.key, c.hash) as number | undefined;
        const wasAmbiguous = pend === 1;
        if (wasAmbiguous) {
          this.#lists.addUncertain(
            botId,
            { key: c.key, type: c.type, label: c.label, sourceFile: c.sourceFile, remoteId: c.remoteId },
            'a response was lost and the request was sent again',
            runId,
          );
        }
        this.#lists.nameUncertain(botId, c.key, c.remoteId);
        this.#settle(botId, c.key, c.hash);
        return { replaced: prev, wasAmbiguous };
      })
      .immediate();
  }

  /** The create failed for good. An ambiguous one is kept as uncertain; the item keeps its earlier state. */
  abandon(botId: string, key: string, hash: string, runId: number | null): { wasAmbiguous: boolean } {
    return this.#db
      .transaction(() => {
        const row = this.#db
          .prepare('SELECT * FROM pending WHERE bot_id = ? AND key = ? AND hash = ?')
          .get(botId, key, hash) as Record<string, unknown> | undefined;
        if (!row) return { wasAmbiguous: false };
        const wasAmbiguous = row.ambiguous === 1;
        if (wasAmbiguous) {
          this.#lists.addUncertain(
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
        this.#settle(botId, key, hash);
        return { wasAmbiguous };
      })
      .immediate();
  }

  list(botId: string): PendingRow[] {
    return (
      this.#db.prepare('SELECT * FROM pending WHERE bot_id = ? ORDER BY started_at').all(botId) as Record<
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
  recover(botId: string, runId: number | null): PendingRow[] {
    return this.#db
      .transaction(() => {
        const rows = this.list(botId);
        for (const r of rows) {
          this.#lists.addUncertain(
            botId,
            { key: r.key, type: r.type, label: r.label, sourceFile: r.sourceFile, remoteId: null },
            'the request was in flight when an earlier run stopped',
            runId,
          );
        }
        this.#db.prepare('DELETE FROM pending WHERE bot_id = ?').run(botId);
        if (rows.length > 0) this.#files.markAllUnsynced(botId);
        return rows;
      })
      .immediate();
  }

  #settle(botId: string, key: string, hash: string): void {
    this.#db.prepare('DELETE FROM pending WHERE bot_id = ? AND key = ? AND hash = ?').run(botId, key, hash);
  }
}
