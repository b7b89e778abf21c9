import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunResult } from '../../src/sync/run.js';
import { changedPath, WatchBatches } from '../../src/sync/watch.js';

/**
 * Watch mode's batching, on fake timers: changes wait for a pause of `debounceMs`, one sync runs
 * at a time, a failed sync is retried as a full sync after a delay that doubles. (The watcher and
 * the real pipeline are the e2e tests' business: test/e2e/watch.test.ts.)
 */

const DEBOUNCE = 100;
const RETRY = 1_000;

/** A run that did its work: nothing failed. */
const done = { counts: { create: 0, update: 0, failed: 0 }, errors: [] } as unknown as RunResult;

function harness(racy: string[] = []) {
  const calls: { changed: string[] | undefined; settle: boolean }[] = [];
  const syncs: { changed: string[] | undefined; release: (r: RunResult | Error) => void }[] = [];
  const stop = new AbortController();
  const batches = new WatchBatches(
    { botId: 'bot', stop: stop.signal, debounceMs: DEBOUNCE, retryIntervalMs: RETRY },
    { racyFiles: () => racy.splice(0) },
    (changed, settle) => {
      calls.push({ changed: changed && [...changed].sort(), settle });
      return new Promise<RunResult>((resolve, reject) =>
        syncs.push({ changed, release: (r) => (r instanceof Error ? reject(r) : resolve(r)) }),
      );
    },
  );
  /** Let the sync started last finish, and the batching react. */
  const finish = async (r: RunResult | Error = done) => {
    syncs.at(-1)!.release(r);
    await vi.advanceTimersByTimeAsync(0);
  };
  return { batches, calls, finish, stop };
}

describe('watch batching', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('collects changes until they pause, then syncs them in one batch', async () => {
    const { batches, calls } = harness();
    batches.changed('a.md');
    await vi.advanceTimersByTimeAsync(DEBOUNCE - 10);
    batches.changed('b.md');
    batches.changed('a.md');
    await vi.advanceTimersByTimeAsync(DEBOUNCE - 10);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(10);
    expect(calls).toEqual([{ changed: ['a.md', 'b.md'], settle: false }]);
  });

  it('runs one sync at a time: changes made during a sync are the next batch', async () => {
    const { batches, calls, finish } = harness();
    batches.syncAll();
    expect(calls).toEqual([{ changed: undefined, settle: false }]);
    batches.changed('c.md');
    await vi.advanceTimersByTimeAsync(DEBOUNCE * 5);
    expect(calls).toHaveLength(1);
    await finish();
    expect(batches.running).toBeUndefined();
    await vi.advanceTimersByTimeAsync(DEBOUNCE);
    expect(calls).toEqual([
      { changed: undefined, settle: false },
      { changed: ['c.md'], settle: false },
    ]);
    await finish();
    expect(batches.summary).toEqual({ syncs: 2, pushed: 0, errors: 0 });
  });

  it('retries a failed sync as a full sync, after a delay that doubles', async () => {
    const { batches, calls, finish } = harness();
    batches.changed('a.md');
    await vi.advanceTimersByTimeAsync(DEBOUNCE);
    await finish(new Error('network down'));
    await vi.advanceTimersByTimeAsync(RETRY - 1);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls[1]).toEqual({ changed: undefined, settle: false });
    await finish(new Error('still down'));
    await vi.advanceTimersByTimeAsync(2 * RETRY - 1);
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(3);
    await finish();
    expect(batches.summary).toEqual({ syncs: 1, pushed: 0, errors: 2 });
  });

  it('reads racy files once more after the racy window, as a settle batch', async () => {
    const { batches, calls, finish } = harness(['x.md']);
    batches.changed('x.md');
    await vi.advanceTimersByTimeAsync(DEBOUNCE);
    await finish();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toEqual([
      { changed: ['x.md'], settle: false },
      { changed: ['x.md'], settle: true },
    ]);
  });

  it('starts nothing once stopped', async () => {
    const { batches, calls, stop } = harness();
    stop.abort();
    batches.changed('a.md');
    batches.syncAll();
    await vi.advanceTimersByTimeAsync(DEBOUNCE * 10);
    expect(calls).toEqual([]);
  });

  it('once closed, the sync still running starts, schedules and retries nothing (the state closes next)', async () => {
    // The watch ending on an error: close() without the stop signal, while a sync runs.
    const { batches, calls, finish } = harness(['racy.md']);
    batches.syncAll();
    batches.changed('during.md');
    batches.close();
    await finish(new Error('the server went away'));
    await vi.advanceTimersByTimeAsync(RETRY * 100);
    expect(calls).toEqual([{ changed: undefined, settle: false }]);
    expect(batches.running).toBeUndefined();
  });
});

describe('changedPath', () => {
  const root = path.resolve('/kb');
  it('names a path inside the folder relative to it, POSIX style', () => {
    expect(changedPath(root, new Set(), path.join(root, 'guides', 'a.md'))).toBe('guides/a.md');
  });
  it("ignores the folder itself, anything outside it, and the state's own files", () => {
    const state = path.join(root, '.kb-sync', 'state.db');
    expect(changedPath(root, new Set(), root)).toBeUndefined();
    expect(changedPath(root, new Set(), path.resolve('/other/a.md'))).toBeUndefined();
    expect(changedPath(root, new Set([state]), state)).toBeUndefined();
  });
});
