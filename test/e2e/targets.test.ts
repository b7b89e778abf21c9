import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { emulator } from '../helpers/emulator.js';
import { botData, copies } from '../helpers/git-project.js';
import { project } from '../helpers/project.js';
import { runDoc, statusDoc, targetsDoc } from '../helpers/json.js';

/**
 * Several targets from one configuration, end to end: each into its own bot, exactly once; one
 * selected with --target; a file two targets of one bot claim refused; the exit code the worst
 * of the targets'.
 */

const files = {
  'en/guide.md': '# Guide\n\nHow to do it.\n',
  'en/faq.qa.yaml': '- q: Shipping?\n  a: Worldwide.\n',
  'ja/guide.md': '# ガイド\n\nやり方。\n',
  'ja/faq.qa.yaml': '- q: 送料は？\n  a: 無料です。\n',
};

describe('targets', () => {
  it('a targets config of two bots syncs both, exactly once, each into its own bot; --target runs one', async () => {
    const emu = await emulator({ extraBotIds: ['bot-ja'] });
    const p = project(files, {
      config: {
        targets: [
          { name: 'en', botId: emu.botId, include: ['en/**'] },
          { name: 'ja', botIdEnv: 'JA_BOT', include: ['ja/**'], rateLimit: { concurrency: 1 } },
        ],
      },
    });
    const env = { CXGENIE_API_URL: emu.url, CXGENIE_WORKSPACE_TOKEN: emu.token, JA_BOT: 'bot-ja' };
    const r = await runCli(['sync', '--json'], { cwd: p.dir, env });
    expect(r.code).toBe(0);
    const doc = targetsDoc(r.stdout);
    expect(doc.exitCode).toBe(0);
    expect(doc.targets.map((t) => [t.target, t.botId, t.exitCode])).toEqual([
      ['en', emu.botId, 0],
      ['ja', 'bot-ja', 0],
    ]);
    expect(doc.targets.map((t) => runDoc(JSON.stringify(t.result)).counts.create)).toEqual([2, 2]);
    const en = await botData(emu, emu.botId);
    const ja = await botData(emu, 'bot-ja');
    expect(en.map((d) => d.title ?? d.content).sort()).toEqual(['Guide', 'Shipping?']);
    expect(ja.map((d) => d.title ?? d.content).sort()).toEqual(['ガイド', '送料は？']);
    expect([...copies([...en, ...ja]).values()].every((n) => n === 1)).toBe(true);
    // Each target has its own state file.
    expect(fs.existsSync(path.join(p.dir, '.kb-sync/state.en.db'))).toBe(true);
    expect(fs.existsSync(path.join(p.dir, '.kb-sync/state.ja.db'))).toBe(true);

    // Again: nothing to do for either. Human output has a heading per target.
    const again = await runCli(['sync'], { cwd: p.dir, env });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/target en · bot bot-1[\s\S]*target ja · bot bot-ja/);
    expect(await botData(emu, emu.botId)).toHaveLength(2);

    // --target: only that one runs.
    p.write({ 'ja/new.md': '# 新しい\n\n本文。\n', 'en/new.md': '# New\n\nBody.\n' });
    const one = targetsDoc((await runCli(['sync', '--json', '--target', 'ja'], { cwd: p.dir, env })).stdout);
    expect(one.targets.map((t) => t.target)).toEqual(['ja']);
    expect(await botData(emu, 'bot-ja')).toHaveLength(3);
    expect(await botData(emu, emu.botId)).toHaveLength(2);
    const status = targetsDoc((await runCli(['status', '--json', '--target', 'en'], { cwd: p.dir, env })).stdout);
    expect(statusDoc(JSON.stringify(status.targets[0]?.result)).botId).toBe(emu.botId);
    const unknown = await runCli(['sync', '--target', 'fr'], { cwd: p.dir, env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--target fr: no such target (known: en, ja)');
  });

  it('doctor checks each target with its own bot and token variable; a broken config is its own finding', async () => {
    const emu = await emulator({ extraBotIds: ['bot-ja'] });
    const p = project(files, {
      config: {
        targets: [
          { name: 'en', botId: emu.botId, include: ['en/**'] },
          { name: 'ja', botId: 'bot-ja', include: ['ja/**'], tokenEnv: 'JA_TOKEN' },
        ],
      },
    });
    const env = { CXGENIE_API_URL: emu.url, CXGENIE_WORKSPACE_TOKEN: emu.token };
    const r = await runCli(['doctor', '--json'], { cwd: p.dir, env });
    const doc = targetsDoc(r.stdout);
    const checks = (t: (typeof doc.targets)[number]) =>
      (t.result as { checks: { id: string; status: string; title: string }[] }).checks;
    const token = (i: number) => checks(doc.targets[i]!).find((c) => c.id === 'api.token');
    expect(doc.targets.map((t) => [t.target, t.botId])).toEqual([
      ['en', emu.botId],
      ['ja', 'bot-ja'],
    ]);
    expect(token(0)?.status).toBe('ok');
    // ja's token lives in JA_TOKEN, which is not set: doctor says so, naming that variable.
    expect(token(1)?.status).toBe('fail');
    expect(r.stderr + JSON.stringify(checks(doc.targets[1]!))).toContain('JA_TOKEN');
    expect(doc.exitCode).toBe(2);
    expect(r.code).toBe(2);

    fs.writeFileSync(
      path.join(p.dir, 'sync.config.json'),
      JSON.stringify({ targets: [{ name: 'en' }], rateLimit: { concurrency: 0 } }),
    );
    const broken = await runCli(['doctor', '--json'], { cwd: p.dir, env });
    expect(broken.code).toBe(2);
    const report = JSON.parse(broken.stdout) as { checks: { id: string; status: string }[] };
    expect(report.checks[0]).toMatchObject({ id: 'config.file', status: 'fail' });
  });

  it('the exit code is the worst of the targets; one that fails does not stop the others', async () => {
    const emu = await emulator({ extraBotIds: ['bot-ja'] });
    const p = project(
      { ...files, 'ja/bad.qa.yaml': '- q: No answer\n' },
      {
        config: {
          targets: [
            { name: 'en', botId: emu.botId, include: ['en/**'] },
            { name: 'ja', botId: 'bot-ja', include: ['ja/**'] },
            { name: 'later', botIdEnv: 'LATER_BOT', include: ['later/**'] },
          ],
        },
      },
    );
    const env = { CXGENIE_API_URL: emu.url, CXGENIE_WORKSPACE_TOKEN: emu.token };
    const r = await runCli(['sync', '--json'], { cwd: p.dir, env });
    const doc = targetsDoc(r.stdout);
    expect(doc.targets.map((t) => [t.target, t.exitCode])).toEqual([
      ['en', 0],
      ['ja', 1],
      ['later', 2],
    ]);
    expect(doc.targets[2]?.error?.message).toContain('LATER_BOT is not set');
    expect(r.code).toBe(2);
    expect(doc.exitCode).toBe(2);
    expect(await botData(emu, emu.botId)).toHaveLength(2);
    expect(await botData(emu, 'bot-ja')).toHaveLength(2);
    expect((await runCli(['sync', '--target', 'en', '--target', 'ja'], { cwd: p.dir, env })).code).toBe(1);
  });

  it('a file claimed by two targets of the same bot is a configuration error naming the file and both targets', async () => {
    const emu = await emulator();
    const p = project(files, {
      config: {
        targets: [
          { name: 'all', botId: emu.botId },
          { name: 'ja', botId: emu.botId, include: ['ja/**'] },
        ],
      },
    });
    const env = { CXGENIE_API_URL: emu.url, CXGENIE_WORKSPACE_TOKEN: emu.token };
    for (const args of [['sync'], ['plan'], ['sync', '--target', 'ja']]) {
      const r = await runCli(args, { cwd: p.dir, env });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('knowledge/ja/faq.qa.yaml is claimed by targets "all" and "ja", both for bot bot-1');
      expect(r.stderr).toContain('knowledge/ja/guide.md is claimed by targets "all" and "ja"');
    }
    expect(await botData(emu)).toHaveLength(0);
  });
});
