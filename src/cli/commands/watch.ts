import { requireBotId, requireToken } from '../../config/load.js';
import { formatFileIssue, KbSyncError } from '../../errors.js';
import { annotation } from '../../report/github.js';
import { countsLine } from '../../report/human.js';
import { watchKnowledge } from '../../sync/watch.js';
import { loadContext, onInterrupt } from '../context.js';
import { exitCodeForWatch } from '../exit.js';
import { makeEvents } from '../run-report.js';
import { noteChange, withGitState } from '../git-state.js';
import type { Output } from '../output.js';
import type { ResolvedConfig } from '../../config/load.js';
import type { GitStateSession } from '../../state/remote/git-state.js';
import { safeText } from '../../util/safe-text.js';

/** `kb-sync watch`: sync on every change until Ctrl-C. */
export async function run(argv: Record<string, unknown>): Promise<number> {
  const { out, cfg } = loadContext(argv);
  const botId = requireBotId(cfg);
  const token = requireToken(process.env, cfg);
  out.addSecret(token);
  const debounceMs = argv.debounce !== undefined ? Number(argv.debounce) : cfg.watch.debounceMs;
  return withGitState(out, cfg, botId, 'watch', {}, async (session) => {
    const done = await watch(out, cfg, { botId, token, debounceMs, allowInitial: Boolean(argv.allowInitial) }, session);
    return noteChange('watch', done.code, done.note);
  });
}

async function watch(
  out: Output,
  cfg: ResolvedConfig,
  o: { botId: string; token: string; debounceMs: number; allowInitial: boolean },
  session: GitStateSession | undefined,
): Promise<{ code: number; note: string }> {
  const { botId, token, debounceMs } = o;
  const interrupt = onInterrupt(out, 10_000);
  const events = makeEvents(out, { progressBar: false });
  const c = out.c;
  let files = 0;
  let lastSync = '—';
  let pushed = 0;
  let errors = 0;
  // The "possibly created twice" list is the state's, for the whole bot: said when it changes, not after every batch.
  let uncertain: number | undefined;
  const time = () => new Date().toTimeString().slice(0, 8);
  const status = () =>
    out.live(
      c.dim(
        `watching ${files} file(s) · last sync ${lastSync} · ${pushed} pushed · ${errors} error(s)${uncertain ? ` · ${uncertain} possibly created twice` : ''} · Ctrl-C to stop`,
      ),
    );
  try {
    const summary = await watchKnowledge({
      config: cfg,
      botId,
      token,
      debounceMs,
      retryIntervalMs: cfg.watch.retryIntervalMs,
      // A watch that lost the git lock stops (its successor owns the state now).
      stop: session ? AbortSignal.any([interrupt.stop, session.lostSignal]) : interrupt.stop,
      kill: interrupt.kill,
      ci: process.env.CI === 'true',
      allowInitial: o.allowInitial,
      ...(session ? { beforePush: (items) => session.intend(items) } : {}),
      events: { ...events.handlers },
      onReady: (info) => {
        files = info.files;
        out.info(
          `Watching ${cfg.knowledgeDir} (${info.files} file(s)); changes are synced after ${debounceMs} ms of quiet.`,
        );
        status();
      },
      onSync: ({ result, error, batch, full, settle }) => {
        events.done();
        lastSync = time();
        if (error) {
          errors++;
          const msg =
            error instanceof KbSyncError
              ? `${safeText(error.message)}${error.hint ? ` (${error.hint})` : ''}`
              : error instanceof Error
                ? safeText(error.toString())
                : safeText(JSON.stringify(error));
          out.error(c.red(`${lastSync} sync failed: ${msg}; retrying later.`));
        } else if (result) {
          files = result.filesScanned > files || full ? result.filesScanned : files;
          pushed += result.counts.create + result.counts.update;
          // A settle run re-reads files read just after they changed: their errors were reported then.
          const issues = settle ? [] : result.errors;
          errors += issues.length + result.counts.failed;
          if (out.github) for (const i of issues) out.command(annotation(i));
          for (const e of issues) out.error(`${lastSync} ${formatFileIssue(e)}`);
          for (const it of result.items.filter((i) => i.status === 'failed'))
            out.error(`${lastSync} ${safeText(it.file)}:${it.line} ${safeText(it.label)}: ${safeText(it.error ?? '')}`);
          const what = full ? 'full sync' : settle ? `${batch} file(s) read again` : `${batch} change(s)`;
          const line = `${lastSync} ${what}: ${countsLine(result, c)}`;
          if (
            result.counts.create +
              result.counts.update +
              result.counts.moved +
              result.counts.stale +
              result.counts.failed >
              0 ||
            full ||
            (out.verbose && !settle)
          ) {
            out.info(line);
          }
          if (result.uncertain.length !== (uncertain ?? 0))
            out.warn(
              c.yellow(
                `${lastSync} ${result.uncertain.length} item(s) possibly created twice${uncertain !== undefined ? ` (was ${uncertain})` : ''}; see \`kb-sync status\`.`,
              ),
            );
          uncertain = result.uncertain.length;
        }
        status();
      },
    });
    out.live(undefined);
    out.final(`Stopped watching after ${summary.syncs} sync(s): ${summary.pushed} item(s) pushed.`);
    // Watch only ends by a signal: 130 / 143, as every command stopped by one (docs/syncing.md#exit-codes).
    return {
      code: exitCodeForWatch(interrupt.signal),
      note: `watched: ${summary.syncs} sync(s), ${summary.pushed} item(s) pushed`,
    };
  } finally {
    out.live(undefined);
    interrupt.dispose();
  }
}
