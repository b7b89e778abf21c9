import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitCodeForError } from '../../src/cli/exit.js';
import { LockedError, StateError } from '../../src/errors.js';
import {
  acquireGitLock,
  fencedRef,
  GitLockedError,
  loadTip,
  settleUnpushed,
  unpushedRef,
  type GitLockOptions,
} from '../../src/state/remote/git-lock.js';
import { fetchTip, pushWithLease, writeBlob, writeCommit, type RefLocation } from '../../src/state/remote/git-ref.js';
import { parseLock, parseMeta } from '../../src/state/remote/records.js';
import { gitWorld, sh, treeFiles } from '../helpers/git.js';

/**
 * The state ref and its lock against real git: a bare repository standing for the remote and
 * clones standing for runners. Time is injected where a lock's age matters (no sleeping past a
 * timeout); where a real wait happens, the test polls for the state it waits for.
 */

const REF = 'refs/kb-sync/state/bot-1';

function options(repoDir: string, runId: string, extra: Partial<GitLockOptions> = {}): GitLockOptions {
  return {
    loc: { repoDir, remote: 'origin', ref: REF },
    botId: 'bot-1',
    target: null,
    holder: { runId, host: `host-${runId}`, pid: 4242, command: 'sync', sourceCommit: null, url: null },
    timeoutSeconds: 600,
    // Heartbeats are pushed by hand in these tests (lock.heartbeat()), never by the clock.
    heartbeatMs: 3_600_000,
    ...extra,
  };
}

const snapshot = (items: string[]) => `${JSON.stringify({ format: 'test', items })}\n`;

async function errorOf(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

// Real git processes: generous ceilings for a busy machine (never a speed assertion).
const GIT_TEST_TIMEOUT = 180_000;

describe('the state ref lock', { timeout: GIT_TEST_TIMEOUT }, () => {
  it('a missing ref is taken, named in lock.json; a second runner exits 3 naming the holder; the release stores the snapshot', async () => {
    const w = gitWorld();
    const a = w.clone('a');
    const b = w.clone('b');
    expect(await fetchTip({ repoDir: a, remote: 'origin', ref: REF })).toBeNull();

    const lockA = await acquireGitLock(options(a, 'run-a'));
    expect(lockA.base.oid).toBeNull();
    const held = treeFiles(w.bare, w.remoteRef(REF) as string);
    expect(Object.keys(held).sort()).toEqual(['lock.json', 'meta.json']);
    expect(parseLock(held['lock.json'] as string)).toMatchObject({ runId: 'run-a', host: 'host-run-a', fence: 1 });

    const err = await errorOf(acquireGitLock(options(b, 'run-b')));
    expect(err).toBeInstanceOf(GitLockedError);
    expect(err).toBeInstanceOf(LockedError);
    expect(exitCodeForError(err)).toBe(3);
    expect(err.message).toContain('run run-a');
    expect(err.message).toContain('host-run-a');
    expect(err.message).toContain(parseLock(held['lock.json'] as string).since);

    const out = await lockA.release(snapshot(['x']), { subject: 'kb-sync: sync bot bot-1: created 1' });
    expect(out.ok).toBe(true);
    const tip = w.remoteRef(REF) as string;
    const files = treeFiles(w.bare, tip);
    expect(Object.keys(files).sort()).toEqual(['meta.json', 'snapshot.json']);
    expect(files['snapshot.json']).toBe(snapshot(['x']));
    expect(parseMeta(files['meta.json'] as string)).toMatchObject({ botId: 'bot-1', target: null, fence: 1 });
    const log = sh(w.bare, 'log', '--format=%s', REF);
    expect(log.split('\n')[0]).toBe('kb-sync: sync bot bot-1: created 1');
    expect(log).toContain('kb-sync: lock taken by run run-a on host-run-a');
    expect(sh(w.bare, 'log', '-1', '--format=%(trailers:key=Kb-Sync-Run,valueonly)', REF).trim()).toBe('run-a');

    // The other runner now takes it, from the stored snapshot, one generation later.
    const lockB = await acquireGitLock(options(b, 'run-b'));
    expect(lockB.base.oid).toBe(tip);
    expect(lockB.record.fence).toBe(2);
    expect(sh(b, 'cat-file', 'blob', lockB.base.snapshotBlob as string)).toBe(snapshot(['x']));
    expect((await lockB.release(undefined, { subject: 'kb-sync: nothing to do' })).ok).toBe(true);
    expect(treeFiles(w.bare, w.remoteRef(REF) as string)['snapshot.json']).toBe(snapshot(['x']));
  });

  it('two runners taking the lock at once: exactly one gets it, the other is told who holds it', async () => {
    const w = gitWorld();
    const clones = ['a', 'b', 'c'].map((n) => w.clone(n));
    for (let round = 0; round < 2; round++) {
      const results = await Promise.allSettled(clones.map((c, i) => acquireGitLock(options(c, `run-${round}-${i}`))));
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of results.filter((x) => x.status === 'rejected')) expect(r.reason).toBeInstanceOf(GitLockedError);
      const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof acquireGitLock>>>).value;
      expect(parseLock(treeFiles(w.bare, w.remoteRef(REF) as string)['lock.json'] as string).runId).toBe(
        winner.record.runId,
      );
      expect((await winner.release(snapshot([`round-${round}`]), { subject: `round ${round}` })).ok).toBe(true);
    }
    expect(parseMeta(treeFiles(w.bare, w.remoteRef(REF) as string)['meta.json'] as string).fence).toBe(2);
  });

  it('--wait: a second runner waits for the holder and starts from the state it released', async () => {
    const w = gitWorld();
    const a = w.clone('a');
    const b = w.clone('b');
    const lockA = await acquireGitLock(options(a, 'run-a'));
    let waitingFor: string | undefined;
    const pending = acquireGitLock(
      options(b, 'run-b', { waitMs: 600_000, pollMs: 50, onWait: (h) => (waitingFor = h.runId) }),
    );
    await expect.poll(() => waitingFor, { timeout: 20_000, interval: 20 }).toBe('run-a');
    expect((await lockA.release(snapshot(['from-a']), { subject: 'a done' })).ok).toBe(true);
    const lockB = await pending;
    expect(sh(b, 'cat-file', 'blob', lockB.base.snapshotBlob as string)).toBe(snapshot(['from-a']));
    await lockB.release(undefined, { subject: 'b done' });
  });

  it('a holder silent past its timeout is taken over; it can no longer push (fenced), and its state is kept locally', async () => {
    const w = gitWorld();
    const a = w.clone('a');
    const b = w.clone('b');
    const lockA = await acquireGitLock(options(a, 'run-a', { timeoutSeconds: 30 }));
    expect(await lockA.checkpoint(snapshot(['a-planned']), 'kb-sync: run run-a is about to push 1 item')).toBe(true);
    // Within the timeout (by the clock of runner b): held.
    const early = Date.parse(lockA.record.heartbeatAt) + 29_000;
    expect(await errorOf(acquireGitLock(options(b, 'run-b', { now: () => early })))).toBeInstanceOf(GitLockedError);
    // Past it: taken over, from the checkpoint a pushed.
    const late = () => Date.now() + 31_000;
    const warnings: string[] = [];
    const lockB = await acquireGitLock(options(b, 'run-b', { now: late, log: (_l, m) => warnings.push(m) }));
    expect(lockB.record.tookOverFrom).toMatchObject({ runId: 'run-a', host: 'host-run-a' });
    expect(lockB.record.fence).toBe(2);
    expect(warnings.join('\n')).toContain('Took over the lock of run run-a');
    expect(sh(b, 'cat-file', 'blob', lockB.base.snapshotBlob as string)).toBe(snapshot(['a-planned']));
    expect(sh(w.bare, 'log', '-1', '--format=%s', REF)).toContain('lock taken over by run run-b');

    // a wakes up: its heartbeat finds the lock gone and says so; its final push is refused.
    await lockA.heartbeat();
    expect(lockA.lostSignal.aborted).toBe(true);
    const out = await lockA.release(snapshot(['a-final']), { subject: 'a final' });
    expect(out).toMatchObject({ ok: false, reason: 'fenced', keptRef: fencedRef(REF) });
    if (out.ok) return;
    expect(out.message).toContain('run run-b');
    expect(sh(a, 'show', `${fencedRef(REF)}:snapshot.json`)).toBe(snapshot(['a-final']));
    // b's lock is untouched, and b finishes normally.
    expect(parseLock(treeFiles(w.bare, w.remoteRef(REF) as string)['lock.json'] as string).runId).toBe('run-b');
    expect((await lockB.release(snapshot(['b-final']), { subject: 'b final' })).ok).toBe(true);
    expect(treeFiles(w.bare, w.remoteRef(REF) as string)['snapshot.json']).toBe(snapshot(['b-final']));
  });

  it('heartbeats keep a long run alive: a lock is judged by its last heartbeat, not its start', async () => {
    const w = gitWorld();
    const a = w.clone('a');
    const b = w.clone('b');
    const lockA = await acquireGitLock(options(a, 'run-a', { timeoutSeconds: 30 }));
    await lockA.heartbeat();
    const beat = parseLock(treeFiles(w.bare, w.remoteRef(REF) as string)['lock.json'] as string);
    expect(beat.since).toBe(lockA.record.since);
    // 20 s after the heartbeat is within the timeout, however long ago the run started.
    const at = Date.parse(beat.heartbeatAt) + 20_000;
    expect(await errorOf(acquireGitLock(options(b, 'run-b', { now: () => at })))).toBeInstanceOf(GitLockedError);
    expect(sh(w.bare, 'log', '-1', '--format=%s', REF)).toContain('heartbeat');
    await lockA.release(undefined, { subject: 'done' });
  });

  it('a push that fails (the remote is gone) keeps the state in the clone; the next run there pushes it', async () => {
    const w = gitWorld();
    const a = w.clone('a');
    const lockA = await acquireGitLock(options(a, 'run-a'));
    const moved = `${w.bare}.away`;
    fs.renameSync(w.bare, moved);
    const out = await lockA.release(snapshot(['created-1']), { subject: 'done' }, { attempts: 2, retryDelayMs: 10 });
    expect(out).toMatchObject({ ok: false, reason: 'push', keptRef: unpushedRef(REF) });
    if (!out.ok) expect(out.message).toMatch(/Cannot (push|read) the state ref/);
    expect(sh(a, 'show', `${unpushedRef(REF)}:snapshot.json`)).toBe(snapshot(['created-1']));
    fs.renameSync(moved, w.bare);
    // The remote still shows a's lock (nobody else may start from the older state) …
    expect(treeFiles(w.bare, w.remoteRef(REF) as string)).toHaveProperty('lock.json');
    // … until the next run from this clone pushes what was kept.
    const said = await settleUnpushed({ repoDir: a, remote: 'origin', ref: REF });
    expect(said).toContain('Pushed the state');
    expect(treeFiles(w.bare, w.remoteRef(REF) as string)).toEqual(
      expect.objectContaining({ 'snapshot.json': snapshot(['created-1']) }),
    );
    expect(treeFiles(w.bare, w.remoteRef(REF) as string)).not.toHaveProperty('lock.json');
    expect(sh(a, 'for-each-ref', '--format=%(refname)', 'refs/kb-sync-unpushed/')).toBe('');
  });

  it('an unpushed state overtaken by a takeover is set aside, never pushed over the successor', async () => {
    const w = gitWorld();
    const a = w.clone('a');
    const b = w.clone('b');
    const lockA = await acquireGitLock(options(a, 'run-a', { timeoutSeconds: 30 }));
    const moved = `${w.bare}.away`;
    fs.renameSync(w.bare, moved);
    await lockA.release(snapshot(['a']), { subject: 'a' }, { attempts: 1 });
    fs.renameSync(moved, w.bare);
    const lockB = await acquireGitLock(options(b, 'run-b', { now: () => Date.now() + 60_000 }));
    await lockB.release(snapshot(['b']), { subject: 'b' });
    const said = await settleUnpushed({ repoDir: a, remote: 'origin', ref: REF });
    expect(said).toContain('overtaken');
    expect(treeFiles(w.bare, w.remoteRef(REF) as string)['snapshot.json']).toBe(snapshot(['b']));
    expect(sh(a, 'show', `${fencedRef(REF)}:snapshot.json`)).toBe(snapshot(['a']));
  });

  it("a ref holding another bot's state, another target's, or something damaged: exit 2, nothing pushed", async () => {
    const w = gitWorld();
    const a = w.clone('a');
    const loc: RefLocation = { repoDir: a, remote: 'origin', ref: REF };
    const put = async (files: Record<string, string>) => {
      const blobs = new Map<string, string>();
      for (const [k, v] of Object.entries(files)) blobs.set(k, await writeBlob(a, v));
      const oid = await writeCommit(a, blobs, null, 'test');
      const now = (await fetchTip(loc))?.oid ?? null;
      expect((await pushWithLease(loc, oid, now)).ok).toBe(true);
      return oid;
    };
    const meta = (botId: string, target: string | null) =>
      JSON.stringify({
        format: 'kb-sync-git-state',
        version: 1,
        botId,
        target,
        fence: 3,
        updatedAt: '2026-01-01T00:00:00Z',
        runId: 'r',
        sourceCommit: null,
      });
    const cases: [Record<string, string>, RegExp][] = [
      [{ 'meta.json': meta('bot-2', null) }, /holds the state of bot bot-2, but this configuration syncs bot bot-1/],
      [{ 'meta.json': meta('bot-1', 'ja') }, /holds the state of target "ja"/],
      [{ 'README.md': 'hello' }, /has no meta\.json/],
      [{ 'meta.json': '{not json' }, /meta\.json is not valid JSON/],
      [{ 'meta.json': meta('bot-1', null), 'lock.json': '{"format":"kb-sync-lock"}' }, /lock\.json: "version"/],
      [{ 'meta.json': meta('bot-1', null).replace('"version":1', '"version":9') }, /newer kb-sync/],
    ];
    for (const [files, why] of cases) {
      const oid = await put(files);
      const err = await errorOf(acquireGitLock(options(a, 'run-a')));
      expect(err).toBeInstanceOf(StateError);
      expect(exitCodeForError(err)).toBe(2);
      expect(err.message).toMatch(why);
      expect(w.remoteRef(REF)).toBe(oid);
    }
  });

  it('a check that refuses the stored state takes no lock; git errors name the remote and never a credential', async () => {
    const w = gitWorld();
    const a = w.clone('a');
    const lock = await acquireGitLock(options(a, 'run-a'));
    await lock.release(snapshot(['x']), { subject: 'x' });
    const before = w.remoteRef(REF);
    const err = await errorOf(
      acquireGitLock(
        options(a, 'run-b', {
          check: () => {
            throw new StateError('damaged snapshot');
          },
        }),
      ),
    );
    expect(err.message).toBe('damaged snapshot');
    expect(w.remoteRef(REF)).toBe(before);
    expect((await loadTip({ repoDir: a, remote: 'origin', ref: REF }, 'bot-1', null)).lock).toBeUndefined();

    sh(a, 'remote', 'add', 'secret', 'https://user:hunter2-secret@127.0.0.1:1/nothing.git');
    const e2 = await errorOf(loadTip({ repoDir: a, remote: 'secret', ref: REF }, 'bot-1', null));
    expect(e2).toBeInstanceOf(StateError);
    expect(e2.message).toContain('Cannot fetch the state ref');
    expect(e2.message).not.toContain('hunter2');
    expect(path.isAbsolute(a)).toBe(true);
  });
  it('a push that meets another one updating the ref is tried again; a lock that stays is an error naming it; a hook refusing is asked once', async () => {
    const w = gitWorld();
    const a = w.clone('a');
    const loc: RefLocation = { repoDir: a, remote: 'origin', ref: REF };
    const commit = async (text: string, parent: string | null) =>
      writeCommit(a, new Map([['snapshot.json', await writeBlob(a, text)]]), parent, text);
    const first = await commit('one', null);
    expect((await pushWithLease(loc, first, null)).ok).toBe(true);
    // Another push holding the ref's lock on the remote, as while it updates the ref. A hook
    // counts the attempts that reach the remote (it runs before the ref is locked).
    const lockFile = path.join(w.bare, `${REF}.lock`);
    const attempts = path.join(w.bare, 'attempts');
    const hook = path.join(w.bare, 'hooks', 'pre-receive');
    fs.writeFileSync(hook, `#!/bin/sh\necho x >> "${attempts}"\ncat > /dev/null\n`, { mode: 0o755 });
    const seen = () => (fs.existsSync(attempts) ? fs.readFileSync(attempts, 'utf8').split('\n').length - 1 : 0);
    fs.writeFileSync(lockFile, '');
    const second = await commit('two', first);
    const pushed = pushWithLease(loc, second, first);
    // The first attempt was refused (a second one started): the other push is done.
    await expect.poll(seen, { timeout: 60_000, interval: 10 }).toBeGreaterThanOrEqual(2);
    fs.rmSync(lockFile);
    expect(await pushed).toEqual({ ok: true });
    expect(w.remoteRef(REF)).toBe(second);

    // A lock left behind for good (a crashed process on a self-hosted remote): a few tries, then
    // an error that says what git said.
    fs.writeFileSync(lockFile, '');
    fs.rmSync(attempts);
    const third = await commit('three', second);
    const err = await errorOf(pushWithLease(loc, third, second));
    expect(err).toBeInstanceOf(StateError);
    expect(exitCodeForError(err)).toBe(2);
    expect(err.message).toMatch(/^Cannot push the state ref \S+ to origin: .*cannot lock ref .*\.lock'?: File exists/);
    expect(seen()).toBe(6);
    expect(w.remoteRef(REF)).toBe(second);

    // The other push lands while this one waits to try again: this one lost the compare-and-swap.
    fs.rmSync(attempts);
    const other = await commit('other', second);
    sh(a, 'push', '--quiet', 'origin', `${other}:refs/kb-sync/other`);
    const lost = pushWithLease(loc, third, second);
    await expect.poll(seen, { timeout: 60_000, interval: 10 }).toBeGreaterThanOrEqual(2);
    // As git does: the new value written to the lock file, which is then renamed onto the ref.
    fs.writeFileSync(lockFile, `${other}\n`);
    fs.renameSync(lockFile, path.join(w.bare, REF));
    expect(await lost).toEqual({ ok: false, now: other });
    expect(w.remoteRef(REF)).toBe(other);

    // A hook that refuses the push is asked once, whatever it prints.
    fs.rmSync(attempts);
    fs.writeFileSync(
      hook,
      `#!/bin/sh\necho x >> "${attempts}"\necho "error: cannot lock ref '${REF}': Unable to create 'x.lock': File exists." >&2\nexit 1\n`,
      { mode: 0o755 },
    );
    const declined = await errorOf(pushWithLease(loc, third, other));
    expect(declined.message).toMatch(/pre-receive hook declined/);
    expect(seen()).toBe(1);
    expect(w.remoteRef(REF)).toBe(other);
  });
});
