import { describe, expect, it } from 'vitest';
import { exitCodeForRun } from '../../src/cli/exit.js';
import { ExitCode, RefusedError } from '../../src/errors.js';
import type { ItemResult } from '../../src/events.js';
import type { FileResult } from '../../src/extract/index.js';
import { planSync, type Plan } from '../../src/plan/plan.js';
import type { ScannedFile } from '../../src/scan/file.js';
import { buildResult, showPaths, type ResultInput } from '../../src/sync/result.js';
import { movesOf, type Applied } from '../../src/sync/stages/apply.js';
import { dryRunOutcome } from '../../src/sync/stages/apply-dry-run.js';
import {
  deferredKeys,
  pushCounts,
  pushJobsFor,
  runStatus,
  splitStale,
  unsettledFiles,
} from '../../src/sync/stages/apply-push.js';
import { defaultWorkers } from '../../src/sync/stages/extract.js';
import { refuseFirstRun } from '../../src/sync/stages/guards.js';
import { recordFor, recordsFor } from '../../src/sync/stages/record.js';
import { makeDisplay } from '../../src/util/paths.js';
import { item, world } from '../helpers/plan-state.js';

/** The apply strategies' and the result's decisions on plain values (the writes are tested on a real store). */

/**
 * a.md: k1 unchanged, k2 reworded into k2b (its old key goes stale once k2b is pushed);
 * b.md: deleted (k3 stale now); c.md: renamed to d.md (a move); e.md: new (k5 created); f.md: k6 changed.
 */
function samplePlan(): Plan {
  return planSync(
    world()
      .synced('a.md', item('k1', 'h1'), item('k2', 'h2'))
      .synced('b.md', item('k3', 'h3'))
      .synced('c.md', item('k4', 'h4'))
      .synced('f.md', item('k6', 'h6'))
      .reads('a.md', item('k1', 'h1'), item('k2b', 'h2b'))
      .deleted('b.md')
      .deleted('c.md')
      .reads('d.md', item('k4b', 'h4'))
      .reads('e.md', item('k5', 'h5'))
      .reads('f.md', item('k6', 'h6b'))
      .input(),
  );
}

const scanned = (relPath: string): ScannedFile => ({ relPath, absPath: `/k/${relPath}`, kind: 'article', sig: 's' });
const filesOf = (...paths: string[]) => new Map(paths.map((p) => [p, scanned(p)]));

describe('the push strategy, in pure steps', () => {
  it('jobs are the creates and updates in file and line order, each with its scanned file', () => {
    const jobs = pushJobsFor(samplePlan(), filesOf('a.md', 'e.md', 'f.md'));
    expect(jobs.map((j) => [j.action, j.item.key, j.file.relPath])).toEqual([
      ['create', 'k2b', 'a.md'],
      ['create', 'k5', 'e.md'],
      ['update', 'k6', 'f.md'],
    ]);
    expect(jobs[2]?.prior?.key).toBe('k6');
  });

  it('stale keys of a file with pushes wait for them; the others turn stale now', () => {
    const plan = samplePlan();
    const { now, later } = splitStale(plan.stale, pushJobsFor(plan, filesOf('a.md', 'e.md', 'f.md')));
    expect(now.map((s) => s.prior.key)).toEqual(['k3']);
    expect(later.map((s) => s.prior.key)).toEqual(['k2']);
    expect(deferredKeys(later, 'a.md')).toEqual([{ key: 'k2', hash: 'h2' }]);
    expect(deferredKeys(later, 'e.md')).toEqual([]);
  });

  it('a file is unsettled when any of its pushes did not go through', () => {
    const r = (file: string, status: ItemResult['status']) => ({ file, status }) as ItemResult;
    const files = unsettledFiles({
      results: [
        r('a.md', 'created'),
        r('a.md', 'failed'),
        r('b.md', 'updated'),
        r('c.md', 'interrupted'),
        r('d.md', 'unchanged'),
      ],
    });
    expect([...files].sort()).toEqual(['a.md', 'c.md']);
  });

  it('counts: what the push did, moves from the plan, and the rest of the bot as unchanged', () => {
    const r = (status: ItemResult['status']) => ({ status }) as ItemResult;
    const counts = pushCounts(
      samplePlan(),
      { results: [r('created'), r('created'), r('updated'), r('failed')] },
      2,
      10,
    );
    // Stale: the two given, and the updated item's old version (counted where it is listed).
    expect(counts).toEqual({ create: 2, update: 1, moved: 1, stale: 3, unchanged: 6, failed: 1 });
    expect(pushCounts(samplePlan(), { results: [] }, 0, 0).unchanged).toBe(0);
  });

  it('the recorded run status: interrupted, then auth, then partial (failures or file errors), else ok', () => {
    const counts = { create: 0, update: 0, moved: 0, stale: 0, unchanged: 0, failed: 0 };
    const s = (o: Partial<Parameters<typeof runStatus>[0]>) =>
      runStatus({ interrupted: false, authError: false, counts, hasErrors: false, ...o });
    expect(s({})).toBe('ok');
    expect(s({ hasErrors: true })).toBe('partial');
    expect(s({ counts: { ...counts, failed: 1 } })).toBe('partial');
    expect(s({ authError: true, hasErrors: true })).toBe('auth-failed');
    expect(s({ interrupted: true, authError: true })).toBe('interrupted');
  });

  it('moves are recorded under their new key, file and line', () => {
    expect(movesOf(samplePlan())).toEqual([{ from: 'k4', to: 'k4b', label: 'k4b', sourceFile: 'd.md', sourceLine: 1 }]);
  });
});

describe('the dry-run strategy', () => {
  it('lists creates, updates, moves and stale items, and counts the rest of the bot as unchanged', () => {
    const out = dryRunOutcome(samplePlan(), 20);
    expect(out.items.map((i) => [i.action, i.status, i.key])).toEqual([
      ['create', 'planned', 'k2b'],
      ['create', 'planned', 'k5'],
      ['update', 'planned', 'k6'],
      ['move', 'planned', 'k4b'],
      ['stale', 'stale', 'k2'],
      ['stale', 'stale', 'k3'],
    ]);
    expect(out.items[2]?.replacedRemoteId).toBe('r:k6');
    expect(out.items[3]?.remoteId).toBe('r:k4');
    // The update's old version would turn stale too: two removed plus one replaced.
    expect(out.counts).toEqual({ create: 2, update: 1, moved: 1, stale: 3, unchanged: 16, failed: 0 });
    expect(out.requests).toBe(0);
  });
});

describe('recordFor', () => {
  const read = (items: [string, string][], extra: Partial<FileResult['extract']> = {}): FileResult => ({
    relPath: 'a.md',
    kind: 'article',
    sig: 'sig-1',
    racy: false,
    blob: 'blob-1',
    extract: {
      items: items.map(([key, hash], i) => ({ key, hash, type: 'TEXT', label: key, line: i + 1, file: 'a.md' })),
      issues: [],
      complete: true,
      contentHash: 'c1',
      ...extra,
    },
  });
  const noPlan = planSync(world().input());

  it('a settled file: its signature, its blob id and what it yields now', () => {
    expect(recordFor(read([['k1', 'h1']]), noPlan, [])).toEqual({
      path: 'a.md',
      kind: 'article',
      sig: 'sig-1',
      blob: 'blob-1',
      racy: false,
      contentHash: 'c1',
      error: null,
      warnings: [],
      drafts: 0,
      items: [{ key: 'k1', hash: 'h1' }],
    });
  });

  it('keeps its warnings and drafts, located, for `kb-sync status` and a stable draft count', () => {
    const warning = { file: 'a.md', line: 1, message: 'the file is empty', severity: 'warning' as const };
    const r = recordFor(read([], { issues: [warning], draftEntries: 2 }), noPlan, []);
    expect(r.warnings).toEqual(['1 the file is empty']);
    expect(r.drafts).toBe(2);
    expect(recordFor(read([], { skipped: 'draft' }), noPlan, []).drafts).toBe(1);
  });

  it('an unsettled file has no signature nor blob id (read again next time); deferred keys stay mapped', () => {
    const r = recordFor(read([['k1', 'h1']]), noPlan, [], { unsettled: true, keep: [{ key: 'old', hash: 'h0' }] });
    expect(r.sig).toBeNull();
    expect(r.blob).toBeNull();
    expect(r.items).toEqual([
      { key: 'k1', hash: 'h1' },
      { key: 'old', hash: 'h0' },
    ]);
  });

  it('a file that failed to parse keeps its earlier mapping (no items recorded) and its error', () => {
    const error = { file: 'a.md', line: 2, message: 'broken', severity: 'error' as const };
    const r = recordFor(read([], { complete: false, issues: [error] }), noPlan, [{ key: 'k1', hash: 'h1' }]);
    expect(r.items).toBeUndefined();
    // Located (`line:col message`), so that `kb-sync status` prints `file:line message`.
    expect(r.error).toBe('2 broken');
  });

  it('keys held back because of errors stay mapped; keys lost in a conflict are left out', () => {
    const plan = planSync(
      world().synced('a.md', item('k1', 'h1'), item('k2', 'h2')).readsWithErrors('a.md', item('k1', 'h1')).input(),
    );
    expect(plan.held).toEqual(['k2']);
    const partial = read([['k1', 'h1']], { complete: false });
    const prior = [
      { key: 'k1', hash: 'h1' },
      { key: 'k2', hash: 'h2' },
    ];
    expect(recordFor(partial, plan, prior).items).toEqual(prior);
    const lost = { ...plan, lost: new Map([['a.md', new Set(['k1'])]]) };
    const r = recordFor(
      read([
        ['k1', 'h1'],
        ['k3', 'h3'],
      ]),
      lost,
      prior,
      { conflict: 'k1 is already used by b.md' },
    );
    expect(r.error).toBe('k1 is already used by b.md');
    expect(r.items).toEqual([
      { key: 'k3', hash: 'h3' },
      { key: 'k2', hash: 'h2' },
    ]);
  });

  it('recordsFor skips files that vanished between scan and read', () => {
    const gone = { ...read([]), vanished: true };
    const records = recordsFor([read([['k1', 'h1']]), gone], noPlan, new Map(), new Map());
    expect(records).toHaveLength(1);
  });
});

describe('the guards and the extract stage’s worker count', () => {
  it('the first-run guard refuses (exit 4) only a guarded run with creates and no history', () => {
    let asked = 0;
    const hasHistory = (v: boolean) => () => {
      asked++;
      return v;
    };
    const refuse = (o: Partial<Parameters<typeof refuseFirstRun>[0]>) => () =>
      refuseFirstRun({ guarded: true, botId: 'b', creates: 3, hasHistory: hasHistory(false), ...o });
    expect(refuse({})).toThrow(RefusedError);
    expect(refuse({})).toThrow(/never synced bot b.*create 3 item/);
    expect(refuse({ hasHistory: hasHistory(true) })).not.toThrow();
    asked = 0;
    expect(refuse({ guarded: false })).not.toThrow();
    expect(refuse({ creates: 0 })).not.toThrow();
    expect(asked).toBe(0); // The state is not asked when the guard cannot apply.
  });

  it('workers only with 3+ cores and 2000+ files; KB_SYNC_WORKERS overrides', () => {
    expect(defaultWorkers(5000, undefined, 2)).toBe(0);
    expect(defaultWorkers(1999, undefined, 8)).toBe(0);
    expect(defaultWorkers(2000, undefined, 3)).toBe(3);
    expect(defaultWorkers(9000, undefined, 16)).toBe(4);
    expect(defaultWorkers(10, '6', 2)).toBe(6);
    expect(defaultWorkers(5000, 'many', 2)).toBe(0);
  });
});

describe('the result', () => {
  const applied = (o: Partial<Applied> = {}): Applied => ({
    plan: samplePlan(),
    items: [{ key: 'k5', type: 'TEXT', label: 'k5', file: 'e.md', line: 1, action: 'create', status: 'created' }],
    counts: { create: 1, update: 0, moved: 0, stale: 0, unchanged: 3, failed: 0 },
    issues: [],
    recovered: 0,
    requests: 1,
    rateLimited: 0,
    interrupted: false,
    lockLost: false,
    ...o,
  });
  const input: Omit<ResultInput, 'applied'> = {
    dryRun: false,
    issues: [
      { file: 'x.md', line: 1, message: 'bad', severity: 'error' as const },
      { file: 'y.md', message: 'meh', severity: 'warning' as const },
      { file: '(config)', message: 'note', severity: 'warning' as const },
    ],
    scan: { files: [scanned('e.md'), scanned('x.md')], ignored: ['notes.txt'] },
    filesRead: 1,
    skippedDrafts: 2,
    stale: [],
    uncertain: [
      {
        id: 1,
        key: 'k9',
        type: 'Q_AND_A' as const,
        label: 'Q?',
        sourceFile: 'q.qa.yaml',
        remoteId: null,
        reason: 'lost',
        since: 't',
      },
    ],
    display: makeDisplay('/repo', '/repo/knowledge'),
    startedAt: '2026-11-29T01:00:00.000Z',
  };

  it('shows every path relative to the working directory, splits errors from warnings', () => {
    const r = buildResult({ ...input, applied: applied() });
    expect(r.items[0]?.file).toBe('knowledge/e.md');
    expect(r.errors.map((e) => e.file)).toEqual(['knowledge/x.md']);
    expect(r.warnings.map((e) => e.file)).toEqual(['knowledge/y.md', '(config)']);
    expect(r.ignoredFiles).toEqual(['knowledge/notes.txt']);
    expect(r.uncertain[0]).toMatchObject({ key: 'k9', title: 'Q?', file: 'knowledge/q.qa.yaml' });
    expect([r.filesScanned, r.filesRead, r.skippedDrafts, r.requests]).toEqual([2, 1, 2, 1]);
  });

  it('is ok only with no failure, no file error, no auth error, not interrupted and the lock kept', () => {
    const clean: Omit<ResultInput, 'applied'> = { ...input, issues: [] };
    expect(buildResult({ ...clean, applied: applied() }).ok).toBe(true);
    expect(buildResult({ ...input, applied: applied() }).ok).toBe(false);
    expect(buildResult({ ...clean, applied: applied({ interrupted: true }) }).ok).toBe(false);
    expect(buildResult({ ...clean, applied: applied({ lockLost: true, interrupted: true }) }).ok).toBe(false);
    const counts = { create: 0, update: 0, moved: 0, stale: 0, unchanged: 0, failed: 1 };
    expect(buildResult({ ...clean, applied: applied({ counts }) }).ok).toBe(false);
  });

  it('a dry run lists what would turn stale after what the state lists: old versions of updates too, since the run started', () => {
    const stale = [
      {
        id: 1,
        remoteId: 'r:old',
        key: 'old',
        type: 'TEXT' as const,
        label: 'Old',
        origin: 'pushed' as const,
        sourceFile: 'o.md',
        reason: 'changed' as const,
        since: 't',
      },
    ];
    const dry = buildResult({ ...input, stale, dryRun: true, applied: applied() });
    const now = input.startedAt;
    expect(dry.stale.map((s) => [s.key, s.since, s.file, s.reason])).toEqual([
      ['old', 't', 'knowledge/o.md', 'changed'],
      ['k6', now, expect.any(String), 'changed'],
      ['k2', now, 'knowledge/a.md', 'removed'],
      ['k3', now, 'knowledge/b.md', 'removed'],
    ]);
    // Counted where listed: the plan's stale count includes the replaced version.
    expect(dry.stale.filter((s) => s.since === now)).toHaveLength(dryRunOutcome(samplePlan(), 20).counts.stale);
    expect(buildResult({ ...input, stale, applied: applied() }).stale).toHaveLength(1);
  });

  it('the CLI maps it to an exit code: lock lost 3, auth 2, failures or file errors 1, else 0', () => {
    const clean: Omit<ResultInput, 'applied'> = { ...input, issues: [] };
    const code = (a: Applied, i = clean) => exitCodeForRun(buildResult({ ...i, applied: a }));
    expect(code(applied())).toBe(ExitCode.ok);
    expect(code(applied(), input)).toBe(ExitCode.partial);
    expect(code(applied({ counts: { ...applied().counts, failed: 2 } }))).toBe(ExitCode.partial);
    const authError = Object.assign(new Error('HTTP 401'), { status: 401 }) as unknown as Applied['authError'];
    expect(code(applied({ authError }), input)).toBe(ExitCode.usage);
    expect(code(applied({ authError, lockLost: true, interrupted: true }))).toBe(ExitCode.locked);
    // Interrupted by Ctrl-C alone: the run's own code (the signal's is the command's to add).
    expect(code(applied({ interrupted: true }))).toBe(ExitCode.ok);
  });
});

describe('makeDisplay', () => {
  it('prefixes the knowledge folder relative to cwd; absolute paths go relative to cwd', () => {
    expect(makeDisplay('/repo', '/repo/knowledge')('a/b.md')).toBe('knowledge/a/b.md');
    expect(makeDisplay('/repo/knowledge', '/repo/knowledge')('a/b.md')).toBe('a/b.md');
    expect(makeDisplay('/repo/sub', '/repo/knowledge')('a.md')).toBe('../knowledge/a.md');
    expect(makeDisplay('/repo', '/repo/knowledge')('/repo/other/x.md')).toBe('other/x.md');
  });
});

describe('showPaths', () => {
  it('shows each item’s path, once per file for its run of items (one shown string shared by them)', () => {
    const shown: string[] = [];
    const display = (rel: string) => {
      shown.push(rel);
      return `knowledge/${rel}`;
    };
    const it = (file: string, line: number): ItemResult => ({
      key: `${file}#${line}`,
      type: 'Q_AND_A',
      label: 'Q?',
      file,
      line,
      action: 'create',
      status: 'planned',
    });
    const items = showPaths([it('a.yaml', 1), it('a.yaml', 3), it('b.yaml', 1), it('a.yaml', 9)], display);
    expect(items.map((i) => i.file)).toEqual([
      'knowledge/a.yaml',
      'knowledge/a.yaml',
      'knowledge/b.yaml',
      'knowledge/a.yaml',
    ]);
    expect(items[0]?.file).toBe(items[1]?.file);
    expect(shown).toEqual(['a.yaml', 'b.yaml', 'a.yaml']);
  });
});
