import { nowIso, type Db } from './connection.js';

export interface RunRow {
  id: number;
  command: string;
  startedAt: string;
  finishedAt: string | null;
  status: string;
  counts: Record<string, number> | null;
}

/** The `runs` table: one row per sync, watch batch or adopt, for `kb-sync status`. */
export class Runs {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  start(botId: string, command: string, host: string): number {
    return Number(
      this.#db
        .prepare("INSERT INTO runs (bot_id, command, started_at, status, pid, host) VALUES (?, ?, ?, 'running', ?, ?)")
        .run(botId, command, nowIso(), process.pid, host).lastInsertRowid,
    );
  }

  /** Close a run, and keep only the last 1000 runs of its bot (cron every few minutes adds up). */
  finish(runId: number, status: string, counts: Record<string, number>): void {
    this.#db
      .transaction(() => {
        this.#db
          .prepare('UPDATE runs SET finished_at = ?, status = ?, counts = ? WHERE id = ?')
          .run(nowIso(), status, JSON.stringify(counts), runId);
        this.#db
          .prepare('DELETE FROM runs WHERE bot_id = (SELECT bot_id FROM runs WHERE id = @id) AND id <= @id - 1000')
          .run({ id: runId });
      })
      .immediate();
  }

  latest(botId: string, limit = 5): RunRow[] {
    return (
      this.#db.prepare('SELECT * FROM runs WHERE bot_id = ? ORDER BY id DESC LIMIT ?').all(botId, limit) as Record<
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
