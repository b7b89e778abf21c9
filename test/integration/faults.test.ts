import { describe, expect, it } from 'vitest';
import { RefusedError } from '../../src/errors.js';
import { runSync, type RunResult } from '../../src/sync/run.js';
import { exitCodeForError, exitCodeForRun } from '../../src/cli/exit.js';
import { emulator } from '../helpers/emulator.js';
import { project } from '../helpers/project.js';
import { smallCorpus } from '../helpers/corpus.js';
import { inProcess } from '../helpers/sync.js';
import { expectFolderInBot } from '../helpers/invariant.js';
import type { EmulatorHandle } from '../../src/emulator/server.js';

/**
 * The pipeline under API faults injected by the emulator: whatever happens, the emulator's
 * read-back ends equal to the folder, each item exactly once except the ones reported uncertain.
 */

async function setup(faults: Parameters<EmulatorHandle['setFaults']>[0], config: Record<string, unknown> = {}) {
  const emu = await emulator({ faults });
  const p = project(smallCorpus(), { emu, config });
  return { emu, p, ...inProcess(p, emu) };
}

async function settle(emu: EmulatorHandle, sync: () => Promise<RunResult>, runs = 4): Promise<RunResult> {
  let r = await sync();
  for (let i = 1; i < runs && r.counts.failed > 0; i++) r = await sync();
  return r;
}

const check = (emu: EmulatorHandle, cfg: Parameters<typeof expectFolderInBot>[1], r: RunResult) =>
  expectFolderInBot(emu, cfg, {
    uncertainKeys: r.uncertain.map((u) => u.key),
    staleRemoteIds: r.stale.map((s) => s.remoteId),
  });

describe('faults from the API', () => {
  it('a 429 storm is retried through the pacer and loses nothing', async () => {
    // Six creates in a row refused with 429 (Retry-After: 0): a storm that happens however fast
    // or slow this machine is, unlike a rate the client may never reach when the CPU is busy.
    const { emu, cfg, sync } = await setup(
      { schedule: [{ endpoint: 'POST /bot-data', at: 3, times: 6, fault: 'rate-limit', retryAfterSec: 0 }] },
      {
        rateLimit: { requestsPerSecond: 200, concurrency: 4 },
        retry: { maxAttempts: 8, baseDelayMs: 5, maxDelayMs: 50 },
      },
    );
    const r = await sync();
    expect(r.rateLimited).toBe(6);
    expect(emu.stats().rateLimited).toBe(6);
    expect(r.counts.failed).toBe(0);
    expect(r.uncertain).toEqual([]);
    const { duplicates } = await check(emu, cfg, r);
    expect(duplicates).toBe(0);
  });

  it('random 500s are retried with backoff; a re-run finishes what ran out of attempts', async () => {
    const { emu, cfg, sync } = await setup(
      { errorRate: 0.35, seed: 7 },
      { retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 } },
    );
    const first = await sync();
    expect(emu.stats().byStatus['500']).toBeGreaterThan(0);
    const r = await settle(emu, sync, 8);
    expect(r.counts.failed).toBe(0);
    expect(first.uncertain).toEqual([]);
    const { duplicates } = await check(emu, cfg, r);
    expect(duplicates).toBe(0);
  });

  it('lost responses are recorded as uncertain before the retry, and only they can be duplicated', async () => {
    const { emu, cfg, sync } = await setup(
      { lossRate: 0.25, seed: 3 },
      { retry: { maxAttempts: 8, baseDelayMs: 1, maxDelayMs: 5 } },
    );
    const r = await settle(emu, sync);
    expect(emu.stats().lost).toBeGreaterThan(0);
    expect(r.counts.failed).toBe(0);
    expect(r.uncertain.length).toBeGreaterThan(0);
    // Every extra copy comes from a lost response (check() also proves each duplicated key is reported).
    const { duplicates } = await check(emu, cfg, r);
    expect(duplicates).toBeGreaterThan(0);
    expect(duplicates).toBeLessThanOrEqual(emu.stats().lost);
    expect(r.uncertain.every((u) => u.reason.includes('lost'))).toBe(true);
  });

  it('a create that times out counts as a lost response, never as a silent duplicate', async () => {
    // Three creates carried out at once and answered far past the client's timeout, the others
    // answered at once: the same timeouts on any machine (random latency against a short timeout
    // is all or nothing on a machine fast or busy enough).
    const held = [2, 5, 9];
    const { emu, cfg, sync } = await setup(
      {
        schedule: held.map((at) => ({ endpoint: 'POST /bot-data', at, fault: 'late-answer' as const, delayMs: 6_000 })),
      },
      { timeoutMs: 2_500, retry: { maxAttempts: 8, baseDelayMs: 1, maxDelayMs: 5 } },
    );
    const r = await sync();
    expect(r.counts.failed).toBe(0);
    // Each timed-out create is a possible duplicate, reported uncertain as a lost response.
    expect(r.uncertain).toHaveLength(held.length);
    expect(r.uncertain.every((u) => u.reason.includes('lost'))).toBe(true);
    // Each timed-out create was carried out, and so was its retry: a copy each, and check()
    // proves each duplicated key is reported uncertain.
    const { duplicates } = await check(emu, cfg, r);
    expect(duplicates).toBe(held.length);
  });

  it('a 400 fails that item at once with the server message; the others sync; a re-run pushes only it', async () => {
    const { emu, cfg, sync } = await setup({
      schedule: [{ endpoint: 'POST /bot-data', at: 3, fault: 'error', status: 400 }],
    });
    const r = await sync();
    expect(exitCodeForRun(r)).toBe(1);
    const failed = r.items.filter((i) => i.status === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.httpStatus).toBe(400);
    expect(failed[0]?.error).toContain('emulated fault');
    const before = emu.stats().byEndpoint['POST /bot-data'] ?? 0;
    const again = await sync();
    expect(again.counts.create).toBe(1);
    expect((emu.stats().byEndpoint['POST /bot-data'] ?? 0) - before).toBe(1);
    expect(exitCodeForRun(again)).toBe(0);
    await check(emu, cfg, again);
  });

  it('a 401 mid-run stops everything at once, exit 2, and nothing more is pushed', async () => {
    const { emu, cfg, sync } = await setup(
      { schedule: [{ endpoint: 'POST /bot-data', at: 6, times: 0, fault: 'unauthorized' }] },
      { rateLimit: { requestsPerSecond: 200, concurrency: 1 } },
    );
    const r = await sync();
    expect(exitCodeForRun(r)).toBe(2);
    expect(r.authError?.status).toBe(401);
    expect(emu.created(emu.botId)).toHaveLength(5);
    // Only the one request that got the 401 was attempted after the token failed.
    expect(emu.stats().byStatus['401']).toBe(1);
    emu.setFaults({});
    const again = await sync();
    expect(exitCodeForRun(again)).toBe(0);
    const { duplicates } = await check(emu, cfg, again);
    expect(duplicates).toBe(0);
  });

  it('a wrong bot id stops the run after the first few 404s instead of failing every item (exit 2)', async () => {
    const { emu, cfg } = await setup({}, { rateLimit: { requestsPerSecond: 200, concurrency: 1 } });
    const r = await runSync({
      config: { ...cfg, botId: 'no-such-bot' },
      botId: 'no-such-bot',
      dryRun: false,
      token: emu.token,
      cwd: cfg.baseDir,
    });
    expect(exitCodeForRun(r)).toBe(2);
    expect(r.authError?.status).toBe(404);
    expect(r.authError?.hint).toContain('bot id');
    expect(emu.stats().byStatus['404']).toBe(3);
    expect(r.items.filter((i) => i.status === 'skipped').length).toBeGreaterThan(0);
  });

  it('a failing file keeps its earlier items exactly as they were', async () => {
    const { emu, p, sync } = await setup({});
    await sync();
    const before = emu.created(emu.botId).length;
    p.write({ 'faq/billing.qa.yaml': '- q: only one\n  a: [broken\n' });
    const r = await sync();
    expect(exitCodeForRun(r)).toBe(1);
    expect(r.errors[0]?.file).toBe('knowledge/faq/billing.qa.yaml');
    expect(r.counts.stale).toBe(0);
    expect(r.stale).toEqual([]);
    expect(emu.created(emu.botId)).toHaveLength(before);
  });

  it('refuses a scan that finds nothing when the state holds items (exit 4)', async () => {
    const { p, sync } = await setup({});
    await sync();
    for (const d of ['guides', 'faq', 'links', 'docs']) p.remove(d);
    const refused = await sync().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RefusedError);
    expect(exitCodeForError(refused)).toBe(4);
    const r = await sync({ allowEmpty: true });
    expect(r.counts.stale).toBeGreaterThan(0);
  });
});
