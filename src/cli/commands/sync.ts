import { requireBotId, requireToken, readToken } from '../../config/load.js';
import { formatFileIssue } from '../../errors.js';
import { annotation, writeGithubFiles } from '../../report/github.js';
import { renderRun } from '../../report/human.js';
import { runDocument } from '../../report/json.js';
import { runSync, type RunResult } from '../../sync/run.js';
import type { ItemResult, SyncEvents } from '../../report/events.js';
import { loadContext, onInterrupt } from '../context.js';
import type { Output } from '../output.js';
import { table } from '../../util/table.js';

/** `kb-sync sync` and `kb-sync plan`. */
export async function run(argv: Record<string, unknown>): Promise<number> {
  const command = String((argv._ as string[])[0] ?? 'sync');
  const dryRun = command === 'plan' || Boolean(argv.dryRun);
  const { out, cfg } = loadContext(argv);
  const botId = requireBotId(cfg);
  const token = dryRun ? readToken() : requireToken();
  out.addSecret(token);
  const interrupt = onInterrupt(out);
  const events = makeEvents(out);
  let result: RunResult;
  try {
    result = await runSync({
      config: cfg,
      botId,
      dryRun,
      ...(token ? { token } : {}),
      command,
      allowInitial: Boolean(argv.allowInitial),
      allowEmpty: Boolean(argv.allowEmpty),
      ci: process.env.CI === 'true' || process.env.CI === '1',
      ...(argv.wait !== undefined ? { waitSeconds: argv.wait as number } : {}),
      stop: interrupt.stop,
      kill: interrupt.kill,
      events: events.handlers,
    });
  } finally {
    events.done();
    interrupt.dispose();
  }
  report(out, result, { command, botId, streamed: events.streamed });
  out.detail(
    out.c.dim(
      `timings (ms): ${Object.entries(result.timings)
        .map(([k, v]) => `${k} ${v}`)
        .join(' · ')}`,
    ),
  );
  if (result.interrupted) return interrupt.exitCode ?? result.exitCode;
  return result.exitCode;
}

/** Progress on a TTY, one line per event otherwise, nothing under --quiet. */
export function makeEvents(
  out: Output,
  opts: { progressBar?: boolean } = {},
): { handlers: SyncEvents; done(): void; streamed: boolean } {
  const streamItems = !out.tty && !out.quiet && !out.json;
  let bar: Awaited<ReturnType<Output['progress']>> | undefined;
  let barPromise: Promise<void> | undefined;
  let phase = '';
  const handlers: SyncEvents = {
    phase(p, detail) {
      phase = p;
      if (p === 'read' && detail?.files) out.detail(out.c.dim(`Reading ${detail.files} new or changed file(s)…`));
      if (p === 'push' && detail?.items) {
        if (!out.tty) out.info(`Pushing ${detail.items} item(s)…`);
        if (opts.progressBar === false) return;
        barPromise = out.progress('Pushing').then((b) => {
          bar = b;
        });
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
      void barPromise?.then(() => bar?.stop());
      bar?.stop();
    },
  };
}

function plainItem(r: ItemResult): string {
  const where = r.line > 0 ? `${r.file}:${r.line}` : r.file;
  const extra =
    r.status === 'failed' || r.status === 'skipped' ? `: ${r.error ?? ''}` : r.remoteId ? ` (id ${r.remoteId})` : '';
  return `${r.status} ${r.type} "${r.label}" ${where}${extra}${r.uncertain ? ' [possibly created twice]' : ''}`;
}

export function report(
  out: Output,
  result: RunResult,
  meta: { command: string; botId: string; streamed: boolean },
): void {
  if (out.github) {
    for (const i of [...result.errors, ...result.warnings]) out.raw(annotation(i));
    writeGithubFiles(result, meta, (t) => out.redact(t));
  }
  if (out.json) {
    out.document(runDocument(result, meta));
  }
  if (out.quiet) {
    for (const e of result.errors) out.error(formatFileIssue(e));
    for (const it of result.items.filter((i) => i.status === 'failed'))
      out.error(`${it.file}:${it.line} ${it.label}: ${it.error}`);
    out.final(renderRun(result, { verbose: false, colors: out.c, command: meta.command }).final);
    return;
  }
  const { body, final } = renderRun(meta.streamed ? { ...result, items: result.dryRun ? result.items : [] } : result, {
    verbose: out.verbose,
    colors: out.c,
    command: meta.command,
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
