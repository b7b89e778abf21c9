import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractFile } from '../../src/extract/index.js';
import type { Kind } from '../../src/scan/file.js';
import { tempDir } from '../helpers/fs.js';
import { conversionOf, parseCheckAttr, relevance } from '../../src/scan/git-attributes.js';
import { parseLsFiles } from '../../src/scan/git.js';

describe('relevance: what an attributes file could convert', () => {
  it.each([
    ['', { content: false, eol: false }],
    ['# *.md filter=lfs\n', { content: false, eol: false }],
    ['*.png binary\n*.md diff=markdown linguist-generated\n', { content: false, eol: false }],
    ['*.pdf filter=lfs diff=lfs merge=lfs -text\n', { content: true, eol: true }],
    ['* text=auto\n', { content: false, eol: true }],
    ['*.sh eol=lf\n', { content: false, eol: true }],
    ['*.bat -crlf\n', { content: false, eol: true }],
    ['*.c ident\n', { content: true, eol: false }],
    ['*.txt working-tree-encoding=UTF-16LE\n', { content: true, eol: false }],
    ['[attr]secret filter=crypt\n*.key secret\n', { content: true, eol: false }],
    ['  *.md   !filter  \r\n', { content: true, eol: false }],
  ])('%j', (text, expected) => {
    expect(relevance(text)).toEqual(expected);
  });
});

describe('conversionOf: why bytes on disk may differ from the blob', () => {
  const a = (o: Record<string, string>) => new Map(Object.entries(o));
  it.each([
    [{}, 'false', undefined],
    [{}, undefined, undefined],
    [{}, 'true', 'core.autocrlf=true converts line endings'],
    [{}, 'input', 'core.autocrlf=input converts line endings'],
    [{ filter: 'lfs' }, undefined, 'filter=lfs'],
    [{ filter: 'unset' }, 'false', undefined],
    [{ ident: 'set' }, undefined, 'ident'],
    [{ 'working-tree-encoding': 'UTF-16LE' }, undefined, 'working-tree-encoding=UTF-16LE'],
    [{ text: 'unset' }, 'true', undefined],
    [{ crlf: 'unset' }, 'true', undefined],
    [{ text: 'auto' }, 'false', 'text=auto converts line endings'],
    [{ text: 'set' }, 'false', 'text converts line endings'],
    [{ text: 'auto' }, undefined, undefined],
    [{ eol: 'lf' }, 'false', 'eol=lf converts line endings'],
    [{ crlf: 'input' }, 'false', 'crlf=input converts line endings'],
  ] as const)('%j with autocrlf %s → %s', (attrs, autocrlf, expected) => {
    expect(conversionOf(a(attrs), autocrlf)).toBe(expected);
  });
});

describe('parseCheckAttr', () => {
  it('reads -z triples, by path', () => {
    const out = 'a b.md\0filter\0lfs\0a b.md\0text\0unset\0c.md\0filter\0unspecified\0';
    const m = parseCheckAttr(out);
    expect([...m.keys()]).toEqual(['a b.md', 'c.md']);
    expect(Object.fromEntries(m.get('a b.md') ?? [])).toEqual({ filter: 'lfs', text: 'unset' });
  });
});

describe('why line endings matter only for documents', () => {
  const settings = {
    markdownFormat: 'markdown',
    maxTextBytes: 1 << 20,
    maxItemsPerFile: 100,
    maxDocumentBytes: 1 << 20,
  } as const;
  const extract = async (name: string, kind: Kind, text: string) => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, name), text);
    const r = await extractFile({ relPath: name, absPath: path.join(dir, name), kind, sig: '' }, settings);
    return r.extract.items.map((i) => [i.key, i.hash]);
  };

  it.each([
    ['a.md', 'article', '---\ntitle: T\n---\n# Head\n\nBody line one.\nLine two.\n'],
    ['f.qa.yaml', 'qa', '- q: How?\n  a: |\n    Like this.\n    And this.\n'],
    ['l.urls', 'urls', '# list\nhttps://example.com/a\nhttps://example.com/b\n'],
    ['d.csv', 'document', 'a,b\n1,2\n'],
  ] as const)('%s: CRLF and LF give the same items only for text kinds', async (name, kind, text) => {
    const lf = await extract(name, kind, text);
    const crlf = await extract(name, kind, text.replace(/\n/g, '\r\n'));
    expect(lf.length).toBeGreaterThan(0);
    if (kind === 'document') expect(crlf).not.toEqual(lf);
    else expect(crlf).toEqual(lf);
  });
});

describe('parseLsFiles', () => {
  it('reads tags, modes, blob ids (sha1 and sha256) and stages in place; paths may hold spaces and tabs', () => {
    const sha1 = 'a'.repeat(40);
    const sha256 = 'b'.repeat(64);
    const out = [
      `H 100644 ${sha1} 0\ta b.md`,
      `h 100644 ${sha1} 0\tassumed.md`,
      `S 100644 ${sha1} 0\tsparse/x.md`,
      `H 120000 ${sha1} 0\tlink.md`,
      `H 160000 ${sha1} 0\tmodule`,
      `M 100644 ${sha1} 1\tconflict.md`,
      `M 100644 ${sha1} 2\tconflict.md`,
      `H 100755 ${sha256} 0\tsub/.gitattributes`,
      `H 100644 ${sha1} 0\ttab\there.md`,
      '',
    ].join('\0');
    const v = {
      tracked: new Map<string, string>(),
      dirty: new Map<string, string>(),
      attributesInside: [] as string[],
    };
    parseLsFiles(out, v as Parameters<typeof parseLsFiles>[1]);
    expect(Object.fromEntries(v.tracked)).toEqual({
      'a b.md': sha1,
      'assumed.md': sha1,
      'sparse/x.md': sha1,
      'link.md': sha1,
      module: sha1,
      'sub/.gitattributes': sha256,
      'tab\there.md': sha1,
    });
    expect(Object.fromEntries(v.dirty)).toEqual({
      'assumed.md': 'assume-unchanged',
      'sparse/x.md': 'skip-worktree',
      'link.md': 'symbolic link',
      module: 'submodule',
      'conflict.md': 'unmerged',
    });
    expect(v.attributesInside).toEqual(['sub/.gitattributes']);
  });
});
