import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  blobHasher,
  blobId,
  gitDisabledByEnv,
  prefetchGitView,
  readGitView,
  type GitView,
} from '../../src/scan/git.js';
import { tempDir, writeTree } from '../helpers/fs.js';
import { git, hasGit, isolatedGitEnv, repoWith } from '../helpers/git.js';

/** The view, failing the test when git was unavailable. */
async function view(root: string, env: NodeJS.ProcessEnv, eolMatters?: (p: string) => boolean): Promise<GitView> {
  const v = await readGitView(root, { env, ...(eolMatters ? { eolMatters } : {}) });
  if ('unavailable' in v) throw new Error(`git unavailable: ${v.unavailable}`);
  return v;
}

const vouched = (v: GitView) => [...v.tracked.keys()].filter((p) => v.vouch(p) !== undefined).sort();
const bytesId = (file: string) => blobId(fs.readFileSync(file));

describe('blob ids', () => {
  it.skipIf(!hasGit)('are the ids git gives the same bytes, whole or streamed, sha1 and sha256', () => {
    const dir = tempDir();
    const env = isolatedGitEnv();
    const samples = ['', 'one line\n', 'crlf\r\nline\r\n', 'ünïcödé ✓\n', '\0binary\xff'];
    for (const [i, s] of samples.entries()) {
      const f = path.join(dir, `s${i}`);
      fs.writeFileSync(f, s, 'latin1');
      const bytes = fs.readFileSync(f);
      expect(blobId(bytes)).toBe(git(dir, env, 'hash-object', '--no-filters', f).trim());
      const h = blobHasher(bytes.length);
      h.update(bytes.subarray(0, 3));
      h.update(bytes.subarray(3));
      expect(h.digest()).toBe(blobId(bytes));
    }
    const r256 = repoWith({}, env, { initArgs: ['--object-format=sha256'] });
    fs.writeFileSync(path.join(r256, 'x'), 'sha256 repository\n');
    expect(blobId(fs.readFileSync(path.join(r256, 'x')), 'sha256')).toBe(
      git(r256, env, 'hash-object', '--no-filters', 'x').trim(),
    );
  });

  it('KB_SYNC_GIT=0 (false, off, no) turns git use off; anything else leaves it on', () => {
    for (const v of ['0', 'false', 'OFF', 'no']) expect(gitDisabledByEnv({ KB_SYNC_GIT: v })).toBe(true);
    for (const v of [undefined, '1', 'true', 'auto', '']) expect(gitDisabledByEnv({ KB_SYNC_GIT: v })).toBe(false);
  });
});

describe.skipIf(!hasGit)('a view started early (before the CLI loads)', () => {
  it('is the one readGitView takes, once, for that folder only', async () => {
    const env = isolatedGitEnv();
    const repo = repoWith({ 'a.md': '# A\n' }, env);
    const other = repoWith({ 'b.md': '# B\n' }, env);
    // A git on the PATH that notes each command it runs, then runs the real one.
    const bin = tempDir('kb-git-bin-');
    const log = path.join(bin, 'log');
    const realGit = git(bin, env, '--exec-path').trim();
    fs.writeFileSync(path.join(bin, 'git'), `#!/bin/sh\necho "$*" >> '${log}'\nexec '${realGit}/git' "$@"\n`, {
      mode: 0o755,
    });
    const saved = process.env.PATH;
    process.env.PATH = `${bin}${path.delimiter}${saved ?? ''}`;
    const statusRuns = () =>
      (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n') : []).filter((l) =>
        l.split(' ').includes('status'),
      ).length;
    try {
      prefetchGitView(repo);
      const early = await readGitView(repo);
      expect('unavailable' in early).toBe(false);
      expect(statusRuns()).toBe(1);
      expect([...(early as GitView).tracked.keys()]).toEqual(['a.md']);
      // Taken once: the next view asks git again; another folder never takes it.
      prefetchGitView(repo);
      await readGitView(other);
      await readGitView(repo);
      // The first view, the early one, and the other folder's: this one ran no git of its own.
      expect(statusRuns()).toBe(3);
      await readGitView(repo);
      expect(statusRuns()).toBe(4);
    } finally {
      process.env.PATH = saved;
    }
  });
});

describe.skipIf(!hasGit)('readGitView against real repositories', () => {
  it('vouches for every committed file with the id of its bytes, in a fresh clone too', async () => {
    const env = isolatedGitEnv();
    const repo = repoWith(
      { 'a.md': '# A\n', 'guides/b.md': '# B\n', 'a b/ç ü.md': '# spaces and accents\n', 'faq.qa.yaml': '- q: x\n' },
      env,
    );
    const v = await view(repo, env);
    expect(v.prefix).toBe('');
    expect(vouched(v)).toEqual(['a b/ç ü.md', 'a.md', 'faq.qa.yaml', 'guides/b.md']);
    for (const p of v.tracked.keys()) expect(v.vouch(p)).toBe(bytesId(path.join(repo, p)));
    expect(v.dirty.size + v.unsafe.size).toBe(0);

    const clone = path.join(tempDir(), 'clone');
    git(path.dirname(clone), env, 'clone', '-q', repo, clone);
    const c = await view(clone, env);
    expect(vouched(c)).toEqual(vouched(v));
    for (const p of c.tracked.keys()) expect(c.vouch(p)).toBe(v.vouch(p));
  });

  it('a knowledge folder below the top: paths relative to it, nothing from outside', async () => {
    const env = isolatedGitEnv();
    const repo = repoWith(
      { 'README.md': 'x', 'docs/kb/a.md': 'a', 'docs/kb/deep/b.md': 'b', 'docs/other.md': 'o' },
      env,
    );
    fs.writeFileSync(path.join(repo, 'README.md'), 'changed outside the folder');
    const v = await view(path.join(repo, 'docs/kb'), env);
    expect(v.prefix).toBe('docs/kb/');
    expect(fs.realpathSync(v.topLevel)).toBe(fs.realpathSync(repo));
    expect([...v.tracked.keys()].sort()).toEqual(['a.md', 'deep/b.md']);
    expect(vouched(v)).toEqual(['a.md', 'deep/b.md']);
    expect(v.dirty.size).toBe(0);
  });

  it('changes in the working tree: modified, staged then modified again, staged only, deleted, renamed, intent to add', async () => {
    const env = isolatedGitEnv();
    const repo = repoWith(
      {
        'mod.md': 'm',
        'staged.md': 's',
        'staged-only.md': 'o',
        'gone.md': 'g',
        'old.md': 'r',
        'moved.md': 'v',
        'same.md': 'x',
      },
      env,
    );
    fs.writeFileSync(path.join(repo, 'mod.md'), 'modified');
    fs.writeFileSync(path.join(repo, 'staged.md'), 'staged');
    git(repo, env, 'add', 'staged.md');
    fs.writeFileSync(path.join(repo, 'staged.md'), 'then modified again');
    fs.writeFileSync(path.join(repo, 'staged-only.md'), 'staged, not modified again');
    git(repo, env, 'add', 'staged-only.md');
    fs.rmSync(path.join(repo, 'gone.md'));
    git(repo, env, 'mv', 'old.md', 'renamed.md');
    fs.renameSync(path.join(repo, 'moved.md'), path.join(repo, 'moved-by-hand.md'));
    fs.writeFileSync(path.join(repo, 'ita.md'), 'intent to add');
    git(repo, env, 'add', '-N', 'ita.md');
    const v = await view(repo, env);
    expect(Object.fromEntries(v.dirty)).toEqual({
      'mod.md': 'modified',
      'staged.md': 'modified',
      'gone.md': 'deleted',
      'moved.md': 'deleted',
      'ita.md': 'added with intent to add',
    });
    expect(vouched(v)).toEqual(['renamed.md', 'same.md', 'staged-only.md']);
    // Vouched ids are the bytes on disk: the staged version, not the committed one.
    expect(v.vouch('staged-only.md')).toBe(bytesId(path.join(repo, 'staged-only.md')));
    expect(v.vouch('renamed.md')).toBe(blobId(Buffer.from('r')));
    expect(v.untracked).toEqual(['moved-by-hand.md']);
  });

  it('an edit of the same size with the modification time put back is still seen (git compares more than mtime)', async () => {
    const env = isolatedGitEnv();
    const repo = repoWith({ 'a.md': 'version one\n' }, env);
    const file = path.join(repo, 'a.md');
    const before = fs.statSync(file);
    fs.writeFileSync(file, 'version two\n');
    fs.utimesSync(file, before.atime, before.mtime);
    const v = await view(repo, env);
    expect(v.dirty.get('a.md')).toBe('modified');
    expect(v.vouch('a.md')).toBeUndefined();
  });

  it('does not trust assume-unchanged or skip-worktree entries (git stops checking them)', async () => {
    const env = isolatedGitEnv();
    const repo = repoWith({ 'assumed.md': 'a', 'skipped.md': 's', 'plain.md': 'p' }, env);
    git(repo, env, 'update-index', '--assume-unchanged', 'assumed.md');
    fs.writeFileSync(path.join(repo, 'assumed.md'), 'edited, and git status does not say so');
    git(repo, env, 'update-index', '--skip-worktree', 'skipped.md');
    fs.writeFileSync(path.join(repo, 'skipped.md'), 'edited too');
    expect(git(repo, env, 'status', '--porcelain')).toBe('');
    const v = await view(repo, env);
    expect(v.dirty.get('assumed.md')).toBe('assume-unchanged');
    expect(v.dirty.get('skipped.md')).toBe('skip-worktree');
    expect(vouched(v)).toEqual(['plain.md']);
  });

  it('a sparse checkout: files outside the cone are skip-worktree, never vouched for', async () => {
    const env = isolatedGitEnv();
    const repo = repoWith({ 'in/a.md': 'a', 'out/b.md': 'b', 'top.md': 't' }, env);
    git(repo, env, 'sparse-checkout', 'set', 'in');
    expect(fs.existsSync(path.join(repo, 'out/b.md'))).toBe(false);
    const v = await view(repo, env);
    expect(v.dirty.get('out/b.md')).toBe('skip-worktree');
    expect(vouched(v)).toEqual(['in/a.md', 'top.md']);
    // Put back by hand: still not vouched for (the scan stats and reads it).
    writeTree(repo, { 'out/b.md': 'something else' });
    expect((await view(repo, env)).vouch('out/b.md')).toBeUndefined();
  });

  it('submodules and symbolic links are not vouched for; files inside a submodule are not tracked here', async () => {
    const env = isolatedGitEnv();
    const inner = repoWith({ 'inner.md': 'i' }, env);
    const repo = repoWith({ 'a.md': 'a' }, env);
    git(repo, env, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', inner, 'mod');
    fs.symlinkSync('a.md', path.join(repo, 'link.md'));
    git(repo, env, 'add', 'link.md');
    git(repo, env, 'commit', '-qm', 'submodule and link');
    const v = await view(repo, env);
    expect(v.dirty.get('mod')).toBe('submodule');
    expect(v.dirty.get('link.md')).toBe('symbolic link');
    expect(v.tracked.has('mod/inner.md')).toBe(false);
    expect(vouched(v)).toEqual(['.gitmodules', 'a.md']);
  });

  it('untracked and ignored files are not tracked; an unmerged file is not vouched for', async () => {
    const env = isolatedGitEnv();
    const repo = repoWith({ '.gitignore': '*.log\nbuild/\n', 'c.md': 'base\n', 'k.md': 'k' }, env);
    git(repo, env, 'checkout', '-q', '-b', 'other');
    fs.writeFileSync(path.join(repo, 'c.md'), 'theirs\n');
    git(repo, env, 'commit', '-qam', 'theirs');
    git(repo, env, 'checkout', '-q', 'main');
    fs.writeFileSync(path.join(repo, 'c.md'), 'ours\n');
    git(repo, env, 'commit', '-qam', 'ours');
    expect(() => git(repo, env, 'merge', '-q', 'other')).toThrow();
    writeTree(repo, { 'new.md': 'n', 'x.log': 'l', 'build/out.md': 'o', 'newdir/a.md': 'a', 'newdir/b.md': 'b' });
    const v = await view(repo, env);
    expect(v.dirty.get('c.md')).toBe('unmerged');
    expect(vouched(v)).toEqual(['.gitignore', 'k.md']);
    expect(v.untracked.sort()).toEqual(['new.md', 'newdir/']);
    expect(v.tracked.has('x.log') || v.tracked.has('build/out.md')).toBe(false);
  });

  it('git variables from a hook (GIT_DIR, GIT_INDEX_FILE) do not point it at another repository', async () => {
    const env = isolatedGitEnv();
    const repo = repoWith({ 'a.md': 'a' }, env);
    const other = repoWith({ 'elsewhere.md': 'e' }, env);
    const v = await view(repo, {
      ...env,
      GIT_DIR: path.join(other, '.git'),
      GIT_INDEX_FILE: path.join(other, '.git', 'index'),
    });
    expect([...v.tracked.keys()]).toEqual(['a.md']);
  });

  it('works in a linked worktree (its info/attributes live in the common folder)', async () => {
    const env = isolatedGitEnv();
    const repo = repoWith({ 'a.md': 'a', 'doc.csv': 'x,y\n' }, env);
    const wt = path.join(tempDir(), 'wt');
    git(repo, env, 'worktree', 'add', '-q', wt);
    fs.mkdirSync(path.join(repo, '.git', 'info'), { recursive: true });
    fs.writeFileSync(path.join(repo, '.git', 'info', 'attributes'), '*.csv filter=crypt\n');
    const v = await view(wt, env);
    expect(v.unsafe.get('doc.csv')).toBe('filter=crypt');
    expect(vouched(v)).toEqual(['a.md']);
  });
});

describe.skipIf(!hasGit)('readGitView: files whose bytes git converts are not vouched for', () => {
  const docsOnly = (p: string) => p.endsWith('.csv') || p.endsWith('.pdf');

  it('core.autocrlf: line endings matter only where the caller says so', async () => {
    const env = isolatedGitEnv();
    const repo = repoWith({ 'a.md': 'a\n', 'sheet.csv': 'x,y\n' }, env);
    git(repo, env, 'config', 'core.autocrlf', 'true');
    const all = await view(repo, env);
    expect(vouched(all)).toEqual([]);
    expect(all.unsafe.get('a.md')).toMatch(/core\.autocrlf=true/);
    const docs = await view(repo, env, docsOnly);
    expect(vouched(docs)).toEqual(['a.md']);
    expect(docs.unsafe.get('sheet.csv')).toMatch(/core\.autocrlf=true/);
  });

  it('.gitattributes: LFS and other filters, ident, working-tree-encoding; -text turns autocrlf off', async () => {
    const env = isolatedGitEnv();
    const repo = repoWith(
      {
        '.gitattributes': [
          '*.pdf filter=lfs diff=lfs merge=lfs -text',
          'id.md ident',
          'utf16.md working-tree-encoding=UTF-16LE',
          'raw.csv -text',
          '',
        ].join('\n'),
        'a.md': 'a\n',
        'm.pdf': '%PDF',
        'id.md': '$Id$\n',
        'utf16.md': Buffer.from('x\n', 'utf16le'),
        'raw.csv': 'x\n',
        'sheet.csv': 'y\n',
      },
      env,
    );
    git(repo, env, 'config', 'core.autocrlf', 'input');
    const v = await view(repo, env, docsOnly);
    expect(Object.fromEntries(v.unsafe)).toEqual({
      'm.pdf': 'filter=lfs',
      'id.md': 'ident',
      'utf16.md': 'working-tree-encoding=UTF-16LE',
      'sheet.csv': 'core.autocrlf=input converts line endings',
    });
    expect(vouched(v)).toEqual(['.gitattributes', 'a.md', 'raw.csv']);
    expect(v.attributeSources.map((f) => path.basename(f))).toEqual(['.gitattributes']);
  });

  it('text=auto in a parent folder, untracked and ignored .gitattributes inside, and the global attributes file all count', async () => {
    const home = tempDir('kb-git-home-');
    const env = isolatedGitEnv(home);
    const repo = repoWith(
      {
        '.gitattributes': '*.csv text=auto\n',
        '.gitignore': 'kb/ign/.gitattributes\n',
        'kb/a.csv': 'a\n',
        'kb/a.md': 'a\n',
        'kb/sub/b.pdf': 'b',
        'kb/c.md': 'c',
        'kb/ign/d.md': 'd',
      },
      env,
    );
    const kb = path.join(repo, 'kb');
    let v = await view(kb, env, docsOnly);
    expect(Object.fromEntries(v.unsafe)).toEqual({ 'a.csv': 'text=auto converts line endings' });

    fs.writeFileSync(path.join(kb, 'sub', '.gitattributes'), '*.pdf filter=lfs\n');
    v = await view(kb, env, docsOnly);
    expect(v.unsafe.get('sub/b.pdf')).toBe('filter=lfs');

    writeTree(home, { '.config/git/attributes': 'c.md ident\n' });
    v = await view(kb, env, docsOnly);
    expect(v.unsafe.get('c.md')).toBe('ident');
    expect(vouched(v)).toEqual(['a.md', 'ign/d.md']);

    // An ignored .gitattributes applies all the same.
    fs.writeFileSync(path.join(kb, 'ign', '.gitattributes'), 'd.md filter=crypt\n');
    v = await view(kb, env, docsOnly);
    expect(v.unsafe.get('ign/d.md')).toBe('filter=crypt');
  });

  it('no attributes and no autocrlf: git check-attr is not needed, and nothing is unsafe', async () => {
    const env = isolatedGitEnv();
    const repo = repoWith({ '.gitattributes': '*.png binary\n', 'a.md': 'a', 'b.csv': 'b' }, env);
    const v = await view(repo, env);
    expect(v.unsafe.size).toBe(0);
    expect(v.attributeSources).toEqual([]);
  });
});

describe.skipIf(!hasGit)("readGitView with the walk's .gitattributes (git lists no untracked files)", () => {
  it('uses the files it is given, ignored ones included, and lists nothing untracked', async () => {
    const env = isolatedGitEnv();
    const repo = repoWith({ '.gitignore': 'sub/.gitattributes\n', 'sub/a.md': 'a', 'b.md': 'b' }, env);
    fs.writeFileSync(path.join(repo, 'sub', '.gitattributes'), 'a.md ident\n');
    fs.writeFileSync(path.join(repo, 'untracked.md'), 'u');
    const v = await readGitView(repo, { env, attributeFiles: Promise.resolve(['sub/.gitattributes']) });
    if ('unavailable' in v) throw new Error(v.unavailable);
    expect(v.unsafe.get('sub/a.md')).toBe('ident');
    expect(v.untracked).toEqual([]);
    const without = await readGitView(repo, { env, attributeFiles: Promise.resolve([]) });
    expect('unavailable' in without || without.unsafe.size).toBe(0);
  });
});

describe('readGitView: when git cannot be asked, it says why (the scan then works as without git)', () => {
  it('not in a repository', async () => {
    const dir = tempDir();
    const v = await readGitView(dir, { env: { ...isolatedGitEnv(), GIT_CEILING_DIRECTORIES: path.dirname(dir) } });
    expect('unavailable' in v && v.unavailable).toMatch(/not in a git repository|git is not on the PATH/);
  });

  it('git missing from the PATH', async () => {
    const dir = tempDir();
    const v = await readGitView(dir, { env: { ...isolatedGitEnv(), PATH: path.join(dir, 'no-such-bin') } });
    expect(v).toEqual({ unavailable: 'git is not on the PATH' });
  });

  it.skipIf(process.platform === 'win32')('a git that hangs is given up on after the time limit', async () => {
    const bin = tempDir('kb-fake-git-');
    // If the limit did not work, the test itself would time out.
    fs.writeFileSync(path.join(bin, 'git'), '#!/bin/sh\nexec sleep 600\n', { mode: 0o755 });
    const v = await readGitView(tempDir(), {
      env: { ...isolatedGitEnv(), PATH: `${bin}:/usr/bin:/bin` },
      timeoutMs: 300,
    });
    expect(v).toEqual({ unavailable: 'git did not finish within 0.3 s' });
  });

  it.skipIf(!hasGit)('inside the .git folder', async () => {
    const env = isolatedGitEnv();
    const repo = repoWith({ 'a.md': 'a' }, env);
    expect(await readGitView(path.join(repo, '.git'), { env })).toEqual({
      unavailable: 'the folder is not in a git work tree',
    });
  });

  it.skipIf(!hasGit)(
    'a repository owned by someone else (safe.directory): the refusal, with the way to trust it',
    async () => {
      const env = isolatedGitEnv();
      const repo = repoWith({ 'a.md': 'a' }, env);
      const v = await readGitView(repo, { env: { ...env, GIT_TEST_ASSUME_DIFFERENT_OWNER: '1' } });
      expect('unavailable' in v && v.unavailable).toMatch(/dubious ownership.*safe\.directory/);
    },
  );

  it.skipIf(!hasGit || process.getuid?.() !== 0)('…and for real: a repository chowned to another user', async () => {
    const env = isolatedGitEnv();
    const repo = repoWith({ 'a.md': 'a' }, env);
    const chown = (uid: number) => {
      for (const p of [repo, ...fs.readdirSync(repo, { recursive: true }).map((r) => path.join(repo, String(r)))])
        fs.lchownSync(p, uid, uid);
    };
    chown(65534);
    try {
      const v = await readGitView(repo, { env });
      expect('unavailable' in v && v.unavailable).toMatch(
        /git refuses the repository: .*dubious ownership.*git config --global --add safe\.directory/,
      );
    } finally {
      chown(0);
    }
  });
});
