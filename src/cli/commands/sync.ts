import { requireBotId, requireToken, readToken } from '../../config/load.js';
import { runSync, type RunResult } from '../../sync/run.js';
import { loadContext, onInterrupt } from '../context.js';
import { exitCodeForRun } from '../exit.js';
import { refreshGitState, runSummary, withGitState } from '../git-state.js';
import { makeEvents, report } from '../run-report.js';

/** `kb-sync sync` and `kb-sync plan`. */
export async function run(argv: Record<string, unknown>): Promise<number> {
  const command = String((argv._ as string[])[0] ?? 'sync');
  const dryRun = command === 'plan' || Boolean(argv.dryRun);
  const { out, cfg } = loadContext(argv);
  const botId = requireBotId(cfg);
  const token = dryRun ? readToken(process.env, cfg) : requireToken(process.env, cfg);
  out.addSecret(token);
  if (dryRun) await refreshGitState(out, cfg, botId);
  const waitSeconds = argv.wait !== undefined ? (argv.wait as number) : undefined;
  return withGitState(out, cfg, botId, command, { waitSeconds: waitSeconds ?? 0, skip: dryRun }, async (session) => {
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
        ...(waitSeconds !== undefined ? { waitSeconds } : {}),
        // A runner that lost the git lock takes no new work (its successor does it).
        stop: session ? AbortSignal.any([interrupt.stop, session.lostSignal]) : interrupt.stop,
        kill: interrupt.kill,
        events: events.handlers,
        ...(session ? { beforePush: (items) => session.intend(items) } : {}),
      });
    } finally {
      events.done();
      interrupt.dispose();
    }
    // The exit code is decided once, here, and the report (--json, the Action's outputs) carries it.
    const code = exitCodeForRun(result, interrupt.signal);
    report(out, result, { command, botId, streamed: events.streamed, exitCode: code });
    out.detail(
      out.c.dim(
        `timings (ms): ${Object.entries(result.timings)
          .map(([k, v]) => `${k} ${v}`)
          .join(' · ')}`,
      ),
    );
    return { code, summary: runSummary(command, code, result) };
  });
}
