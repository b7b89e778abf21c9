import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLock, parseMeta } from '../../src/state/remote/records.js';
import { runCli } from '../helpers/cli.js';
import { emulator } from '../helpers/emulator.js';
import { botData, copies, gitProject, type GitProject } from '../helpers/git-project.js';
import { sh, treeFiles } from '../helpers/git.js';
import { gate } from '../helpers/http.js';
import { runDoc, statusDoc } from '../helpers/json.js';
import { spawnCli, until } from '../helpers/spawn.js';

/**
 * The state held in git, end to end: the built CLI in clones of one bare repository (two or more
 * runners), the emulator as the bot, what the bot holds read back from `/__emulator/bot-data`.
 * Runs are held in flight by a gate (a proxy that holds requests until told), never by
 * latencies; waits poll for the state they wait for; nothing asserts on elapsed time.
 */

const REF = 'refs/kb-sync/state/bot-1';
const GIT_E2E_TIMEOUT = 240_000;

const corpus = (tag = 'v1', n = 4): Record<string, string> => {
  const files: Record<string, string> = {};
  for (let i = 0; i < n; i++) files[`guide-${i}.md`] = `# Guide ${i}\n\nHow to do thing ${i} (${tag}).\n`;
  files['faq.qa.yaml'] =
    '- q: Do you ship abroad?\n  a: Yes, to 40 countries.\n- q: Can I return?\n  a: Within 30 days.\n';
  return files;
};

/** A CLI run in the background, to stop, continue or kill while it holds the lock. */
function background(args: string[], cwd: string, env: Record<string, string>) {
  const run = spawnCli(args, { cwd, env });
  const done = run.exited.then((e) => ({ ...e, stdout: run.stdout(), stderr: run.stderr() }));
  return { child: run.child, done, output: () => run.stdout() + run.stderr() };
}

/** The lock record on the remote ref, if a run holds it. */
function remoteLock(p: GitProject) {
  const tip = p.remoteRef(REF);
  if (!tip) return undefined;
  const files = treeFiles(p.bare, tip);
  return files['lock.json'] ? parseLock(files['lock.json']) : undefined;
}

function remoteMeta(p: GitProject) {
  return parseMeta(treeFiles(p.bare, p.remoteRef(REF) as string)['meta.json'] as string);
}

describe('state held in git (CLI, real git, two runners)', { timeout: GIT_E2E_TIMEOUT }, () => {
  it('sequential runs from either clone share one state: no duplicate creates, stale lists agree, the ref is an audit log', async () => {
    const emu = await emulator();
    const p = gitProject(emu, corpus());
    const a = p.runner('a');
    const b = p.runner('b');
    const ci = { ...p.env, CI: 'true' };

    // A first run in CI from nothing: the first-run guard, as without git.
    const guarded = await runCli(['sync'], { cwd: a, env: ci });
    expect(guarded.code).toBe(4);
    expect(await botData(emu)).toHaveLength(0);
    const first = runDoc((await runCli(['sync', '--json', '--allow-initial'], { cwd: a, env: ci })).stdout);
    expect(first).toMatchObject({ exitCode: 0, counts: { create: 6 } });

    // Runner b: a fresh clone, no state file; it loads the ref's and pushes nothing.
    const fromB = await runCli(['sync', '--json'], { cwd: b, env: ci });
    expect(fromB.stderr).toContain(`refs/kb-sync/state/bot-1`);
    expect(runDoc(fromB.stdout)).toMatchObject({ exitCode: 0, counts: { create: 0, update: 0, stale: 0 } });

    // b changes one guide, removes another, and syncs; a pulls and agrees.
    p.change(b, { 'guide-1.md': '# Guide 1\n\nHow to do thing 1 (v2).\n', 'guide-2.md': null });
    const changed = runDoc((await runCli(['sync', '--json'], { cwd: b, env: ci })).stdout);
    // Stale: guide-2's item, and the version of guide-1 the update replaced (counted where listed).
    expect(changed.counts).toMatchObject({ create: 0, update: 1, stale: 2 });
    sh(a, 'pull', '-q', 'origin', 'main');
    const fromA = runDoc((await runCli(['sync', '--json'], { cwd: a, env: ci })).stdout);
    expect(fromA.counts).toMatchObject({ create: 0, update: 0, stale: 0 });
    const staleOf = (doc: { stale: { remoteId: string | null }[] }) => doc.stale.map((s) => s.remoteId).sort();
    expect(staleOf(fromA)).toEqual(staleOf(changed));
    expect(staleOf(fromA)).toHaveLength(2);
    const statusA = statusDoc((await runCli(['status', '--json'], { cwd: a, env: p.env })).stdout);
    const statusB = statusDoc((await runCli(['status', '--json'], { cwd: b, env: p.env })).stdout);
    expect(staleOf(statusA)).toEqual(staleOf(statusB));

    // The bot: every version once (6 first, 1 new version); nothing twice.
    const held = await botData(emu);
    expect(held).toHaveLength(7);
    expect([...copies(held).values()].every((n) => n === 1)).toBe(true);

    // A pull request's plan from a third clone: read access only, no token, the ref's state.
    const c = p.runner('c');
    const plan = await runCli(['plan', '--json'], { cwd: c, env: { CXGENIE_API_URL: emu.url } });
    expect(runDoc(plan.stdout)).toMatchObject({ exitCode: 0, counts: { create: 0, update: 0, stale: 0 } });

    // The audit log: one commit per event, what was taught and from which commit.
    const log = sh(p.bare, 'log', '--format=%s', REF).split('\n');
    const states = log.filter((l) => l.startsWith('kb-sync sync: bot bot-1'));
    expect(states[0]).toMatch(/^kb-sync sync: bot bot-1: created 0, updated 0, stale 0 from [0-9a-f]{12}$/);
    expect(states).toContain(
      `kb-sync sync: bot bot-1: created 0, updated 1, stale 2 from ${sh(b, 'rev-parse', 'HEAD').slice(0, 12)}`,
    );
    // The oldest entries: the run the first-run guard stopped, then the first sync.
    expect(states.at(-1)).toMatch(/^kb-sync sync: bot bot-1: stopped: This state file has never synced bot bot-1/);
    expect(states.at(-2)).toMatch(/created 6, updated 0, stale 0/);
    expect(sh(p.bare, 'log', '--format=%B', REF)).toContain('TEXT "Guide 1" knowledge/guide-1.md:1 id ');
    expect(remoteLock(p)).toBeUndefined();
    // forget runs inside the git-held state too: the audit log says what it did; the other clone sees it.
    const forgot = await runCli(['forget', '--all-stale'], { cwd: b, env: p.env });
    expect(forgot.code).toBe(0);
    expect(sh(p.bare, 'log', '-1', '--format=%s', REF)).toMatch(/^kb-sync forget: bot bot-1: forgot 2 stale item\(s\)/);
    expect(statusDoc((await runCli(['status', '--json'], { cwd: a, env: p.env })).stdout).stale).toHaveLength(0);
    // The workspace token is nowhere in the repository.
    expect(p.allObjects()).not.toContain(emu.token);
  });

  it('two runs at once: one syncs, the other exits 3 naming the holder or waits for it; nothing is created twice', async () => {
    const emu = await emulator();
    const p = gitProject(emu, corpus('v1', 6), { rateLimit: { requestsPerSecond: 200, concurrency: 1 } });
    const a = p.runner('a');
    const b = p.runner('b');
    const env = { ...p.env, CI: 'true' };
    const api = await gate(emu.url);

    // a holds the lock, its pushes held at the gate; b, started meanwhile, exits 3 and names it.
    const runA = background(['sync', '--allow-initial'], a, { ...env, CXGENIE_API_URL: api.url });
    await until(() => api.held() > 0 && remoteLock(p)?.command === 'sync', 'a holds the lock and pushes');
    const holder = remoteLock(p);
    const locked = await runCli(['sync'], { cwd: b, env });
    expect(locked.code).toBe(3);
    expect(locked.stderr).toContain(`run ${holder?.runId}`);
    expect(locked.stderr).toContain(`on ${holder?.host}`);
    expect(locked.stderr).toContain(`since ${holder?.since}`);
    expect(await botData(emu)).toHaveLength(0);
    // With --wait it queues behind a, and then has nothing to do.
    const waiting = background(['sync', '--json', '--wait'], b, env);
    await until(() => waiting.output().includes('Waiting for the state lock'), 'b says it waits');
    api.open();
    expect((await runA.done).code).toBe(0);
    const waited = await waiting.done;
    expect(waited.code).toBe(0);
    expect(runDoc(waited.stdout).counts).toMatchObject({ create: 0, update: 0 });

    // Both started together, with an edit to sync: exactly one pushes it.
    p.change(a, { 'guide-0.md': '# Guide 0\n\nNew text.\n' });
    sh(b, 'pull', '-q', 'origin', 'main');
    const [ra, rb] = await Promise.all([
      runCli(['sync', '--json'], { cwd: a, env }),
      runCli(['sync', '--json'], { cwd: b, env }),
    ]);
    const codes = [ra.code, rb.code].sort();
    expect([
      [0, 3],
      [0, 0],
    ]).toContainEqual(codes);
    const updates = [ra, rb].filter((r) => r.code === 0).map((r) => runDoc(r.stdout).counts.update);
    expect(updates.reduce((x, y) => x + y, 0)).toBe(1);
    const held = await botData(emu);
    expect(held).toHaveLength(9);
    expect([...copies(held).values()].every((n) => n === 1)).toBe(true);
  });

  it('a runner killed while holding the lock: the next run takes over after the timeout; one taken over while stopped cannot push over its successor', async () => {
    const emu = await emulator();
    const p = gitProject(emu, corpus('v1', 6), {
      rateLimit: { requestsPerSecond: 200, concurrency: 1 },
      gitState: { enabled: true, lockTimeoutSeconds: 2 },
    });
    const a = p.runner('a');
    const b = p.runner('b');
    const env = { ...p.env, CI: 'true' };

    // a dies while its pushes are held at the gate (after its write-ahead checkpoint).
    const held = await gate(emu.url);
    const killed = background(['sync', '--allow-initial'], a, { ...env, CXGENIE_API_URL: held.url });
    await until(() => held.held() > 0, 'the doomed run is pushing');
    const deadRun = remoteLock(p)?.runId;
    expect(deadRun).toBeDefined();
    killed.child.kill('SIGKILL');
    await killed.done;

    const taker = await runCli(['sync', '--json', '--wait'], { cwd: b, env });
    expect(taker.code).toBe(0);
    expect(taker.stderr).toContain(`Took over the lock of run ${deadRun}`);
    const doc = runDoc(taker.stdout);
    // What the dead run was about to push is pushed again, and reported: never silently twice.
    expect(doc.counts.create).toBe(8);
    expect(doc.uncertain.map((u) => u.title).sort()).toEqual(
      ['Can I return?', 'Do you ship abroad?', ...[0, 1, 2, 3, 4, 5].map((i) => `Guide ${i}`)].sort(),
    );
    for (const [id, n] of copies(await botData(emu)))
      if (n > 1) expect(doc.uncertain.map((u) => u.title)).toContain((JSON.parse(id) as string[])[1] ?? '');
    expect(remoteMeta(p).runId).not.toBe(deadRun);

    // Now one that is stopped (not dead) past the timeout, then continued.
    p.change(b, {
      'guide-0.md': '# Guide 0\n\nv2\n',
      'guide-1.md': '# Guide 1\n\nv2\n',
      'guide-2.md': '# Guide 2\n\nv2\n',
    });
    sh(a, 'pull', '-q', 'origin', 'main');
    const slow = await gate(emu.url);
    const stopped = background(['sync'], a, { ...env, CXGENIE_API_URL: slow.url });
    await until(() => slow.held() > 0, 'the run to stop is pushing');
    const stoppedRun = remoteLock(p)?.runId;
    stopped.child.kill('SIGSTOP');
    const successor = await runCli(['sync', '--json', '--wait'], { cwd: b, env });
    expect(successor.code).toBe(0);
    expect(successor.stderr).toContain(`Took over the lock of run ${stoppedRun}`);
    const successorTip = p.remoteRef(REF);
    expect(remoteMeta(p).runId).not.toBe(stoppedRun);
    stopped.child.kill('SIGCONT');
    // Its request in flight goes through (fencing cannot recall a request already sent)...
    slow.open();
    const fenced = await stopped.done;
    expect(fenced.code).toBe(3);
    expect(fenced.stderr).toContain('lost the lock');
    const kept = path.join(a, '.kb-sync/state.db.fenced-snapshot.json');
    expect(fenced.stderr).toContain(kept);
    expect(fs.existsSync(kept)).toBe(true);
    expect(p.remoteRef(REF)).toBe(successorTip);
    expect(sh(a, 'for-each-ref', '--format=%(refname)', 'refs/kb-sync-fenced/')).toContain('refs/kb-sync-fenced/');
    // ...and anything the bot now holds twice is on the successor's "possibly created twice" list.
    const flagged = runDoc(successor.stdout).uncertain.map((u) => u.title);
    for (const [id, n] of copies(await botData(emu)))
      if (n > 1) expect(flagged).toContain((JSON.parse(id) as string[])[1] ?? '');
  });

  it('failures are safe: a refused push (permissions), a lost remote at the end, another bot in the ref', async () => {
    const emu = await emulator({ extraBotIds: ['bot-2'] });
    const p = gitProject(emu, corpus(), { gitState: { enabled: true, ref: 'refs/kb-sync/state/shared' } });
    const a = p.runner('a');
    const b = p.runner('b');
    const env = { ...p.env, CI: 'true' };

    // The server refuses pushes to refs/kb-sync/* (a hook standing for missing permissions).
    const hook = path.join(p.bare, 'hooks/pre-receive');
    fs.writeFileSync(hook, '#!/bin/sh\necho "permission to refs/kb-sync denied" >&2\nexit 1\n', { mode: 0o755 });
    const refused = await runCli(['sync', '--allow-initial'], { cwd: a, env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('Cannot push the state ref refs/kb-sync/state/shared');
    expect(refused.stderr).toContain('permission to refs/kb-sync denied');
    expect(await botData(emu)).toHaveLength(0);
    fs.rmSync(hook);

    // The remote disappears while a run pushes; its state push fails: exit 2, and where it is.
    const api = await gate(emu.url);
    const run = background(['sync', '--allow-initial'], a, { ...env, CXGENIE_API_URL: api.url });
    await until(() => api.held() > 0, 'the run is pushing');
    fs.renameSync(p.bare, `${p.bare}.away`);
    api.open();
    const lost = await run.done;
    fs.renameSync(`${p.bare}.away`, p.bare);
    expect(lost.code).toBe(2);
    const kept = path.join(a, '.kb-sync/state.db.unpushed-snapshot.json');
    expect(lost.stderr).toContain('could not be pushed');
    expect(lost.stderr).toContain(kept);
    expect(fs.existsSync(kept)).toBe(true);
    // Elsewhere: the lock is still held by the failed run (nobody starts from the older state).
    expect((await runCli(['sync'], { cwd: b, env })).code).toBe(3);
    // From the same clone: the kept state is pushed first; nothing is created again.
    const again = await runCli(['sync', '--json'], { cwd: a, env });
    expect(again.stderr).toContain('Pushed the state an earlier run left unpushed');
    expect(runDoc(again.stdout).counts.create).toBe(0);
    expect(runDoc((await runCli(['sync', '--json'], { cwd: b, env })).stdout).counts.create).toBe(0);
    expect(await botData(emu)).toHaveLength(6);

    // The same ref configured for another bot: exit 2, the ref untouched.
    const tip = p.remoteRef('refs/kb-sync/state/shared');
    const other = await runCli(['sync'], { cwd: b, env: { ...env, CXGENIE_BOT_ID: 'bot-2' } });
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('holds the state of bot bot-1, but this configuration syncs bot bot-2');
    expect(p.remoteRef('refs/kb-sync/state/shared')).toBe(tip);
  });
});
