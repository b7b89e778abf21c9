import { describe, expect, it } from 'vitest';
import { exitCodeForError } from '../../src/cli/exit.js';
import { ExitCode, RefusedError } from '../../src/errors.js';
import type { Kind, ScannedFile } from '../../src/scan/file.js';
import type { ScanResult } from '../../src/scan/walk.js';
import { blobsToAdopt, refuseEmptyScan, selectWork, vouchedBy } from '../../src/sync/stages/select.js';
import type { GitView } from '../../src/scan/git.js';

/** The select stage's decisions, on plain values: what is gone, what must be read, when to refuse. */

const file = (relPath: string, sig = 's1', kind: Kind = 'article'): ScannedFile => ({
  relPath,
  absPath: `/k/${relPath}`,
  kind,
  sig,
});

const scan = (files: ScannedFile[], unreadable: string[] = []): ScanResult => ({
  files,
  ignored: [],
  issues: [],
  unreadable,
});

/** The state's file index: path → `kind|blob|sig` (skippable) or '' (must be read). */
const known = (entries: Record<string, string>) => new Map(Object.entries(entries));

describe('selectWork', () => {
  it('a full scan: unseen known files are removed; new, changed and unsettled files are read', () => {
    const k = known({
      'same.md': 'article||s1',
      'changed.md': 'article||s1',
      'unsettled.md': '',
      'gone.md': 'article||s1',
    });
    const s = scan([file('same.md'), file('changed.md', 's2'), file('unsettled.md'), file('new.md')]);
    const { removed, dirty } = selectWork({ known: k, scan: s, fingerprintChanged: false });
    expect([...removed]).toEqual(['gone.md']);
    expect(dirty.map((f) => f.relPath)).toEqual(['changed.md', 'unsettled.md', 'new.md']);
  });

  it('a file whose kind changed is read again even with the same signature', () => {
    const { dirty } = selectWork({
      known: known({ 'list.txt': 'article||s1' }),
      scan: scan([file('list.txt', 's1', 'urls')]),
      fingerprintChanged: false,
    });
    expect(dirty.map((f) => f.relPath)).toEqual(['list.txt']);
  });

  it('a changed extraction fingerprint reads every file', () => {
    const { dirty, removed } = selectWork({
      known: known({ 'a.md': 'article||s1', 'b.md': 'article||s1' }),
      scan: scan([file('a.md'), file('b.md')]),
      fingerprintChanged: true,
    });
    expect(dirty.map((f) => f.relPath)).toEqual(['a.md', 'b.md']);
    expect(removed.size).toBe(0);
  });

  it('watch mode: only hinted paths (and what is under a hinted folder) can be removed', () => {
    const k = known({
      'a.md': 'article||s1',
      'dir/b.md': 'article||s1',
      'dir/c.md': 'article||s1',
      'other.md': 'article||s1',
    });
    const { removed, dirty } = selectWork({
      known: k,
      scan: scan([file('dir/c.md', 's2')]),
      hinted: ['a.md', 'dir'],
      fingerprintChanged: false,
    });
    expect([...removed].sort()).toEqual(['a.md', 'dir/b.md']);
    expect(dirty.map((f) => f.relPath)).toEqual(['dir/c.md']);
  });

  it('what could not be examined is never taken for deleted', () => {
    const k = known({
      'locked/a.md': 'article||s1',
      'locked/deep/b.md': 'article||s1',
      'x.md': 'article||s1',
      'gone.md': '',
    });
    const { removed } = selectWork({
      known: k,
      scan: scan([], ['locked', 'x.md']),
      fingerprintChanged: false,
    });
    expect([...removed]).toEqual(['gone.md']);
    // The root itself unreadable ('') keeps everything.
    expect(selectWork({ known: k, scan: scan([], ['']), fingerprintChanged: false }).removed.size).toBe(0);
  });
});

describe('the git path', () => {
  /** A git view that vouches for the given path → blob id. */
  const git = (ids: Record<string, string>) => ({ vouch: (p: string) => ids[p] }) as unknown as GitView;

  it('git vouches for a file only with the blob id the state recorded, and for the same kind', () => {
    const k = known({
      'a.md': 'article|b1|s1',
      'b.md': 'article|b1|s1',
      'c.md': 'article||s1',
      'd.txt': 'article|b1|s1',
      'e.md': '',
    });
    const v = vouchedBy(git({ 'a.md': 'b1', 'b.md': 'b2', 'c.md': 'b1', 'd.txt': 'b1', 'e.md': 'b1' }), k);
    expect(['a.md', 'b.md', 'c.md', 'e.md', 'new.md'].filter((p) => v(file(p)))).toEqual(['a.md']);
    expect(v(file('d.txt', 's1', 'urls'))).toBe(false);
  });

  it('a file git vouched for (no signature) is not read; the others take the stat path', () => {
    const k = known({ 'vouched.md': 'article|b1|s1', 'same.md': 'article|b1|s1', 'changed.md': 'article|b1|s1' });
    const s = scan([file('vouched.md', ''), file('same.md'), file('changed.md', 's2')]);
    expect(selectWork({ known: k, scan: s, fingerprintChanged: false }).dirty.map((f) => f.relPath)).toEqual([
      'changed.md',
    ]);
    // A changed extraction reads everything, vouched or not.
    expect(selectWork({ known: k, scan: s, fingerprintChanged: true }).dirty).toHaveLength(3);
  });

  it("files found as last read by the stat path take git's blob id; read or unvouched files do not", () => {
    const s = scan([file('vouched.md', ''), file('stat.md'), file('read.md'), file('untracked.md')]);
    const dirty = [s.files[2] as ScannedFile];
    expect(blobsToAdopt(git({ 'vouched.md': 'b0', 'stat.md': 'b1', 'read.md': 'b2' }), s, dirty)).toEqual([
      { path: 'stat.md', blob: 'b1' },
    ]);
  });
});

describe('refuseEmptyScan', () => {
  const base = {
    known: known({ 'a.md': 'article||s1' }),
    removed: new Set(['a.md']),
    incremental: false,
    hasItems: true,
    allowEmpty: false,
    knowledgeDir: '/k',
  };

  it('refuses (exit 4) a scan that finds nothing while the bot has items, and says how to proceed', () => {
    let err: unknown;
    try {
      refuseEmptyScan({ ...base, scan: scan([]) });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RefusedError);
    expect(exitCodeForError(err)).toBe(ExitCode.refused);
    expect((err as RefusedError).message).toContain('/k');
    expect((err as RefusedError).hint).toContain('--allow-empty');
  });

  it('lets it through with --allow-empty, with no items, or when something remains or is unreadable', () => {
    expect(() => refuseEmptyScan({ ...base, scan: scan([]), allowEmpty: true })).not.toThrow();
    expect(() => refuseEmptyScan({ ...base, scan: scan([]), hasItems: false })).not.toThrow();
    expect(() => refuseEmptyScan({ ...base, scan: scan([file('b.md')]) })).not.toThrow();
    expect(() => refuseEmptyScan({ ...base, scan: scan([], ['locked']) })).not.toThrow();
  });

  it('in watch mode counts what the state still has: deleting the last file is refused, one of several is not', () => {
    const two = known({ 'a.md': 'article||s1', 'b.md': 'article||s1' });
    expect(() =>
      refuseEmptyScan({ ...base, known: two, removed: new Set(['a.md']), incremental: true, scan: scan([]) }),
    ).not.toThrow();
    expect(() =>
      refuseEmptyScan({ ...base, known: two, removed: new Set(['a.md', 'b.md']), incremental: true, scan: scan([]) }),
    ).toThrow(RefusedError);
    // A new file in the same batch keeps the folder from being empty.
    expect(() =>
      refuseEmptyScan({
        ...base,
        known: two,
        removed: new Set(['a.md', 'b.md']),
        incremental: true,
        scan: scan([file('c.md')]),
      }),
    ).not.toThrow();
  });
});
