import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { emulator } from '../helpers/emulator.js';
import { runDoc, snapshotDoc, statusDoc, type SnapshotDoc } from '../helpers/json.js';
import { project } from '../helpers/project.js';
import { age, tempDir } from '../helpers/fs.js';
import { smallCorpus } from '../helpers/corpus.js';
import { inProcess } from '../helpers/sync.js';

describe('state export / import', () => {
  it('round-trips: a fresh checkout with the imported snapshot pushes nothing, keeps the stale list, and passes the CI guard', async () => {
    const emu = await emulator();
    const p = project(smallCorpus({ articles: 3, questions: 2, urls: 2, docs: 1 }), { emu });
    const { sync } = inProcess(p, emu);
    expect((await sync()).counts.create).toBeGreaterThan(0);
    p.remove('guides/topic-0.md');
    expect((await sync()).counts.stale).toBe(1);
    const snapFile = path.join(tempDir(), 'snap.json');
    const exp = await runCli(['state', 'export', snapFile], { cwd: p.dir, env: p.env });
    expect(exp.code).toBe(0);
    const snap = snapshotDoc(fs.readFileSync(snapFile, 'utf8'));
    expect(snap).toMatchObject({ format: 'kb-sync-state', version: 1, botId: emu.botId });
    expect(snap.stale).toHaveLength(1);

    // A new runner: same files (new inodes and times), no state.
    const fresh = tempDir();
    fs.cpSync(p.dir, fresh, { recursive: true });
    fs.rmSync(path.join(fresh, '.kb-sync'), { recursive: true, force: true });
    age(path.join(fresh, 'knowledge'));
    const imp = await runCli(['state', 'import', snapFile], { cwd: fresh, env: p.env });
    expect(imp.code).toBe(0);
    const status = statusDoc((await runCli(['status', '--json'], { cwd: fresh, env: p.env })).stdout);
    expect(Object.values(status.items).every((o) => Object.keys(o).join() === 'imported')).toBe(true);
    const before = emu.stats().requests;
    const r = await runCli(['sync', '--json'], { cwd: fresh, env: { ...p.env, CI: 'true' } });
    expect(r.code).toBe(0);
    const doc = runDoc(r.stdout);
    expect(doc.counts).toMatchObject({ create: 0, update: 0, stale: 0 });
    expect(doc.files.read).toBe(doc.files.scanned);
    expect(doc.stale).toHaveLength(1);
    expect(emu.stats().requests).toBe(before);
    // The next run trusts the fast path again.
    const again = runDoc((await runCli(['sync', '--json'], { cwd: fresh, env: p.env })).stdout);
    expect(again.files.read).toBe(0);
  });

  it('refuses a snapshot of another bot, and refuses to replace existing state without --force', async () => {
    const emu = await emulator({ extraBotIds: ['bot-2'] });
    const p = project({ 'a.md': '# A\n\nbody\n' }, { emu });
    expect((await inProcess(p, emu).sync()).counts.create).toBe(1);
    const snapFile = path.join(tempDir(), 'snap.json');
    expect((await runCli(['state', 'export', snapFile], { cwd: p.dir, env: p.env })).code).toBe(0);
    const other = await runCli(['state', 'import', snapFile], {
      cwd: p.dir,
      env: { ...p.env, CXGENIE_BOT_ID: 'bot-2' },
    });
    expect(other.code).toBe(2);
    expect(other.stderr).toContain(`snapshot is of bot ${emu.botId}`);
    const existing = await runCli(['state', 'import', snapFile], { cwd: p.dir, env: p.env });
    expect(existing.code).toBe(2);
    expect(existing.stderr).toContain('--force');
    const forced = await runCli(['state', 'import', snapFile, '--force'], { cwd: p.dir, env: p.env });
    expect(forced.code).toBe(0);
    const bad = path.join(tempDir(), 'bad.json');
    fs.writeFileSync(bad, '{"format":"something-else"}');
    const notSnap = await runCli(['state', 'import', bad], { cwd: p.dir, env: p.env });
    expect(notSnap.code).toBe(2);
    expect(notSnap.stderr).toContain('Not a kb-sync state snapshot');
    // Damaged snapshots are refused with a reason, never an internal error.
    const snap = snapshotDoc(fs.readFileSync(snapFile, 'utf8'));
    for (const [mutate, why] of [
      [(x: SnapshotDoc) => (x.files = [{ path: 'a.md', kind: 'article' }]), 'files[0] is incomplete'],
      [(x: SnapshotDoc) => x.items.push({ ...x.items[0] }), 'repeats the key'],
    ] as const) {
      const copy = structuredClone(snap);
      mutate(copy);
      fs.writeFileSync(bad, JSON.stringify(copy));
      const r = await runCli(['state', 'import', bad, '--force'], { cwd: p.dir, env: p.env });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(why);
    }
  });
});

describe('kb-sync adopt', () => {
  it('records the folder as already in the bot, pushes nothing, marks items adopted; later edits sync normally', async () => {
    const emu = await emulator();
    const p = project({ 'a.md': '# A\n\nbody\n', 'q.qa.yaml': '- q: Q?\n  a: A.\n' }, { emu });
    const dry = await runCli(['adopt'], { cwd: p.dir, env: p.env });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('would record 2 item(s)');
    expect(fs.existsSync(p.stateFile)).toBe(false);
    const r = await runCli(['adopt', '--yes'], { cwd: p.dir, env: { ...p.env, CXGENIE_WORKSPACE_TOKEN: undefined } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Adopted 2 item(s)');
    expect(emu.stats().requests).toBe(0);
    const status = statusDoc((await runCli(['status', '--json'], { cwd: p.dir, env: p.env })).stdout);
    expect(status.items).toEqual({ TEXT: { adopted: 1 }, Q_AND_A: { adopted: 1 } });
    const human = await runCli(['status'], { cwd: p.dir, env: p.env });
    expect(human.stdout).toContain('adopted');
    // In CI the adopted state counts as synced: no first-run refusal, nothing to push.
    const ci = runDoc((await runCli(['sync', '--json'], { cwd: p.dir, env: { ...p.env, CI: 'true' } })).stdout);
    expect(ci.counts).toMatchObject({ create: 0, unchanged: 2 });
    // An edit: the new version is pushed; the adopted one is stale, without a remote id.
    p.write({ 'q.qa.yaml': '- q: Q?\n  a: A, revised.\n' });
    const edit = runDoc((await runCli(['sync', '--json'], { cwd: p.dir, env: p.env })).stdout);
    expect(edit.counts.update).toBe(1);
    expect(edit.stale).toEqual([expect.objectContaining({ remoteId: null, origin: 'adopted', title: 'Q?' })]);
  });
});
