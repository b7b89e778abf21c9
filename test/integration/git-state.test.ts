import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitCodeForError, exitCodeForRun } from '../../src/cli/exit.js';
import { loadConfig, type ResolvedConfig } from '../../src/config/load.js';
import { StateError } from '../../src/errors.js';
import {
  beginGitState,
  FencedError,
  keptSnapshotFile,
  refreshFromGit,
  sidecarFile,
} from '../../src/state/remote/git-state.js';
import { acquireGitLock } from '../../src/state/remote/git-lock.js';
import { parseMeta } from '../../src/state/remote/records.js';
import { StateStore } from '../../src/state/store.js';
import { runSync } from '../../src/sync/run.js';
import { emulator } from '../helpers/emulator.js';
import { age, writeTree } from '../helpers/fs.js';
import { gitWorld, sh, treeFiles } from '../helpers/git.js';
import type { EmulatorHandle } from '../../src/emulator/server.js';

/**
 * The git-held state around real runs of the pipeline: two clones of one repository stand for
 * two runners, the emulator for the bot.
 */

const REF = 'refs/kb-sync/state/bot-1';

function repo(emu: EmulatorHandle) {
  return gitWorld((work) => {
    writeTree(work, {
      'sync.config.json': JSON.stringify({
        botId: 'bot-1',
        apiBaseUrl: emu.url,
        rateLimit: { requestsPerSecond: 500, concurrency: 4 },
        retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 20 },
        gitState: { enabled: true, lockTimeoutSeconds: 60 },
      }),
      '.gitignore': '.kb-sync/\n',
      'knowledge/a.md': '# Alpha\n\nFirst.\n',
      'knowledge/faq.qa.yaml': '- q: One?\n  a: Yes.\n- q: Two?\n  a: No.\n',
    });
  });
}

function config(dir: string): ResolvedConfig {
  return loadConfig({ cwd: dir, env: {} });
}

/** A new clone, its files aged past the racy window (once: aging changes ctime). */
function cloneAged(w: ReturnType<typeof gitWorld>, name: string): string {
  const dir = w.clone(name);
  age(path.join(dir, 'knowledge'));
  return dir;
}

async function syncIn(dir: string, emu: EmulatorHandle, extra: { now?: () => number } = {}) {
  const cfg = config(dir);
  const session = await beginGitState({ cfg, botId: 'bot-1', command: 'sync', ...extra });
  const result = await runSync({ config: cfg, botId: 'bot-1', dryRun: false, token: emu.token, cwd: dir });
  const error = await session.finish({
    command: 'sync',
    exitCode: exitCodeForRun(result),
    counts: { ...result.counts },
    items: result.items,
  });
  return { session, result, error };
}

// Real git processes: generous ceilings for a busy machine (never a speed assertion).
const GIT_TEST_TIMEOUT = 180_000;

describe('state held in git, around real runs', { timeout: GIT_TEST_TIMEOUT }, () => {
  it('runs from either clone share one state: nothing is created twice, and the working copy is reloaded only when the ref moved', async () => {
    const emu = await emulator();
    const w = repo(emu);
    const a = cloneAged(w, 'a');
    const b = cloneAged(w, 'b');

    const first = await syncIn(a, emu);
    expect(first.error).toBeUndefined();
    expect(first.session.loaded).toBe('none');
    expect(first.result.counts.create).toBe(3);
    const tip = w.remoteRef(REF) as string;
    const files = treeFiles(w.bare, tip);
    expect(Object.keys(files).sort()).toEqual(['meta.json', 'snapshot.json']);
    expect((JSON.parse(files['snapshot.json'] as string) as { items: unknown[] }).items).toHaveLength(3);
    const message = sh(w.bare, 'log', '-1', '--format=%B', REF);
    expect(message).toMatch(/^kb-sync sync: bot bot-1: created 3, updated 0, stale 0 from [0-9a-f]{12}/);
    expect(message).toContain('Q_AND_A "One?" knowledge/faq.qa.yaml:1 id ');
    expect(message).toContain('Kb-Sync-Source: ' + sh(a, 'rev-parse', 'HEAD').trim());

    // Runner b has no state of its own: it loads the ref's and pushes nothing.
    const second = await syncIn(b, emu);
    expect(second.session.loaded).toBe('loaded');
    expect(second.result.counts).toMatchObject({ create: 0, update: 0, stale: 0 });
    expect(emu.created('bot-1')).toHaveLength(3);

    // b removes a file and pushes (a commit to main); a pulls it and agrees on what is stale.
    fs.rmSync(path.join(b, 'knowledge/a.md'));
    sh(b, 'commit', '-qam', 'remove a');
    sh(b, 'push', '-q', 'origin', 'HEAD:main');
    const third = await syncIn(b, emu);
    expect(third.result.stale.map((s) => s.title)).toEqual(['Alpha']);
    sh(a, 'pull', '-q', 'origin', 'main');
    age(path.join(a, 'knowledge'));
    const fourth = await syncIn(a, emu);
    expect(fourth.session.loaded).toBe('loaded');
    expect(fourth.result.counts).toMatchObject({ create: 0, stale: 0 });
    expect(fourth.result.stale.map((s) => s.title)).toEqual(['Alpha']);
    // Nothing moved since a's own push: its working copy is current (no reload, no re-read).
    const fifth = await syncIn(a, emu);
    expect(fifth.session.loaded).toBe('current');
    expect(fifth.result.filesRead).toBe(0);
    expect(emu.created('bot-1')).toHaveLength(3);
    expect(JSON.parse(fs.readFileSync(sidecarFile(config(a).stateFile), 'utf8'))).toMatchObject({ ref: REF });
  });

  it('a runner that died after its write-ahead checkpoint: the next one takes over and reports what it was about to push as possibly created twice', async () => {
    const emu = await emulator();
    const w = repo(emu);
    const a = cloneAged(w, 'a');
    const b = cloneAged(w, 'b');
    const cfgA = config(a);
    const dead = await beginGitState({ cfg: cfgA, botId: 'bot-1', command: 'sync', heartbeatMs: 3_600_000 });
    // It records what it is about to push, pushes it (the bot now has the items), and dies
    // before its final push.
    await dead.intend([
      { key: 'k-alpha', type: 'TEXT', label: 'Alpha', sourceFile: 'a.md' },
      { key: 'k-one', type: 'Q_AND_A', label: 'One?', sourceFile: 'faq.qa.yaml' },
      { key: 'k-two', type: 'Q_AND_A', label: 'Two?', sourceFile: 'faq.qa.yaml' },
    ]);
    await runSync({ config: cfgA, botId: 'bot-1', dryRun: false, token: emu.token, cwd: a });
    expect(emu.created('bot-1')).toHaveLength(3);
    expect(
      (JSON.parse(treeFiles(w.bare, w.remoteRef(REF) as string)['snapshot.json'] as string) as { uncertain: unknown[] })
        .uncertain,
    ).toHaveLength(3);

    const later = () => Date.now() + 61_000;
    const taker = await syncIn(b, emu, { now: later });
    expect(taker.error).toBeUndefined();
    expect(taker.session.record.tookOverFrom?.runId).toBe(dead.record.runId);
    // It pushes the folder again (it cannot know what the dead runner created), and says so.
    expect(taker.result.counts.create).toBe(3);
    expect(taker.result.uncertain.map((u) => u.title).sort()).toEqual(['Alpha', 'One?', 'Two?']);
    expect(taker.result.uncertain[0]?.reason).toContain(`run ${dead.record.runId}`);
    // The dead runner, woken up, cannot push over its successor.
    const late = await dead.finish({ command: 'sync', exitCode: 0, counts: {}, items: [] });
    expect(late).toBeInstanceOf(FencedError);
    expect(exitCodeForError(late)).toBe(3);
    const kept = keptSnapshotFile(cfgA.stateFile, 'fenced');
    expect(late?.message).toContain(kept);
    expect(fs.existsSync(kept)).toBe(true);
    expect(parseMeta(treeFiles(w.bare, w.remoteRef(REF) as string)['meta.json'] as string).runId).toBe(
      taker.session.record.runId,
    );
  });

  it('a damaged snapshot in the ref: exit 2 before any lock is taken, for sync and for plan', async () => {
    const emu = await emulator();
    const w = repo(emu);
    const a = cloneAged(w, 'a');
    await syncIn(a, emu);
    // Someone writes junk into the snapshot (keeping meta.json).
    const lock = await acquireGitLock({
      loc: { repoDir: a, remote: 'origin', ref: REF },
      botId: 'bot-1',
      target: null,
      holder: { runId: 'vandal', host: 'h', pid: 1, command: 'x', sourceCommit: null, url: null },
      timeoutSeconds: 60,
    });
    await lock.release('{"format":"kb-sync-state","version":1,"botId":"bot-1","items":"nope"}', { subject: 'junk' });
    const before = w.remoteRef(REF);
    const b = cloneAged(w, 'b');
    const cfg = config(b);
    for (const attempt of [
      () => beginGitState({ cfg, botId: 'bot-1', command: 'sync' }),
      () => refreshFromGit(cfg, 'bot-1'),
    ]) {
      const err = await attempt().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StateError);
      expect(exitCodeForError(err)).toBe(2);
      expect((err as Error).message).toMatch(
        /holds an unusable snapshot: Not a kb-sync state snapshot: "items" is not a list/,
      );
    }
    expect(w.remoteRef(REF)).toBe(before);
    expect(fs.existsSync(cfg.stateFile)).toBe(false);
    const s = StateStore.open(cfg.stateFile, { readonly: true });
    expect(s.itemCount('bot-1')).toBe(0);
    s.close();
  });
});
