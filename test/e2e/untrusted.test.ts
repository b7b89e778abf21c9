import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { emulator } from '../helpers/emulator.js';
import { project } from '../helpers/project.js';
import { tempDir } from '../helpers/fs.js';
import { runDoc } from '../helpers/json.js';
import { SLOW_TO_RENDER } from '../helpers/hostile.js';

/**
 * A knowledge folder from a stranger's pull request: every bad file is reported with file:line and
 * a reason, the good files still sync, the run exits 1, nothing outside the folder is read, and
 * the token appears nowhere.
 */

const TOKEN = 'tok-SECRET-7f3a9c1e5b2d4f6a8c0e';

const bomb = `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
questions: [*f]
`;

describe('untrusted knowledge files', () => {
  it('reports every bad file with file:line, syncs the good ones, reads nothing outside, leaks no token', async () => {
    const emu = await emulator({ token: TOKEN });
    const outside = tempDir('kb-sync-outside-');
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'TOP SECRET outside the knowledge folder');
    const p = project(
      {
        'good.md': '---\ntitle: Good\n---\nA good article.\n',
        'bom-crlf.md': '\ufeff---\r\ntitle: Windows file\r\n---\r\nBody with CRLF endings.\r\n',
        'good.qa.yaml': '- q: Does a good question sync?\n  a: Yes.\n',
        'bad-yaml.qa.yaml': '- q: fine\n  a: fine\n- q: broken\n  a: [unclosed\n',
        'bomb.qa.yaml': bomb,
        'bomb-front.md': `---\n${bomb.replace('questions: [*f]', 'title: *f')}---\nbody\n`,
        'missing.qa.yaml': '- q: first\n  a: one\n- q: no answer here\n',
        'dupes.qa.yaml': '- q: Same question?\n  a: one\n- q: same question\n  a: two\n',
        'bad-front.md': '---\ntitle: [oops\n---\nbody\n',
        'js-front.md': '---js\n{ title: require("child_process").execSync("touch PWNED").toString() }\n---\nbody\n',
        'binary.md': Buffer.concat([Buffer.from('# Title\n\nsome text'), Buffer.from([0, 1, 2, 3])]),
        'latin1.md': Buffer.from([0x23, 0x20, 0x54, 0x0a, 0x0a, 0x63, 0x61, 0x66, 0xe9, 0x0a]),
        'utf16.md': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('# hi\n', 'utf16le')]),
        'empty.md': '',
        'long-line.md': `# Long\n\n${'x'.repeat(200_000)}\n`,
        'links.urls':
          'https://example.com/ok\nnot a url\nftp://example.com/file\njavascript:alert(1)\nhttps://example.com/ok#again\n',
        'huge.pdf': Buffer.alloc(2048, 1),
      },
      { emu, config: { documents: { maxBytes: 1024 } } },
    );
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(p.knowledge, 'escape.txt'));
    fs.symlinkSync(outside, path.join(p.knowledge, 'outside-dir'));
    const r = await runCli(['sync', '--json', '--verbose'], {
      cwd: p.dir,
      env: { ...p.env, CXGENIE_WORKSPACE_TOKEN: TOKEN },
    });
    expect(r.stderr).not.toContain('internal error');
    expect(r.code).toBe(1);
    const doc = runDoc(r.stdout);
    const errs = doc.errors;
    const at = (file: string) => errs.filter((e) => e.file === `knowledge/${file}`);
    // YAML reports an unclosed flow sequence where it gives up: at or after the line that opened it.
    expect(at('bad-yaml.qa.yaml')[0]?.line).toBeGreaterThanOrEqual(4);
    expect(at('bomb.qa.yaml')[0]?.line).toBeGreaterThan(0);
    expect(at('bomb-front.md')[0]?.message).toMatch(/alias/i);
    expect(at('missing.qa.yaml')[0]?.line).toBe(3);
    expect(at('missing.qa.yaml')[0]?.message).toMatch(/^answer is missing: /);
    expect(at('dupes.qa.yaml')[0]?.message).toContain('also on line 1');
    expect(at('dupes.qa.yaml')[0]?.line).toBe(3);
    expect(at('bad-front.md')[0]?.line).toBe(2);
    expect(at('js-front.md')[0]?.message).toContain('not supported');
    expect(fs.existsSync(path.join(p.dir, 'PWNED'))).toBe(false);
    expect(at('binary.md')[0]?.message).toContain('binary');
    expect(at('latin1.md')[0]?.line).toBe(3);
    expect(at('latin1.md')[0]?.message).toContain('UTF-8');
    expect(at('utf16.md')[0]?.message).toContain('UTF-16');
    expect(at('long-line.md')[0]?.line).toBe(3);
    expect(at('links.urls').map((e) => e.line)).toEqual([2, 3, 4]);
    expect(at('huge.pdf')[0]?.message).toContain('documents.maxBytes');
    expect(at('escape.txt')[0]?.message).toContain('outside the knowledge folder');
    expect(doc.warnings.some((w) => w.file === 'knowledge/empty.md')).toBe(true);

    // The good files synced; the good URL once although it is listed twice.
    const created = emu.created(emu.botId);
    const titles = created.map((d) => d.title ?? d.content).sort();
    expect(titles).toEqual(['Does a good question sync?', 'Good', 'Windows file', 'https://example.com/ok'].sort());
    expect(created.find((d) => d.title === 'Windows file')?.content).toBe('Body with CRLF endings.');
    // Nothing outside the folder was uploaded.
    expect([...emu.world.uploads.values()].some((u) => u.bytes.toString().includes('TOP SECRET'))).toBe(false);

    // The token is nowhere: output, state file, snapshot.
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
    const dbBytes = Buffer.concat(
      fs.readdirSync(path.dirname(p.stateFile)).map((f) => fs.readFileSync(path.join(path.dirname(p.stateFile), f))),
    );
    expect(dbBytes.includes(Buffer.from(TOKEN))).toBe(false);
    const snap = await runCli(['state', 'export'], { cwd: p.dir, env: { ...p.env, CXGENIE_WORKSPACE_TOKEN: TOKEN } });
    expect(snap.code).toBe(0);
    expect(snap.stdout).not.toContain(TOKEN);

    // Fixing a file syncs it on the next run; the rest stays as it was.
    p.write({ 'missing.qa.yaml': '- q: first\n  a: one\n- q: no answer here\n  a: now there is\n' });
    const again = await runCli(['sync', '--json'], { cwd: p.dir, env: { ...p.env, CXGENIE_WORKSPACE_TOKEN: TOKEN } });
    expect(runDoc(again.stdout).counts.create).toBe(2);
  });

  it('never prints the token, whatever fails', async () => {
    const emu = await emulator({ token: TOKEN });
    const p = project({ 'a.md': '# A\n\nbody\n' }, { emu });
    const runs = [
      await runCli(['sync', '--verbose'], { cwd: p.dir, env: { ...p.env, CXGENIE_WORKSPACE_TOKEN: `${TOKEN}-wrong` } }),
      await runCli(['sync', '--json', '--verbose'], {
        cwd: p.dir,
        env: { ...p.env, CXGENIE_WORKSPACE_TOKEN: TOKEN, CXGENIE_BOT_ID: 'no-such-bot' },
      }),
      await runCli(['sync', '--verbose'], {
        cwd: p.dir,
        env: { ...p.env, CXGENIE_WORKSPACE_TOKEN: TOKEN, CXGENIE_API_URL: 'http://127.0.0.1:9/api' },
      }),
      await runCli(['status', '--verbose'], { cwd: p.dir, env: { ...p.env, CXGENIE_WORKSPACE_TOKEN: TOKEN } }),
    ];
    expect(runs[0]?.code).toBe(2);
    expect(`${runs[0]?.stdout}${runs[0]?.stderr}`).toContain('CXGENIE_WORKSPACE_TOKEN');
    expect(runs[1]?.code).toBe(1);
    // Port 9 is one fetch refuses to use: a configuration error that stops the run (exit 2).
    expect(runs[2]?.code).toBe(2);
    expect(runs[2]?.stdout).toContain('ERR_BAD_PORT');
    for (const r of runs) expect(r.stdout + r.stderr).not.toContain(TOKEN);
  });

  it('refuses a token written in the config file (exit 2)', async () => {
    const p = project({ 'a.md': '# A\n\nbody\n' }, { config: { workspaceToken: TOKEN } });
    const r = await runCli(['plan'], { cwd: p.dir, env: { CXGENIE_BOT_ID: 'b' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('CXGENIE_WORKSPACE_TOKEN');
    expect(r.stderr).not.toContain(TOKEN);
  });
});

describe('an article that takes too long to normalize', () => {
  it('is cut off by the render time limit and reported; the other files still sync', async () => {
    const emu = await emulator();
    // Seconds of parsing on any machine: at the lowest limit it cannot finish in time.
    const p = project(
      {
        'slow.md': `# Slow\n\n${SLOW_TO_RENDER}`,
        'ok.md': '# Fine\n\nA normal page.\n',
      },
      { emu, config: { limits: { renderTimeoutMs: 100, maxTextBytes: 10_000_000 } } },
    );
    const r = await runCli(['sync', '--json'], { cwd: p.dir, env: p.env });
    expect(r.code).toBe(1);
    const doc = runDoc(r.stdout);
    const failed = doc.items.find((i) => i.file === 'knowledge/slow.md');
    expect(failed).toMatchObject({ status: 'failed' });
    expect(failed?.error).toContain('limits.renderTimeoutMs');
    expect(emu.created(emu.botId).map((d) => d.title)).toEqual(['Fine']);
  });
});
