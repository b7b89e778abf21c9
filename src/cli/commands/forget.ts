import { requireBotId } from '../../config/load.js';
import { ConfigError } from '../../errors.js';
import { StateStore } from '../../state/store.js';
import { acquireLock } from '../../state/lock.js';
import { safeText } from '../../util/safe-text.js';
import { loadContext } from '../context.js';
import { noteChange, withGitState } from '../git-state.js';
import type { Output } from '../output.js';

/** `kb-sync forget`: drop stale entries a person has removed in the dashboard, or clear the uncertain list. */
export async function run(argv: Record<string, unknown>): Promise<number> {
  const { out, cfg } = loadContext(argv);
  const botId = requireBotId(cfg);
  const ids = (argv.ids as string[] | undefined) ?? [];
  const all = Boolean(argv.allStale);
  const uncertain = Boolean(argv.uncertain);
  if (ids.length === 0 && !all && !uncertain) {
    throw new ConfigError(
      'Name the stale items to forget (their remote ids, as `kb-sync status` lists them), or pass --all-stale or --uncertain.',
    );
  }
  if (ids.length > 0 && all) throw new ConfigError('Pass either ids or --all-stale, not both.');
  return withGitState(out, cfg, botId, 'forget', {}, async () => {
    const done = await forget(out, cfg.stateFile, botId, { ids, all, uncertain });
    return noteChange('forget', done.code, done.note);
  });
}

async function forget(
  out: Output,
  stateFile: string,
  botId: string,
  what: { ids: string[]; all: boolean; uncertain: boolean },
): Promise<{ code: number; note: string }> {
  const { ids, all, uncertain } = what;
  const store = StateStore.open(stateFile);
  const lock = await acquireLock(store, { command: 'forget', waitSeconds: 10 });
  try {
    let code = 0;
    const result: { forgotten: string[]; unknown: string[]; uncertainCleared: number } = {
      forgotten: [],
      unknown: [],
      uncertainCleared: 0,
    };
    if (ids.length > 0 || all) {
      const r = store.forgetStale(botId, all ? 'all' : ids);
      result.forgotten = r.forgotten.map((s) => s.remoteId ?? `#${s.id}`);
      result.unknown = r.unknown;
      for (const s of r.forgotten)
        out.info(
          `Forgot stale ${s.type} "${safeText(s.label)}" (${s.remoteId ? safeText(s.remoteId) : `#${s.id}, no remote id`})`,
        );
      for (const u of r.unknown)
        out.error(
          `kb-sync: no stale item with id ${safeText(u)} (see the # and REMOTE ID columns of \`kb-sync status\`)`,
        );
      if (r.unknown.length > 0) code = 1;
    }
    if (uncertain) {
      result.uncertainCleared = store.forgetUncertain(botId);
      out.info(
        `Cleared ${result.uncertainCleared} "possibly created twice" entr${result.uncertainCleared === 1 ? 'y' : 'ies'}.`,
      );
    }
    if (out.json) out.document({ ok: code === 0, ...result });
    else out.final(`${result.forgotten.length} stale item(s) forgotten; ${store.stale(botId).length} remain.`);
    const note = [
      ...(ids.length > 0 || all
        ? [`forgot ${result.forgotten.length} stale item(s): ${result.forgotten.join(', ')}`]
        : []),
      ...(uncertain ? [`cleared ${result.uncertainCleared} "possibly created twice" entries`] : []),
    ].join('; ');
    return { code, note };
  } finally {
    lock.release();
    store.close();
  }
}
