import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_KINDS } from '../../src/config/schema.js';
import picomatch from 'picomatch';
import { globMatcher, listTree, makeClassifier, scanPaths, scanTree, type ScanOptions } from '../../src/scan/walk.js';
import { tempDir, writeTree } from '../helpers/fs.js';

const kinds = {
  qa: [...DEFAULT_KINDS.qa],
  urls: [...DEFAULT_KINDS.urls],
  article: [...DEFAULT_KINDS.article],
  document: [...DEFAULT_KINDS.document],
};

function opts(root: string, more: Partial<ScanOptions> = {}): ScanOptions {
  return { root, include: ['**/*'], exclude: [], kinds, ...more };
}

const listed = (r: ReturnType<typeof scanTree>) => r.files.map((f) => [f.relPath, f.kind]);

describe('makeClassifier: kinds by name', () => {
  const c = makeClassifier({ include: ['**/*'], exclude: [], kinds });
  it.each([
    ['faq.qa.yaml', 'qa'],
    ['deep/faq.qa.yml', 'qa'],
    ['links.urls', 'urls'],
    ['links.urls.txt', 'urls'],
    ['notes.txt', 'document'],
    ['a.md', 'article'],
    ['a.markdown', 'article'],
    ['guides/a.mdx', 'article'],
    ['manual.pdf', 'document'],
    ['prices.csv', 'document'],
    ['slides.pptx', 'document'],
    ['config.yaml', null],
    ['image.png', null],
    ['Makefile', null],
  ] as const)('%s → %s', (rel, kind) => {
    expect(c.classify(rel)).toBe(kind);
  });

  it('the first kind in the order qa, urls, article, document wins when patterns overlap', () => {
    const overlapping = makeClassifier({
      include: ['**/*'],
      exclude: [],
      kinds: { ...kinds, article: ['*.yaml', '*.md'], document: ['*.urls.txt', '*.txt'] },
    });
    expect(overlapping.classify('x.qa.yaml')).toBe('qa');
    expect(overlapping.classify('x.yaml')).toBe('article');
    expect(overlapping.classify('x.urls.txt')).toBe('urls');
    // A shorter suffix of an earlier kind wins over a longer one of a later kind.
    const shorter = makeClassifier({ include: ['**/*'], exclude: [], kinds: { ...kinds, qa: ['*.txt'] } });
    expect(shorter.classify('a.urls.txt')).toBe('qa');
    expect(shorter.classify('.txt')).toBe(null);
    expect(shorter.classify('deep/b.URLS')).toBe('urls');
  });
});

describe('scanTree', () => {
  it('lists every file of a kind recursively, skipping dot-files, dot-folders and node_modules', () => {
    const root = tempDir();
    writeTree(root, {
      'a.md': '# A',
      'guides/b.md': '# B',
      'guides/deep/c.mdx': '# C',
      'faq.qa.yaml': '- q: x\n  a: y\n',
      'links.urls': 'https://example.com\n',
      'links.urls.txt': 'https://example.com\n',
      'notes.txt': 'notes',
      'manual.pdf': '%PDF-1.4',
      'image.png': 'png',
      '.hidden.md': '# hidden',
      '.git/HEAD.md': 'x',
      'guides/.drafts/d.md': 'x',
      'node_modules/pkg/readme.md': 'x',
      'guides/node_modules/e.md': 'x',
    });
    const r = scanTree(opts(root));
    expect(listed(r)).toEqual([
      ['a.md', 'article'],
      ['faq.qa.yaml', 'qa'],
      ['guides/b.md', 'article'],
      ['guides/deep/c.mdx', 'article'],
      ['links.urls', 'urls'],
      ['links.urls.txt', 'urls'],
      ['manual.pdf', 'document'],
      ['notes.txt', 'document'],
    ]);
    expect(r.ignored).toEqual(['image.png']);
    expect(r.issues).toEqual([]);
    const a = r.files.find((f) => f.relPath === 'guides/b.md')!;
    expect(a.absPath).toBe(path.join(root, 'guides/b.md'));
    // The signature changes with size, mtime, ctime and inode, as git compares them.
    const st = fs.statSync(a.absPath);
    expect(a.sig).toBe(`${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}`);
    fs.utimesSync(a.absPath, new Date(Date.now() - 5000), new Date(Date.now() - 5000));
    const again = scanTree(opts(root)).files.find((f) => f.relPath === 'guides/b.md')!;
    expect(again.sig).not.toBe(a.sig);
  });

  it.each([
    {
      name: 'a basename include matches at any depth',
      include: ['*.md'],
      exclude: [],
      want: ['a.md', 'guides/b.md', 'guides/deep/c.md', 'inbox/new.md'],
    },
    {
      name: 'a path include',
      include: ['guides/**'],
      exclude: [],
      want: ['guides/b.md', 'guides/deep/c.md', 'guides/faq.qa.yaml'],
    },
    {
      name: 'a basename exclude matches at any depth',
      include: ['**/*'],
      exclude: ['*.qa.yaml'],
      want: ['a.md', 'guides/b.md', 'guides/deep/c.md', 'inbox/new.md'],
    },
    {
      name: 'a folder exclude',
      include: ['**/*'],
      exclude: ['inbox/**'],
      want: ['a.md', 'guides/b.md', 'guides/deep/c.md', 'guides/faq.qa.yaml'],
    },
    {
      name: 'exclude wins over include',
      include: ['*.md'],
      exclude: ['guides/deep/**'],
      want: ['a.md', 'guides/b.md', 'inbox/new.md'],
    },
    { name: 'an empty include means everything', include: [], exclude: ['inbox/**', 'guides/**'], want: ['a.md'] },
  ])('$name', ({ include, exclude, want }) => {
    const root = tempDir();
    writeTree(root, {
      'a.md': 'a',
      'guides/b.md': 'b',
      'guides/deep/c.md': 'c',
      'guides/faq.qa.yaml': 'q',
      'inbox/new.md': 'n',
    });
    const r = scanTree(opts(root, { include, exclude }));
    expect(r.files.map((f) => f.relPath)).toEqual(want);
  });

  it('what include/exclude leave out is not "ignored" either (it is simply not there)', () => {
    const root = tempDir();
    writeTree(root, { 'a.md': 'a', 'b.png': 'b', 'inbox/c.png': 'c' });
    const r = scanTree(opts(root, { exclude: ['inbox/**'] }));
    expect(r.ignored).toEqual(['b.png']);
  });

  it('skips the paths in the skip list (the state file and its siblings)', () => {
    const root = tempDir();
    writeTree(root, { 'a.md': 'a', 'state.txt': 'db', 'state.txt-wal': 'wal' });
    const r = scanTree(
      opts(root, {
        skip: [path.join(root, 'state.txt'), path.join(root, 'state.txt-wal')],
        kinds: { ...kinds, document: ['*.txt', '*.txt-wal'] },
      }),
    );
    expect(r.files.map((f) => f.relPath)).toEqual(['a.md']);
  });

  it('a missing root gives nothing and does not throw', () => {
    const r = scanTree(opts(path.join(tempDir(), 'nope')));
    expect(r).toEqual({ files: [], ignored: [], issues: [], unreadable: [] });
  });

  describe('symbolic links', () => {
    it('a link to a file inside the folder is followed, read through its target', () => {
      const root = tempDir();
      writeTree(root, { 'real/a.md': '# A' });
      fs.symlinkSync(path.join(root, 'real/a.md'), path.join(root, 'alias.md'));
      fs.symlinkSync('real/a.md', path.join(root, 'relative-alias.md'));
      const r = scanTree(opts(root));
      expect(listed(r)).toEqual([
        ['alias.md', 'article'],
        ['real/a.md', 'article'],
        ['relative-alias.md', 'article'],
      ]);
      const real = fs.realpathSync(path.join(root, 'real/a.md'));
      expect(r.files.find((f) => f.relPath === 'alias.md')!.absPath).toBe(real);
      expect(r.issues).toEqual([]);
    });

    it('a link pointing outside the folder is an error and is not listed', () => {
      const root = tempDir();
      const outside = tempDir();
      fs.writeFileSync(path.join(outside, 'secret.md'), 'secret');
      writeTree(root, { 'ok.md': 'ok', 'sub/x.md': 'x' });
      fs.symlinkSync(path.join(outside, 'secret.md'), path.join(root, 'evil.md'));
      fs.symlinkSync(
        path.relative(path.join(root, 'sub'), path.join(outside, 'secret.md')),
        path.join(root, 'sub/evil-relative.md'),
      );
      const r = scanTree(opts(root));
      expect(r.files.map((f) => f.relPath)).toEqual(['ok.md', 'sub/x.md']);
      const issues = r.issues.map((i) => [i.file, i.severity]);
      expect(issues).toEqual([
        ['evil.md', 'error'],
        ['sub/evil-relative.md', 'error'],
      ]);
      for (const i of r.issues) expect(i.message).toMatch(/outside/);
    });

    it('a link to a hidden file or into node_modules inside the folder is refused', () => {
      const root = tempDir();
      writeTree(root, { '.env.md': 'TOKEN=1', 'node_modules/x/readme.md': 'x' });
      fs.symlinkSync(path.join(root, '.env.md'), path.join(root, 'env.md'));
      fs.symlinkSync(path.join(root, 'node_modules/x/readme.md'), path.join(root, 'readme.md'));
      const r = scanTree(opts(root));
      expect(r.files).toEqual([]);
      expect(r.issues.map((i) => [i.file, i.severity])).toEqual([
        ['env.md', 'error'],
        ['readme.md', 'error'],
      ]);
    });

    it('a link to the state file is refused', () => {
      const root = tempDir();
      writeTree(root, { 'state.db': 'sqlite' });
      fs.symlinkSync(path.join(root, 'state.db'), path.join(root, 'state.pdf'));
      const r = scanTree(opts(root, { skip: [path.join(root, 'state.db')] }));
      expect(r.files).toEqual([]);
      expect(r.issues.map((i) => i.file)).toEqual(['state.pdf']);
    });

    it('a dangling link is an error, not a crash', () => {
      const root = tempDir();
      fs.symlinkSync(path.join(root, 'gone.md'), path.join(root, 'dangling.md'));
      const r = scanTree(opts(root));
      expect(r.files).toEqual([]);
      expect(r.issues).toMatchObject([{ file: 'dangling.md', severity: 'error' }]);
    });

    it('a linked folder is not followed', () => {
      const root = tempDir();
      writeTree(root, { 'real/a.md': 'a' });
      fs.symlinkSync(path.join(root, 'real'), path.join(root, 'mirror'));
      fs.symlinkSync(path.join(root, 'real'), path.join(root, 'mirror.md'));
      const outside = tempDir();
      writeTree(outside, { 'b.md': 'b' });
      fs.symlinkSync(outside, path.join(root, 'elsewhere'));
      const r = scanTree(opts(root));
      expect(r.files.map((f) => f.relPath)).toEqual(['real/a.md']);
      // A linked folder that looks like a kind by name is named, as a warning.
      expect(r.issues).toMatchObject([{ file: 'mirror.md', severity: 'warning' }]);
      expect(r.issues[0]!.message).toMatch(/folder/);
    });

    it('scanPaths (watch) judges a path behind a linked folder exactly as the full scan: absent', () => {
      const root = tempDir();
      writeTree(root, { 'real/a.md': 'a', 'in.md': 'i' });
      const outside = tempDir();
      writeTree(outside, { 'b.md': 'b', 'deep/c.md': 'c' });
      fs.symlinkSync(outside, path.join(root, 'elsewhere'));
      fs.symlinkSync(path.join(root, 'real'), path.join(root, 'mirror'));
      fs.symlinkSync('/', path.join(root, 'top'));
      const hints = ['elsewhere/b.md', 'elsewhere/deep/c.md', 'elsewhere/deep', 'mirror/a.md', 'top/etc/hostname'];
      const r = scanPaths(opts(root), [...hints, 'in.md']);
      expect(r.files.map((f) => f.relPath)).toEqual(['in.md']);
      expect(r.unreadable).toEqual([]);
      // And what the full scan lists, scanPaths lists too when named.
      const full = scanTree(opts(root)).files.map((f) => f.relPath);
      expect(scanPaths(opts(root), full).files.map((f) => f.relPath)).toEqual(full);
    });
  });

  it('a FIFO is skipped with a warning (and scanning does not block on it)', (ctx) => {
    const root = tempDir();
    writeTree(root, { 'a.md': 'a' });
    try {
      execFileSync('mkfifo', [path.join(root, 'pipe.md')], { stdio: 'ignore' });
    } catch {
      ctx.skip('mkfifo is not available');
    }
    const r = scanTree(opts(root));
    expect(r.files.map((f) => f.relPath)).toEqual(['a.md']);
    expect(r.issues).toMatchObject([{ file: 'pipe.md', severity: 'warning' }]);
  });

  it.skipIf(process.getuid?.() === 0)('an unreadable folder is an error naming it; the rest is still listed', () => {
    const root = tempDir();
    writeTree(root, { 'a.md': 'a', 'locked/b.md': 'b' });
    fs.chmodSync(path.join(root, 'locked'), 0o000);
    try {
      const r = scanTree(opts(root));
      expect(r.files.map((f) => f.relPath)).toEqual(['a.md']);
      expect(r.issues).toMatchObject([{ file: 'locked', severity: 'error' }]);
    } finally {
      fs.chmodSync(path.join(root, 'locked'), 0o755);
    }
  });
});

describe('kinds ignore the case of the extension', () => {
  it('classifies README.MD, Policy.PDF and FAQ.QA.YAML', () => {
    const c = makeClassifier({ include: ['**/*'], exclude: [], kinds });
    expect(c.classify('README.MD')).toBe('article');
    expect(c.classify('docs/Policy.PDF')).toBe('document');
    expect(c.classify('FAQ.QA.YAML')).toBe('qa');
  });
});

describe('listTree: walk first, stat later', () => {
  it('finishes like scanTree; files it is told are vouched for are not stat-ed (an empty signature)', () => {
    const root = tempDir();
    writeTree(root, { 'a.md': 'a', 'b.md': 'b', 'deep/c.md': 'c', 'notes.bin': 'x' });
    const listing = listTree(opts(root));
    // Deleted after the walk: a vouched file is not stat-ed, so it is still there; another is gone.
    fs.rmSync(path.join(root, 'a.md'));
    fs.rmSync(path.join(root, 'b.md'));
    const r = listing.finish((f) => f.relPath === 'a.md');
    expect(r.files.map((f) => [f.relPath, f.sig === ''])).toEqual([
      ['a.md', true],
      ['deep/c.md', false],
    ]);
    expect(r.ignored).toEqual(['notes.bin']);
    expect(listTree(opts(root)).finish()).toEqual(scanTree(opts(root)));
  });

  it('a symbolic link is always stat-ed (resolved), even when vouched for', () => {
    const root = tempDir();
    writeTree(root, { 'a.md': 'a' });
    fs.symlinkSync('a.md', path.join(root, 'link.md'));
    const r = listTree(opts(root)).finish(() => true);
    expect(r.files.map((f) => [f.relPath, f.sig === '', path.basename(f.absPath)])).toEqual([
      ['a.md', true, 'a.md'],
      ['link.md', false, 'a.md'],
    ]);
  });

  it('names the .gitattributes files of the folders it walks (not in dot-folders or node_modules)', () => {
    const root = tempDir();
    writeTree(root, {
      '.gitattributes': '* text=auto\n',
      'guides/.gitattributes': '*.pdf filter=lfs\n',
      'guides/a.md': 'a',
      '.hidden/.gitattributes': 'x',
      'node_modules/p/.gitattributes': 'x',
    });
    expect(listTree(opts(root)).attributeFiles.sort()).toEqual(['.gitattributes', 'guides/.gitattributes']);
  });
});

describe('globMatcher', () => {
  it('name patterns match exactly as picomatch matches basenames; path patterns the whole path', () => {
    const globs = [
      '*.md',
      'LICENSE*',
      'README.md',
      '*.{md,txt}',
      'draft-?.md',
      '!*.md',
      '**',
      '*',
      '[a-c]*.yaml',
      '*.MD',
    ];
    const paths = [
      'a.md',
      'x/y/a.md',
      'LICENSE',
      'docs/LICENSE.txt',
      'README.md',
      'x/README.md',
      'n.txt',
      'draft-1.md',
      'x/draft-12.md',
      'b.yaml',
      'x/d.yaml',
      'A.MD',
    ];
    for (const nocase of [false, true]) {
      for (const g of globs) {
        for (const p of paths) {
          const want = picomatch(g, { basename: true, dot: false, nocase })(p);
          expect([g, p, nocase, globMatcher([g], nocase)(p, p.slice(p.lastIndexOf('/') + 1))]).toEqual([
            g,
            p,
            nocase,
            want,
          ]);
        }
      }
    }
    const m = globMatcher(['inbox/**', '*.tmp']);
    expect(
      ['inbox/a.md', 'x/inbox/a.md', 'a.tmp', 'x/b.tmp', 'c.md'].filter((p) => m(p, path.posix.basename(p))),
    ).toEqual(['inbox/a.md', 'a.tmp', 'x/b.tmp']);
  });
});
