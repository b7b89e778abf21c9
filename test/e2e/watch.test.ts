import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatorHandle } from '../../src/emulator/server.js';
import { StateStore } from '../../src/state/store.js';
import { runCli } from '../helpers/cli.js';
import { emulator } from '../helpers/emulator.js';
import { runDoc } from '../helpers/json.js';
import { project, type Project } from '../helpers/project.js';
import { spawnCli, until, type Spawned } from '../helpers/spawn.js';

/**
 * Watch mode with real file events in a temp folder, against the emulator. One watcher serves
 * every test of the file (starting one costs a process and a full sync); each test works on
 * files of its own, so none depends on what another did, and the last one stops the watcher.
 */

function runsOf(
  stateFile: string,
  botId: string,
): { id: number; command: string; finishedAt: string | null; counts: Record<string, number> | null }[] {
  if (!fs.existsSync(stateFile)) return [];
  const store = StateStore.open(stateFile, { readonly: true });
  try {
    return store.runs(botId, 10_000);
  } finally {
    store.close();
  }
}

function racyOf(stateFile: string, botId: string): string[] {
  const store = StateStore.open(stateFile, { readonly: true });
  try {
    return store.racyFiles(botId);
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
  let emu: EmulatorHandle;
  let p: Project;
  let w: Spawned;
  const titles = () => emu.created(emu.botId).map((d) => d.title ?? d.content);
  const posts = () => emu.stats().byEndpoint['POST /bot-data'] ?? 0;
  /** Runs started by changes (not the "watch-settle" runs that read files again after the racy window). */
  const runs = () => runsOf(p.stateFile, emu.botId).filter((r) => r.command !== 'watch-settle').length;
  /** The runs recorded after the first `before` ones, newest first. */
  const runsAfter = (before: number) => {
    const all = runsOf(p.stateFile, emu.botId).filter((r) => r.command !== 'watch-settle');
    return all.slice(0, all.length - before);
  };
  /** Every run recorded so far has finished. */
  const idle = () =>
    until(() => runsOf(p.stateFile, emu.botId).every((r) => r.finishedAt !== null), 'the runs to finish');
  const write = (rel: string, text: string) => fs.writeFileSync(path.join(p.knowledge, rel), text);
  /** What the watcher printed on stderr since `mark` (a length of it taken earlier). */
  const stderrSince = (mark: number) => w.stderr().slice(mark);

  beforeAll(async () => {
    emu = await emulator({}, { until: 'file' });
    p = project(
      { 'start.md': '# Start\n\nThe first page.\n' },
      {
        emu,
        until: 'file',
        config: {
          watch: { debounceMs: 300, retryIntervalMs: 1000 },
          retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 },
        },
      },
    );
    // --verbose: a line for every batch, with how many paths it held.
    w = spawnCli(['watch', '--verbose'], { cwd: p.dir, env: p.env });
    await until(() => w.stdout().includes('Watching'), 'the watcher to be ready');
  });

  afterAll(async () => {
    if (w.child.exitCode === null && w.child.signalCode === null) {
      w.child.kill('SIGKILL');
      await w.exited;
    }
  });

  it('starts with a full sync of the folder', async () => {
    await until(() => titles().includes('Start'), 'the first page pushed');
    expect(emu.created(emu.botId)).toHaveLength(1);
  });

  it('never starts a sync for editor temp files', async () => {
    await idle();
    const before = runs();
    const mark = w.stdout().length;
    write('.notes.md.swp', 'x');
    write('notes.md~', 'x');
    // A real change after them: once its batch has run, any event of the temp files has arrived.
    write('after-temp.md', '# After temp\n\nA page.\n');
    await until(() => titles().includes('After temp'), 'the page written after the temp files pushed');
    // --verbose prints a line after each batch, with the number of paths it held.
    const batches = () =>
      [
        ...w
          .stdout()
          .slice(mark)
          .matchAll(/(\d+) change\(s\): /g),
      ].map((m) => m[1]);
    await until(() => batches().length > 0, 'the line of its batch');
    await idle();
    expect(runs() - before).toBe(1);
    expect(batches()).toEqual(['1']);
  });

  it('pushes an added file', async () => {
    write('added.md', '# Added\n\nA new page.\n');
    await until(() => titles().includes('Added'), 'the added page pushed');
  });

  it('pushes the new version of an edited file', async () => {
    write('edited.md', '# Edited\n\nFirst version.\n');
    await until(() => titles().includes('Edited'), 'the page pushed');
    write('edited.md', '# Edited\n\nSecond version.\n');
    await until(
      () => emu.created(emu.botId).some((d) => d.content.includes('Second version')),
      'the new version pushed',
    );
  });

  it('records a rename as a move and pushes nothing', async () => {
    write('rename-me.md', '# Rename me\n\nSame text after the move.\n');
    await until(() => titles().includes('Rename me'), 'the page pushed');
    await idle();
    const before = { posts: posts(), runs: runs() };
    fs.mkdirSync(path.join(p.knowledge, 'sub'));
    fs.renameSync(path.join(p.knowledge, 'rename-me.md'), path.join(p.knowledge, 'sub', 'renamed.md'));
    await until(() => runsAfter(before.runs).some((r) => (r.counts?.moved ?? 0) > 0), 'a run that moved the page');
    expect(posts()).toBe(before.posts);
  });

  it('turns every pushed version of a deleted file stale', async () => {
    write('delete-me.md', '# Delete me\n\nFirst version.\n');
    await until(() => titles().includes('Delete me'), 'the page pushed');
    write('delete-me.md', '# Delete me\n\nSecond version.\n');
    await until(
      () => emu.created(emu.botId).some((d) => d.title === 'Delete me' && d.content.includes('Second version')),
      'the new version pushed',
    );
    fs.rmSync(path.join(p.knowledge, 'delete-me.md'));
    await until(
      () => staleOf(p.stateFile, emu.botId).filter((t) => t === 'Delete me').length === 2,
      'both versions listed stale',
    );
  });

  it('syncs a burst of 200 files in a few batches, not 200 syncs', async () => {
    const before = runs();
    for (let i = 0; i < 200; i++) write(`burst-${i}.md`, `# Burst ${i}\n\nPage ${i}.\n`);
    await until(() => titles().filter((t) => t?.startsWith('Burst ')).length === 200, 'all 200 pages pushed');
    const batches = runs() - before;
    expect(batches).toBeGreaterThanOrEqual(1);
    // Batched: on average at least 20 files a sync, however the events were spread.
    expect(batches).toBeLessThanOrEqual(10);
  });

  it('reports a bad file with file:line, keeps watching, and syncs the fix', async () => {
    const mark = w.stderr().length;
    write('faq.qa.yaml', '- q: Broken?\n');
    await until(() => stderrSince(mark).includes('faq.qa.yaml:1:3 answer is missing'), 'the error reported');
    write('faq.qa.yaml', '- q: Broken?\n  a: Fixed.\n');
    await until(() => titles().includes('Broken?'), 'the fixed entry pushed');
  });

  it('holds the lock: a sync started meanwhile exits 3', async () => {
    const s = spawnCli(['sync'], { cwd: p.dir, env: p.env });
    const r = await s.exited;
    expect(r.code).toBe(3);
    expect(s.stderr()).toContain('running "watch"');
  });

  it('keeps running through a network outage and catches up when the API is back', async () => {
    const mark = w.stderr().length;
    emu.setFaults({ errorRate: 1 });
    write('during-outage.md', '# During outage\n\ntext\n');
    await until(() => /failed/.test(stderrSince(mark)), 'the failure reported');
    emu.setFaults({});
    await until(() => titles().includes('During outage'), 'the page pushed once the API is back');
  });

  it('stops cleanly on Ctrl-C: exit 130 like every command stopped by a signal, and nothing left in flight', async () => {
    // Files read just after they changed are read again once the racy window has passed.
    await until(() => racyOf(p.stateFile, emu.botId).length === 0, 'every file settled (none racy)');
    await idle();
    w.child.kill('SIGINT');
    const { code } = await w.exited;
    expect(code).toBe(130);
    expect(w.stdout()).toContain('Stopped watching');
    const store = StateStore.open(p.stateFile, { readonly: true });
    try {
      expect(store.pending(emu.botId)).toEqual([]);
    } finally {
      store.close();
    }
  });

  it('leaves the stat index as current as a sync does: the next sync reads no file (issue 17 item 12)', async () => {
    const r = await runCli(['sync', '--json'], { cwd: p.dir, env: p.env });
    expect(r.code).toBe(0);
    const doc = runDoc(r.stdout);
    expect(doc.files.read).toBe(0);
    expect(doc.counts.create).toBe(0);
  });
});
