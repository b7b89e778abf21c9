import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EmulatorHandle } from '../../src/emulator/server.js';
import { runCli } from '../helpers/cli.js';
import { emulator } from '../helpers/emulator.js';
import { tempDir } from '../helpers/fs.js';
import { git, hasGit, isolatedGitEnv } from '../helpers/git.js';
import { botData, copies } from '../helpers/git-project.js';
import { runDoc } from '../helpers/json.js';
import { project, type Project } from '../helpers/project.js';
import { smallCorpus } from '../helpers/corpus.js';

/**
 * Adversarial scenarios for git-aware change detection (the digest path and git's index
 * snapshot, src/sync/stages/select-git.ts): after each sequence of real git actions, what the bot
 * holds (less what the state lists as stale) must be exactly what a fresh sync of the same folder
 * without git pushes into an empty bot: every current item once, nothing missed.
 */

type Env = Record<string, string | undefined>;

interface Repo {
  p: Project;
  genv: NodeJS.ProcessEnv;
  emu: EmulatorHandle;
}

async function repo(files = smallCorpus({ articles: 4, questions: 2, urls: 2, docs: 1 })): Promise<Repo> {
  const emu = await emulator();
  const p = project(files, { emu });
  const genv = isolatedGitEnv();
  fs.writeFileSync(path.join(p.dir, '.gitignore'), '.kb-sync/\n');
  git(p.dir, genv, 'init', '-q', '-b', 'main');
  git(p.dir, genv, 'add', '-A');
  git(p.dir, genv, 'commit', '-q', '-m', 'knowledge');
  return { p, genv, emu };
}

function gitVars(genv: NodeJS.ProcessEnv): Env {
  const out: Env = {};
  for (const k of ['HOME', 'XDG_CONFIG_HOME', 'GIT_CONFIG_NOSYSTEM', 'GIT_ATTR_NOSYSTEM', 'GIT_CONFIG_GLOBAL'])
    out[k] = genv[k];
  return out;
}

/** `kb-sync sync --json --verbose` in the project (or `dir`); its document and what it logged. */
async function sync(r: Repo, env: Env = {}, dir = r.p.dir) {
  const res = await runCli(['sync', '--json', '--verbose'], {
    cwd: dir,
    env: { ...gitVars(r.genv), ...r.p.env, ...env },
  });
  expect(res.stderr).not.toContain('internal error');
  expect([0, 1]).toContain(res.code);
  return { doc: runDoc(res.stdout), stderr: res.stderr };
}

const ON_GITS_WORD = /the state agrees with its index|its index is as when the state last agreed with it/;

/** Two syncs: the first agrees with git, the second records (or uses) git's index snapshot. */
async function settle(r: Repo, dir = r.p.dir, onGitsWord = true): Promise<void> {
  await sync(r, {}, dir);
  const second = await sync(r, {}, dir);
  if (onGitsWord) expect(second.stderr).toMatch(ON_GITS_WORD);
  expect(second.doc.counts).toMatchObject({ create: 0, update: 0 });
}

/**
 * What the bot holds, less the items the state lists as stale, equals what a sync of the same
 * folder without git pushes into an empty bot of a fresh emulator.
 */
async function expectMirror(r: Repo, dir = r.p.dir): Promise<void> {
  const st = await runCli(['status', '--json'], { cwd: dir, env: { ...gitVars(r.genv), ...r.p.env } });
  const stale = new Set(
    (JSON.parse(st.stdout) as { stale: { remoteId: string | null }[] }).stale.map((s) => s.remoteId),
  );
  const live = (await botData(r.emu)).filter((d) => !stale.has(d.id));

  const fresh = await emulator();
  const odir = tempDir('kb-sync-oracle-');
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'sync.config.json'), 'utf8')) as Record<string, unknown>;
  const knowledgeDir = path.resolve(dir, (cfg.knowledgeDir as string | undefined) ?? 'knowledge');
  fs.writeFileSync(
    path.join(odir, 'sync.config.json'),
    JSON.stringify({ ...cfg, knowledgeDir, stateFile: path.join(odir, 'state.db'), git: false }),
  );
  const o = await runCli(['sync', '--json'], {
    cwd: odir,
    env: { CXGENIE_API_URL: fresh.url, CXGENIE_WORKSPACE_TOKEN: fresh.token, CXGENIE_BOT_ID: fresh.botId },
  });
  expect([0, 1]).toContain(o.code);
  expect(await identities(live)).toEqual(await identities(await botData(fresh)));
}

/** Each item's identity → copies; a document by its name and the bytes uploaded (not its URL). */
async function identities(data: { type: string; title: string | null; content: string }[]) {
  const out = [];
  for (const d of data) {
    if (d.type !== 'DOCUMENT') out.push(d);
    else out.push({ ...d, content: await (await fetch(d.content)).text() });
  }
  return copies(out);
}

function spawnSyncGit(r: Repo, args: string[]): number | null {
  return spawnSync('git', args, { cwd: r.p.dir, env: r.genv }).status;
}

const article = (title: string, body: string) => `---\ntitle: ${title}\n---\n\n${body}\n`;

/** A knowledge file's path, an edit of it that keeps its size (`tag` tells versions apart), and git. */
function hands(r: Repo) {
  const k = (rel: string) => path.join(r.p.knowledge, rel);
  const put = (rel: string, tag: string) =>
    fs.writeFileSync(k(rel), article(`T ${rel}`, `Body (${tag.padEnd(8, '.')}).`));
  const g = (...args: string[]) => git(r.p.dir, r.genv, ...args);
  return { k, put, g };
}

/** A repository holding one article, added and committed as the submodule knowledge/vendor. */
function addVendorSubmodule(r: Repo): void {
  const inner = tempDir('kb-sync-inner-');
  git(inner, r.genv, 'init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(inner, 'vendor.md'), article('Vendor', 'From a submodule.'));
  git(inner, r.genv, 'add', '-A');
  git(inner, r.genv, 'commit', '-q', '-m', 'inner');
  git(r.p.dir, r.genv, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', inner, 'knowledge/vendor');
  git(r.p.dir, r.genv, 'commit', '-q', '-m', 'submodule');
}

describe.skipIf(!hasGit)('git snapshot, adversarial: the bot mirrors the files after real git actions', () => {
  it('a submodule with knowledge files added after the state agreed with git is synced', async () => {
    const r = await repo();
    await settle(r);
    addVendorSubmodule(r);
    const s = await sync(r);
    expect(s.doc.counts).toMatchObject({ create: 1 });
    await expectMirror(r);
  });

  it('a submodule checked out after the state agreed with git (an index that did not change) is synced', async () => {
    const r = await repo();
    addVendorSubmodule(r);
    // A clone without --recurse-submodules: the submodule's folder is empty.
    const clone = path.join(tempDir('kb-sync-clone-'), 'repo');
    git(path.dirname(clone), r.genv, 'clone', '-q', r.p.dir, clone);
    const c: Repo = {
      ...r,
      p: {
        ...r.p,
        dir: clone,
        knowledge: path.join(clone, 'knowledge'),
        stateFile: path.join(clone, '.kb-sync/state.db'),
      },
    };
    // Before the fix, this folder was taken on git's word (the submodule's folder was empty).
    await settle(c, clone, false);
    git(clone, r.genv, '-c', 'protocol.file.allow=always', 'submodule', 'update', '-q', '--init');
    expect(fs.existsSync(path.join(clone, 'knowledge/vendor/vendor.md'))).toBe(true);
    const s = await sync(c, {}, clone);
    expect(s.doc.counts).toMatchObject({ create: 1 });
    await expectMirror(c, clone);
  });

  it('with core.trustctime=false, an edit that keeps the size and the mtime (touch -r) is still synced', async () => {
    const r = await repo();
    git(r.p.dir, r.genv, 'config', 'core.trustctime', 'false');
    await settle(r);
    const f = path.join(r.p.knowledge, 'guides/topic-1.md');
    const before = fs.statSync(f);
    const text = fs.readFileSync(f, 'utf8');
    fs.writeFileSync(f, text.replace('topic 1 (v1)', 'topic 1 (v9)'));
    fs.utimesSync(f, before.atime, before.mtime);
    // git's own status is fooled (it does not compare ctimes); kb-sync without git is not.
    expect(git(r.p.dir, r.genv, 'status', '--porcelain', '--', 'knowledge')).toBe('');
    expect((await sync(r)).doc.counts).toMatchObject({ update: 1 });
    await expectMirror(r);
  });

  it('a file in conflict that the state does not know yet (added on both branches) is synced as without git', async () => {
    const r = await repo();
    git(r.p.dir, r.genv, 'checkout', '-q', '-b', 'other');
    fs.writeFileSync(path.join(r.p.knowledge, 'guides/new.md'), article('New', 'Theirs.'));
    git(r.p.dir, r.genv, 'add', '-A');
    git(r.p.dir, r.genv, 'commit', '-q', '-m', 'theirs');
    git(r.p.dir, r.genv, 'checkout', '-q', 'main');
    await settle(r);
    fs.writeFileSync(path.join(r.p.knowledge, 'guides/new.md'), article('New', 'Ours.'));
    git(r.p.dir, r.genv, 'add', '-A');
    git(r.p.dir, r.genv, 'commit', '-q', '-m', 'ours');
    expect(spawnSyncGit(r, ['merge', '-q', 'other'])).not.toBe(0);
    // Without git, the walk finds guides/new.md (conflict markers and all) and pushes it.
    await sync(r);
    await expectMirror(r);
  });

  it('a run killed after its pushes, before it recorded the files: an edit then discarded (git checkout) is pushed back', async () => {
    const r = await repo();
    await settle(r);
    const x = path.join(r.p.knowledge, 'guides/topic-0.md');
    const committed = fs.readFileSync(x, 'utf8');
    fs.writeFileSync(x, article('Topic 0', 'An edit that is pushed, then discarded.'));
    // The process dies (SIGKILL: an OOM kill, a CI timeout) after its pushes, as it starts
    // recording what it read (the second write of the files: the first is before any push).
    const crash = path.join(tempDir('kb-sync-crash-'), 'crash.cjs');
    fs.writeFileSync(
      crash,
      `const Database = require(${JSON.stringify(createRequire(import.meta.url).resolve('better-sqlite3'))});
const prepare = Database.prototype.prepare;
let writes = 0;
Database.prototype.prepare = function (sql) {
  if (sql.startsWith('INSERT INTO files (') && ++writes === 2) process.kill(process.pid, 'SIGKILL');
  return prepare.call(this, sql);
};
`,
    );
    const killed = await runCli(['sync', '--json'], {
      cwd: r.p.dir,
      env: { ...gitVars(r.genv), ...r.p.env, NODE_OPTIONS: `--require ${crash}` },
    });
    expect(killed.signal).toBe('SIGKILL');
    expect((await botData(r.emu)).some((d) => d.content.includes('pushed, then discarded'))).toBe(true);
    // The edit is discarded; another file's change is committed (git's index changes).
    git(r.p.dir, r.genv, 'checkout', '--', 'knowledge/guides/topic-0.md');
    expect(fs.readFileSync(x, 'utf8')).toBe(committed);
    fs.appendFileSync(path.join(r.p.knowledge, 'guides/topic-1.md'), '\nCommitted meanwhile.\n');
    git(r.p.dir, r.genv, 'commit', '-qam', 'meanwhile');
    await sync(r);
    await expectMirror(r);
  });

  it('the snapshot and digest paths after staging, stashing, resetting, switching branches, assume-unchanged and racy edits', async () => {
    const r = await repo();
    const { k, put, g } = hands(r);
    const step = async (act: () => void) => {
      act();
      await sync(r);
      await expectMirror(r);
    };
    await settle(r);
    await step(() => {
      put('guides/topic-0.md', 'staged');
      g('add', '-A');
    });
    await step(() => {
      put('guides/topic-1.md', 'stash me');
      g('stash', '-q');
    });
    await step(() => g('stash', 'pop', '-q'));
    await step(() => g('reset', '-q', '--hard'));
    await step(() => {
      g('checkout', '-q', '-b', 'other');
      put('guides/topic-2.md', 'other');
      fs.rmSync(k('guides/topic-3.md'));
      g('add', '-A');
      g('commit', '-q', '-m', 'other');
      g('checkout', '-q', 'main');
    });
    await step(() => g('checkout', '-q', 'other'));
    await step(() => {
      g('update-index', '--assume-unchanged', 'knowledge/guides/topic-2.md');
      put('guides/topic-2.md', 'unseen');
    });
    // Racy: an edit of the same size right after git wrote its index.
    await step(() => {
      g('update-index', '--no-assume-unchanged', 'knowledge/guides/topic-2.md');
      g('commit', '-q', '-am', 'racy');
      put('guides/topic-2.md', 'racy');
    });
  });

  it('the index known by its checksum: not listed again, and never trusted past a change to it', async () => {
    const r = await repo();
    const { put, g } = hands(r);
    const index = path.join(r.p.dir, '.git', 'index');
    const BY_CHECKSUM = /by its checksum: not listed again/;
    await settle(r);
    // The third run knows the index the second one recorded: git is not asked for its listing.
    const third = await sync(r);
    expect(third.stderr).toMatch(BY_CHECKSUM);
    expect(third.doc.counts).toMatchObject({ create: 0, update: 0 });
    const step = async (act: () => void) => {
      act();
      const run = await sync(r);
      await expectMirror(r);
      return run;
    };
    // An edit staged: the index changed, so it is listed (and the edit pushed).
    const before = fs.readFileSync(index);
    expect((await step(() => (put('guides/topic-0.md', 'staged'), g('add', '-A')))).stderr).not.toMatch(BY_CHECKSUM);
    // The old index put back byte for byte (a backup restored): git status compares the files with
    // it, so the staged edit shows as changed, and the state (which has it) stays right.
    await step(() => fs.writeFileSync(index, before));
    expect((await sync(r)).stderr).toMatch(BY_CHECKSUM);
    // A file git stops tracking (still there): untracked now, so the full scan keeps it.
    await step(() => g('rm', '-q', '--cached', 'knowledge/guides/topic-1.md'));
    // An index written without a checksum: never known by one, and still exact.
    await step(() => (g('config', 'index.skipHash', 'true'), g('add', '-A'), g('commit', '-q', '-m', 'skip')));
    await step(() => (put('guides/topic-2.md', 'skiphash'), g('add', '-A')));
    const noHash = await sync(r);
    expect(noHash.stderr).toMatch(ON_GITS_WORD);
    // git before 2.40 does not know index.skipHash, and still writes a checksum.
    if (
      fs
        .readFileSync(index)
        .subarray(-20)
        .every((b) => b === 0)
    )
      expect(noHash.stderr).not.toMatch(BY_CHECKSUM);
  });

  it("a knowledge folder that is a link into another repository: its index is that repository's, not the link's parent's", async () => {
    const r = await repo();
    const { put } = hands(r);
    // The folder's files live in repository B; the project (repository A) links to them.
    const other = tempDir('kb-sync-other-');
    fs.renameSync(r.p.knowledge, path.join(other, 'docs'));
    fs.symlinkSync(path.join(other, 'docs'), r.p.knowledge);
    git(r.p.dir, r.genv, 'add', '-A');
    git(r.p.dir, r.genv, 'commit', '-q', '-m', 'knowledge from elsewhere');
    git(other, r.genv, 'init', '-q', '-b', 'main');
    git(other, r.genv, 'add', '-A');
    git(other, r.genv, 'commit', '-q', '-m', 'docs');
    await settle(r);
    await sync(r);
    // An edit staged in B: B's index changes, A's does not.
    put('guides/topic-0.md', 'in B');
    git(other, r.genv, 'add', '-A');
    expect((await sync(r)).doc.counts).toMatchObject({ update: 1 });
    await expectMirror(r);
  });

  it('the index changed by another git command between git status and the listing: no blob id is taken from it', async () => {
    const r = await repo();
    const { k, put, g } = hands(r);
    put('guides/topic-0.md', 'v0');
    g('commit', '-qam', 'v0');
    put('guides/topic-0.md', 'v1');
    // Old enough that its stat signature is trusted (outside the racy window).
    fs.utimesSync(k('guides/topic-0.md'), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    g('commit', '-qam', 'v1');
    await settle(r);
    // An untracked draft: the index is known by its checksum, but the snapshot does not hold, so
    // git's listing is asked for after its status. A git on the PATH stands for someone's own
    // `git reset` run just then: the index goes back to v0 for the file; the file stays v1.
    fs.writeFileSync(k('draft.md'), article('Draft', 'Not added.'));
    const realGit = spawnSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).stdout.trim();
    const bin = tempDir('kb-sync-bin-');
    const done = path.join(bin, 'done');
    fs.writeFileSync(
      path.join(bin, 'git'),
      `#!/bin/sh
case " $* " in *" ls-files "*) [ -e '${done}' ] || { : >'${done}'; '${realGit}' -C '${r.p.dir}' reset -q HEAD~1 -- knowledge/guides/topic-0.md; };; esac
exec '${realGit}' "$@"
`,
      { mode: 0o755 },
    );
    await sync(r, { PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` });
    expect(fs.existsSync(done)).toBe(true);
    await expectMirror(r);
    // The file put back as the index has it (v0): it changed, and must be pushed.
    g('checkout', '--', 'knowledge/guides/topic-0.md');
    await sync(r);
    await expectMirror(r);
  });

  it('a fresh clone with the state of a machine that synced staged and unstaged edits pushes what was committed', async () => {
    const r = await repo();
    await settle(r);
    fs.writeFileSync(path.join(r.p.knowledge, 'guides/topic-0.md'), article('Local', 'An unstaged local edit.'));
    fs.writeFileSync(path.join(r.p.knowledge, 'guides/topic-1.md'), article('Staged', 'A staged local edit.'));
    git(r.p.dir, r.genv, 'add', 'knowledge/guides/topic-1.md');
    await settle(r);
    const clone = path.join(tempDir('kb-sync-clone-'), 'repo');
    git(path.dirname(clone), r.genv, 'clone', '-q', r.p.dir, clone);
    fs.mkdirSync(path.join(clone, '.kb-sync'));
    fs.copyFileSync(r.p.stateFile, path.join(clone, '.kb-sync/state.db'));
    const c: Repo = { ...r, p: { ...r.p, dir: clone, knowledge: path.join(clone, 'knowledge') } };
    expect((await sync(c, {}, clone)).doc.counts).toMatchObject({ update: 2 });
    await expectMirror(c, clone);
  });
});
