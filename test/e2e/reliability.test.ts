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
import { gate } from '../helpers/http.js';
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

/**
 * An emulator that tells the test about every answered create (`onCreate`), so that a test can
 * act at an exact point of a run instead of polling for it.
 */
async function emulatorWithHook(opts: Parameters<typeof emulator>[0] = {}) {
  const hook: { onCreate?: () => void } = {};
  const emu = await emulator({
    ...opts,
    log: (line) => {
      if (/^POST \S*\/bot-data /.test(line)) hook.onCreate?.();
    },
  });
  return { emu, hook };
}

/** Start a sync and SIGKILL it as soon as the emulator has answered `n` more creates (or let it end). */
async function killAfter(p: Project, hook: { onCreate?: () => void }, n: number): Promise<void> {
  const s = spawnCli(['sync', '-q'], { cwd: p.dir, env: p.env });
  let seen = 0;
  hook.onCreate = () => {
    if (++seen === n) s.child.kill('SIGKILL');
  };
  await s.exited;
  hook.onCreate = undefined;
}

describe('crash safety', () => {
  it('SIGKILL at many points of a sync: the next run finishes, and only in-flight items can be duplicated', async () => {
    const { emu, hook } = await emulatorWithHook({ faults: { latencyMs: [2, 25], seed: 5 } });
    const p = project(smallCorpus({ articles: 12, questions: 8, urls: 6, docs: 3 }), {
      emu,
      config: { rateLimit: { requestsPerSecond: 150, concurrency: 4 } },
    });
    // A first sync killed again and again (early, midway, late), then an edit (updates, a delete,
    // a rename) killed again. Each kill is a process start: a few well-spread points, not many.
    for (const n of [1, 4, 11]) await killAfter(p, hook, n);
    let final = await runCli(['sync', '-q'], { cwd: p.dir, env: p.env });
    expect(final.code).toBe(0);
    let report = reportFromState(p, emu.botId);
    expect(report.pending).toEqual([]);
    await expectFolderInBot(emu, cfgOf(p, emu), report);

    p.write(smallCorpus({ articles: 12, questions: 8, urls: 6, docs: 3, tag: 'v2' }));
    p.remove('links/list.urls');
    p.rename('guides/topic-0.md', 'guides/renamed.md');
    for (const n of [2, 7]) await killAfter(p, hook, n);
    final = await runCli(['sync', '-q'], { cwd: p.dir, env: p.env });
    expect(final.code).toBe(0);
    report = reportFromState(p, emu.botId);
    await expectFolderInBot(emu, cfgOf(p, emu), report);
    // Killing at a random moment is not allowed to make a "clean" report lie: a second run pushes nothing.
    const before = posts(emu);
    const again = await runCli(['sync', '--json'], { cwd: p.dir, env: p.env });
    expect(runDoc(again.stdout).counts.create).toBe(0);
    expect(posts(emu)).toBe(before);
  }, 240_000);

  it('Ctrl-C lets requests in flight finish, records them, and exits 130 (and --json says so)', async () => {
    const emu = await emulator({ faults: { latencyMs: 150 } });
    const p = project(smallCorpus(), { emu, config: { rateLimit: { requestsPerSecond: 50, concurrency: 3 } } });
    const s = spawnCli(['sync', '--json'], { cwd: p.dir, env: p.env });
    await until(() => posts(emu) >= 4, 'four creates answered');
    s.child.kill('SIGINT');
    const { code } = await s.exited;
    expect(code).toBe(130);
    expect(s.stderr()).toContain('finishing the requests in flight');
    // The document, the process and the Action's output agree (issue 17 item 1).
    const doc = runDoc(s.stdout());
    expect(doc).toMatchObject({ ok: false, interrupted: true, exitCode: 130 });
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
    const emu = await emulator();
    // The first run's requests are held at a gate: it keeps the lock for as long as the test needs.
    const api = await gate(emu.url);
    const p = project(smallCorpus({ articles: 6, questions: 3, urls: 2, docs: 0 }), {
      emu,
      // No request timeout while the gate holds it (a loaded machine may take its time).
      config: { rateLimit: { requestsPerSecond: 50, concurrency: 1 }, timeoutMs: 600_000 },
    });
    const env = { ...p.env, CXGENIE_API_URL: api.url };
    const first = spawnCli(['sync', '-q'], { cwd: p.dir, env });
    await until(() => api.held() >= 1, 'the first run sending its first create');
    const second = await runCli(['sync'], { cwd: p.dir, env });
    expect(second.code).toBe(3);
    expect(second.stderr).toContain(`pid ${first.child.pid}`);
    expect(second.stderr).toContain(os.hostname());
    const waiting = spawnCli(['sync', '--wait=600', '--json'], { cwd: p.dir, env });
    await until(() => waiting.stderr().includes('Waiting for another kb-sync'), 'the --wait run waiting for the lock');
    api.open();
    const firstExit = await first.exited;
    expect(firstExit.code, first.stderr()).toBe(0);
    expect((await waiting.exited).code).toBe(0);
    expect(runDoc(waiting.stdout()).counts.create).toBe(0);
    expect(emu.created(emu.botId)).toHaveLength(6 + 2 * 3 + 2);
  });

  it('several first runs at once on a new state file: one syncs, the others exit 3 (never "damaged")', async () => {
    const emu = await emulator({ faults: { latencyMs: 30 } });
    const p = project(smallCorpus({ articles: 3, questions: 2, urls: 1, docs: 0 }), { emu });
    const runs = await Promise.all(Array.from({ length: 3 }, () => runCli(['sync', '-q'], { cwd: p.dir, env: p.env })));
    const codes = runs.map((r) => r.code).sort();
    for (const r of runs) expect(r.stderr).not.toMatch(/damaged/);
    expect(codes.every((c) => c === 0 || c === 3)).toBe(true);
    expect(codes).toContain(0);
    const { duplicates } = await expectFolderInBot(emu, cfgOf(p, emu), reportFromState(p, emu.botId));
    expect(duplicates).toBe(0);
  });

  it('a lock left by a killed process is taken over', async () => {
    const { emu, hook } = await emulatorWithHook();
    const p = project(smallCorpus({ articles: 4, questions: 2, urls: 1, docs: 0 }), { emu });
    await killAfter(p, hook, 1);
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
