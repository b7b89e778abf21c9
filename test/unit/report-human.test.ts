import { describe, expect, it } from 'vitest';
import type { ItemResult } from '../../src/events.js';
import { renderRun } from '../../src/report/human.js';
import type { RunResult } from '../../src/sync/result.js';

/** How a run's items are listed: a plan's first 200, a sync's that need attention. */

const id = (s: string) => s;
const c = { green: id, red: id, yellow: id, dim: id, bold: id, cyan: id };

const item = (n: number, o: Partial<ItemResult> = {}): ItemResult => ({
  key: `k${n}`,
  type: 'TEXT',
  label: `Page ${n}`,
  file: `p${n}.md`,
  line: 1,
  action: 'create',
  status: 'planned',
  ...o,
});

function result(dryRun: boolean, items: ItemResult[]): RunResult {
  const counts = { create: 0, update: 0, moved: 0, stale: 0, unchanged: 0, failed: 0 };
  return {
    ok: true,
    dryRun,
    counts,
    items,
    errors: [],
    warnings: [],
    stale: [],
    startedAt: '2026-11-29T00:00:00.000Z',
    uncertain: [],
    recovered: 0,
    skippedDrafts: 0,
    ignoredFiles: [],
    filesScanned: 0,
    filesRead: 0,
    requests: 0,
    rateLimited: 0,
    interrupted: false,
    lockLost: false,
    durationMs: 0,
    timings: {},
  };
}

describe('renderRun', () => {
  const stale = item(0, { action: 'stale', status: 'stale' });
  const planned = Array.from({ length: 205 }, (_, i) => item(i + 1));

  it('a plan lists its first 200 items (not the stale ones without --verbose) and counts the rest', () => {
    const { body } = renderRun(result(true, [stale, ...planned]), { verbose: false, colors: c, command: 'plan' });
    expect(body[0]).toBe('Plan:');
    expect(body.filter((l) => l.includes('+ create'))).toHaveLength(200);
    expect(body[1]).toContain('Page 1');
    expect(body[200]).toContain('Page 200');
    expect(body[201]).toBe('  … and 5 more (--verbose lists all, --json for scripts)');
  });

  it('with --verbose a plan lists every item, the stale ones too', () => {
    const { body } = renderRun(result(true, [stale, ...planned]), { verbose: true, colors: c, command: 'plan' });
    expect(body.filter((l) => l.includes('Page'))).toHaveLength(206);
    expect(body.some((l) => l.includes('more (--verbose'))).toBe(false);
  });

  it('a plan with nothing to do lists nothing; a sync lists only what needs attention', () => {
    expect(renderRun(result(true, [stale]), { verbose: false, colors: c, command: 'plan' }).body).toEqual([]);
    const done = [
      item(1, { status: 'created' }),
      item(2, { status: 'failed', error: 'HTTP 500' }),
      item(3, { status: 'created', uncertain: true }),
      item(4, { status: 'unchanged', action: 'unchanged' }),
    ];
    const quiet = renderRun(result(false, done), { verbose: false, colors: c, command: 'sync' }).body;
    expect(quiet.map((l) => /Page \d/.exec(l)?.[0])).toEqual(['Page 2', 'Page 3']);
    const verbose = renderRun(result(false, done), { verbose: true, colors: c, command: 'sync' }).body;
    expect(verbose.map((l) => /Page \d/.exec(l)?.[0])).toEqual(['Page 1', 'Page 2', 'Page 3']);
  });
});
