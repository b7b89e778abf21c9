import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findIndexFile, markIndex, sameFile } from '../../src/scan/git-index.js';
import { hashAndFind, readGitView, type GitView } from '../../src/scan/git.js';
import { runGitBatchGated, runGitLarge } from '../../src/scan/git-run.js';
import { tempDir } from '../helpers/fs.js';
import { git, hasGit, isolatedGitEnv, repoWith } from '../helpers/git.js';

/**
 * git's index known by its checksum (src/scan/git-index.ts): where the index is, its mark, and a
 * view that skips git's listing only while the index is the very file the caller knows.
 */

async function view(root: string, env: NodeJS.ProcessEnv, known?: Set<string>): Promise<GitView> {
  const v = await readGitView(root, { env, ...(known ? { knownIndex: (c: string) => known.has(c) } : {}) });
  if ('unavailable' in v) throw new Error(`git unavailable: ${v.unavailable}`);
  return v;
}

const gitsIndex = (root: string, env: NodeJS.ProcessEnv) =>
  path.resolve(root, git(root, env, 'rev-parse', '--git-path', 'index').trim());

describe.skipIf(!hasGit)('the index file and its mark', () => {
  it('is found where git says, from a subfolder, a linked work tree and a submodule', () => {
    const env = isolatedGitEnv();
    const repo = repoWith({ 'kb/a.md': '# A\n', 'kb/deep/b.md': '# B\n' }, env);
    for (const dir of [repo, path.join(repo, 'kb'), path.join(repo, 'kb/deep')])
      expect(findIndexFile(dir)).toBe(gitsIndex(dir, env));
    const linked = path.join(tempDir('kb-git-wt-'), 'linked');
    git(repo, env, 'worktree', 'add', '-q', linked);
    expect(fs.statSync(path.join(linked, '.git')).isFile()).toBe(true);
    expect(sameFile(findIndexFile(path.join(linked, 'kb'))!, gitsIndex(path.join(linked, 'kb'), env))).toBe(true);
    const inner = repoWith({ 'c.md': '# C\n' }, env);
    git(repo, env, 'submodule', 'add', '-q', inner, 'vendor');
    expect(sameFile(findIndexFile(path.join(repo, 'vendor'))!, gitsIndex(path.join(repo, 'vendor'), env))).toBe(true);
    expect(findIndexFile(path.join(repo, 'vendor'))).not.toBe(findIndexFile(repo));
    expect(findIndexFile(tempDir('kb-no-repo-'))).toBeUndefined();
  });

  it('changes whenever git writes another index, and is absent without one or without its checksum', () => {
    const env = isolatedGitEnv();
    const repo = repoWith({ 'a.md': '# A\n' }, env);
    const file = findIndexFile(repo)!;
    const first = markIndex(file);
    expect(first?.checksum).toMatch(/^[0-9a-f]+-[0-9a-f]{64}$/);
    expect(markIndex(file)).toEqual(first);
    fs.writeFileSync(path.join(repo, 'a.md'), '# A, edited\n');
    git(repo, env, 'add', 'a.md');
    expect(markIndex(file)?.checksum).not.toBe(first?.checksum);
    // Written with index.skipHash (git 2.40 and later): the trailer is zeros, so no mark.
    const skipped = path.join(tempDir('kb-git-index-'), 'index');
    const bytes = fs.readFileSync(file);
    bytes.fill(0, bytes.length - 20);
    fs.writeFileSync(skipped, bytes);
    expect(markIndex(skipped)).toBeUndefined();
    expect(markIndex(path.join(path.dirname(skipped), 'absent'))).toBeUndefined();
    const empty = tempDir('kb-git-empty-');
    git(empty, env, 'init', '-q');
    expect(markIndex(findIndexFile(empty)!)).toBeUndefined();
  });
});

describe.skipIf(!hasGit)('a view of an index the caller knows', () => {
  it('skips the listing while the index is the same file, and lists it again once git changed it', async () => {
    const env = isolatedGitEnv();
    const repo = repoWith({ 'kb/a.md': '# A\n', 'kb/b.md': '# B\n', 'other.md': '# O\n' }, env);
    const root = path.join(repo, 'kb');
    const full = await view(root, env);
    expect(full.listed).toBe(true);
    expect(full.indexChecksum).toBe(markIndex(gitsIndex(root, env))?.checksum);
    const known = new Set([full.indexChecksum!]);
    // Known: no listing; git status still says what changed in the work tree.
    fs.writeFileSync(path.join(root, 'b.md'), '# B, edited\n');
    const quick = await view(root, env, known);
    expect(quick.listed).toBe(false);
    expect(quick.indexChecksum).toBe(full.indexChecksum);
    expect(quick.indexHash).toBe('');
    expect([...quick.changed]).toEqual([['b.md', 'modified']]);
    expect(quick.vouch('a.md')).toBeUndefined();
    expect(() => quick.tracked).toThrow(/listing was not read/);
    // Asked for, the listing is the one the full view had.
    const listed = await quick.withListing();
    expect('unavailable' in listed).toBe(false);
    expect((listed as GitView).indexHash).toBe(full.indexHash);
    expect((listed as GitView).vouch('a.md')).toBe(full.vouch('a.md'));
    expect((listed as GitView).vouch('b.md')).toBeUndefined();
    // Staged: another index, so it is listed whatever the caller knew.
    git(repo, env, 'add', 'kb/b.md');
    const after = await view(root, env, known);
    expect(after.listed).toBe(true);
    expect(after.indexChecksum).not.toBe(full.indexChecksum);
    expect(after.indexHash).not.toBe(full.indexHash);
  });

  it('lists it anyway where bytes may be converted, and is not known by checksum with a tracked .gitattributes inside', async () => {
    const env = isolatedGitEnv();
    const repo = repoWith({ 'kb/a.md': '# A\n' }, env);
    const root = path.join(repo, 'kb');
    const first = await view(root, env);
    git(repo, env, 'config', 'core.autocrlf', 'true');
    expect((await view(root, env, new Set([first.indexChecksum!]))).listed).toBe(true);
    git(repo, env, 'config', 'core.autocrlf', 'false');
    // Attributes outside the folder that convert: listed too.
    fs.writeFileSync(path.join(repo, '.gitattributes'), '*.md text eol=lf\n');
    expect((await view(root, env, new Set([first.indexChecksum!]))).listed).toBe(true);
    fs.rmSync(path.join(repo, '.gitattributes'));
    expect((await view(root, env, new Set([first.indexChecksum!]))).listed).toBe(false);
    // A tracked attributes file under the folder decides conversions from the listing: no checksum.
    fs.writeFileSync(path.join(root, '.gitattributes'), '*.md linguist-documentation\n');
    git(repo, env, 'add', '-A');
    const withAttributes = await view(root, env);
    expect(withAttributes.listed).toBe(true);
    expect(withAttributes.indexChecksum).toBeUndefined();
  });
});

describe('hashAndFind', () => {
  it('hashes pieces as one, and finds a name in a piece or across the seam of two, through a reused buffer', () => {
    const text = Buffer.from('H 100644 abc 0\tdocs/a.md\0H 100644 def 0\tdocs/.gitattributes\0H 100644 123 0\tz.md\0');
    const needle = Buffer.from('.gitattributes');
    const whole = createHash('sha256').update(text).digest('hex');
    for (let size = 1; size <= text.length; size++) {
      // One buffer, overwritten piece after piece, as the file reader does.
      const buf = Buffer.alloc(size);
      const pieces = function* () {
        for (let at = 0; at < text.length; at += size) {
          const n = text.copy(buf, 0, at, Math.min(at + size, text.length));
          yield buf.subarray(0, n);
        }
      };
      expect(hashAndFind(pieces(), needle), `pieces of ${size}`).toEqual({ sha256: whole, found: true });
      expect(hashAndFind(pieces(), Buffer.from('.gitattributez')).found, `pieces of ${size}`).toBe(false);
    }
    expect(hashAndFind([], needle)).toEqual({ sha256: createHash('sha256').digest('hex'), found: false });
  });
});

describe.skipIf(!hasGit)('runGitLarge', () => {
  it("keeps git's output aside, read in pieces or whole, and leaves no file behind", async () => {
    const env = isolatedGitEnv();
    const files: Record<string, string> = {};
    for (let i = 0; i < 300; i++) files[`d${i % 7}/${'n'.repeat(40)}-${i}.md`] = `# ${i}\n`;
    const repo = repoWith(files, env);
    const tmp = tempDir('kb-git-large-tmp-');
    const out = await runGitLarge(['ls-files', '--stage', '-z'], {
      cwd: repo,
      env: { ...env, TMPDIR: tmp },
      timeoutMs: 60_000,
    });
    expect(out.code).toBe(0);
    // The file is unlinked as soon as it is open: nothing in the temporary folder, even before reading.
    expect(fs.readdirSync(tmp)).toEqual([]);
    const expected = Buffer.from(git(repo, env, 'ls-files', '--stage', '-z'));
    expect(Buffer.concat([...out.pieces()].map((p) => Buffer.from(p)))).toEqual(expected);
    expect(out.read()).toEqual(expected);
    expect(Buffer.concat([...out.pieces()])).toEqual(expected);
  });

  it.skipIf(process.platform !== 'linux')('closes the file of an output let go unread once it is collected', () => {
    // In a process of its own (its file descriptors are not shared with other tests).
    const script = [
      "import fs from 'node:fs';",
      `import { runGitLarge } from ${JSON.stringify(path.resolve('src/scan/git-run.ts'))};`,
      // The files of kept outputs still open: unlinked, so their links end in "(deleted)".
      "const open = () => fs.readdirSync('/proc/self/fd').filter((fd) => { try { return /kb-sync-git-.*deleted/.test(fs.readlinkSync('/proc/self/fd/' + fd)); } catch { return false; } }).length;",
      'const before = open();',
      'async function hashOnly() {',
      `  const o = await runGitLarge(['ls-files', '-z'], { cwd: ${JSON.stringify(process.cwd())}, env: process.env, timeoutMs: 60000 });`,
      '  for (const p of o.pieces()) void p;',
      '}',
      'for (let i = 0; i < 5; i++) await hashOnly();',
      'const held = open() - before;',
      'for (let i = 0; i < 100 && open() > before; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 20)); }',
      'console.log(JSON.stringify({ held, left: open() - before }));',
    ].join('\n');
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    const { held, left } = JSON.parse(r.stdout) as { held: number; left: number };
    expect(held).toBe(5);
    expect(left).toBe(0);
  });

  it.skipIf(!hasGit)('says what git said when it fails', async () => {
    const env = isolatedGitEnv();
    const repo = repoWith({ 'a.md': '# A\n' }, env);
    const failed = await runGitLarge(['ls-files', '--no-such-option'], { cwd: repo, env, timeoutMs: 60_000 });
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toMatch(/no-such-option/);
  });
});

describe.skipIf(!hasGit)('runGitBatchGated', () => {
  it('runs the gated command beside the others only when told to, and waits for the word', async () => {
    const env = isolatedGitEnv();
    const repo = repoWith({ 'a.md': '# A\n', 'b/c.md': '# C\n' }, env);
    const o = { cwd: repo, env, timeoutMs: 60_000 };
    const commands = [
      ['rev-parse', '--show-toplevel'],
      ['status', '--porcelain'],
    ];
    const listing = Buffer.from(git(repo, env, 'ls-files', '-z'));
    const yes = runGitBatchGated(commands, ['ls-files', '-z'], o);
    let settled = false;
    void yes.outputs.then(() => (settled = true));
    // The others finish, but the batch is not over before it is told whether to list.
    git(repo, env, 'status', '--porcelain');
    await new Promise((r) => setTimeout(r, 50));
    expect(settled).toBe(false);
    yes.open(true);
    yes.open(false); // The first word counts.
    const [top, status] = await yes.outputs;
    expect(top?.stdout.toString().trim()).toBe(fs.realpathSync(repo));
    expect(status?.code).toBe(0);
    expect((await yes.gated)?.read()).toEqual(listing);
    const no = runGitBatchGated(commands, ['ls-files', '-z'], o);
    no.open(false);
    expect((await no.outputs).map((r) => r.code)).toEqual([0, 0]);
    expect(await no.gated).toBeUndefined();
  });
});
