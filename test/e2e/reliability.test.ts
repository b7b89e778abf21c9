import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { StateStore } from '../../src/state/store.js';
import { runCli } from '../helpers/cli.js';
import { emulator } from '../helpers/emulator.js';
import { project, type Project } from '../helpers/project.js';
import { smallCorpus } from '../helpers/corpus.js';
import { expectFolderInBot } from '../helpers/invariant.js';
import { spawnCli, until } from '../helpers/spawn.js';
import { runDoc } from '../helpers/json.js';
import type { EmulatorHandle } from '../../src/emulator/server.js';

/** Crash safety, interrupts, locking and the first-run guard, with the real CLI as a process. */

function reportFromState(p: Project, botId: string) {
  const store = StateStore.open(p.stateFile, { readonly: true });
  try {
    return {
      uncertainKeys: store.uncertain(botId).map((u) => u.key),
      uncertain: store.uncertain(botId),
      staleRemoteIds: store.stale(botId).map((s) => s.remoteId),
      pending: store.pending(botId),
    };
  } finally {
    store.close();
  }
}

function cfgOf(p: Project, emu: EmulatorHandle) {
  return {
    ...loadConfig({ configPath: path.join(p.dir, 'sync.config.json'), env: {} }),
    apiBaseUrl: emu.url,
    botId: emu.botId,
  };
}

const posts = (emu: EmulatorHandle) => emu.stats().byEndpoint['POST /bot-data'] ?? 0;

/** Start a sync and SIGKILL it once the emulator has received `n` more create requests (or it ends). */
async function killAfter(p: Project, emu: EmulatorHandle, n: number): Promise<void> {
  const start = posts(emu);
  const s = spawnCli(['sync', '-q'], { cwd: p.dir, env: p.env });
  let done = false;
  void s.exited.then(() => (done = true));
  await until(() => done || posts(emu) >= start + n, 20_000, 1);
  s.child.kill('SIGKILL');
  await s.exited;
}

describe('crash safety', () => {
  it('SIGKILL at many points of a sync: the next run finishes, and only in-flight items can be duplicated', async () => {
    const emu = await emulator({ faults: { latencyMs: [2, 25], seed: 5 } });
    const p = project(smallCorpus({ articles: 12, questions: 8, urls: 6, docs: 3 }), {
      emu,
      config: { rateLimit: { requestsPerSecond: 150, concurrency: 4 } },
    });
    // A first sync killed again and again, then an edit (updates, a delete, a rename) killed again.
    for (const n of [1, 2, 4, 7, 11]) await killAfter(p, emu, n);
    let final = await runCli(['sync', '-q'], { cwd: p.dir, env: p.env });
    expect(final.code).toBe(0);
    let report = reportFromState(p, emu.botId);
    expect(report.pending).toEqual([]);
    await expectFolderInBot(emu, cfgOf(p, emu), report);

    p.write(smallCorpus({ articles: 12, questions: 8, urls: 6, docs: 3, tag: 'v2' }));
    p.remove('links/list.urls');
    p.rename('guides/topic-0.md', 'guides/renamed.md');
    for (const n of [1, 3, 6, 10]) await killAfter(p, emu, n);
    final = await runCli(['sync', '-q'], { cwd: p.dir, env: p.env });
    expect(final.code).toBe(0);
    report = reportFromState(p, emu.botId);
    await expectFolderInBot(emu, cfgOf(p, emu), report);
    // Killing at a random moment is not allowed to make a "clean" report lie: a second run pushes nothing.
    const before = posts(emu);
    const again = await runCli(['sync', '--json'], { cwd: p.dir, env: p.env });
    expect(runDoc(again.stdout).counts.create).toBe(0);
    expect(posts(emu)).toBe(before);
  }, 120_000);

  it('Ctrl-C lets requests in flight finish, records them, and exits 130', async () => {
    const emu = await emulator({ faults: { latencyMs: 150 } });
    const p = project(smallCorpus(), { emu, config: { rateLimit: { requestsPerSecond: 50, concurrency: 3 } } });
    const s = spawnCli(['sync'], { cwd: p.dir, env: p.env });
    await until(() => posts(emu) >= 4);
    s.child.kill('SIGINT');
    const { code } = await s.exited;
    expect(code).toBe(130);
    expect(s.stderr()).toContain('finishing the requests in flight');
    const report = reportFromState(p, emu.botId);
    // Everything that was sent got its answer and was recorded: nothing is left in flight.
    expect(report.pending).toEqual([]);
    const store = StateStore.open(p.stateFile, { readonly: true });
    const synced = store.itemCount(emu.botId);
    store.close();
    expect(synced).toBe(emu.created(emu.botId).length);
    const done = await runCli(['sync', '-q'], { cwd: p.dir, env: p.env });
    expect(done.code).toBe(0);
    const { duplicates } = await expectFolderInBot(emu, cfgOf(p, emu), reportFromState(p, emu.botId));
    expect(duplicates).toBe(0);
  });

  it('a corrupt state file is a clear error (exit 2), never a silent fresh start', async () => {
    const emu = await emulator();
    const p = project(smallCorpus({ articles: 1 }), { emu });
    fs.mkdirSync(path.dirname(p.stateFile), { recursive: true });
    fs.writeFileSync(p.stateFile, 'this is not a database, just some text that is long enough '.repeat(100));
    const r = await runCli(['sync'], { cwd: p.dir, env: p.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/damaged|not a kb-sync state file/);
    expect(r.stderr).toContain('kb-sync state import');
    expect(emu.created(emu.botId)).toHaveLength(0);
    const status = await runCli(['status'], { cwd: p.dir, env: p.env });
    expect(status.code).toBe(2);
  });
});

describe('one sync per state file', () => {
  it('a second run exits 3 at once, naming the holder; with --wait it runs after the first', async () => {
    // The first run's second create is held for 8 s: the second run meets the lock however slowly
    // it starts on a busy machine.
    const emu = await emulator({
      faults: { latencyMs: 100, schedule: [{ endpoint: 'POST /bot-data', at: 2, fault: 'delay', delayMs: 8_000 }] },
    });
    const p = project(smallCorpus({ articles: 6, questions: 3, urls: 2, docs: 0 }), {
      emu,
      config: { rateLimit: { requestsPerSecond: 50, concurrency: 1 } },
    });
    const first = spawnCli(['sync', '-q'], { cwd: p.dir, env: p.env });
    await until(() => posts(emu) >= 1);
    const second = await runCli(['sync'], { cwd: p.dir, env: p.env });
    expect(second.code).toBe(3);
    expect(second.stderr).toContain(`pid ${first.child.pid}`);
    expect(second.stderr).toContain(os.hostname());
    const waiting = await runCli(['sync', '--wait=60', '--json'], { cwd: p.dir, env: p.env });
    const firstExit = await first.exited;
    expect(firstExit.code).toBe(0);
    expect(waiting.code).toBe(0);
    expect(runDoc(waiting.stdout).counts.create).toBe(0);
  });

  it('several first runs at once on a new state file: one syncs, the others exit 3 (never "damaged")', async () => {
    const emu = await emulator({ faults: { latencyMs: 30 } });
    const p = project(smallCorpus({ articles: 3, questions: 2, urls: 1, docs: 0 }), { emu });
    const runs = await Promise.all(Array.from({ length: 5 }, () => runCli(['sync', '-q'], { cwd: p.dir, env: p.env })));
    const codes = runs.map((r) => r.code).sort();
    for (const r of runs) expect(r.stderr).not.toMatch(/damaged/);
    expect(codes.every((c) => c === 0 || c === 3)).toBe(true);
    expect(codes).toContain(0);
    const { duplicates } = await expectFolderInBot(emu, cfgOf(p, emu), reportFromState(p, emu.botId));
    expect(duplicates).toBe(0);
  });

  it('a lock left by a killed process is taken over', async () => {
    const emu = await emulator({ faults: { latencyMs: 50 } });
    const p = project(smallCorpus({ articles: 4, questions: 2, urls: 1, docs: 0 }), { emu });
    await killAfter(p, emu, 1);
    const store = StateStore.open(p.stateFile, { readonly: true });
    const held = store.lockHolder();
    store.close();
    expect(held).toBeDefined();
    const r = await runCli(['sync'], { cwd: p.dir, env: p.env });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Took over a lock');
  });
});

describe('safe first runs', () => {
  it('in CI, a never-synced state that would create items is refused (exit 4) unless --allow-initial', async () => {
    const emu = await emulator();
    const p = project(smallCorpus({ articles: 2 }), { emu });
    const refused = await runCli(['sync'], { cwd: p.dir, env: { ...p.env, CI: 'true' } });
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('--allow-initial');
    expect(emu.created(emu.botId)).toHaveLength(0);
    const interactive = await runCli(['plan'], { cwd: p.dir, env: { ...p.env, CI: 'true' } });
    expect(interactive.code).toBe(0);
    const allowed = await runCli(['sync', '--allow-initial', '-q'], { cwd: p.dir, env: { ...p.env, CI: 'true' } });
    expect(allowed.code).toBe(0);
    p.write({ 'guides/new.md': '# New\n\nA new page.\n' });
    const later = await runCli(['sync', '-q'], { cwd: p.dir, env: { ...p.env, CI: 'true' } });
    expect(later.code).toBe(0);
  });

  it('outside CI a first run is not refused', async () => {
    const emu = await emulator();
    const p = project(smallCorpus({ articles: 1 }), { emu });
    const r = await runCli(['sync', '-q'], { cwd: p.dir, env: p.env });
    expect(r.code).toBe(0);
  });
});
