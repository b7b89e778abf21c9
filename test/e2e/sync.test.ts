import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { runCli } from '../helpers/cli.js';
import { emulator } from '../helpers/emulator.js';
import { tempDir } from '../helpers/fs.js';
import { expectFolderInBot, expectedIdentities, heldIdentities } from '../helpers/invariant.js';
import { forgetDoc, runDoc, statusDoc } from '../helpers/json.js';
import { project } from '../helpers/project.js';
import { inProcess } from '../helpers/sync.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('the bundled knowledge folder', () => {
  it('syncs item for item into the emulator, and a second sync sends nothing', async () => {
    const emu = await emulator();
    const dir = tempDir();
    fs.cpSync(path.join(REPO, 'knowledge'), path.join(dir, 'knowledge'), { recursive: true });
    // The shipped config, at the emulator's pace instead of the real API's 5 requests/s.
    const shipped = JSON.parse(fs.readFileSync(path.join(REPO, 'sync.config.json'), 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(
      path.join(dir, 'sync.config.json'),
      JSON.stringify({ ...shipped, $schema: undefined, rateLimit: { requestsPerSecond: 200, concurrency: 4 } }),
    );
    const env = { CXGENIE_API_URL: emu.url, CXGENIE_WORKSPACE_TOKEN: emu.token, CXGENIE_BOT_ID: emu.botId };
    const first = await runCli(['sync', '--json'], { cwd: dir, env });
    expect(first.code).toBe(0);
    const doc = runDoc(first.stdout);
    const cfg = {
      ...loadConfig({ configPath: path.join(dir, 'sync.config.json'), env: {} }),
      apiBaseUrl: emu.url,
      botId: emu.botId,
    };
    const expected = await expectedIdentities(cfg);
    const held = heldIdentities(emu);
    // Item for item: the same identities, each exactly once.
    expect([...held.keys()].sort()).toEqual([...expected.keys()].sort());
    expect([...held.values()].every((n) => n === 1)).toBe(true);
    expect(doc.counts.create).toBe(expected.size);
    expect(doc.skippedDrafts).toBe(1);
    const types = emu.created(emu.botId).map((d) => d.type);
    for (const t of ['TEXT', 'Q_AND_A', 'URL', 'DOCUMENT']) expect(types).toContain(t);
    // Each document went up with the type its name says.
    const pdf = emu.created(emu.botId).find((d) => d.filename === 'returns-policy.pdf');
    expect(pdf?.mimetype).toBe('application/pdf');

    const before = emu.stats().requests;
    const second = await runCli(['sync', '--json'], { cwd: dir, env });
    expect(second.code).toBe(0);
    expect(runDoc(second.stdout).counts).toMatchObject({ create: 0, update: 0, unchanged: expected.size });
    expect(emu.stats().requests).toBe(before);
  });
});

describe('changes in one go', () => {
  it('edit + delete + rename + draft: one update, a move with no push, stale entries listed until forgotten', async () => {
    const emu = await emulator();
    const p = project(
      {
        'guides/edit-me.md': '---\ntitle: Edit me\n---\nFirst version.\n',
        'guides/delete-me.md': '# Delete me\n\nGoing away.\n',
        'guides/rename-me.md': '---\ntitle: Rename me\n---\nSame content after the move.\n',
        'guides/draft-me.md': '---\ntitle: Draft me\n---\nWill become a draft.\n',
        'faq/main.qa.yaml': '- q: Keep?\n  a: Yes.\n- q: Drop?\n  a: Soon.\n',
      },
      { emu },
    );
    expect((await inProcess(p, emu).sync()).counts.create).toBe(6);
    const idOf = (title: string) => emu.created(emu.botId).find((d) => (d.title ?? d.content) === title)?.id;
    const ids = {
      edit: idOf('Edit me'),
      del: idOf('Delete me'),
      draft: idOf('Draft me'),
      drop: idOf('Drop?'),
      rename: idOf('Rename me'),
    };

    p.write({
      'guides/edit-me.md': '---\ntitle: Edit me\n---\nSecond version.\n',
      'guides/draft-me.md': '---\ntitle: Draft me\ndraft: true\n---\nWill become a draft.\n',
      'faq/main.qa.yaml': '- q: Keep?\n  a: Yes.\n',
    });
    p.remove('guides/delete-me.md');
    p.rename('guides/rename-me.md', 'moved/renamed.md');
    const before = emu.stats().byEndpoint['POST /bot-data'] ?? 0;
    const r = await runCli(['sync', '--json'], { cwd: p.dir, env: p.env });
    expect(r.code).toBe(0);
    const doc = runDoc(r.stdout);
    // The edited article's old version is counted stale where it is listed (issue 13 Output).
    expect(doc.counts).toMatchObject({ create: 0, update: 1, moved: 1, stale: 4, failed: 0 });
    expect(doc.stale).toHaveLength(doc.counts.stale);
    // Exactly one request: the new version of the edited article.
    expect((emu.stats().byEndpoint['POST /bot-data'] ?? 0) - before).toBe(1);
    const moved = doc.items.find((i) => i.action === 'move');
    expect(moved).toMatchObject({ file: 'knowledge/moved/renamed.md', remoteId: ids.rename });
    const staleIds = doc.stale.map((s) => s.remoteId).sort();
    expect(staleIds).toEqual([ids.edit, ids.del, ids.draft, ids.drop].sort());
    const editStale = doc.stale.find((s) => s.remoteId === ids.edit);
    expect(editStale).toMatchObject({
      reason: 'changed',
      title: 'Edit me',
      file: 'knowledge/guides/edit-me.md',
      type: 'TEXT',
    });
    expect(doc.stale.find((s) => s.remoteId === ids.del)).toMatchObject({
      reason: 'removed',
      file: 'knowledge/guides/delete-me.md',
    });
    const cfg = {
      ...loadConfig({ configPath: path.join(p.dir, 'sync.config.json'), env: {} }),
      apiBaseUrl: emu.url,
      botId: emu.botId,
    };
    const { duplicates } = await expectFolderInBot(emu, cfg, { uncertainKeys: [], staleRemoteIds: staleIds });
    expect(duplicates).toBe(0);

    // The stale list stays in every summary and in status until forgotten.
    const status = await runCli(['status', '--json'], { cwd: p.dir, env: p.env });
    expect(statusDoc(status.stdout).stale).toHaveLength(4);
    const human = await runCli(['status'], { cwd: p.dir, env: p.env });
    expect(human.stdout).toContain('Stale items: 4');
    expect(human.stdout).toContain(ids.del as string);
    const forget = await runCli(['forget', ids.del as string, ids.drop as string], { cwd: p.dir, env: p.env });
    expect(forget.code).toBe(0);
    const after = await runCli(['sync', '--json'], { cwd: p.dir, env: p.env });
    expect(
      runDoc(after.stdout)
        .stale.map((s) => s.remoteId)
        .sort(),
    ).toEqual([ids.edit, ids.draft].sort());
    const unknown = await runCli(['forget', 'no-such-id'], { cwd: p.dir, env: p.env });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no stale item with id no-such-id');
    const all = await runCli(['forget', '--all-stale', '--json'], { cwd: p.dir, env: p.env });
    expect(forgetDoc(all.stdout).forgotten).toHaveLength(2);
  });

  it('an edit of what is not sent (frontmatter, an HTML comment, trailing blank lines) pushes nothing', async () => {
    // What is sent is the author's text with the documented edits only (docs/file-formats.md):
    // re-spacing the body or changing list markers is a change; these are not.
    const emu = await emulator();
    const p = project({ 'a.md': '---\ntitle: A\n---\nSome text.\n\n- one\n- two\n' }, { emu });
    expect((await inProcess(p, emu).sync()).counts.create).toBe(1);
    p.write({
      'a.md': '---\ntitle: A\nauthor: someone\n---\nSome text.\n\n- one\n- two\n\n<!-- a note for editors -->\n\n',
    });
    const plan = await runCli(['plan', '--json'], { cwd: p.dir, env: p.env });
    expect(runDoc(plan.stdout).counts).toMatchObject({ update: 0, unchanged: 1 });
    const before = emu.stats().requests;
    const r = await runCli(['sync', '--json'], { cwd: p.dir, env: p.env });
    expect(runDoc(r.stdout).counts).toMatchObject({ update: 0, unchanged: 1 });
    expect(emu.stats().requests).toBe(before);
  });

  it('plan pushes nothing, writes no state and needs no token', async () => {
    const emu = await emulator();
    const p = project({ 'a.md': '# A\n\nbody\n', 'b.qa.yaml': '- q: Q?\n  a: A.\n' }, { emu });
    const r = await runCli(['plan', '--json'], { cwd: p.dir, env: { ...p.env, CXGENIE_WORKSPACE_TOKEN: undefined } });
    expect(r.code).toBe(0);
    const doc = runDoc(r.stdout);
    expect(doc).toMatchObject({
      ok: true,
      dryRun: true,
      counts: { create: 2, update: 0, moved: 0, stale: 0, unchanged: 0, failed: 0 },
    });
    expect(doc.items.map((i) => i.status)).toEqual(['planned', 'planned']);
    expect(emu.stats().requests).toBe(0);
    expect(fs.existsSync(p.stateFile)).toBe(false);
    const dry = await runCli(['sync', '--dry-run', '--json'], {
      cwd: p.dir,
      env: { ...p.env, CXGENIE_WORKSPACE_TOKEN: undefined },
    });
    expect(runDoc(dry.stdout).counts).toEqual(doc.counts);
  });

  it('a config error names the key and what is allowed (exit 2)', async () => {
    const p = project({ 'a.md': '# A\n\nbody\n' }, { config: { rateLimit: { requestsPerSecond: 'fast', burst: 3 } } });
    const r = await runCli(['plan'], { cwd: p.dir, env: { CXGENIE_BOT_ID: 'b' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"rateLimit.requestsPerSecond"');
    expect(r.stderr).toContain('unknown key "rateLimit.burst" (allowed: requestsPerSecond, concurrency)');
    expect(r.stderr).toMatch(/sync\.config\.json:\d+:\d+/);
  });

  it('another bot starts empty: the state is scoped by bot id', async () => {
    const emu = await emulator({ extraBotIds: ['bot-2'] });
    const p = project({ 'a.md': '# A\n\nbody\n' }, { emu });
    expect((await inProcess(p, emu).sync()).counts.create).toBe(1);
    const other = await runCli(['sync', '--json'], { cwd: p.dir, env: { ...p.env, CXGENIE_BOT_ID: 'bot-2' } });
    expect(runDoc(other.stdout).counts.create).toBe(1);
    expect(emu.created('bot-2')).toHaveLength(1);
  });
});
