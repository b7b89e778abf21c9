import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EmulatorHandle } from '../../src/emulator/server.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { emulator } from '../helpers/emulator.js';
import { age, tempDir } from '../helpers/fs.js';
import { git, hasGit, isolatedGitEnv } from '../helpers/git.js';
import { runDoc } from '../helpers/json.js';
import { project, type Project } from '../helpers/project.js';
import { smallCorpus } from '../helpers/corpus.js';

/**
 * Git-aware change detection, end to end: the CLI against the emulator, in real repositories.
 * The project folder is the repository (knowledge/ is a subfolder of it, and the state file
 * sits in the work tree, untracked), as in a team's repository.
 */

type Env = Record<string, string | undefined>;

/** A project whose folder is a git repository with everything committed (the state file ignored). */
function repoProject(emu: EmulatorHandle, files = smallCorpus()): { p: Project; genv: NodeJS.ProcessEnv } {
  const p = project(files, { emu });
  const genv = isolatedGitEnv();
  git(p.dir, genv, 'init', '-q', '-b', 'main');
  git(p.dir, genv, 'add', '-A');
  git(p.dir, genv, 'commit', '-q', '-m', 'knowledge');
  return { p, genv };
}

/** `kb-sync sync --json --verbose` in `dir`, with git's environment isolated like the repositories'. */
async function sync(dir: string, env: Env, genv: NodeJS.ProcessEnv): Promise<CliResult & { read: number }> {
  const r = await runCli(['sync', '--json', '--verbose'], { cwd: dir, env: { ...gitVars(genv), ...env } });
  expect(r.stderr).not.toContain('internal error');
  expect([0, 1]).toContain(r.code);
  return { ...r, read: runDoc(r.stdout).files.read };
}

function gitVars(genv: NodeJS.ProcessEnv): Env {
  const out: Env = {};
  for (const k of ['HOME', 'XDG_CONFIG_HOME', 'GIT_CONFIG_NOSYSTEM', 'GIT_ATTR_NOSYSTEM', 'GIT_CONFIG_GLOBAL'])
    out[k] = genv[k];
  return out;
}

/** Clone the project's repository fresh and restore its state file into the clone, as the Action does. */
function cloneWithState(p: Project, genv: NodeJS.ProcessEnv, args: string[] = []): string {
  const clone = path.join(tempDir('kb-sync-clone-'), 'repo');
  git(path.dirname(clone), genv, 'clone', '-q', ...args, p.dir, clone);
  fs.mkdirSync(path.join(clone, '.kb-sync'), { recursive: true });
  fs.copyFileSync(p.stateFile, path.join(clone, '.kb-sync', 'state.db'));
  return clone;
}

describe.skipIf(!hasGit)('git-aware change detection (CLI, real repositories)', () => {
  it('a fresh clone with the state restored reads no file and sends nothing; a change in it is read alone', async () => {
    const emu = await emulator();
    const { p, genv } = repoProject(emu);
    const first = await sync(p.dir, p.env, genv);
    expect(runDoc(first.stdout).counts.create).toBeGreaterThan(0);
    // The state file lives in the work tree, untracked: git status lists it, nothing else changes.
    expect(git(p.dir, genv, 'status', '--porcelain')).toContain('.kb-sync/');

    const clone = cloneWithState(p, genv);
    const requests = emu.stats().requests;
    const ci = await sync(clone, p.env, genv);
    expect(ci.read).toBe(0);
    expect(runDoc(ci.stdout).counts).toMatchObject({ create: 0, update: 0, stale: 0 });
    expect(emu.stats().requests).toBe(requests);
    expect(ci.stderr).toMatch(
      /git: vouches for \d+ of \d+ tracked file\(s\); the state agrees with its index: \d+ file\(s\) taken on its word, 0 looked at/,
    );

    fs.appendFileSync(path.join(clone, 'knowledge/guides/topic-3.md'), '\nOne more line.\n');
    const one = await sync(clone, p.env, genv);
    expect(one.read).toBe(1);
    expect(runDoc(one.stdout).counts).toMatchObject({ update: 1, create: 0 });
    // Committed, git vouches for the bytes that were read (even within the stat path's racy window).
    git(clone, genv, 'commit', '-qam', 'edit');
    expect((await sync(clone, p.env, genv)).read).toBe(0);
  });

  it("the whole folder on git's word gives way to the full scan for untracked, ignored or committed changes", async () => {
    const emu = await emulator();
    const { p, genv } = repoProject(emu);
    fs.writeFileSync(path.join(p.dir, '.gitignore'), 'knowledge/generated/\n');
    git(p.dir, genv, 'add', '.gitignore');
    git(p.dir, genv, 'commit', '-qm', 'ignore');
    await sync(p.dir, p.env, genv);
    // On git's word: file by file (the digest), or by the snapshot of git's index taken after that.
    const agreesWith = /the state agrees with its index|its index is as when the state last agreed with it/;
    expect((await sync(p.dir, p.env, genv)).stderr).toMatch(agreesWith);

    // An ignored folder with a knowledge file: the full scan finds and pushes it.
    fs.mkdirSync(path.join(p.knowledge, 'generated'));
    fs.writeFileSync(path.join(p.knowledge, 'generated/g.md'), '---\ntitle: Generated\n---\nBuilt, not committed.\n');
    const ignored = await sync(p.dir, p.env, genv);
    expect(ignored.stderr).not.toMatch(agreesWith);
    expect(runDoc(ignored.stdout).counts).toMatchObject({ create: 1 });
    fs.rmSync(path.join(p.knowledge, 'generated'), { recursive: true });
    const gone = await sync(p.dir, p.env, genv);
    expect(runDoc(gone.stdout).counts).toMatchObject({ stale: 1 });

    // A change committed since the last sync (a pull): git vouches for the new blob, the state has
    // the old one; the full scan reads that file.
    fs.appendFileSync(path.join(p.knowledge, 'guides/topic-6.md'), '\nCommitted elsewhere.\n');
    git(p.dir, genv, 'commit', '-qam', 'pulled');
    const pulled = await sync(p.dir, p.env, genv);
    expect(pulled.stderr).not.toMatch(agreesWith);
    expect(pulled.read).toBe(1);
    expect(runDoc(pulled.stdout).counts).toMatchObject({ update: 1 });
    // A committed file with an error: it is read (and its error reported) on every run, alone;
    // the rest is still taken on git's word.
    fs.writeFileSync(path.join(p.knowledge, 'guides/broken.md'), '---\ntitle: [unclosed\n---\nBody.\n');
    git(p.dir, genv, 'add', '-A');
    git(p.dir, genv, 'commit', '-qm', 'broken');
    expect((await sync(p.dir, p.env, genv)).code).toBe(1);
    const again = await sync(p.dir, p.env, genv);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/the state agrees with its index: \d+ file\(s\) taken on its word, 1 looked at/);
    expect(again.read).toBe(1);
    expect(again.stderr).toContain('guides/broken.md');
    fs.rmSync(path.join(p.knowledge, 'guides/broken.md'));
    git(p.dir, genv, 'commit', '-qam', 'fixed');
    await sync(p.dir, p.env, genv);
    // A tracked file deleted: the quick path looks at it alone (with broken.md, which the
    // snapshot taken when it was deleted keeps among the files looked at), and it turns stale.
    expect((await sync(p.dir, p.env, genv)).stderr).toMatch(agreesWith);
    fs.rmSync(path.join(p.knowledge, 'guides/topic-7.md'));
    const deleted = await sync(p.dir, p.env, genv);
    expect(deleted.stderr).toMatch(
      /its index is as when the state last agreed with it(?: \([^)]*\))?: \d+ file\(s\) taken on its word, 2 looked at/,
    );
    expect(runDoc(deleted.stdout).counts).toMatchObject({ stale: 1, create: 0, update: 0 });
  });

  it('a state written without git learns the blob ids from the stat path (no reads), then a clone reads nothing', async () => {
    const emu = await emulator();
    const { p, genv } = repoProject(emu);
    expect((await sync(p.dir, { ...p.env, KB_SYNC_GIT: '0' }, genv)).stderr).toContain(
      'git: not used (turned off by KB_SYNC_GIT=0)',
    );
    // Without blob ids, a clone must read everything.
    const early = await sync(cloneWithState(p, genv), { ...p.env, KB_SYNC_GIT: '0' }, genv);
    expect(early.read).toBeGreaterThan(0);
    const learn = await sync(p.dir, p.env, genv);
    expect(learn.read).toBe(0);
    expect((await sync(cloneWithState(p, genv), p.env, genv)).read).toBe(0);
  });

  it('"git": false in the configuration turns it off too', async () => {
    const emu = await emulator();
    const { p, genv } = repoProject(emu);
    await sync(p.dir, p.env, genv);
    const clone = cloneWithState(p, genv);
    const cfgFile = path.join(clone, 'sync.config.json');
    const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(cfgFile, JSON.stringify({ ...cfg, git: false }));
    const r = await sync(clone, p.env, genv);
    expect(r.stderr).toContain('git: not used (turned off by "git": false in the configuration)');
    expect(r.read).toBeGreaterThan(0);
    expect(runDoc(r.stdout).counts).toMatchObject({ create: 0, update: 0 });
  });

  it("git's index snapshot: a no-op after an agreeing run goes through no listing; changed files are looked at alone; the index, its flags, untracked files and the configuration leave it", async () => {
    const emu = await emulator();
    const { p, genv } = repoProject(emu);
    const onSnapshot = (looked: number) =>
      new RegExp(
        // With or without git's listing (the index known by its checksum: " (the same index file, …)").
        `git: its index is as when the state last agreed with it(?: \\([^)]*\\))?: \\d+ file\\(s\\) taken on its word, ${looked} looked at`,
      );
    const anySnapshot = /git: its index is as when the state last agreed with it/;
    await sync(p.dir, p.env, genv);
    // The first run read every file; the second agrees with git's index file by file, and notes it.
    const agreeing = await sync(p.dir, p.env, genv);
    expect(agreeing.stderr).toMatch(/the state agrees with its index: \d+ file\(s\) taken on its word, 0 looked at/);
    const requests = emu.stats().requests;
    const quiet = await sync(p.dir, p.env, genv);
    expect(quiet.stderr).toMatch(onSnapshot(0));
    expect(quiet.read).toBe(0);
    const { unchanged } = runDoc(agreeing.stdout).counts;
    expect(runDoc(quiet.stdout).counts).toMatchObject({ create: 0, update: 0, stale: 0, unchanged });
    expect(emu.stats().requests).toBe(requests);

    // An edit in the work tree (git status shows it): looked at alone, read and pushed; while it
    // stays uncommitted it is looked at (not read) on every run; committed, the index changed.
    fs.appendFileSync(path.join(p.knowledge, 'guides/topic-1.md'), '\nEdited.\n');
    age(p.knowledge); // Past the stat path's racy window: what is read now is settled.
    const edited = await sync(p.dir, p.env, genv);
    expect(edited.stderr).toMatch(onSnapshot(1));
    expect(edited.read).toBe(1);
    expect(runDoc(edited.stdout).counts).toMatchObject({ update: 1, create: 0, stale: 1 });
    const still = await sync(p.dir, p.env, genv);
    expect(still.stderr).toMatch(onSnapshot(1));
    expect(still.read).toBe(0);
    // Edited again: the file was among those looked at, and is read again.
    fs.appendFileSync(path.join(p.knowledge, 'guides/topic-1.md'), '\nAgain.\n');
    const again = await sync(p.dir, p.env, genv);
    expect(again.stderr).toMatch(onSnapshot(1));
    expect(runDoc(again.stdout).counts).toMatchObject({ update: 1 });
    git(p.dir, genv, 'commit', '-qam', 'edit');
    const committed = await sync(p.dir, p.env, genv);
    expect(committed.stderr).not.toMatch(anySnapshot);
    expect(committed.read).toBe(0);
    expect((await sync(p.dir, p.env, genv)).stderr).toMatch(onSnapshot(0));

    // A flag git status does not show is in git's listing: assume-unchanged, then an edit.
    git(p.dir, genv, 'update-index', '--assume-unchanged', 'knowledge/guides/topic-2.md');
    fs.appendFileSync(path.join(p.knowledge, 'guides/topic-2.md'), '\nHidden from git status.\n');
    const hidden = await sync(p.dir, p.env, genv);
    expect(hidden.stderr).not.toMatch(anySnapshot);
    expect(runDoc(hidden.stdout).counts).toMatchObject({ update: 1 });
    // From then on it is looked at on every run: another edit git status does not show either.
    fs.appendFileSync(path.join(p.knowledge, 'guides/topic-2.md'), '\nStill hidden.\n');
    const hiddenAgain = await sync(p.dir, p.env, genv);
    expect(hiddenAgain.stderr).toMatch(onSnapshot(1));
    expect(runDoc(hiddenAgain.stdout).counts).toMatchObject({ update: 1 });
    git(p.dir, genv, 'update-index', '--no-assume-unchanged', 'knowledge/guides/topic-2.md');
    git(p.dir, genv, 'commit', '-qam', 'edit 2');
    await sync(p.dir, p.env, genv);
    expect((await sync(p.dir, p.env, genv)).stderr).toMatch(onSnapshot(0));

    // A deleted file: git status shows it, it is looked at alone, and its items turn stale.
    fs.rmSync(path.join(p.knowledge, 'guides/topic-3.md'));
    const deleted = await sync(p.dir, p.env, genv);
    expect(deleted.stderr).toMatch(onSnapshot(1));
    expect(runDoc(deleted.stdout).counts).toMatchObject({ stale: 1, create: 0, update: 0 });
    git(p.dir, genv, 'commit', '-qam', 'deleted');
    await sync(p.dir, p.env, genv);

    // A new, untracked knowledge file: the full scan.
    fs.writeFileSync(path.join(p.knowledge, 'guides/new.md'), '---\ntitle: New\n---\nUntracked.\n');
    const added = await sync(p.dir, p.env, genv);
    expect(added.stderr).not.toMatch(anySnapshot);
    expect(runDoc(added.stdout).counts).toMatchObject({ create: 1 });
    git(p.dir, genv, 'add', '-A');
    git(p.dir, genv, 'commit', '-qm', 'new');
    await sync(p.dir, p.env, genv);
    expect((await sync(p.dir, p.env, genv)).stderr).toMatch(onSnapshot(0));

    // The configuration now leaves a file out: the same index, other knowledge files.
    const cfgFile = path.join(p.dir, 'sync.config.json');
    const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(cfgFile, JSON.stringify({ ...cfg, exclude: ['guides/new.md'] }));
    const excluded = await sync(p.dir, p.env, genv);
    expect(excluded.stderr).not.toMatch(anySnapshot);
    expect(runDoc(excluded.stdout).counts).toMatchObject({ stale: 1 });
  });

  it('assume-unchanged is not trusted: an edit git status does not show is read and pushed', async () => {
    const emu = await emulator();
    const { p, genv } = repoProject(emu);
    await sync(p.dir, p.env, genv);
    git(p.dir, genv, 'update-index', '--assume-unchanged', 'knowledge/guides/topic-1.md');
    fs.appendFileSync(path.join(p.knowledge, 'guides/topic-1.md'), '\nHidden from git status.\n');
    expect(git(p.dir, genv, 'status', '--porcelain', '--', 'knowledge')).toBe('');
    const r = await sync(p.dir, p.env, genv);
    expect(r.read).toBe(1);
    expect(runDoc(r.stdout).counts).toMatchObject({ update: 1 });
  });

  it('renames, deletions, staged-then-modified files and untracked files', async () => {
    const emu = await emulator();
    const { p, genv } = repoProject(emu);
    await sync(p.dir, p.env, genv);
    git(p.dir, genv, 'mv', 'knowledge/guides/topic-0.md', 'knowledge/guides/renamed.md');
    git(p.dir, genv, 'rm', '-q', 'knowledge/guides/topic-2.md');
    fs.appendFileSync(path.join(p.knowledge, 'guides/topic-4.md'), '\nStaged.\n');
    git(p.dir, genv, 'add', 'knowledge/guides/topic-4.md');
    fs.appendFileSync(path.join(p.knowledge, 'guides/topic-4.md'), '\nThen edited again.\n');
    fs.writeFileSync(path.join(p.knowledge, 'guides/new.md'), '---\ntitle: New\n---\nA new page, untracked.\n');
    age(p.knowledge); // Past the stat path's racy window: what is read now is settled.
    const r = await sync(p.dir, p.env, genv);
    expect(r.read).toBe(3); // renamed.md, topic-4.md, new.md
    // Stale: topic-2's items, and the version of topic-4 the update replaced.
    expect(runDoc(r.stdout).counts).toMatchObject({ moved: 1, stale: 2, update: 1, create: 1 });
    expect((await sync(p.dir, p.env, genv)).read).toBe(0);
  });

  it('a file git converts on checkout (a smudge filter, as Git LFS does) is read, not trusted by its blob id', async () => {
    const emu = await emulator();
    const files = { ...smallCorpus(), 'docs/big.csv': 'pointer to the real file\n' };
    const { p, genv } = repoProject(emu, files);
    fs.writeFileSync(path.join(p.dir, '.gitattributes'), '*.csv filter=fake\n');
    git(p.dir, genv, 'add', '.gitattributes');
    git(p.dir, genv, 'commit', '-q', '-m', 'attributes');
    await sync(p.dir, p.env, genv);
    const clone = path.join(tempDir('kb-sync-clone-'), 'repo');
    git(path.dirname(clone), genv, 'clone', '-q', '--no-checkout', p.dir, clone);
    git(clone, genv, 'config', 'filter.fake.smudge', 'sed s/pointer/contents/');
    git(clone, genv, 'config', 'filter.fake.clean', 'sed s/contents/pointer/');
    git(clone, genv, 'checkout', '-q', 'main');
    expect(fs.readFileSync(path.join(clone, 'knowledge/docs/big.csv'), 'utf8')).toContain('contents');
    fs.mkdirSync(path.join(clone, '.kb-sync'));
    fs.copyFileSync(p.stateFile, path.join(clone, '.kb-sync/state.db'));
    // The three .csv files are under the filter: all are read (only the one it changes is pushed).
    const r = await sync(clone, p.env, genv);
    expect(r.read).toBe(3);
    expect(runDoc(r.stdout).counts).toMatchObject({ update: 1, create: 0 });
    expect(r.stderr).toMatch(/not: 3 with bytes git converts/);
  });

  it('files inside a submodule are not vouched for: a clone reads them (and only them)', async () => {
    const emu = await emulator();
    const genv = isolatedGitEnv();
    const inner = tempDir('kb-sync-inner-');
    git(inner, genv, 'init', '-q', '-b', 'main');
    fs.writeFileSync(path.join(inner, 'vendor.md'), '---\ntitle: Vendor\n---\nFrom a submodule.\n');
    git(inner, genv, 'add', '-A');
    git(inner, genv, 'commit', '-q', '-m', 'inner');
    const { p } = repoProject(emu);
    git(p.dir, genv, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', inner, 'knowledge/vendor');
    git(p.dir, genv, 'commit', '-q', '-m', 'submodule');
    await sync(p.dir, p.env, genv);
    const clone = path.join(tempDir('kb-sync-clone-'), 'repo');
    git(
      path.dirname(clone),
      genv,
      '-c',
      'protocol.file.allow=always',
      'clone',
      '-q',
      '--recurse-submodules',
      p.dir,
      clone,
    );
    fs.mkdirSync(path.join(clone, '.kb-sync'));
    fs.copyFileSync(p.stateFile, path.join(clone, '.kb-sync/state.db'));
    const r = await sync(clone, p.env, genv);
    expect(r.read).toBe(1);
    expect(runDoc(r.stdout).counts).toMatchObject({ create: 0, update: 0 });
  });

  it('without git on the PATH, or in a repository git refuses (safe.directory), it works as without git', async () => {
    const emu = await emulator();
    const { p, genv } = repoProject(emu);
    const noGit = await sync(p.dir, { ...p.env, PATH: path.join(p.dir, 'no-bin') }, genv);
    expect(noGit.stderr).toContain('git: not used (git is not on the PATH)');
    expect(runDoc(noGit.stdout).counts.create).toBeGreaterThan(0);
    fs.appendFileSync(path.join(p.knowledge, 'guides/topic-5.md'), '\nEdited.\n');
    const refused = await sync(p.dir, { ...p.env, GIT_TEST_ASSUME_DIFFERENT_OWNER: '1' }, genv);
    expect(refused.stderr).toMatch(/git: not used \(git refuses the repository: .*safe\.directory/);
    expect(refused.read).toBe(1);
    expect(runDoc(refused.stdout).counts).toMatchObject({ update: 1 });
  });
});
