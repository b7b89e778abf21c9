import type { RunResult } from '../sync/result.js';

/**
 * The stable `--json` document of `sync` and `plan` (schema in docs/syncing.md). Fields are only ever
 * added, never renamed or removed. `exitCode` is the one the process exits with (the CLI decides
 * it: a signal's 130/143 included), passed in.
 */
export function runDocument(r: RunResult, meta: { command: string; botId: string; exitCode: number }) {
  return {
    ok: r.ok,
    dryRun: r.dryRun,
    command: meta.command,
    botId: meta.botId,
    counts: r.counts,
    items: r.items
      .filter((it) => it.status !== 'unchanged')
      .map((it) => ({
        action: it.action,
        status: it.status,
        type: it.type,
        key: it.key,
        title: it.label,
        file: it.file,
        line: it.line > 0 ? it.line : null,
        remoteId: it.remoteId ?? null,
        replacedRemoteId: it.replacedRemoteId ?? null,
        uncertain: it.uncertain ?? false,
        error: it.error ?? null,
      })),
    errors: r.errors.map((e) => ({ file: e.file, line: e.line ?? null, column: e.column ?? null, message: e.message })),
    warnings: r.warnings.map((e) => ({
      file: e.file,
      line: e.line ?? null,
      column: e.column ?? null,
      message: e.message,
    })),
    stale: r.stale,
    uncertain: r.uncertain,
    recovered: r.recovered,
    skippedDrafts: r.skippedDrafts,
    files: { scanned: r.filesScanned, read: r.filesRead },
    requests: r.requests,
    rateLimited: r.rateLimited,
    interrupted: r.interrupted,
    exitCode: meta.exitCode,
    durationMs: r.durationMs,
  };
}
