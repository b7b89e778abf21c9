import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readWhole } from '../util/read-fd.js';

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
 * Run one git command and collect what it prints; `input` is written to its standard input.
 * Rejects with a GitSpawnError when git cannot be started or runs past `timeoutMs`.
 */
export function runGit(
  args: readonly string[],
  o: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number; input?: string },
): Promise<GitOutput> {
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn('git', args, {
        cwd: o.cwd,
        env: o.env,
        stdio: [o.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        windowsHide: true,
      });
    } catch (err) {
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
      reject(
        new GitSpawnError(e.code === 'ENOENT' ? 'git is not on the PATH' : `git could not be started (${e.message})`),
      );
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (timedOut)
        reject(new GitSpawnError(`\`git ${subcommand(args)}\` did not finish within ${seconds(o.timeoutMs)} s`));
      else resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') });
    });
    if (o.input !== undefined && child.stdin) {
      // A git that exits early (an error) closes its input: that is reported by its exit code.
      child.stdin.on('error', () => {});
      child.stdin.end(o.input);
    }
  });
}

/** The git command of `args`, past any `-c name=value` before it. */
const subcommand = (args: readonly string[]) => args.find((a, i) => !a.startsWith('-') && args[i - 1] !== '-c') ?? '';

const seconds = (ms: number) => String(Math.round(ms / 100) / 10);

/**
 * What one git command printed, kept aside until it is read: git's listing of 100,000 files is
 * ~9 MB, which a no-op only hashes (in pieces, through one small buffer: a fresh 9 MB buffer
 * costs more in page faults than reading it), and reads whole only when it parses it.
 */
export interface GitLargeOutput {
  code: number | null;
  stderr: string;
  /** The output in pieces (one buffer, reused from piece to piece). */
  pieces(): Iterable<Buffer>;
  /** The whole output; after this, the output is let go. */
  read(): Buffer;
}

const PIECE = 1 << 20;

/** Run one git command with its output kept aside (see GitLargeOutput). */
export async function runGitLarge(
  args: readonly string[],
  o: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<GitLargeOutput> {
  const batch = runGitBatchGated([], args, o);
  batch.open(true);
  return (await batch.gated) as GitLargeOutput;
}

/** A private temporary folder for git's outputs, or undefined (Windows, or none can be made). */
function privateDir(): string | undefined {
  if (process.platform === 'win32') return undefined;
  try {
    return fs.mkdtempSync(path.join(os.tmpdir(), 'kb-sync-git-'));
  } catch {
    return undefined;
  }
}

function memoryOutput(r: GitOutput): GitLargeOutput {
  return { code: r.code, stderr: r.stderr, pieces: () => [r.stdout], read: () => r.stdout };
}

/** The output `name` in `dir`, its file opened (so it outlives the folder). */
function keepOutput(dir: string, name: string): GitLargeOutput {
  const r = readBatchOutput(dir, name, false);
  return fileOutput({ code: r.code, stderr: r.stderr }, fs.openSync(path.join(dir, `${name}.out`), 'r'));
}

/** A kept output that is let go unread has its file closed (and its space freed) when it is collected. */
const closeUnread = new FinalizationRegistry<number>((fd) => fs.close(fd, () => {}));

function fileOutput(out: { code: number | null; stderr: string }, fd: number): GitLargeOutput {
  let whole: Buffer | undefined;
  const size = fs.fstatSync(fd).size;
  const output: GitLargeOutput = {
    ...out,
    *pieces() {
      if (whole) {
        yield whole;
        return;
      }
      const buf = Buffer.allocUnsafe(Math.min(PIECE, Math.max(size, 1)));
      for (let at = 0; at < size;) {
        const n = fs.readSync(fd, buf, 0, Math.min(buf.length, size - at), at);
        if (n === 0) break;
        at += n;
        yield buf.subarray(0, n);
      }
    },
    read() {
      if (whole) return whole;
      whole = readWhole(fd, size);
      closeUnread.unregister(output);
      fs.closeSync(fd);
      return whole;
    },
  };
  closeUnread.register(output, fd, output);
  return output;
}

const quote = (arg: string) => `'${arg.replace(/'/g, "'\\''")}'`;

/** Commands run at once, and one more that runs beside them only if `open(true)` says so. */
export interface GatedBatch {
  /** What each command printed, once all (and the gated one, if let run) have finished. */
  outputs: Promise<GitOutput[]>;
  /** What the gated command printed, kept aside (undefined when it was not let run). */
  gated: Promise<GitLargeOutput | undefined>;
  /** Let the gated command run, or not: the first call counts, and the batch waits for one. */
  open(run: boolean): void;
}

/**
 * Run several git commands at once and collect what each printed, with one more held back until
 * the caller knows whether it is needed (git's listing, until the state has been looked at).
 * Starting a process stops this one until the child has started (a long wait on a busy machine,
 * and this process is large by then), so on POSIX one shell starts them all, each writing to a
 * file in a private temporary folder: one start instead of one per command, and git never waits
 * for this process to read a pipe. The held-back one's output stays in its file, unlinked: on
 * POSIX nothing is left behind, even by a killed process. Elsewhere (Windows, or no temporary
 * folder) each is started on its own, and outputs are kept in memory.
 */
export function runGitBatchGated(
  commands: readonly (readonly string[])[],
  gated: readonly string[],
  o: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): GatedBatch {
  let decide: (run: boolean) => void = () => {};
  const run = new Promise<boolean>((resolve) => (decide = resolve));
  const open = (r: boolean) => decide(r);
  const dir = privateDir();
  if (dir === undefined) {
    const outputs = Promise.all(commands.map((args) => runGit(args, o)));
    const kept = run.then(async (yes) => (yes ? memoryOutput(await runGit(gated, o)) : undefined));
    return { outputs, gated: settleLater(kept), open };
  }
  // A process that ends before the gits have (a run that stops early) leaves no folder behind.
  const cleanUp = () => fs.rmSync(dir, { recursive: true, force: true });
  process.once('exit', cleanUp);
  const done = (async () => {
    try {
      await runShell(commands, dir, o, { command: gated, run });
      const outputs = commands.map((_, i) => readBatchOutput(dir, i));
      // Open before the folder goes: the file lives on, unlinked, while it is open.
      const ran = fs.existsSync(path.join(dir, 'gated.rc'));
      const kept = ran ? keepOutput(dir, 'gated') : undefined;
      return { outputs, kept };
    } finally {
      process.removeListener('exit', cleanUp);
      cleanUp();
    }
  })();
  return { outputs: settleLater(done.then((d) => d.outputs)), gated: settleLater(done.then((d) => d.kept)), open };
}

/** `p`, marked as handled: its rejection is met by whoever awaits it, if anyone does. */
function settleLater<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

/** A command the shell runs only once told to (a line on its input: "run", or anything else). */
interface Gate {
  command: readonly string[];
  run: Promise<boolean>;
}

const background = (args: readonly string[], name: string) =>
  `{ git ${args.map(quote).join(' ')} >"$KB_GIT_OUT/${name}.out" 2>"$KB_GIT_OUT/${name}.err"; echo $? >"$KB_GIT_OUT/${name}.rc"; } &`;

function runShell(
  commands: readonly (readonly string[])[],
  dir: string,
  o: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
  gate?: Gate,
): Promise<void> {
  const script = [
    ...commands.map((args, i) => background(args, String(i))),
    // The others run meanwhile; a process that ended without a word (its input closed) is a no.
    ...(gate ? [`if read -r go && [ "$go" = run ]; then ${background(gate.command, 'gated')} fi`] : []),
    'wait',
  ].join('\n');
  return new Promise((resolve, reject) => {
    let child;
    try {
      // Its own process group, so that a timeout stops the gits as well as the shell.
      child = spawn('/bin/sh', ['-c', script], {
        cwd: o.cwd,
        env: { ...o.env, KB_GIT_OUT: dir },
        stdio: [gate ? 'pipe' : 'ignore', 'ignore', 'ignore'],
        detached: true,
      });
      if (gate && child.stdin) {
        const input = child.stdin;
        input.on('error', () => {}); // A shell that is gone (timed out) reads nothing.
        void gate.run.then((run) => input.end(run ? 'run\n' : 'no\n'));
      }
    } catch (err) {
      reject(new GitSpawnError(`git could not be started (${(err as Error).message})`));
      return;
    }
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, o.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new GitSpawnError(`git could not be started (${e.message})`));
    });
    child.on('close', () => {
      clearTimeout(timer);
      if (timedOut) reject(new GitSpawnError(`git did not finish within ${seconds(o.timeoutMs)} s`));
      else resolve();
    });
  });
}

function readBatchOutput(dir: string, i: number | string, withStdout = true): GitOutput {
  const read = (ext: string) => {
    try {
      return fs.readFileSync(path.join(dir, `${i}.${ext}`));
    } catch {
      return Buffer.alloc(0);
    }
  };
  const rc = read('rc').toString('utf8').trim();
  const stderr = read('err').toString('utf8');
  const code = rc === '' ? null : Number(rc);
  // The shell's "not found" (127): git is not on the PATH.
  if (code === 127 && /not found/i.test(stderr)) throw new GitSpawnError('git is not on the PATH');
  return { code, stdout: withStdout ? read('out') : Buffer.alloc(0), stderr };
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
