import { describe, expect, it } from 'vitest';
import { planCounts, planSync, type Plan } from '../../src/plan/plan.js';
import { item, world, type World } from '../helpers/plan-state.js';

/** A plan reduced to keys, for table-driven comparison. */
interface Summary {
  create: string[];
  update: string[];
  moved: [from: string, to: string][];
  stale: string[];
  unchanged: string[];
  held: string[];
  duplicates: [file: string, key: string][];
  conflicts: [file: string, line: number | undefined][];
}

function summarize(plan: Plan): Summary {
  return {
    create: plan.create.map((c) => c.item.key).sort(),
    update: plan.update.map((u) => u.item.key).sort(),
    moved: plan.moved.map((m) => [m.from.key, m.item.key] as [string, string]).sort(),
    stale: plan.stale.map((s) => s.prior.key).sort(),
    unchanged: plan.unchanged.map((u) => u.key).sort(),
    held: [...plan.held].sort(),
    duplicates: plan.duplicates.map((d) => [d.file, d.key] as [string, string]),
    conflicts: plan.conflicts.map((c) => [c.file, c.line] as [string, number | undefined]),
  };
}

const empty: Summary = {
  create: [],
  update: [],
  moved: [],
  stale: [],
  unchanged: [],
  held: [],
  duplicates: [],
  conflicts: [],
};

const A = 'article:path:a.md';
const B = 'article:path:b.md';
const C = 'article:path:c.md';
const U1 = 'url:https://example.com/one';
const U2 = 'url:https://example.com/two';

interface Case {
  name: string;
  build: () => World;
  expect: Partial<Summary>;
}

const cases: Case[] = [
  {
    name: 'a new key is created',
    build: () => world().reads('a.md', item(A, 'h1')),
    expect: { create: [A] },
  },
  {
    name: 'the same key with the same hash is unchanged',
    build: () => world().synced('a.md', item(A, 'h1')).reads('a.md', item(A, 'h1')),
    expect: { unchanged: [A] },
  },
  {
    name: 'the same key with a new hash is an update',
    build: () => world().synced('a.md', item(A, 'h1')).reads('a.md', item(A, 'h2')),
    expect: { update: [A] },
  },
  {
    name: 'a key whose file was deleted is stale',
    build: () => world().synced('a.md', item(A, 'h1')).deleted('a.md'),
    expect: { stale: [A] },
  },
  {
    name: 'an entry removed from a re-read file is stale, the others unchanged',
    build: () =>
      world()
        .synced('faq.qa.yaml', item('qa:faq.qa.yaml#q:one', 'q1'), item('qa:faq.qa.yaml#q:two', 'q2'))
        .reads('faq.qa.yaml', item('qa:faq.qa.yaml#q:one', 'q1')),
    expect: { unchanged: ['qa:faq.qa.yaml#q:one'], stale: ['qa:faq.qa.yaml#q:two'] },
  },
  {
    name: 'a file that is now a draft (yields nothing) turns its item stale',
    build: () => world().synced('a.md', item(A, 'h1')).reads('a.md'),
    expect: { stale: [A] },
  },
  {
    name: 'a rename (same hash, new key, old key vanished) is a move and pushes nothing',
    build: () => world().synced('a.md', item(A, 'h1')).deleted('a.md').reads('b.md', item(B, 'h1')),
    expect: { moved: [[A, B]] },
  },
  {
    name: 'a rename with an edit is a create and a stale',
    build: () => world().synced('a.md', item(A, 'h1')).deleted('a.md').reads('b.md', item(B, 'h2')),
    expect: { create: [B], stale: [A] },
  },
  {
    name: 'two new keys with one vanished hash: the first by path moves, the other is created',
    build: () =>
      world().synced('a.md', item(A, 'h1')).deleted('a.md').reads('c.md', item(C, 'h1')).reads('b.md', item(B, 'h1')),
    expect: { moved: [[A, B]], create: [C] },
  },
  {
    name: 'a vanished hash of another type is not a move',
    build: () =>
      world().synced('a.md', item(A, 'h1')).deleted('a.md').reads('x.qa.yaml', item('qa:x.qa.yaml#q:x', 'h1')),
    expect: { create: ['qa:x.qa.yaml#q:x'], stale: [A] },
  },
  {
    name: 'a file with errors holds its earlier keys: not stale',
    build: () =>
      world()
        .synced('faq.qa.yaml', item('qa:faq.qa.yaml#q:one', 'q1'), item('qa:faq.qa.yaml#q:two', 'q2'))
        .readsWithErrors('faq.qa.yaml'),
    expect: { held: ['qa:faq.qa.yaml#q:one', 'qa:faq.qa.yaml#q:two'] },
  },
  {
    name: 'a URL list with a bad line: good lines sync, the URLs it no longer yields are held',
    build: () =>
      world()
        .synced('l.urls', item(U1, 'u1'), item(U2, 'u2'))
        .readsWithErrors('l.urls', item(U1, 'u1'), item('url:https://example.com/three', 'u3')),
    expect: { unchanged: [U1], create: ['url:https://example.com/three'], held: [U2] },
  },
  {
    name: 'a held key is not the source of a move either',
    build: () => world().synced('a.urls', item(U1, 'same')).readsWithErrors('a.urls').reads('b.urls', item(U2, 'same')),
    expect: { held: [U1], create: [U2] },
  },
  {
    name: 'a URL listed in two files read now is pushed once',
    build: () => world().reads('b.urls', item(U1, 'u1')).reads('a.urls', item(U1, 'u1')),
    expect: { create: [U1], duplicates: [['b.urls', U1]] },
  },
  {
    name: 'a URL a new file lists that an unchanged file still holds is not re-created',
    build: () => world().synced('a.urls', item(U1, 'u1')).reads('b.urls', item(U1, 'u1')),
    expect: { duplicates: [['b.urls', U1]] },
  },
  {
    name: 'a URL removed from one file but still held by an unchanged file is not stale',
    build: () =>
      world()
        .synced('a.urls', item(U1, 'u1'))
        .synced('b.urls', item(U1, 'u1'), item(U2, 'u2'))
        .reads('b.urls', item(U2, 'u2')),
    expect: { unchanged: [U2] },
  },
  {
    name: 'a URL moved from one list to another (both re-read) is unchanged',
    build: () => world().synced('a.urls', item(U1, 'u1')).reads('a.urls').reads('b.urls', item(U1, 'u1')),
    expect: { unchanged: [U1] },
  },
  {
    name: 'two files with the same article id: a conflict on the later file',
    build: () =>
      world()
        .reads('b.md', item('article:id:x', 'hb', { line: 3 }))
        .reads('a.md', item('article:id:x', 'ha', { line: 1 })),
    expect: { create: ['article:id:x'], conflicts: [['b.md', 3]] },
  },
  {
    name: 'a new file claiming the article id of an unchanged file is a conflict, nothing is pushed for it',
    build: () =>
      world()
        .synced('a.md', item('article:id:x', 'ha'))
        .reads('b.md', item('article:id:x', 'hb', { line: 2 })),
    expect: { conflicts: [['b.md', 2]] },
  },
  {
    name: 'a file in conflict keeps its other earlier keys (held, not stale)',
    build: () =>
      world()
        .synced('a.md', item('article:id:x', 'ha'))
        .synced('b.md', item('article:id:y', 'hy'))
        .reads('a.md', item('article:id:x', 'ha'))
        .reads('b.md', item('article:id:x', 'hb')),
    expect: { unchanged: ['article:id:x'], conflicts: [['b.md', 1]], held: ['article:id:y'] },
  },
  {
    name: 'both files re-read: the id stays with the file that had it, even when it sorts later',
    build: () =>
      world()
        .synced('z.md', item('article:id:foo', 'hz'))
        .reads('z.md', item('article:id:foo', 'hz2', { line: 4 }))
        .reads('a.md', item('article:id:foo', 'ha', { line: 2 })),
    expect: { update: ['article:id:foo'], conflicts: [['a.md', 2]] },
  },
  {
    name: 'a file that takes an id already in use keeps its own earlier key held (not stale), so fixing it is a move',
    build: () =>
      world()
        .synced('a.md', item('article:id:alpha', 'ha'))
        .synced('z.md', item('article:id:zed', 'hz'))
        .reads('z.md', item('article:id:alpha', 'hz', { line: 1 })),
    expect: { conflicts: [['z.md', 1]], held: ['article:id:zed'] },
  },
  {
    name: 'a type change with the same hash is an update, not unchanged',
    build: () =>
      world()
        .synced('a.md', item(A, 'h1', { type: 'URL' }))
        .reads('a.md', item(A, 'h1', { type: 'TEXT' })),
    expect: { update: [A] },
  },
  {
    name: 'edit, delete, rename and add in one go',
    build: () =>
      world()
        .synced('a.md', item(A, 'a1'))
        .synced('b.md', item(B, 'b1'))
        .synced('c.md', item(C, 'c1'))
        .synced('keep.md', item('article:path:keep.md', 'k1'))
        .reads('a.md', item(A, 'a2'))
        .deleted('b.md')
        .deleted('c.md')
        .reads('d.md', item('article:path:d.md', 'c1'))
        .reads('e.md', item('article:path:e.md', 'e1')),
    expect: { update: [A], stale: [B], moved: [[C, 'article:path:d.md']], create: ['article:path:e.md'] },
  },
];

describe('planSync', () => {
  it.each(cases)('$name', ({ build, expect: want }) => {
    const plan = planSync(build().input());
    expect(summarize(plan)).toEqual({ ...empty, ...want });
  });

  it('an update carries the prior item (its remote id and old hash)', () => {
    const w = world().synced('a.md', item(A, 'h1')).reads('a.md', item(A, 'h2'));
    const plan = planSync(w.input());
    expect(plan.update).toHaveLength(1);
    expect(plan.update[0]!.prior).toEqual(w.prior(A));
    expect(plan.update[0]!.prior).toMatchObject({ hash: 'h1', remoteId: `r:${A}` });
    expect(plan.update[0]!.item).toMatchObject({ key: A, hash: 'h2', file: 'a.md' });
  });

  it('a move carries the item it re-keys, and stale entries name their former file', () => {
    const w = world()
      .synced('a.md', item(A, 'h1'))
      .synced('x.md', item('article:path:x.md', 'hx'))
      .deleted('a.md')
      .deleted('x.md')
      .reads('b.md', item(B, 'h1'));
    const plan = planSync(w.input());
    expect(plan.moved[0]!.from).toEqual(w.prior(A));
    expect(plan.moved[0]!.item.file).toBe('b.md');
    expect(plan.stale).toEqual([{ prior: w.prior('article:path:x.md'), file: 'x.md', fromFile: 'x.md' }]);
  });

  it('the conflict message names the key and the file that has it first', () => {
    const plan = planSync(
      world().reads('b.md', item('article:id:faq', 'hb')).reads('a.md', item('article:id:faq', 'ha')).input(),
    );
    expect(plan.conflicts).toHaveLength(1);
    expect(plan.conflicts[0]).toMatchObject({ file: 'b.md', severity: 'error' });
    expect(plan.conflicts[0]!.message).toContain('"faq"');
    expect(plan.conflicts[0]!.message).toContain('a.md');
    // The item that won is the one from the first file by path.
    expect(plan.create.map((c) => c.item.file)).toEqual(['a.md']);
  });

  it('is deterministic: the order of the desired items does not matter', () => {
    const w = world()
      .synced('a.md', item(A, 'h1'))
      .deleted('a.md')
      .reads('c.md', item(C, 'h1'))
      .reads('b.md', item(B, 'h1'))
      .reads('a.urls', item(U1, 'u1'))
      .reads('b.urls', item(U1, 'u1'));
    const input = w.input();
    const forward = summarize(planSync(input));
    const backward = summarize(planSync({ ...input, desired: [...input.desired].reverse() }));
    expect(backward).toEqual(forward);
    expect(forward.moved).toEqual([[A, B]]);
    expect(forward.duplicates).toEqual([['b.urls', U1]]);
  });

  it('planCounts counts each list', () => {
    const plan = planSync(
      world()
        .synced('a.md', item(A, 'a1'))
        .synced('b.md', item(B, 'b1'))
        .reads('a.md', item(A, 'a2'))
        .deleted('b.md')
        .reads('c.md', item(C, 'c1'))
        .input(),
    );
    expect(planCounts(plan)).toEqual({ create: 1, update: 1, moved: 0, stale: 1, unchanged: 0 });
  });
});
