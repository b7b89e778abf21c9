import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Running git for the scan: no terminal, no optional locks (a background `git status` must not
 * take the index lock from a person's own `git commit`), and none of the variables that point git
 * at another repository than the one the folder is in (a hook sets GIT_DIR and GIT_INDEX_FILE).
 */

const REDIRECTS = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_COMMON_DIR',
  'GIT_PREFIX',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_NAMESPACE',
  'GIT_QUARANTINE_PATH',
];

export function gitEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0' };
  for (const k of REDIRECTS) delete env[k];
  return env;
}

export interface GitOutput {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Why git could not be run at all (not on the PATH, timed out), as a sentence. */
export class GitSpawnError extends Error {}

/**
 * A private temporary file for a command's output, or undefined where none can be made (the
 * output then goes through a pipe).
 */
interface OutputFile {
  fd: number;
  file: string;
  taken: boolean;
}

function outputFile(): OutputFile | undefined {
  const file = path.join(os.tmpdir(), `kb-sync-git-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    return { fd: fs.openSync(file, 'wx+', 0o600), file, taken: false };
  } catch {
    return undefined;
  }
}

/** What a command wrote to its output file; the file is removed (once). */
function takeOutput(out: OutputFile): Buffer {
  if (out.taken) return Buffer.alloc(0);
  out.taken = true;
  try {
    const size = fs.fstatSync(out.fd).size;
    const buf = Buffer.allocUnsafe(size);
    let off = 0;
    while (off < size) {
      const n = fs.readSync(out.fd, buf, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off);
  } finally {
    fs.closeSync(out.fd);
    fs.rmSync(out.file, { force: true });
  }
}

/**
 * Run one git command and collect what it prints. `input` is written to its standard input;
 * with `toFile`, its output goes to a temporary file (git then never waits for this process to
 * read a pipe). Rejects with a GitSpawnError when git cannot be started or runs past `timeoutMs`.
 */
export function runGit(
  args: readonly string[],
  o: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number; input?: string; toFile?: boolean },
): Promise<GitOutput> {
  return new Promise((resolve, reject) => {
    let child;
    const file = o.toFile ? outputFile() : undefined;
    try {
      child = spawn('git', args, {
        cwd: o.cwd,
        env: o.env,
        stdio: [o.input === undefined ? 'ignore' : 'pipe', file ? file.fd : 'pipe', 'pipe'],
        windowsHide: true,
      });
    } catch (err) {
      if (file) takeOutput(file);
      reject(new GitSpawnError(`git could not be started (${(err as Error).message})`));
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, o.timeoutMs);
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (file) takeOutput(file);
      reject(
        new GitSpawnError(e.code === 'ENOENT' ? 'git is not on the PATH' : `git could not be started (${e.message})`),
      );
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      let stdout: Buffer;
      try {
        stdout = file ? takeOutput(file) : Buffer.concat(out);
      } catch (e) {
        reject(new GitSpawnError(`the output of git could not be read (${(e as Error).message})`));
        return;
      }
      if (timedOut) {
        reject(new GitSpawnError(`\`git ${args[0] ?? ''}\` did not finish within ${Math.round(o.timeoutMs / 1000)} s`));
        return;
      }
      resolve({ code, stdout, stderr: Buffer.concat(err).toString('utf8') });
    });
    if (o.input !== undefined && child.stdin) {
      // A git that exits early (an error) closes its input: that is reported by its exit code.
      child.stdin.on('error', () => {});
      child.stdin.end(o.input);
    }
  });
}

/** git's own complaint, on one line (its `fatal:`/`error:` line, or the first line it printed). */
export function gitComplaint(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const main = lines.find((l) => /^(fatal|error):/.test(l)) ?? lines[0] ?? 'no message';
  return main.replace(/^(fatal|error):\s*/, '');
}
