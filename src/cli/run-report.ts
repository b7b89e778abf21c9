import { formatFileIssue } from '../errors.js';
import type { ItemResult, SyncEvents } from '../events.js';
import { annotation, writeGithubFiles } from '../report/github.js';
import { renderRun } from '../report/human.js';
import { runDocument } from '../report/json.js';
import type { RunResult } from '../sync/result.js';
import { safeText } from '../util/safe-text.js';
import { table } from '../util/table.js';
import type { Output, ProgressHandle } from './output.js';

/** How a run of the pipeline is shown, shared by `sync`, `plan`, `watch` and `demo`. */

/** Progress on a TTY, one line per event otherwise, nothing under --quiet. */
export function makeEvents(
  out: Output,
  opts: { progressBar?: boolean } = {},
): { handlers: SyncEvents; done(): void; streamed: boolean } {
  const streamItems = !out.tty && !out.quiet && !out.json;
  let bar: ProgressHandle | undefined;
  let phase = '';
  const handlers: SyncEvents = {
    phase(p, detail) {
      phase = p;
      if (p === 'read' && detail?.files) out.detail(out.c.dim(`Reading ${detail.files} new or changed file(s)…`));
      if (p === 'push' && detail?.items) {
        if (!out.tty) out.info(`Pushing ${detail.items} item(s)…`);
        if (opts.progressBar === false) return;
        bar = out.progress('Pushing');
      }
    },
    progress(done, total) {
      if (phase === 'push') bar?.update(done, total);
    },
    item(r: ItemResult) {
      if (streamItems && (r.status !== 'unchanged' || out.verbose)) out.info(plainItem(r));
    },
    log(level, message) {
      if (level === 'verbose') out.detail(out.c.dim(message));
      else if (level === 'warn') out.warn(out.c.yellow(message));
      else out.info(message);
    },
  };
  return {
    handlers,
    streamed: streamItems,
    done() {
      bar?.stop();
    },
  };
}

/** One line per item when there is no terminal (logs); titles, file names, ids and errors on one line each. */
function plainItem(r: ItemResult): string {
  const file = safeText(r.file);
  const where = r.line > 0 ? `${file}:${r.line}` : file;
  const extra =
    r.status === 'failed' || r.status === 'skipped'
      ? `: ${safeText(r.error ?? '')}`
      : r.remoteId
        ? ` (id ${safeText(r.remoteId)})`
        : '';
  return `${r.status} ${r.type} "${safeText(r.label)}" ${where}${extra}${r.uncertain ? ' [possibly created twice]' : ''}`;
}

export function report(
  out: Output,
  result: RunResult,
  meta: { command: string; botId: string; streamed: boolean; exitCode: number },
): void {
  // The process's exit code, decided by the command (a signal's 130/143 included): `--json` and the Action show it.
  const { exitCode } = meta;
  if (out.github) {
    for (const i of [...result.errors, ...result.warnings]) out.command(annotation(i));
    const section = out.section;
    writeGithubFiles(
      result,
      { ...meta, exitCode, ...(section ? { target: section.target } : {}) },
      (t) => out.redact(t),
      process.env,
      section ? (o) => (section.outputs = o) : undefined,
    );
  }
  if (out.json) {
    out.document(runDocument(result, { command: meta.command, botId: meta.botId, exitCode }));
  }
  if (out.quiet) {
    for (const e of result.errors) out.error(formatFileIssue(e));
    for (const it of result.items.filter((i) => i.status === 'failed'))
      out.error(`${safeText(it.file)}:${it.line} ${safeText(it.label)}: ${safeText(it.error ?? '')}`);
    out.final(renderRun(result, { verbose: false, colors: out.c, command: meta.command }).final);
    return;
  }
  const { body, final } = renderRun(meta.streamed ? { ...result, items: result.dryRun ? result.items : [] } : result, {
    verbose: out.verbose,
    colors: out.c,
    command: meta.command,
    width: out.columns,
  });
  for (const line of body) out.info(line);
  if (out.tty && !result.dryRun && result.counts.create + result.counts.update + result.counts.failed > 0) {
    const n = result.counts;
    out.info(
      table(
        ['', 'created', 'updated', 'moved', 'stale', 'unchanged', 'failed'],
        [
          [
            'items',
            String(n.create),
            String(n.update),
            String(n.moved),
            String(n.stale),
            String(n.unchanged),
            String(n.failed),
          ],
        ],
      ),
    );
  }
  out.final(final);
}
