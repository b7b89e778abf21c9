import path from 'node:path';
import type { Db } from './connection.js';

/**
 * Source paths (items, stale, uncertain and in-flight entries) are relative to the knowledge
 * folder. The bot row remembers which folder (relative to the state file's folder); when the
 * configuration points elsewhere, the stored paths are rewritten relative to the new folder, so
 * that an entry still names the file it came from (`../docs/account/x.md`), not a path that never
 * existed.
 */

const TABLES = ['items', 'stale', 'uncertain', 'pending'] as const;

/** Pure: `rel` (relative to folder `from`) made relative to folder `to`; all three POSIX. */
export function rebaseSource(rel: string, from: string, to: string): string {
  return path.posix.relative(path.posix.resolve('/', to), path.posix.resolve('/', from, rel)) || '.';
}

export class Sources {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
    // One pass per table when the folder moves (an UPDATE per distinct path would scan the table
    // each time: minutes at 20,000 items, since source_file has no index).
    db.function('kb_rebase_source', { deterministic: true }, (rel: unknown, from: unknown, to: unknown) =>
      rebaseSource(String(rel), String(from), String(to)),
    );
  }

  /** The knowledge folder the bot's source paths are relative to; null before it is recorded. */
  dir(botId: string): string | null {
    return (
      (this.#db.prepare('SELECT knowledge_dir FROM bots WHERE bot_id = ?').pluck().get(botId) as
        string | null | undefined) ?? null
    );
  }

  /** Record `dir` as the bot's knowledge folder, rewriting the stored source paths if it moved. */
  moveTo(botId: string, dir: string): void {
    this.#db
      .transaction(() => {
        const from = this.dir(botId);
        if (from !== null && from !== dir) {
          for (const t of TABLES) {
            this.#db
              .prepare(
                `UPDATE ${t} SET source_file = kb_rebase_source(source_file, ?, ?) WHERE bot_id = ? AND source_file IS NOT NULL`,
              )
              .run(from, dir, botId);
          }
        }
        this.#db.prepare('UPDATE bots SET knowledge_dir = ? WHERE bot_id = ?').run(dir, botId);
      })
      .immediate();
  }
}
