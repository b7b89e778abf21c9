import { ConfigError } from '../errors.js';
import type { ResolvedConfig } from './load.js';

/**
 * Several targets may train the same bot from different parts of the repository (a staging and
 * a production bot differ by bot; `en/` and `ja/` trees of one help centre may share one). A
 * file that two targets of the same bot both claim would be pushed twice into that bot: it is
 * a configuration error. Pure: the caller lists the files each target's include/exclude/kinds
 * pick up.
 */

export interface Claim {
  target: string;
  /** The bot, or something that stands for it while its id is unknown (`env:VAR`). */
  bot: string;
  /** Absolute paths of the files the target would sync. */
  files: Iterable<string>;
}

export interface DoubleClaim {
  file: string;
  bot: string;
  targets: [string, string];
}

/** What stands for a target's bot when the overlap is checked. */
export function botKey(t: Pick<ResolvedConfig, 'botId' | 'sources'>): string {
  return t.botId ?? (t.sources.botIdEnv ? `env:${t.sources.botIdEnv}` : '?');
}

/** Every file two targets of one bot both claim (with the first two claimants), in a stable order. */
export function findDoubleClaims(claims: readonly Claim[]): DoubleClaim[] {
  const byBot = new Map<string, Claim[]>();
  for (const c of claims) byBot.set(c.bot, [...(byBot.get(c.bot) ?? []), c]);
  const out: DoubleClaim[] = [];
  for (const [bot, group] of byBot) {
    if (group.length < 2) continue;
    const owner = new Map<string, string>();
    for (const c of group) {
      for (const f of c.files) {
        const first = owner.get(f);
        if (first === undefined) owner.set(f, c.target);
        else if (first !== c.target) out.push({ file: f, bot, targets: [first, c.target] });
      }
    }
  }
  return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

/** The configuration error for double claims: the files (a few), both target names, the bot. */
export function doubleClaimError(found: readonly DoubleClaim[], show: (file: string) => string): ConfigError {
  const shown = found.slice(0, 5).map((d) => {
    const bot = d.bot.startsWith('env:') ? `the bot in ${d.bot.slice(4)}` : `bot ${d.bot}`;
    return `  ${show(d.file)} is claimed by targets "${d.targets[0]}" and "${d.targets[1]}", both for ${bot}`;
  });
  const more = found.length > 5 ? `\n  … and ${found.length - 5} more file(s)` : '';
  return new ConfigError(
    `${found.length} file(s) would be synced into the same bot by two targets:\n${shown.join('\n')}${more}`,
    'Give the targets of one bot "include"/"exclude" lists that do not overlap, so that each file belongs to one of them.',
  );
}
