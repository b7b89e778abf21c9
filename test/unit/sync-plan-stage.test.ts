import { describe, expect, it } from 'vitest';
import type { FileResult } from '../../src/extract/index.js';
import type { ItemMeta } from '../../src/extract/types.js';
import { planSync, type Plan } from '../../src/plan/plan.js';
import { collectExtracts, emptyPriorState, planRun, type PriorState } from '../../src/sync/stages/plan.js';
import { refineCandidates, refinePlan } from '../../src/sync/stages/refine.js';
import { item, world } from '../helpers/plan-state.js';

/** The plan stage on plain values: gathering extract results, planning, and the dry run's refinement. */

const meta = (key: string, hash: string, line = 1): ItemMeta => ({ key, type: 'TEXT', label: key, hash, line });

const result = (relPath: string, items: ItemMeta[], extra: Partial<FileResult['extract']> = {}): FileResult => ({
  relPath,
  kind: 'article',
  extract: { items: items.map((i) => ({ ...i, file: relPath })), issues: [], complete: true, ...extra },
});

describe('collectExtracts', () => {
  it('gathers items (tagged with their file), read and incomplete files, issues and drafts', () => {
    const issue = { file: 'b.md', line: 3, message: 'bad', severity: 'error' as const };
    const c = collectExtracts([
      result('a.md', [meta('k1', 'h1'), meta('k2', 'h2', 9)]),
      result('b.md', [meta('k3', 'h3')], { complete: false, issues: [issue] }),
      result('c.md', [], { skipped: 'draft' }),
      result('d.qa.yaml', [], { draftEntries: 2 }),
      result('e.md', [], { skipped: 'sync-false' }),
      result('f.md', [], { skipped: 'empty' }),
    ]);
    expect(c.desired.map((d) => [d.file, d.key, d.line])).toEqual([
      ['a.md', 'k1', 1],
      ['a.md', 'k2', 9],
      ['b.md', 'k3', 1],
    ]);
    expect([...c.dirtyFiles]).toEqual(['a.md', 'b.md', 'c.md', 'd.qa.yaml', 'e.md', 'f.md']);
    expect([...c.incompleteFiles]).toEqual(['b.md']);
    expect(c.issues).toEqual([issue]);
    expect(c.skippedDrafts).toBe(4);
  });
});

describe('planRun', () => {
  it('plans as planSync does from the same slice, and keeps the slice keys with their hashes', () => {
    const input = world()
      .synced('a.md', item('k1', 'h1'), item('k2', 'h2'))
      .reads('a.md', item('k1', 'h1'), item('k3', 'h3'))
      .input();
    const state: PriorState = {
      fileKeys: new Map([
        [
          'a.md',
          [
            { key: 'k1', hash: 'h1' },
            { key: 'k2', hash: 'h2' },
          ],
        ],
      ]),
      prior: new Map(input.prior),
      heldElsewhere: new Set(input.heldElsewhere),
    };
    const collected = collectExtracts([result('a.md', [meta('k1', 'h1'), meta('k3', 'h3', 2)])]);
    const run = planRun(collected, new Set(), state);
    const direct = planSync(input);
    expect(run.plan.create.map((c) => c.item.key)).toEqual(direct.create.map((c) => c.item.key));
    expect(run.plan.stale.map((s) => s.prior.key)).toEqual(['k2']);
    expect(run.plan.unchanged.map((u) => u.key)).toEqual(['k1']);
    expect(run.priorFileKeys.get('a.md')).toEqual([
      { key: 'k1', hash: 'h1' },
      { key: 'k2', hash: 'h2' },
    ]);
  });

  it('reports key conflicts after the files’ own issues, and remembers the first one per losing file', () => {
    const own = { file: 'x.md', message: 'a warning', severity: 'warning' as const };
    const collected = collectExtracts([
      result('a.md', [meta('article:id:same', 'h1')]),
      result('b.md', [meta('article:id:same', 'h2'), meta('article:id:other', 'h9', 5)]),
      result('c.md', [meta('article:id:other', 'h3')], { issues: [own] }),
    ]);
    const run = planRun(collected, new Set(), emptyPriorState());
    expect(run.issues[0]).toEqual(own);
    expect(run.issues.slice(1).map((i) => [i.file, i.severity])).toEqual([
      ['b.md', 'error'],
      ['c.md', 'error'],
    ]);
    expect([...run.conflicted.keys()]).toEqual(['b.md', 'c.md']);
    expect(run.conflicted.get('b.md')).toContain('"same"');
  });
});

describe('refinePlan', () => {
  /** A plan with two article updates that have a sent payload hash, one without, and a Q&A update. */
  function plan(): Plan {
    const p = planSync(
      world()
        .synced('a.md', item('article:a', 'old'))
        .synced('b.md', item('article:b', 'old'))
        .synced('c.md', item('article:c', 'old'))
        .synced('q.qa.yaml', item('qa:q', 'old'))
        .reads('a.md', item('article:a', 'new'))
        .reads('b.md', item('article:b', 'new'))
        .reads('c.md', item('article:c', 'new'))
        .reads('q.qa.yaml', item('qa:q', 'new'))
        .input(),
    );
    for (const u of p.update)
      if (u.item.key !== 'article:c') u.prior = { ...u.prior, payloadHash: `sent:${u.item.key}` };
    return p;
  }

  it('only articles whose sent payload is known are candidates, by file', () => {
    const c = refineCandidates(plan());
    expect([...c.keys()]).toEqual(['a.md', 'b.md']);
  });

  it('an update that renders to what was sent becomes unchanged, in a new plan; the given one is left alone', () => {
    const before = plan();
    const snapshot = JSON.stringify({ update: before.update, unchanged: before.unchanged });
    const after = refinePlan(
      before,
      new Map([
        ['article:a', 'sent:article:a'],
        ['article:b', 'something else'],
      ]),
    );
    expect(after).not.toBe(before);
    expect(after.update.map((u) => u.item.key)).toEqual(['article:c', 'qa:q', 'article:b']);
    expect(after.unchanged.map((u) => u.key)).toEqual(['article:a']);
    expect(after.create).toBe(before.create);
    expect(JSON.stringify({ update: before.update, unchanged: before.unchanged })).toBe(snapshot);
  });

  it('a candidate that could not be rendered stays an update', () => {
    const after = refinePlan(plan(), new Map());
    expect(after.update.map((u) => u.item.key).sort()).toEqual(['article:a', 'article:b', 'article:c', 'qa:q']);
    expect(after.unchanged).toEqual([]);
  });
});
