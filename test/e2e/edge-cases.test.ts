import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitCodeForError } from '../../src/cli/exit.js';
import { RefusedError } from '../../src/errors.js';
import { StateStore } from '../../src/state/store.js';
import type { EmulatorHandle } from '../../src/emulator/server.js';
import { CLI, runCli } from '../helpers/cli.js';
import { emulator } from '../helpers/emulator.js';
import { expectFolderInBot } from '../helpers/invariant.js';
import { project, type Project } from '../helpers/project.js';
import { spawnCli } from '../helpers/spawn.js';
import { runDoc } from '../helpers/json.js';
import { inProcess } from '../helpers/sync.js';

/** Edge cases found in review: each once lost, duplicated or wrongly staled an item. */

function setup(emu: EmulatorHandle, p: Project) {
  const { cfg, sync } = inProcess(p, emu);
  const report = () => {
    const store = StateStore.open(p.stateFile, { readonly: true });
    try {
      return {
        uncertainKeys: store.uncertain(emu.botId).map((u) => u.key),
        uncertain: store.uncertain(emu.botId),
        staleRemoteIds: store.stale(emu.botId).map((s) => s.remoteId),
      };
    } finally {
      store.close();
    }
  };
  return { cfg, sync, report };
}

/** The user the permission test runs the CLI as, when the suite runs as root. */
const NOBODY = { uid: 65534, gid: 65534 };

/**
 * Why `user` could not run the built CLI on `projectDir` (undefined if it can): it must reach
 * node, the bundle, better-sqlite3 (loaded, with its native part) and write the project. A clone
 * under a folder that user cannot enter (one made by `mktemp -d`, say) fails here.
 */
async function cannotRunAs(user: { uid: number; gid: number }, projectDir: string): Promise<string | undefined> {
  const probe = `
    const fs = require('node:fs'), path = require('node:path');
    const [cli, dir] = process.argv.slice(1);
    const check = (what, fn) => { try { fn(); } catch (e) { console.log(what + ' (' + e.message + ')'); process.exit(1); } };
    check('cannot read the built CLI ' + path.dirname(cli), () => {
      for (const f of fs.readdirSync(path.dirname(cli))) fs.accessSync(path.join(path.dirname(cli), f), fs.constants.R_OK);
    });
    check('cannot load better-sqlite3', () => {
      const Database = require('node:module').createRequire(cli)('better-sqlite3');
      new Database(':memory:').close();
    });
    check('cannot write the project ' + dir, () => fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK));
  `;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', probe, CLI, projectDir], {
      ...user,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', (err) => resolve(`cannot start node (${err.message})`));
    child.on('close', (code) => resolve(code === 0 ? undefined : out.trim() || `cannot run node (exit ${code})`));
  });
}

const titles = (emu: EmulatorHandle) => emu.created(emu.botId).map((d) => d.title ?? d.content);

describe('ids claimed twice', () => {
  it('an id stays with the file that had it; a copy-pasted id is the error, whichever file is edited', async () => {
    const emu = await emulator();
    const p = project({ 'z.md': '---\ntitle: Returns\nid: foo\n---\nReturns take 30 days.\n' }, { emu });
    const { cfg, sync, report } = setup(emu, p);
    await sync();
    p.write({ 'a.md': '---\ntitle: Template\nid: foo\n---\nCopy me.\n' });
    const r1 = await sync();
    expect(r1.errors.map((e) => e.file)).toEqual(['knowledge/a.md']);
    p.write({ 'z.md': '---\ntitle: Returns\nid: foo\n---\nReturns take 45 days.\n' });
    const r2 = await sync();
    expect(r2.counts.update).toBe(1);
    expect(emu.created(emu.botId).at(-1)?.content).toContain('45 days');
    expect(titles(emu)).not.toContain('Template');
    expect(r2.errors.map((e) => e.file)).toEqual(['knowledge/a.md']);
    // Fixing the copy: it gets its own item; nothing else changes.
    p.write({ 'a.md': '---\ntitle: Template\nid: template\n---\nCopy me.\n' });
    const r3 = await sync();
    expect(r3.counts).toMatchObject({ create: 1, stale: 0 });
    await expectFolderInBot(emu, cfg, report());
  });

  it('a file that takes an id in use keeps its own item; fixing it is a move, not a duplicate', async () => {
    const emu = await emulator();
    const p = project(
      { 'a.md': '---\ntitle: Alpha\nid: alpha\n---\nA.\n', 'z.md': '---\ntitle: Zed\nid: zed\n---\nZ.\n' },
      { emu },
    );
    const { cfg, sync, report } = setup(emu, p);
    await sync();
    p.write({ 'z.md': '---\ntitle: Zed\nid: alpha\n---\nZ.\n' });
    const clash = await sync();
    expect(clash.errors).toHaveLength(1);
    expect(clash.counts.stale).toBe(0);
    p.write({ 'z.md': '---\ntitle: Zed\nid: zed2\n---\nZ.\n' });
    const fixed = await sync();
    expect(fixed.counts).toMatchObject({ create: 0, moved: 1, stale: 0 });
    expect(titles(emu).filter((t) => t === 'Zed')).toHaveLength(1);
    await expectFolderInBot(emu, cfg, report());
  });
});

describe('kill -9 mid-push, then a deletion', () => {
  it('items pushed before the kill turn stale when their file is deleted', async () => {
    // SIGKILL the run the moment the emulator has answered its third create.
    const hook: { onCreate?: () => void } = {};
    const emu = await emulator({ log: (line) => /^POST \S*\/bot-data 200/.test(line) && hook.onCreate?.() });
    const files: Record<string, string> = {};
    for (let i = 0; i < 8; i++) files[`a${i}.md`] = `# Art ${i}\n\nBody ${i}.\n`;
    const p = project(files, { emu, config: { rateLimit: { requestsPerSecond: 100, concurrency: 1 } } });
    const { cfg, report } = setup(emu, p);
    const s = spawnCli(['sync', '-q'], { cwd: p.dir, env: p.env });
    let answered = 0;
    hook.onCreate = () => void (++answered === 3 && s.child.kill('SIGKILL'));
    expect((await s.exited).signal).toBe('SIGKILL');
    // One at a time, in file order: "Art 0" was among the first pushed.
    expect(emu.created(emu.botId).map((d) => d.title)).toContain('Art 0');
    p.remove('a0.md');
    const r = await runCli(['sync', '--json'], { cwd: p.dir, env: p.env });
    const doc = runDoc(r.stdout);
    expect(doc.stale.map((x) => x.title)).toContain('Art 0');
    await expectFolderInBot(emu, cfg, report());
  });
});

describe('adopt after a change', () => {
  it('an entry reworded before adopt --yes: the old one turns stale', async () => {
    const emu = await emulator();
    const p = project({ 'f.qa.yaml': '- q: One?\n  a: Uno.\n- q: Two?\n  a: Dos.\n' }, { emu });
    const { sync } = setup(emu, p);
    await sync();
    p.write({ 'f.qa.yaml': '- q: One?\n  a: Uno.\n- q: Three?\n  a: Tres.\n' });
    const a = await runCli(['adopt', '--yes', '--json'], { cwd: p.dir, env: p.env });
    expect(runDoc(a.stdout).stale.map((s) => s.title)).toEqual(['Two?']);
  });
});

describe('a replacement that fails', () => {
  it('a reworded question whose new version fails to push: the old one is not listed stale until it succeeds', async () => {
    const emu = await emulator();
    const p = project({ 'f.qa.yaml': '- q: How long do refunds take?\n  a: 5 days.\n' }, { emu });
    const { cfg, sync, report } = setup(emu, p);
    await sync();
    emu.setFaults({ schedule: [{ endpoint: 'POST /bot-data', at: 1, times: 0, fault: 'error', status: 400 }] });
    p.write({ 'f.qa.yaml': '- q: How long does a refund take?\n  a: 5 days.\n' });
    const failed = await sync();
    expect(failed.counts).toMatchObject({ failed: 1, stale: 0 });
    expect(failed.stale).toEqual([]);
    emu.setFaults({});
    const ok = await sync();
    expect(ok.counts).toMatchObject({ create: 1, stale: 1 });
    expect(ok.stale.map((s) => s.title)).toEqual(['How long do refunds take?']);
    await expectFolderInBot(emu, cfg, report());
  });
});

describe('what cannot be examined is not gone', () => {
  it('an unreadable folder keeps its items (not stale), and reading it again pushes nothing twice', async (ctx) => {
    const emu = await emulator();
    const p = project(
      { 'billing/a.md': '# A\n\nbody a\n', 'billing/b.md': '# B\n\nbody b\n', 'c.md': '# C\n\nbody c\n' },
      { emu },
    );
    // Root reads any folder: run the CLI as another user where the test runs as root.
    const asUser = process.getuid?.() === 0 ? NOBODY : undefined;
    if (asUser) {
      for (const d of [p.dir, p.knowledge, path.join(p.knowledge, 'billing')]) fs.chmodSync(d, 0o777);
      for (const f of ['billing/a.md', 'billing/b.md', 'c.md']) fs.chmodSync(path.join(p.knowledge, f), 0o666);
      const unreachable = await cannotRunAs(asUser, p.dir);
      if (unreachable) ctx.skip(`runs the CLI as uid ${asUser.uid}, which ${unreachable}`);
    }
    const run = (args: string[]) => runCli(args, { cwd: p.dir, env: p.env, ...(asUser ? { as: asUser } : {}) });
    expect((await run(['sync', '-q'])).code).toBe(0);
    fs.chmodSync(path.join(p.knowledge, 'billing'), 0o000);
    const blocked = await run(['sync', '--json']);
    const doc = runDoc(blocked.stdout);
    expect(blocked.code).toBe(1);
    expect(doc.errors[0]?.message).toContain('cannot read the folder');
    expect(doc.counts.stale).toBe(0);
    fs.chmodSync(path.join(p.knowledge, 'billing'), 0o777);
    const back = runDoc((await run(['sync', '--json'])).stdout);
    expect(back.counts).toMatchObject({ create: 0, stale: 0 });
    expect(emu.created(emu.botId)).toHaveLength(3);
  });
});

describe('watch-mode runs (changed paths only)', () => {
  it('refuse to turn everything stale when the folder was emptied', async () => {
    const emu = await emulator();
    const p = project({ 'a.md': '# A\n\nbody\n', 'b/c.md': '# C\n\nbody\n' }, { emu });
    const { sync } = setup(emu, p);
    await sync();
    p.remove('a.md');
    p.remove('b');
    const refused = await sync({ changedPaths: ['a.md', 'b'] }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RefusedError);
    expect(exitCodeForError(refused)).toBe(4);
  });

  it('a folder and a file in it in one batch are read once (no false conflict)', async () => {
    const emu = await emulator();
    const p = project({ 'a.md': '# A\n\nbody\n' }, { emu });
    const { sync } = setup(emu, p);
    await sync();
    p.write({ 'guides/g.md': '---\nid: g\n---\n# G\n\nbody\n' });
    const r = await sync({ changedPaths: ['guides', 'guides/g.md'] });
    expect(r.errors).toEqual([]);
    expect(r.counts.create).toBe(1);
  });
});
