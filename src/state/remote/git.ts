import { spawn } from 'node:child_process';

/**
 * A small runner for the git command line (no git library): one process per call, its output
 * collected as bytes, a timeout, and an environment that cannot leak kb-sync's secrets or wait
 * for a person (no credential prompts, no pager, no hooks of ours, the C locale for messages).
 */

export interface GitResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

export interface GitRunOptions {
  /** Bytes (or text) written to git's standard input. */
  input?: string | Buffer;
  /** Milliseconds before git is stopped (default 120 s: network calls can be slow, never endless). */
  timeoutMs?: number;
  /** Extra environment variables (commit identity and dates). */
  env?: Record<string, string>;
}

/** Raised when git cannot be started, or ends in a way the caller did not expect. */
export class GitCommandError extends Error {
  constructor(
    message: string,
    readonly code: number,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'GitCommandError';
  }
}

/** The identity kb-sync's own commits carry (no user configuration is needed or used). */
export const COMMIT_IDENTITY = { name: 'kb-sync', email: 'kb-sync@users.noreply.invalid' } as const;

const hidden = new Set<string>();

/** Keep an environment variable (a target's own workspace-token variable) away from git. */
export function hideEnvFromGit(name: string): void {
  hidden.add(name);
}

/**
 * The environment git runs with: the workspace tokens left out (CXGENIE_* and every target's
 * token variable), nothing interactive. Git's own credentials (the extraheader actions/checkout
 * keeps in the repository's config, a credential helper, GH_TOKEN for `gh`) are left alone.
 */
export function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k.startsWith('CXGENIE_') || hidden.has(k)) continue;
    env[k] = v;
  }
  return {
    ...env,
    LC_ALL: 'C',
    LANGUAGE: 'C',
    GIT_TERMINAL_PROMPT: '0',
    GIT_PAGER: 'cat',
    GCM_INTERACTIVE: 'never',
    GIT_OPTIONAL_LOCKS: '0',
    ...extra,
  };
}

/** Hide credentials written into URLs (`https://user:secret@host`) in git's messages. */
export function redactGitText(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@');
}

/** Run `git -C cwd ARGS`. Never throws for a non-zero exit: the caller reads `code`. */
export function runGit(cwd: string, args: readonly string[], opts: GitRunOptions = {}): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn('git', ['-C', cwd, ...args], {
        env: gitEnv(opts.env),
        stdio: ['pipe', 'pipe', 'pipe'],
        windowsHide: true,
      });
    } catch (err) {
      reject(new GitCommandError(`Cannot run git: ${(err as Error).message}`, -1, ''));
      return;
    }
    const out: Buffer[] = [];
    let err = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 120_000);
    timer.unref();
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => {
      if (err.length < 64 * 1024) err += d.toString('utf8');
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new GitCommandError(
          e.code === 'ENOENT' ? 'git is not installed (or not on PATH)' : `Cannot run git: ${e.message}`,
          -1,
          '',
        ),
      );
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const stderr = redactGitText(err.trim());
      if (timedOut) {
        resolve({ code: 124, stdout: Buffer.concat(out), stderr: `git ${args[0] ?? ''} timed out. ${stderr}`.trim() });
        return;
      }
      resolve({ code: code ?? 128, stdout: Buffer.concat(out), stderr });
    });
    // A git that exits before reading all of its input is reported by its exit code, not by EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** Run git and return its standard output as text; throws `GitCommandError` on a non-zero exit. */
export async function git(cwd: string, args: readonly string[], opts: GitRunOptions = {}): Promise<string> {
  const r = await runGit(cwd, args, opts);
  if (r.code !== 0) {
    throw new GitCommandError(
      `git ${args.slice(0, 2).join(' ')} failed (exit ${r.code}): ${lastLines(r.stderr)}`,
      r.code,
      r.stderr,
    );
  }
  return r.stdout.toString('utf8');
}

/** The last few non-empty lines of a git message (the useful part), on one line. */
export function lastLines(text: string, n = 3): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^hint:/.test(l));
  return lines.slice(-n).join(' ') || '(no message)';
}
