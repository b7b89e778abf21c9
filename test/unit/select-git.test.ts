import { describe, expect, it } from 'vitest';
import { DEFAULT_KINDS } from '../../src/config/schema.js';
import { Digest, pairLanes } from '../../src/scan/digest.js';
import { agrees, splitTracked } from '../../src/sync/stages/select-git.js';

/** The folder on git's word: the digest, and when the state and git's index agree. */

const blob = (n: number) => n.toString(16).padStart(40, 'a');
const kinds = {
  qa: [...DEFAULT_KINDS.qa],
  urls: [...DEFAULT_KINDS.urls],
  article: [...DEFAULT_KINDS.article],
  document: [...DEFAULT_KINDS.document],
};
const opts = { root: '/k', include: ['**/*'], exclude: ['drafts/**'], kinds, skip: ['/k/state.db'] };

const digestOf = (pairs: [string, string][]) => {
  const d = new Digest();
  for (const [p, b] of pairs) d.add(pairLanes(p, b));
  return d;
};

describe('the folder digest', () => {
  it('does not depend on order; a changed blob, a rename, one file more or less all change it', () => {
    const base: [string, string][] = [
      ['a.md', blob(1)],
      ['b/c.md', blob(2)],
      ['d.qa.yaml', blob(3)],
    ];
    const d = digestOf(base);
    expect(digestOf([...base].reverse()).equals(d)).toBe(true);
    expect(digestOf([base[0]!, base[1]!, ['d.qa.yaml', blob(4)]]).equals(d)).toBe(false);
    expect(digestOf([base[0]!, base[1]!, ['e.qa.yaml', blob(3)]]).equals(d)).toBe(false);
    expect(digestOf(base.slice(0, 2)).equals(d)).toBe(false);
    // Two files swapping their bytes is a change too.
    expect(digestOf([['a.md', blob(2)], ['b/c.md', blob(1)], base[2]!]).equals(d)).toBe(false);
    const back = digestOf(base);
    back.remove(pairLanes('b/c.md', blob(2)));
    back.add(pairLanes('b/c.md', blob(2)));
    expect(back.equals(d)).toBe(true);
  });
});

describe('agrees', () => {
  const pairs: [string, string][] = [
    ['a.md', blob(1)],
    ['b.md', blob(2)],
    ['c.md', blob(3)],
  ];
  const state = (extraFiles = 0) => {
    const d = digestOf(pairs);
    return { files: d.count + extraFiles, count: d.count, sums: [...d.sums] as [number, number, number, number] };
  };

  it('the same files: yes', () => {
    expect(agrees(state(), digestOf(pairs), [])).toBe(true);
  });

  it('a file git does not vouch for is taken out of the state side (its lanes, or none)', () => {
    expect(agrees(state(), digestOf(pairs.slice(0, 2)), [{ lanes: pairLanes('c.md', blob(3)) }])).toBe(true);
    // Known to the state without a blob id (not in its digest): it only counts as a file.
    expect(agrees(state(1), digestOf(pairs), [{ lanes: undefined }])).toBe(true);
  });

  it("a state file that is neither in git's digest nor among those it does not vouch for: no", () => {
    expect(agrees(state(1), digestOf(pairs), [])).toBe(false);
    expect(agrees(state(), digestOf(pairs.slice(0, 2)), [])).toBe(false);
    expect(agrees(state(), digestOf([...pairs, ['d.md', blob(4)]]), [])).toBe(false);
  });
});

describe('splitTracked', () => {
  it('counts knowledge files only: not hidden ones, other kinds, excluded ones or the state file', () => {
    const tracked = new Map([
      ['a.md', blob(1)],
      ['.gitattributes', blob(2)],
      ['x/.hidden.md', blob(3)],
      ['node_modules/p/readme.md', blob(4)],
      ['image.png', blob(5)],
      ['drafts/d.md', blob(6)],
      ['state.db', blob(7)],
      ['changed.md', blob(8)],
      ['faq.qa.yaml', blob(9)],
    ]);
    const view = { tracked, vouch: (p: string) => (p === 'changed.md' ? undefined : tracked.get(p)) };
    const r = splitTracked(view, opts);
    expect([...(r?.notVouched ?? [])]).toEqual(['changed.md']);
    expect(
      r?.digest.equals(
        digestOf([
          ['a.md', blob(1)],
          ['faq.qa.yaml', blob(9)],
        ]),
      ),
    ).toBe(true);
  });

  it('puts the files the state cannot skip with those git does not vouch for, out of the digest', () => {
    const tracked = new Map([
      ['a.md', blob(1)],
      ['broken.md', blob(2)],
      ['c.md', blob(3)],
    ]);
    const view = { tracked, vouch: (p: string) => tracked.get(p) };
    const r = splitTracked(view, opts, new Set(['broken.md', 'gone.md']));
    expect([...(r?.notVouched ?? [])]).toEqual(['broken.md']);
    expect(
      r?.digest.equals(
        digestOf([
          ['a.md', blob(1)],
          ['c.md', blob(3)],
        ]),
      ),
    ).toBe(true);
  });

  it('gives way when a tracked name is not UTF-8 (the full scan warns about it)', () => {
    const tracked = new Map([['bad\uFFFD.md', blob(1)]]);
    expect(splitTracked({ tracked, vouch: (p) => tracked.get(p) }, opts)).toBeUndefined();
  });
});
