import fs from 'node:fs';
import path from 'node:path';
import { prefetchGitView } from '../scan/git.js';

/** The commands whose run asks git what changed (src/sync/git-probe.ts). */
const ASKS_GIT = new Set(['sync', 'plan', 'adopt']);

/**
 * Before the CLI loads (most of a no-op's time), start asking git about the knowledge folder, so
 * that git and the loading overlap. A prefetch the run does not take is never used.
 */
export function prefetchGit(args: readonly string[], cwd = process.cwd()): void {
  try {
    const where = prefetchRoot(args, cwd);
    if (where === undefined) return;
    // git's listing is started at once unless the state knows the index by its checksum (a look
    // at the state file, taken once git has started).
    const known = import('../state/peek.js').then(({ knownGitIndexes }) => {
      const k = knownGitIndexes(where.stateFile);
      return (checksum: string) => k.has(checksum);
    });
    prefetchGitView(where.root, known);
  } catch {
    // Whatever went wrong here, the run meets it again and says so.
  }
}

/**
 * The knowledge folder a command line will ask git about, read the way loadConfig reads it, in
 * the plain case only: one of those commands first, `--config FILE` (or ./sync.config.json, or
 * none) in plain JSON, no targets, git not turned off, the folder there. Anything else is
 * undefined: the run then asks git itself, once its configuration is loaded and checked. With
 * the folder, the state file the run will open.
 */
export function prefetchRoot(args: readonly string[], cwd: string): { root: string; stateFile: string } | undefined {
  if (!ASKS_GIT.has(args[0] ?? '')) return undefined;
  let configPath: string | undefined;
  for (let i = 1; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--config' || a === '-c') configPath = args[i + 1];
    else if (a.startsWith('--config=')) configPath = a.slice('--config='.length);
  }
  const file = path.resolve(cwd, configPath ?? 'sync.config.json');
  let raw: unknown = {};
  try {
    const text = fs.readFileSync(file, 'utf8');
    raw = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    // No ./sync.config.json: the defaults. Anything else is the run's to report.
    if (configPath !== undefined || (err as NodeJS.ErrnoException).code !== 'ENOENT') return undefined;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const cfg = raw as Record<string, unknown>;
  if ('targets' in cfg || cfg.git === false) return undefined;
  const dir = cfg.knowledgeDir ?? 'knowledge';
  const stateFile = cfg.stateFile ?? '.kb-sync/state.db';
  if (typeof dir !== 'string' || dir === '' || typeof stateFile !== 'string' || stateFile === '') return undefined;
  const root = path.resolve(path.dirname(file), dir);
  if (!fs.statSync(root, { throwIfNoEntry: false })?.isDirectory()) return undefined;
  return { root, stateFile: path.resolve(path.dirname(file), stateFile) };
}
