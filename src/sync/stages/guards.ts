import { RefusedError } from '../../errors.js';

/**
 * Pure: the first-run guard. In CI, a state that never synced this bot must not push the whole
 * folder: that usually means the state was lost (a cache miss). `guarded` is whether the guard
 * applies at all (a pushing run in CI without --allow-initial); `hasHistory` is asked only then.
 */
export function refuseFirstRun(a: {
  guarded: boolean;
  botId: string;
  creates: number;
  hasHistory: () => boolean;
}): void {
  if (!a.guarded || a.creates === 0 || a.hasHistory()) return;
  throw new RefusedError(
    `This state file has never synced bot ${a.botId}, and the plan would create ${a.creates} item(s). In CI that usually means the state was lost (a cache miss), and pushing now would create every item in the bot a second time.`,
    'Restore the state (actions/cache, or `kb-sync state import`). If this really is the first sync of this bot, run once with --allow-initial; if the bot already has this content, run `kb-sync adopt` instead.',
  );
}
