import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './fs.js';

/** Run git in `cwd` with a fixed identity and no user configuration; returns its output. */
export function sh(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'Test',
      GIT_AUTHOR_EMAIL: 'test@example.invalid',
      GIT_COMMITTER_NAME: 'Test',
      GIT_COMMITTER_EMAIL: 'test@example.invalid',
    },
  });
}

export interface GitWorld {
  /** The bare repository standing for the shared remote (GitHub). */
  bare: string;
  /** A new clone of the remote (a runner), with `origin` pointing at the bare repository. */
  clone(name: string): string;
  /** The commit a ref of the remote points to, or null. */
  remoteRef(ref: string): string | null;
  /** Every object of the remote, as text (to search for what must never be there). */
  allObjects(): string;
}

/** A bare repository on the local disk and clones of it: real git, on loopback (the file system). */
export function gitWorld(seed?: (work: string) => void): GitWorld {
  const root = tempDir('kb-sync-git-');
  const bare = path.join(root, 'remote.git');
  sh(root, 'init', '--quiet', '--bare', '--initial-branch=main', bare);
  if (seed) {
    const work = path.join(root, 'seed');
    sh(root, 'clone', '--quiet', bare, work);
    seed(work);
    sh(work, 'add', '-A');
    sh(work, 'commit', '--quiet', '-m', 'seed');
    sh(work, 'push', '--quiet', 'origin', 'HEAD:main');
  }
  return {
    bare,
    clone(name) {
      const dir = path.join(root, name);
      sh(root, 'clone', '--quiet', bare, dir);
      return dir;
    },
    remoteRef(ref) {
      try {
        return sh(bare, 'rev-parse', '--verify', '--quiet', `${ref}^{commit}`).trim();
      } catch {
        return null;
      }
    },
    allObjects() {
      return sh(bare, 'cat-file', '--batch-all-objects', '--batch', '--unordered');
    },
  };
}

/** The files of a commit's tree on the remote, name → text. */
export function treeFiles(bare: string, commit: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of sh(bare, 'ls-tree', '--name-only', commit).split('\n').filter(Boolean))
    out[line] = sh(bare, 'cat-file', 'blob', `${commit}:${line}`);
  return out;
}

export function exists(p: string): boolean {
  return fs.existsSync(p);
}

/** Whether a `git` is on the PATH (tests that need one skip without it). */
export const hasGit = spawnSync('git', ['--version'], { encoding: 'utf8' }).status === 0;

/**
 * An environment in which git reads no configuration or attributes of the machine running the
 * tests (no ~/.gitconfig, no system gitconfig or gitattributes), so that results are the same
 * everywhere. `home` is an empty folder standing in for the home folder.
 */
export function isolatedGitEnv(home = tempDir('kb-git-home-')): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('GIT_')) delete env[k];
  return {
    ...env,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_ATTR_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: path.join(home, '.gitconfig'),
    GIT_AUTHOR_NAME: 'Test',
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_COMMITTER_NAME: 'Test',
    GIT_COMMITTER_EMAIL: 'test@example.com',
    // Submodules from a local path (the tests' own repositories).
    GIT_ALLOW_PROTOCOL: 'file',
  };
}

/** Run git in `cwd`; throws with git's message when it fails. Returns what it printed. */
export function git(cwd: string, env: NodeJS.ProcessEnv, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** A new repository with `files` committed on branch `main`. */
export function repoWith(
  files: Record<string, string | Uint8Array>,
  env: NodeJS.ProcessEnv,
  opts: { dir?: string; initArgs?: string[] } = {},
): string {
  const dir = opts.dir ?? tempDir('kb-git-repo-');
  git(dir, env, 'init', '-q', '-b', 'main', ...(opts.initArgs ?? []));
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  }
  git(dir, env, 'add', '-A');
  git(dir, env, 'commit', '-q', '-m', 'files', '--allow-empty');
  return dir;
}
