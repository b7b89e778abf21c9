import { requireBotId } from '../../config/load.js';
import { formatFileIssue } from '../../errors.js';
import { runDocument } from '../../report/json.js';
import { runSync } from '../../sync/run.js';
import { loadContext } from '../context.js';
import { exitCodeForRun } from '../exit.js';
import { refreshGitState, runSummary, withGitState } from '../git-state.js';
import type { Output } from '../output.js';
import type { RunResult } from '../../sync/run.js';

/**
 * `kb-sync adopt`: record the folder as already in the bot, pushing nothing. For a bot trained
 * by hand, or a state lost for good, after the team has checked the dashboard.
 */
export async function run(argv: Record<string, unknown>): Promise<number> {
  const { out, cfg } = loadContext(argv);
  const botId = requireBotId(cfg);
  const yes = Boolean(argv.yes);
  if (!yes) await refreshGitState(out, cfg, botId);
  return withGitState(out, cfg, botId, 'adopt', { skip: !yes }, async () => {
    const r = await runSync({ config: cfg, botId, dryRun: !yes, adopt: yes, command: 'adopt' });
    const code = show(out, r, botId, yes);
    return { code, summary: runSummary('adopt', code, r) };
  });
}

function show(out: Output, r: RunResult, botId: string, yes: boolean): number {
  const exitCode = exitCodeForRun(r);
  if (out.json) {
    out.document({
      ...runDocument(r, { command: 'adopt', botId, exitCode }),
      adopted: yes ? (r.adopted ?? 0) : 0,
      wouldAdopt: yes ? 0 : r.counts.create,
    });
    return exitCode;
  }
  for (const e of r.errors) out.error(formatFileIssue(e));
  const c = out.c;
  if (!yes) {
    out.info(`Adopting would record ${r.counts.create} item(s) as already in bot ${botId}, and push nothing.`);
    if (r.counts.update > 0)
      out.info(`${r.counts.update} item(s) are tracked with another version; adopt leaves them for \`kb-sync sync\`.`);
    out.final(c.yellow('Nothing recorded. Check the bot in the CX Genie dashboard, then run `kb-sync adopt --yes`.'));
    return exitCode;
  }
  const skipped = r.items.filter((i) => i.status === 'skipped').length;
  out.final(
    `${c.green('✔')} Adopted ${r.adopted ?? 0} item(s) for bot ${botId}; nothing was pushed.${skipped > 0 ? ` ${skipped} item(s) with another tracked version were left for \`kb-sync sync\`.` : ''} They show as "adopted" in \`kb-sync status\`.`,
  );
  return exitCode;
}
