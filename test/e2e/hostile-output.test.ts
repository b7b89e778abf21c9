import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { emulator } from '../helpers/emulator.js';
import { tempDir } from '../helpers/fs.js';
import { sendJson, tinyServer } from '../helpers/http.js';
import { runDoc } from '../helpers/json.js';
import { project } from '../helpers/project.js';

/**
 * Untrusted text in human output (issue 11, item 2): titles, questions, file names and what a
 * server says reach a terminal or a CI log on one line, with control characters escaped, and in
 * GitHub Actions no line can start a workflow command unless kb-sync means it. `--json` stays exact.
 */

const SPOOF = 'How do I reset?\n::error file=README.md,line=1::SPOOFED ANNOTATION\n::stop-commands::abc';
const ESC_TITLE = 'Clear \u001b[2J\u001b]0;owned\u0007 screen';
/** A file name with a newline, a workflow command and an ESC in it: Linux allows all three. */
const EVIL_NAME = 'evil\n::warning file=x::NAME\u001b[31m.md';

/** Lines that start (after white space) a workflow command, other than kb-sync's own annotations of its files. */
function workflowCommands(text: string): string[] {
  return text
    .split(/\r\n|\r|\n/)
    .map((l) => l.replace(/^[\s\u0085]+/, ''))
    .filter((l) => l.startsWith('::'))
    .filter((l) => !/^::(error|warning) file=knowledge\//.test(l) && !l.startsWith('::add-mask::'));
}

function controls(text: string): string[] {
  return [...text.matchAll(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g)].map((m) => JSON.stringify(m[0]));
}

const hostileFiles = {
  'faq.qa.yaml': `- q: ${JSON.stringify(SPOOF)}\n  a: Use the reset link.\n`,
  'esc.md': `---\ntitle: ${JSON.stringify(ESC_TITLE)}\n---\nBody.\n`,
  [EVIL_NAME]: '# Evil file name\n\nBody.\n',
  'broken.qa.yaml': `- q: ${JSON.stringify(`Broken\n::error::in a message\u0007`)}\n`,
};

describe('hostile text in human output', () => {
  it('plan in GitHub Actions (a fork pull request): no spoofed workflow command, no raw control, --json exact', async () => {
    const p = project(hostileFiles);
    const gh = tempDir('kb-sync-gh-');
    const env = {
      CXGENIE_BOT_ID: 'bot-1',
      GITHUB_ACTIONS: 'true',
      GITHUB_STEP_SUMMARY: path.join(gh, 'summary.md'),
      GITHUB_OUTPUT: path.join(gh, 'output'),
    };
    for (const args of [['plan'], ['plan', '--verbose'], ['plan', '--quiet']]) {
      const r = await runCli(args, { cwd: p.dir, env });
      expect(r.stderr).not.toContain('internal error');
      expect(r.code).toBe(1); // broken.qa.yaml
      for (const stream of [r.stdout, r.stderr]) {
        expect(workflowCommands(stream), stream).toEqual([]);
        expect(controls(stream), stream).toEqual([]);
      }
      if (args.length === 1) {
        // What the reviewer reads: the same strings, escaped on one line.
        expect(r.stdout).toContain('::error file=README.md,line=1::SPOOFED ANNOTATION');
        expect(r.stdout).toMatch(/How do I reset\?(\\n| )::error file=README\.md/);
        expect(r.stdout).toContain('Clear \\x1b[2J\\x1b]0;owned\\x07 screen');
        expect(r.stdout).toContain('evil\\n::warning file=x::NAME\\x1b[31m.md');
        // kb-sync's own annotation of the broken file is there, as a command.
        expect(r.stdout).toMatch(/^::error file=knowledge\/broken\.qa\.yaml,line=1,col=3::/m);
      }
    }
    // The job summary is Markdown: one table row per item, nothing that renders as HTML or an image.
    const summary = fs.readFileSync(path.join(gh, 'summary.md'), 'utf8');
    expect(controls(summary)).toEqual([]);
    for (const line of summary.split('\n')) if (line.includes('SPOOFED')) expect(line).toMatch(/^\|.*\|$/);

    const j = await runCli(['plan', '--json'], { cwd: p.dir, env });
    const doc = runDoc(j.stdout);
    const titles = doc.items.map((i) => i.title);
    expect(titles).toContain(ESC_TITLE);
    expect(doc.items.map((i) => i.file)).toContain(`knowledge/${EVIL_NAME}`);
    expect(workflowCommands(j.stderr)).toEqual([]);
  });

  it('sync and status: the same on a log', async () => {
    const emu = await emulator();
    const p = project(
      { 'faq.qa.yaml': hostileFiles['faq.qa.yaml'], 'esc.md': hostileFiles['esc.md'], [EVIL_NAME]: '# Evil\n\nx\n' },
      { emu },
    );
    const env = { ...p.env, GITHUB_ACTIONS: 'true' };
    const first = await runCli(['sync', '--verbose'], { cwd: p.dir, env });
    expect(first.code).toBe(0);
    // Everything turns stale: the stale table and status name the hostile titles and files.
    for (const f of Object.keys(hostileFiles)) p.remove(f);
    p.write({ 'keep.md': '# Keep\n\nSo the folder is not empty.\n' });
    const second = await runCli(['sync', '--verbose'], { cwd: p.dir, env });
    const status = await runCli(['status'], { cwd: p.dir, env });
    for (const r of [first, second, status]) {
      expect(r.stderr).not.toContain('internal error');
      for (const stream of [r.stdout, r.stderr]) {
        expect(workflowCommands(stream), stream).toEqual([]);
        expect(controls(stream), stream).toEqual([]);
      }
    }
    expect(status.stdout).toContain('Clear \\x1b[2J');
  });

  it('what a hostile server says: item errors, a refused token, a reply, names in a table', async () => {
    const SERVER = 'bad request\n::error file=README.md,line=1::SERVER SPOOF\u001b[2J\u0007';
    let auth = false;
    const srv = await tinyServer((req, res) => {
      const url = req.url ?? '';
      if (auth) return sendJson(res, 401, { message: SERVER });
      if (url.includes('/bot-data')) return sendJson(res, 400, { message: SERVER });
      if (url.includes('/messages'))
        return sendJson(res, 200, { success: true, data: `Hi!\n::stop-commands::abc\n\u001b]0;x\u0007ok` });
      if (url.includes('/customer-list'))
        return sendJson(res, 200, {
          success: true,
          data: {
            total: 1,
            customers: [
              {
                id: 'c-1',
                name: 'Eve\n::error::NAME',
                email: '\u001b[2Je@x',
                phone_number: '',
                is_testing: false,
                created_at: '2026-11-01T00:00:00Z',
                last_message_at: null,
              },
            ],
          },
        });
      return sendJson(res, 404, { message: 'no' });
    });
    const p = project({ 'a.md': '# A\n\nbody\n' });
    const env = {
      CXGENIE_API_URL: srv.origin,
      CXGENIE_WORKSPACE_TOKEN: 'tok-hostile-output-0123456789',
      CXGENIE_BOT_ID: 'bot-1',
      GITHUB_ACTIONS: 'true',
    };
    const runs = [
      await runCli(['sync'], { cwd: p.dir, env }),
      await runCli(['sync', '--quiet'], { cwd: p.dir, env }),
      await runCli(['chat', 'hello'], { cwd: p.dir, env }),
      await runCli(['customers'], { cwd: p.dir, env }),
    ];
    auth = true;
    runs.push(await runCli(['sync'], { cwd: p.dir, env }), await runCli(['chat', 'hello'], { cwd: p.dir, env }));
    for (const r of runs) {
      expect(r.stderr).not.toContain('internal error');
      for (const stream of [r.stdout, r.stderr]) {
        expect(workflowCommands(stream), stream).toEqual([]);
        expect(controls(stream), stream).toEqual([]);
      }
    }
    expect(runs[0]?.stdout).toContain('SERVER SPOOF\\x1b[2J\\x07');
    expect(runs[2]?.stdout).toContain('\\x1b]0;x\\x07ok');
    expect(runs[3]?.stdout).toContain('Eve\\n::error::NAME');
    expect(runs[4]?.code).toBe(2);
  });
});
