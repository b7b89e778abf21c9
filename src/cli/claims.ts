import path from 'node:path';
import type { ResolvedConfig } from '../config/load.js';
import { botKey, doubleClaimError, findDoubleClaims } from '../config/targets.js';
import { scanTree } from '../scan/walk.js';

/**
 * Refuse a configuration in which two targets of one bot would sync the same file (exit 2,
 * naming the files and both targets). Only bots with two or more targets are scanned, with
 * each target's own folder, include/exclude and kinds: what its sync would pick up.
 */
export function checkDoubleClaims(targets: readonly ResolvedConfig[], cwd = process.cwd()): void {
  const perBot = new Map<string, number>();
  for (const t of targets) perBot.set(botKey(t), (perBot.get(botKey(t)) ?? 0) + 1);
  const shared = targets.filter((t) => (perBot.get(botKey(t)) ?? 0) > 1);
  if (shared.length === 0) return;
  const skip = targets.flatMap((t) => [t.stateFile, `${t.stateFile}-wal`, `${t.stateFile}-shm`]);
  const claims = shared.map((t) => {
    const scan = scanTree({ root: t.knowledgeDir, include: t.include, exclude: t.exclude, kinds: t.kinds, skip });
    return {
      target: t.target as string,
      bot: botKey(t),
      files: scan.files.map((f) => path.join(t.knowledgeDir, f.relPath)),
    };
  });
  const found = findDoubleClaims(claims);
  if (found.length > 0) throw doubleClaimError(found, (f) => path.relative(cwd, f).split(path.sep).join('/') || f);
}
