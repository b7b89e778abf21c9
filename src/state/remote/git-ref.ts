import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StateError } from '../../errors.js';
import { git, lastLines, runGit, COMMIT_IDENTITY } from './git.js';

/**
 * A ref in a git remote used as a small key-value store with compare-and-swap: fetch its tip,
 * read the files of its tree, write a commit (plumbing only: no worktree, index or branch is
 * touched), and push it with `--force-with-lease=<ref>:<expected>`, which the receiving side
 * applies only when the ref is still at `expected` (or, with an empty expectation, absent).
 */

export interface RefLocation {
  /** A folder inside the local repository (a clone of the remote). */
  repoDir: string;
  /** A remote name (`origin`) or URL. */
  remote: string;
  /** The full ref name on the remote, e.g. `refs/kb-sync/state/<bot>`. */
  ref: string;
}

export interface RefTip {
  oid: string;
  /** The tree's files: name → blob id. */
  entries: Map<string, string>;
  /** The text of the files asked for in `read` that the tree has. */
  contents: Map<string, string>;
}

/** Git could not fetch or push the state (network, permissions, a missing remote): exit 2. */
export class GitStateError extends StateError {
  constructor(message: string, hint?: string) {
    super(message, hint);
  }
}

const HINT_ACCESS =
  'Check that the remote is reachable and that these credentials may push to it (in GitHub Actions: `permissions: contents: write`, and actions/checkout with its default persist-credentials).';

/** Where a fetched copy of the remote ref is kept locally (never a branch, never the ref itself). */
export function localCopyRef(loc: Pick<RefLocation, 'remote' | 'ref'>): string {
  const remote = loc.remote.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 60) || 'remote';
  return `refs/kb-sync-fetched/${remote}/${loc.ref.replace(/^refs\//, '')}`;
}

/** Whether `name` is a full ref name git accepts (checked by git itself). */
export async function validRefName(repoDir: string, name: string): Promise<boolean> {
  if (!name.startsWith('refs/')) return false;
  const r = await runGit(repoDir, ['check-ref-format', name]);
  return r.code === 0;
}

/** The top folder of the repository holding `dir`, or undefined when it is not in one. */
export async function repositoryRoot(dir: string): Promise<string | undefined> {
  const r = await runGit(dir, ['rev-parse', '--show-toplevel']);
  return r.code === 0 ? r.stdout.toString('utf8').trim() : undefined;
}

/** The commit checked out in `dir`'s repository, and whether `paths` have uncommitted changes. */
export async function sourceCommit(dir: string, paths: readonly string[] = []): Promise<string | null> {
  const r = await runGit(dir, ['rev-parse', '--verify', '--quiet', 'HEAD']);
  if (r.code !== 0) return null;
  const head = r.stdout.toString('utf8').trim();
  const st = await runGit(dir, ['status', '--porcelain', '--untracked-files=normal', '--', ...paths]);
  return st.code === 0 && st.stdout.length > 0 ? `${head}+changes` : head;
}

/** Fetch the ref's tip: its commit and files, or null when the remote has no such ref. */
export async function fetchTip(loc: RefLocation, opts: { read?: readonly string[] } = {}): Promise<RefTip | null> {
  const local = localCopyRef(loc);
  const r = await runGit(loc.repoDir, [
    'fetch',
    '--quiet',
    '--no-tags',
    '--no-write-fetch-head',
    '--no-recurse-submodules',
    loc.remote,
    `+${loc.ref}:${local}`,
  ]);
  if (r.code !== 0) {
    if (/couldn't find remote ref/i.test(r.stderr)) {
      // Forget an older copy so nothing ever reads it as the current state.
      await runGit(loc.repoDir, ['update-ref', '-d', local]);
      return null;
    }
    throw new GitStateError(
      `Cannot fetch the state ref ${loc.ref} from ${loc.remote}: ${lastLines(r.stderr)}`,
      HINT_ACCESS,
    );
  }
  const [commit, tree, ...files] = await catFiles(loc.repoDir, [
    `${local}^{commit}`,
    `${local}^{tree}`,
    ...(opts.read ?? []).map((name) => `${local}:${name}`),
  ]);
  if (!commit || !tree) throw new GitStateError(`The fetched state ref ${loc.ref} is not a commit.`);
  const contents = new Map<string, string>();
  for (const [i, name] of (opts.read ?? []).entries()) {
    const f = files[i];
    if (f?.type === 'blob') contents.set(name, f.content.toString('utf8'));
  }
  return { oid: commit.oid, entries: parseTree(tree.content, commit.oid.length / 2), contents };
}

interface CatObject {
  oid: string;
  type: string;
  content: Buffer;
}

/** Several small objects in one `git cat-file --batch` (null for each one that is missing). */
export async function catFiles(repoDir: string, specs: readonly string[]): Promise<(CatObject | null)[]> {
  const r = await runGit(repoDir, ['cat-file', '--batch'], { input: specs.map((s) => `${s}\n`).join('') });
  if (r.code !== 0) throw new GitStateError(`git cat-file failed: ${lastLines(r.stderr)}`);
  const buf = r.stdout;
  const out: (CatObject | null)[] = [];
  let at = 0;
  for (let i = 0; i < specs.length; i++) {
    const nl = buf.indexOf(10, at);
    if (nl < 0) throw new GitStateError('git cat-file gave a short answer');
    const header = buf.subarray(at, nl).toString('utf8');
    at = nl + 1;
    const m = /^([0-9a-f]{40,64}) (\w+) (\d+)$/.exec(header);
    if (!m) {
      out.push(null);
      continue;
    }
    const size = Number(m[3]);
    out.push({ oid: m[1] as string, type: m[2] as string, content: buf.subarray(at, at + size) });
    at += size + 1;
  }
  return out;
}

/** The blob entries of a raw tree object: name → blob id. */
function parseTree(raw: Buffer, oidBytes: number): Map<string, string> {
  const entries = new Map<string, string>();
  let at = 0;
  while (at < raw.length) {
    const sp = raw.indexOf(32, at);
    const nul = raw.indexOf(0, sp);
    if (sp < 0 || nul < 0) break;
    const mode = raw.subarray(at, sp).toString('latin1');
    const name = raw.subarray(sp + 1, nul).toString('utf8');
    const oid = raw.subarray(nul + 1, nul + 1 + oidBytes).toString('hex');
    if (mode === '100644' || mode === '100755') entries.set(name, oid);
    at = nul + 1 + oidBytes;
  }
  return entries;
}

/** The remote ref's current commit, asked of the remote (null when absent). */
export async function remoteOid(loc: RefLocation): Promise<string | null> {
  const r = await runGit(loc.repoDir, ['ls-remote', '--refs', loc.remote, loc.ref]);
  if (r.code !== 0)
    throw new GitStateError(
      `Cannot read the state ref ${loc.ref} on ${loc.remote}: ${lastLines(r.stderr)}`,
      HINT_ACCESS,
    );
  for (const line of r.stdout.toString('utf8').split('\n')) {
    const [oid, name] = line.split('\t');
    if (name === loc.ref && oid) return oid;
  }
  return null;
}

export async function readBlob(repoDir: string, blob: string): Promise<string> {
  return git(repoDir, ['cat-file', 'blob', blob], { timeoutMs: 300_000 });
}

export async function writeBlob(repoDir: string, content: string): Promise<string> {
  return (await writeBlobs(repoDir, [content]))[0] as string;
}

/** Store several texts as blobs with one git process; their ids, in order. */
export async function writeBlobs(repoDir: string, contents: readonly string[]): Promise<string[]> {
  if (contents.length === 1)
    return [(await git(repoDir, ['hash-object', '-w', '--stdin'], { input: contents[0], timeoutMs: 300_000 })).trim()];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-sync-blobs-'));
  try {
    const paths = contents.map((c, i) => {
      const p = path.join(dir, String(i));
      fs.writeFileSync(p, c);
      return p;
    });
    const out = await git(repoDir, ['hash-object', '-w', '--no-filters', '--stdin-paths'], {
      input: paths.map((p) => `${p}\n`).join(''),
      timeoutMs: 300_000,
    });
    return out.trim().split('\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Write a commit of these files (name → blob id) on top of `parent`, touching no branch. */
export async function writeCommit(
  repoDir: string,
  files: ReadonlyMap<string, string>,
  parent: string | null,
  message: string,
  date: Date = new Date(),
): Promise<string> {
  const listing = [...files].map(([name, blob]) => `100644 blob ${blob}\t${name}\n`).join('');
  const tree = (await git(repoDir, ['mktree'], { input: listing })).trim();
  const when = `${Math.floor(date.getTime() / 1000)} +0000`;
  const args = ['commit-tree', tree, '--no-gpg-sign', '-F', '-'];
  if (parent) args.push('-p', parent);
  const oid = await git(repoDir, args, {
    input: message.endsWith('\n') ? message : `${message}\n`,
    env: {
      GIT_AUTHOR_NAME: COMMIT_IDENTITY.name,
      GIT_AUTHOR_EMAIL: COMMIT_IDENTITY.email,
      GIT_AUTHOR_DATE: when,
      GIT_COMMITTER_NAME: COMMIT_IDENTITY.name,
      GIT_COMMITTER_EMAIL: COMMIT_IDENTITY.email,
      GIT_COMMITTER_DATE: when,
    },
  });
  return oid.trim();
}

export type PushOutcome = { ok: true } | { ok: false; now: string | null };

/**
 * The remote could not lock the ref because another push was updating it at that moment (git
 * waits only 100 ms for a ref's lock, `core.filesRefLockTimeout`; a hosting service says much the
 * same). Not an answer yet: the other push may have won (the next read shows it) or failed (the
 * ref is free again). Only git's own words about this ref count: a hook that refuses the push is
 * never tried again, whatever it prints.
 */
function lockContention(ref: string, stdout: string, stderr: string): boolean {
  const status = refusal(stdout) ?? '';
  if (/hook declined/i.test(status)) return false;
  if (/\(failed to lock\)/.test(status)) return true;
  const said = `cannot lock ref '${ref}': `;
  return `${status}\n${stderr}`.split('\n').some((l) => {
    const at = l.indexOf(said);
    return (
      at >= 0 &&
      /^(?:unable to create '[^']*\.lock': file exists|is at [0-9a-f]+ but expected)/i.test(l.slice(at + said.length))
    );
  });
}

/** Waits before pushing again after lock contention: 0.1 + 0.2 + 0.4 + 0.8 + 1.6 s at most. */
const CONTENTION_WAITS_MS = [100, 200, 400, 800, 1_600];

/**
 * Push `oid` to the ref if, and only if, the remote ref is still at `expected` (null: absent).
 * `{ ok: false, now }` when another writer got there first (the compare-and-swap failed); any
 * other failure (network, permissions, a hook that refuses) throws `GitStateError`. An outcome
 * git cannot tell (the connection dropped after the update) is settled by asking the remote. A
 * push that met another one updating the ref at the same moment is tried again a few times.
 */
export async function pushWithLease(loc: RefLocation, oid: string, expected: string | null): Promise<PushOutcome> {
  for (let attempt = 0; ; attempt++) {
    const r = await runGit(loc.repoDir, [
      'push',
      '--porcelain',
      '--no-verify',
      '--no-recurse-submodules',
      `--force-with-lease=${loc.ref}:${expected ?? ''}`,
      loc.remote,
      `${oid}:${loc.ref}`,
    ]);
    if (r.code === 0) return { ok: true };
    const stdout = r.stdout.toString('utf8');
    const refused = () =>
      new GitStateError(
        `Cannot push the state ref ${loc.ref} to ${loc.remote}: ${pushReason(stdout, r.stderr)}`,
        HINT_ACCESS,
      );
    let now: string | null;
    try {
      now = await remoteOid(loc);
    } catch {
      throw refused();
    }
    if (now === oid) return { ok: true };
    if (now !== expected) return { ok: false, now };
    const wait = CONTENTION_WAITS_MS[attempt];
    if (wait === undefined || !lockContention(loc.ref, stdout, r.stderr)) throw refused();
    await sleep(wait);
  }
}

/** The status of the refused ref in `git push --porcelain` output (`[remote rejected] (…)`). */
function refusal(stdout: string): string | undefined {
  return stdout
    .split('\n')
    .find((l) => l.startsWith('!\t'))
    ?.split('\t')[2];
}

/**
 * The reason git gives for a refused push: the porcelain status line, and what the remote said
 * (its first error line and its last line; a hosting service puts what to do last); else the last
 * lines of what git printed.
 */
function pushReason(stdout: string, stderr: string): string {
  const status = refusal(stdout);
  const said = stderr
    .split('\n')
    .filter((l) => /^remote:/.test(l.trim()))
    .map((l) => l.trim().replace(/^remote:\s*/, ''))
    .filter((l) => l !== '');
  const error = said.find((l) => /^error:/i.test(l))?.replace(/^error:\s*/i, '');
  const remote = [...new Set(error === undefined ? said.slice(-2) : [error, said.at(-1)!])].join(' ');
  return [status, remote].filter(Boolean).join(': ') || lastLines(stderr);
}

/** Keep a commit under a local ref, so that a person (or the next run) finds it. */
export async function keepLocally(repoDir: string, name: string, oid: string): Promise<void> {
  await git(repoDir, ['update-ref', '-m', 'kb-sync: keep an unpushed state', name, oid]);
}

/** The commit a local ref points to, or null. */
export async function localOid(repoDir: string, name: string): Promise<string | null> {
  const r = await runGit(repoDir, ['rev-parse', '--verify', '--quiet', `${name}^{commit}`]);
  return r.code === 0 ? r.stdout.toString('utf8').trim() : null;
}

export async function deleteLocalRef(repoDir: string, name: string): Promise<void> {
  await runGit(repoDir, ['update-ref', '-d', name]);
}

/** The parent of a commit, or null. */
export async function parentOf(repoDir: string, oid: string): Promise<string | null> {
  const r = await runGit(repoDir, ['rev-parse', '--verify', '--quiet', `${oid}^1`]);
  return r.code === 0 ? r.stdout.toString('utf8').trim() : null;
}
