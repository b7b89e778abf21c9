import { execFileSync } from 'node:child_process';
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
