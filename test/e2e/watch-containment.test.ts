import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatorHandle } from '../../src/emulator/server.js';
import { emulator } from '../helpers/emulator.js';
import { tempDir } from '../helpers/fs.js';
import { project, type Project } from '../helpers/project.js';
import { spawnCli, until, type Spawned } from '../helpers/spawn.js';

/**
 * Watch mode keeps to the knowledge folder exactly as a full sync does (issue 11, item 1): a
 * symbolic link to a folder is never followed, whatever it points at. Links to an outside folder
 * and to `/` sit in the folder from the start; the watcher must not crawl them (bounded memory,
 * Ctrl-C still works) and must not push a file written in the outside folder while it runs.
 */

/** Peak resident memory of a live process in MiB (Linux; `undefined` elsewhere). */
function peakMiB(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

describe('kb-sync watch beside hostile folder links', () => {
  let emu: EmulatorHandle;
  let p: Project;
  let w: Spawned;
  let outside: string;
  const titles = () => emu.created(emu.botId).map((d) => d.title ?? d.content);

  beforeAll(async () => {
    emu = await emulator({}, { until: 'file' });
    outside = tempDir('kb-sync-outside-', { until: 'file' });
    fs.writeFileSync(path.join(outside, 'already.md'), '# Already outside\n\nSecret.\n');
    p = project(
      { 'start.md': '# Start\n\nThe first page.\n' },
      { emu, until: 'file', config: { watch: { debounceMs: 200, retryIntervalMs: 1000 } } },
    );
    fs.symlinkSync(outside, path.join(p.knowledge, 'wdir'));
    fs.symlinkSync('/', path.join(p.knowledge, 'rootlink'));
    fs.symlinkSync(outside, path.join(p.knowledge, 'linked.md'));
    w = spawnCli(['watch', '--verbose'], { cwd: p.dir, env: p.env });
    await until(() => w.stdout().includes('Watching'), 'the watcher to be ready');
  });

  afterAll(async () => {
    if (w.child.exitCode === null && w.child.signalCode === null) {
      w.child.kill('SIGKILL');
      await w.exited;
    }
  });

  it('pushes nothing from behind a folder link, at start or when a file appears there', async () => {
    await until(() => titles().includes('Start'), 'the first page pushed');
    fs.writeFileSync(path.join(outside, 'new.md'), '# Outside new\n\nMust not leave the machine.\n');
    fs.mkdirSync(path.join(outside, 'deeper'));
    fs.writeFileSync(path.join(outside, 'deeper', 'more.md'), '# Outside deeper\n\nNor this.\n');
    // A change inside afterwards: once it is pushed, the events of the outside files have had their turn.
    fs.writeFileSync(path.join(p.knowledge, 'inside.md'), '# Inside\n\nA page.\n');
    await until(() => titles().includes('Inside'), 'the inside page pushed');
    fs.appendFileSync(path.join(outside, 'new.md'), '\nEdited.\n');
    fs.writeFileSync(path.join(p.knowledge, 'inside2.md'), '# Inside two\n\nA page.\n');
    await until(() => titles().includes('Inside two'), 'the second inside page pushed');
    const all = emu.created(emu.botId);
    expect(all.map((d) => d.title ?? d.content).sort()).toEqual(['Inside', 'Inside two', 'Start']);
    expect(JSON.stringify(all)).not.toMatch(/Secret|Must not leave|Nor this/);
    expect(w.stdout() + w.stderr()).not.toContain('wdir/new.md');
  });

  it('stays bounded beside a link to / (no crawl) and stops on Ctrl-C', async () => {
    const peak = peakMiB(w.child.pid ?? 0);
    if (peak !== undefined) expect(peak).toBeLessThan(400);
    w.child.kill('SIGINT');
    const { code } = await w.exited;
    // Like every command stopped by a signal: 130 for SIGINT (docs/syncing.md#exit-codes).
    expect(code).toBe(130);
    expect(w.stdout()).toContain('Stopped watching');
  });
});
