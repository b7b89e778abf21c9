import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { StateStore } from '../../src/state/store.js';
import { emulator } from '../helpers/emulator.js';
import { project } from '../helpers/project.js';
import { spawnCli, until } from '../helpers/spawn.js';

/** Watch mode with real file events in a temp folder, against the emulator. */

function runsOf(stateFile: string, botId: string): { id: number; counts: Record<string, number> | null }[] {
  if (!fs.existsSync(stateFile)) return [];
  const store = StateStore.open(stateFile, { readonly: true });
  try {
    return store.runs(botId, 10_000);
  } finally {
    store.close();
  }
}

function staleOf(stateFile: string, botId: string): string[] {
  const store = StateStore.open(stateFile, { readonly: true });
  try {
    return store.stale(botId).map((s) => s.label);
  } finally {
    store.close();
  }
}

describe('kb-sync watch', () => {
  it('syncs adds, edits, renames, deletes and a 200-file burst in batches, survives a bad file, and stops cleanly', async () => {
    const emu = await emulator();
    const p = project(
      { 'start.md': '# Start\n\nThe first page.\n' },
      { emu, config: { watch: { debounceMs: 300, retryIntervalMs: 60_000 } } },
    );
    const w = spawnCli(['watch'], { cwd: p.dir, env: p.env });
    try {
      await until(() => w.stdout().includes('Watching'), 20_000, 20);
      await until(() => emu.created(emu.botId).length === 1, 10_000, 20);
      const titles = () => emu.created(emu.botId).map((d) => d.title ?? d.content);
      const posts = () => emu.stats().byEndpoint['POST /bot-data'] ?? 0;

      // add
      fs.writeFileSync(path.join(p.knowledge, 'added.md'), '# Added\n\nA new page.\n');
      await until(() => titles().includes('Added'), 15_000, 20);

      // edit
      fs.writeFileSync(path.join(p.knowledge, 'added.md'), '# Added\n\nA new page, edited.\n');
      await until(() => emu.created(emu.botId).some((d) => d.content.includes('edited')), 15_000, 20);

      // rename: a move, nothing pushed
      const beforeRename = posts();
      const runsBeforeRename = runsOf(p.stateFile, emu.botId).length;
      fs.mkdirSync(path.join(p.knowledge, 'sub'));
      fs.renameSync(path.join(p.knowledge, 'start.md'), path.join(p.knowledge, 'sub', 'start.md'));
      await until(
        () =>
          runsOf(p.stateFile, emu.botId).some(
            (r, i, all) => all.length > runsBeforeRename && (r.counts?.moved ?? 0) > 0,
          ),
        15_000,
        50,
      );
      expect(posts()).toBe(beforeRename);

      // delete: the old versions are stale
      fs.rmSync(path.join(p.knowledge, 'added.md'));
      await until(() => staleOf(p.stateFile, emu.botId).filter((t) => t === 'Added').length === 2, 15_000, 50);

      // a burst of 200 files: batched, not 200 syncs
      const runsBeforeBurst = runsOf(p.stateFile, emu.botId).length;
      for (let i = 0; i < 200; i++)
        fs.writeFileSync(path.join(p.knowledge, `burst-${i}.md`), `# Burst ${i}\n\nPage ${i}.\n`);
      await until(() => titles().filter((t) => t?.startsWith('Burst ')).length === 200, 60_000, 50);
      const burstRuns = runsOf(p.stateFile, emu.botId).length - runsBeforeBurst;
      expect(burstRuns).toBeGreaterThanOrEqual(1);
      expect(burstRuns).toBeLessThanOrEqual(5);

      // a bad file is reported, the watcher keeps going, and the fix syncs
      fs.writeFileSync(path.join(p.knowledge, 'faq.qa.yaml'), '- q: Broken?\n');
      await until(() => w.stderr().includes('faq.qa.yaml:1:3 answer is missing'), 15_000, 20);
      fs.writeFileSync(path.join(p.knowledge, 'faq.qa.yaml'), '- q: Broken?\n  a: Fixed.\n');
      await until(() => titles().includes('Broken?'), 15_000, 20);

      // editor temp files never trigger anything
      const runsBeforeTemp = runsOf(p.stateFile, emu.botId).length;
      fs.writeFileSync(path.join(p.knowledge, '.added.md.swp'), 'x');
      fs.writeFileSync(path.join(p.knowledge, 'notes.md~'), 'x');
      await new Promise((r) => setTimeout(r, 1200));
      expect(runsOf(p.stateFile, emu.botId).length).toBe(runsBeforeTemp);
    } finally {
      w.child.kill('SIGINT');
    }
    const { code } = await w.exited;
    expect(code).toBe(0);
    expect(w.stdout()).toContain('Stopped watching');
    // Everything pushed was recorded; nothing is left in flight.
    const store = StateStore.open(p.stateFile, { readonly: true });
    expect(store.pending(emu.botId)).toEqual([]);
    store.close();
  }, 180_000);

  it('holds the lock: a sync started meanwhile exits 3', async () => {
    const emu = await emulator();
    const p = project({ 'a.md': '# A\n\nbody\n' }, { emu });
    const w = spawnCli(['watch', '--debounce', '100'], { cwd: p.dir, env: p.env });
    try {
      await until(() => w.stdout().includes('Watching'), 20_000, 20);
      const s = spawnCli(['sync'], { cwd: p.dir, env: p.env });
      const r = await s.exited;
      expect(r.code).toBe(3);
      expect(s.stderr()).toContain('running "watch"');
    } finally {
      w.child.kill('SIGINT');
      await w.exited;
    }
  });

  it('keeps running through a network outage and catches up when the API is back', async () => {
    const emu = await emulator();
    const p = project(
      { 'a.md': '# A\n\nbody\n' },
      {
        emu,
        config: {
          watch: { debounceMs: 100, retryIntervalMs: 1000 },
          retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 },
        },
      },
    );
    const w = spawnCli(['watch'], { cwd: p.dir, env: p.env });
    try {
      await until(() => w.stdout().includes('Watching'), 20_000, 20);
      emu.setFaults({ errorRate: 1 });
      fs.writeFileSync(path.join(p.knowledge, 'during-outage.md'), '# During outage\n\ntext\n');
      await until(() => /failed/.test(w.stderr()), 15_000, 20);
      emu.setFaults({});
      await until(() => emu.created(emu.botId).some((d) => d.title === 'During outage'), 20_000, 50);
    } finally {
      w.child.kill('SIGINT');
      await w.exited;
    }
  });
});
