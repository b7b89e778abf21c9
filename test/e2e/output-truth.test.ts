import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { emulator } from '../helpers/emulator.js';
import { project } from '../helpers/project.js';
import { runDoc } from '../helpers/json.js';

/**
 * What the docs say is what the output does (issue 17 items 3, 4, 5, 6, 7; issue 13's Output
 * section): usage errors honour --json, stale entries carry the number `forget '#N'` takes, counts
 * agree with the stale list, a no-op sync does not reprint the list, drafts are counted from the
 * state, status keeps file:line:col and remembers warnings, and a moved knowledgeDir does not
 * invent paths.
 */

interface StatusDoc {
  stale: { id: number; remoteId: string | null; title: string; file: string | null }[];
  files: {
    withErrors: { file: string; error: string }[];
    withWarnings: { file: string; warnings: string[] }[];
  };
}

function parse<T>(stdout: string): T {
  try {
    return JSON.parse(stdout) as T;
  } catch {
    throw new Error(`not a JSON document:\n${stdout}`);
  }
}

describe('usage errors and --json (issue 17 item 4)', () => {
  it('a command line yargs refuses prints the error document on stdout and exits 2', async () => {
    for (const args of [
      ['sync', '--bogus-flag', '--json'],
      ['conversation', '--json'],
      ['conversations', 'c-1', '--order', 'sideways', '--json'],
    ]) {
      const r = await runCli(args, { cwd: process.cwd(), env: { CXGENIE_BOT_ID: 'b' } });
      expect(r.code, args.join(' ')).toBe(2);
      const doc = parse<{ ok: boolean; error: { name: string; message: string; exitCode: number } }>(r.stdout);
      expect(doc).toMatchObject({ ok: false, error: { name: 'UsageError', exitCode: 2 } });
      expect(doc.error.message.length).toBeGreaterThan(0);
      expect(r.stderr).toContain('kb-sync: ');
    }
    // Without --json, stdout stays empty.
    const plain = await runCli(['sync', '--bogus-flag'], { cwd: process.cwd(), env: {} });
    expect(plain.code).toBe(2);
    expect(plain.stdout).toBe('');
  });
});

describe('the stale list, counts, drafts and status', () => {
  it('agree with each other, run after run', async () => {
    const emu = await emulator();
    const long = 'guides/shipping/international/customs/paperwork/returns-and-refunds-for-every-country.md';
    const p = project(
      {
        'keep.md': '# Keep\n\nStays.\n',
        'edit.md': '# Edit\n\nFirst version.\n',
        [long]: '# Long path\n\nA page deep in the tree.\n',
        'draft.md': '---\ntitle: Draft\ndraft: true\n---\nNot yet.\n',
        'faq.qa.yaml':
          '- q: Live?\n  a: Yes.\n- q: Hidden?\n  a: No.\n  draft: true\n- q: Hidden too?\n  a: No.\n  draft: true\n',
        'empty.md': '',
        'broken.qa.yaml': '- q: Broken?\n',
      },
      { emu },
    );
    const sync = async (...extra: string[]) => {
      const r = await runCli(['sync', '--json', ...extra], { cwd: p.dir, env: p.env });
      expect(r.stderr).not.toContain('internal error');
      return runDoc(r.stdout);
    };
    const first = await sync();
    // Drafts: one draft file and two draft entries (item 6) — and the same on a run that reads nothing.
    expect(first.skippedDrafts).toBe(3);
    const again = await sync();
    expect(again.files.read).toBeLessThan(first.files.read);
    expect(again.skippedDrafts).toBe(3);
    // The empty file is a warning at file:1, exit 1 only because of broken.qa.yaml (item 5).
    expect(first.warnings).toContainEqual(expect.objectContaining({ file: 'knowledge/empty.md', line: 1 }));

    // status remembers the warning and keeps line:col for the error, though this run read neither.
    const st = await runCli(['status'], { cwd: p.dir, env: p.env });
    expect(st.stdout).toContain('knowledge/broken.qa.yaml:1:3 answer is missing');
    expect(st.stdout).toMatch(/knowledge\/empty\.md:1 the article has no body/);
    const stDoc = parse<StatusDoc>((await runCli(['status', '--json'], { cwd: p.dir, env: p.env })).stdout);
    expect(stDoc.files.withWarnings).toEqual([
      { file: 'knowledge/empty.md', warnings: [expect.stringMatching(/^1 the article has no body/)] },
    ]);
    expect(stDoc.files.withErrors[0]?.error).toMatch(/^1:3 /);

    // A removed page, a long path removed, and an edit: the count is what the list shows (issue 13).
    p.remove(long);
    p.write({ 'edit.md': '# Edit\n\nSecond version.\n' });
    const planned = await runCli(['plan'], { cwd: p.dir, env: p.env });
    const changed = await sync();
    expect(changed.counts).toMatchObject({ update: 1, stale: 2 });
    expect(changed.stale).toHaveLength(2);
    expect(changed.stale.map((s) => s.reason).sort()).toEqual(['changed', 'removed']);
    // plan and sync show "since" the same way, and the long path keeps its identifying end.
    const human = await runCli(['sync', '--verbose'], { cwd: p.dir, env: { ...p.env, COLUMNS: '100' } });
    for (const out of [planned.stdout]) {
      expect(out).toMatch(/this run/);
      expect(out).toMatch(/…[^\s]*every-country\.md/);
    }
    expect(human.stdout).toContain('Stale items: 2');

    // A no-op sync: a count and a pointer, not the rows.
    const noop = await runCli(['sync'], { cwd: p.dir, env: p.env });
    expect(noop.stdout).toContain('Stale items: 2');
    expect(noop.stdout).toContain('kb-sync status');
    expect(noop.stdout).not.toContain('replaced by a new version');

    // status numbers the entries (human and --json), and forget '#N' takes that number (item 3).
    const listed = parse<StatusDoc>((await runCli(['status', '--json'], { cwd: p.dir, env: p.env })).stdout);
    const ids = listed.stale.map((s) => s.id);
    expect(ids.every((n) => Number.isInteger(n))).toBe(true);
    const shown = await runCli(['status'], { cwd: p.dir, env: p.env });
    for (const n of ids) expect(shown.stdout).toContain(`#${n}`);
    const f = await runCli(['forget', `#${ids[0]}`], { cwd: p.dir, env: p.env });
    expect(f.code).toBe(0);
    const left = parse<StatusDoc>((await runCli(['status', '--json'], { cwd: p.dir, env: p.env })).stdout);
    expect(left.stale.map((s) => s.id)).toEqual(ids.slice(1));
  });

  it('after knowledgeDir changes, stale entries name the files they came from (issue 17 item 7)', async () => {
    const emu = await emulator();
    const p = project({ 'account/the-rest-api.md': '# The REST API\n\nText.\n' }, { emu });
    expect((await runCli(['sync'], { cwd: p.dir, env: p.env })).code).toBe(0);
    fs.mkdirSync(path.join(p.dir, 'empty'));
    fs.writeFileSync(path.join(p.dir, 'empty', 'new.md'), '# New\n\nText.\n');
    const cfgFile = path.join(p.dir, 'sync.config.json');
    const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(cfgFile, JSON.stringify({ ...cfg, knowledgeDir: 'empty' }));
    const plan = runDoc((await runCli(['plan', '--json'], { cwd: p.dir, env: p.env })).stdout);
    expect(plan.stale.map((s) => s.file)).toEqual(['knowledge/account/the-rest-api.md']);
    const r = await runCli(['sync', '--json'], { cwd: p.dir, env: p.env });
    const doc = runDoc(r.stdout);
    expect(doc.stale.map((s) => s.file)).toEqual(['knowledge/account/the-rest-api.md']);
    const status = parse<StatusDoc>((await runCli(['status', '--json'], { cwd: p.dir, env: p.env })).stdout);
    expect(status.stale.map((s) => s.file)).toEqual(['knowledge/account/the-rest-api.md']);
  });

  it('status before the first run under a new knowledgeDir names the files in the old one', async () => {
    const emu = await emulator();
    const p = project({ 'a.md': '# A\n\nOld.\n', 'bad.qa.yaml': '- question: Q?\n' }, { emu });
    expect((await runCli(['sync'], { cwd: p.dir, env: p.env })).code).toBe(1);
    fs.writeFileSync(path.join(p.dir, 'knowledge', 'a.md'), '# A\n\nNew.\n');
    expect((await runCli(['sync'], { cwd: p.dir, env: p.env })).code).toBe(1);
    fs.mkdirSync(path.join(p.dir, 'docs', 'kb'), { recursive: true });
    const cfgFile = path.join(p.dir, 'sync.config.json');
    const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(cfgFile, JSON.stringify({ ...cfg, knowledgeDir: 'docs/kb' }));
    const r = await runCli(['status', '--json'], { cwd: p.dir, env: p.env });
    const st = parse<StatusDoc>(r.stdout);
    expect(st.stale.map((s) => s.file)).toEqual(['knowledge/a.md']);
    expect(st.files.withErrors.map((f) => f.file)).toEqual(['knowledge/bad.qa.yaml']);
    const human = await runCli(['status'], { cwd: p.dir, env: { ...p.env, COLUMNS: '200' } });
    expect(human.stdout).toContain('knowledge/a.md');
    expect(human.stdout).not.toContain('docs/kb/a.md');
  });
});
