import type { ResolvedConfig } from '../config/load.js';
import { gitDisabledByEnv, readGitView, type GitUnavailable, type GitView } from '../scan/git.js';
import { makeClassifier } from '../scan/walk.js';
import { knownGitIndexes } from '../state/peek.js';

/**
 * Asking git what changed, started as early as a run can (before the state is opened and the
 * lock taken), so that git works while this process loads the state and walks the folder.
 */
export interface GitProbe {
  /** git's view of the folder (its untracked and ignored files listed too), or why git cannot be used. */
  view: Promise<GitView | GitUnavailable>;
}

/**
 * Start asking git, or say why not: turned off by `"git": false` or `KB_SYNC_GIT=0`. Line endings
 * matter only for documents (they are uploaded byte for byte; text kinds are read with CRLF
 * turned into LF).
 */
export function startGitProbe(cfg: ResolvedConfig, env: NodeJS.ProcessEnv = process.env): GitProbe | GitUnavailable {
  if (!cfg.git) return { unavailable: 'turned off by "git": false in the configuration' };
  if (gitDisabledByEnv(env)) return { unavailable: `turned off by KB_SYNC_GIT=${env.KB_SYNC_GIT ?? ''}` };
  const classifier = makeClassifier(cfg);
  const view = readGitView(cfg.knowledgeDir, {
    env,
    eolMatters: (p) => classifier.classify(p) === 'document',
    // Asked only when nothing has looked yet (the CLI's prefetch usually has).
    knownIndex: (checksum) => knownGitIndexes(cfg.stateFile).has(checksum),
  });
  return { view };
}
