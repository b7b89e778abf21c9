import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { emulator } from '../helpers/emulator.js';
import { sendJson, tinyServer } from '../helpers/http.js';
import { project } from '../helpers/project.js';
import { inProcess } from '../helpers/sync.js';

/**
 * The built CLI against a hostile server written here (issue 11, items 6 and 9): what people see,
 * and the exit code.
 */

const TOKEN = 'tok-hostile-e2e-0123456789';
const FILES = { 'faq.qa.yaml': '- q: One?\n  a: Yes.\n- q: Two?\n  a: No.\n' };

function env(url: string): Record<string, string> {
  return { CXGENIE_API_URL: url, CXGENIE_WORKSPACE_TOKEN: TOKEN, CXGENIE_BOT_ID: 'bot-1' };
}

describe('Retry-After past the cap', () => {
  it('sync: stops, says when to try again, exit 1; nothing is overflowed or hammered', async () => {
    const srv = await tinyServer((_req, res) =>
      sendJson(res, 429, { message: 'later' }, { 'retry-after': '999999999' }),
    );
    const p = project(FILES, { config: { rateLimit: { requestsPerSecond: 50, concurrency: 1 } } });
    const r = await runCli(['sync'], { cwd: p.dir, env: env(srv.origin) });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /asking to wait \d+ days \(Retry-After\), more than the 5 min kb-sync waits; stopped\. Try again after \d{4}-/,
    );
    expect(r.stderr).not.toContain('TimeoutOverflowWarning');
    expect(srv.requests).toHaveLength(1);
  });

  it('a loop command (chat): the same policy, exit 1, one request', async () => {
    const srv = await tinyServer((_req, res) =>
      sendJson(res, 503, { message: 'maintenance' }, { 'retry-after': 'Fri, 31 Dec 9999 23:59:59 GMT' }),
    );
    const p = project(FILES);
    const r = await runCli(['chat', 'hello'], { cwd: p.dir, env: env(srv.origin) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Try again after 9999-12-31T23:59:59Z');
    expect(r.stderr).not.toContain('TimeoutOverflowWarning');
    expect(srv.requests).toHaveLength(1);
  });
});

describe('Retry-After past the cap from the eval judge', () => {
  it(
    'eval --judge: each case is reported not judged with the time to try again; nothing overflows',
    { timeout: 180_000 },
    async () => {
      const judge = await tinyServer((_req, res) => sendJson(res, 429, {}, { 'retry-after': '999999999' }));
      const emu = await emulator();
      const p = project(FILES, { emu, config: { rateLimit: { requestsPerSecond: 1000, concurrency: 1 } } });
      expect((await inProcess(p, emu).sync()).ok).toBe(true);
      const env = { ...p.env, KB_SYNC_JUDGE_URL: `${judge.origin}/v1`, KB_SYNC_JUDGE_MODEL: 'm' };
      const r = await runCli(['eval', '--judge', '--json'], { cwd: p.dir, env });
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout) as { results: { judge: { error?: string } | null }[] };
      for (const x of doc.results)
        expect(x.judge?.error).toMatch(/asked to wait \d+ days \(Retry-After\).*try again after \d{4}-/);
      expect(r.stderr).not.toContain('TimeoutOverflowWarning');
      // One request per case: nothing hammered.
      expect(judge.requests).toHaveLength(2);
    },
  );
});

describe('configuration errors on the way to the server', () => {
  it('https:// to a plain-HTTP port: one line, exit 2, not "possibly created twice"', async () => {
    const srv = await tinyServer((_req, res) => sendJson(res, 500, {}));
    const p = project(FILES, { config: { rateLimit: { requestsPerSecond: 50, concurrency: 1 } } });
    const r = await runCli(['sync'], { cwd: p.dir, env: env(`https://127.0.0.1:${srv.port}`) });
    expect(r.code).toBe(2);
    const stop = r.stdout.split('\n').filter((l) => l.includes('Stopped:'));
    expect(stop).toHaveLength(1);
    expect(stop[0]).toMatch(/ERR_SSL_WRONG_VERSION_NUMBER: no TLS on the other side: is this a plain-HTTP port\?/);
    expect(r.stdout + r.stderr).not.toMatch(/SSL routines|ssl3_get_record|possibly created twice/i);
    expect(srv.requests).toHaveLength(0);
  });

  it('an API URL with a user name and password: refused before anything is sent, exit 2, the password shown nowhere', async () => {
    const srv = await tinyServer((_req, res) => sendJson(res, 500, {}));
    const p = project(FILES);
    const r = await runCli(['sync', '--json'], {
      cwd: p.dir,
      env: env(`http://admin:hunter2-secret@127.0.0.1:${srv.port}`),
    });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')[0]).toMatch(
      /^kb-sync: CXGENIE_API_URL: the API base URL must not hold a user name or password \(http:\/\/\*\*\*@127\.0\.0\.1:\d+\/\)\.$/,
    );
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { name: 'ConfigError', exitCode: 2 } });
    expect(r.stdout + r.stderr).not.toContain('hunter2-secret');
    expect(srv.requests).toHaveLength(0);
  });
});
