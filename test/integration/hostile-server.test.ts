import type http from 'node:http';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exitCodeForRun } from '../../src/cli/exit.js';
import { loadConfig } from '../../src/config/load.js';
import { runSync } from '../../src/sync/run.js';
import { sendJson, tinyServer } from '../helpers/http.js';
import { project } from '../helpers/project.js';

/**
 * The sync against a hostile server written here (plain node:http on loopback): extreme
 * `Retry-After` values (issue 11, item 6), and errors that never left the machine classified as
 * configuration errors, not as "possibly created twice" (issue 11, item 9).
 */

const TOKEN = 'tok-hostile-0123456789';
const FILES = {
  'faq.qa.yaml': '- q: One?\n  a: Yes.\n- q: Two?\n  a: No.\n- q: Three?\n  a: Maybe.\n',
  'guide.md': '# Guide\n\nSome text.\n',
};
const CONCURRENCY = 4;

/** A server that answers `POST /bot-data` with `limited` until `open()` is called, then creates. */
async function server(limited: (res: http.ServerResponse) => void) {
  let ok = false;
  let n = 0;
  const srv = await tinyServer((req, res) => {
    if (req.method === 'POST' && req.url?.endsWith('/bot-data') && !ok) return limited(res);
    sendJson(res, 200, { success: true, data: { id: `id-${++n}`, type: 'TEXT' } });
  });
  const posts = () => srv.requests.filter((r) => r.method === 'POST').length;
  return { srv, posts, open: () => (ok = true) };
}

function setup(baseUrl: string, config: Record<string, unknown> = {}) {
  const p = project(FILES, { config: { rateLimit: { requestsPerSecond: 200, concurrency: CONCURRENCY }, ...config } });
  const cfg = { ...loadConfig({ configPath: path.join(p.dir, 'sync.config.json'), env: {} }), apiBaseUrl: baseUrl };
  const logs: string[] = [];
  const sync = () =>
    runSync({
      config: cfg,
      botId: 'bot-1',
      dryRun: false,
      token: TOKEN,
      cwd: p.dir,
      random: () => 0.5,
      events: { log: (_level, message) => logs.push(message) },
    });
  return { p, sync, logs };
}

let warnings: Error[] = [];
const onWarning = (w: Error) => warnings.push(w);
beforeEach(() => {
  warnings = [];
  process.on('warning', onWarning);
});
afterEach(() => {
  process.off('warning', onWarning);
});

describe('Retry-After extremes', () => {
  it.each<[string, string, RegExp]>([
    ['999999999 seconds', '999999999', /asking to wait \d+ days \(Retry-After\).*Try again after 20\d\d-\d\d-\d\dT/],
    ['a date in year 9999', 'Fri, 31 Dec 9999 23:59:59 GMT', /Try again after 9999-12-31T23:59:59Z/],
    ['one hour', '3600', /asking to wait 60 min \(Retry-After\), more than the 5 min kb-sync waits/],
  ])('%s: stop at once, say when to retry, exit 1, items untouched, no timer overflow', async (_name, header, said) => {
    const { srv, posts, open } = await server((res) =>
      sendJson(res, 429, { message: 'slow down' }, { 'retry-after': header }),
    );
    const { sync } = setup(srv.origin);
    const r = await sync();

    expect(exitCodeForRun(r)).toBe(1);
    const stop = r.errors.filter((e) => e.file === '(push)');
    expect(stop).toHaveLength(1);
    expect(stop[0]?.message).toMatch(said);
    // No hammering: only what was already in flight when the first answer came.
    expect(posts()).toBeLessThanOrEqual(CONCURRENCY);
    expect(warnings.map((w) => w.name)).not.toContain('TimeoutOverflowWarning');
    // Untouched: every item skipped, nothing in flight left behind, nothing "possibly twice".
    expect(r.items.filter((i) => i.action === 'create').map((i) => i.status)).toEqual(Array(4).fill('skipped'));
    expect(r.items.every((i) => !i.uncertain)).toBe(true);
    expect(r.uncertain).toEqual([]);
    expect(r.counts.failed).toBe(0);

    // The server opens again: the next run sends each item exactly once.
    open();
    const before = posts();
    const again = await sync();
    expect(exitCodeForRun(again)).toBe(0);
    expect(again.counts.create).toBe(4);
    expect(posts() - before).toBe(4);
    expect(again.uncertain).toEqual([]);
  });

  it('a Retry-After within the cap is waited for, and the wait is shown', async () => {
    let first = true;
    const { srv, posts } = await server((res) => {
      if (first) {
        first = false;
        return sendJson(res, 429, { message: 'slow down' }, { 'retry-after': '3' });
      }
      sendJson(res, 200, { success: true, data: { id: `id-${Math.random()}`, type: 'TEXT' } });
    });
    const { sync, logs } = setup(srv.origin, { rateLimit: { requestsPerSecond: 200, concurrency: 1 } });
    const r = await sync();
    expect(exitCodeForRun(r)).toBe(0);
    expect(r.counts.create).toBe(4);
    expect(posts()).toBe(5);
    expect(
      logs.some((l) => /^The server asked to wait 3 s \(Retry-After\); pushing resumes at \d\d:\d\d:\d\d\.$/.test(l)),
    ).toBe(true);
  });
});

describe('errors that never left are configuration errors', () => {
  it('https:// to a plain-HTTP port: one line, exit 2, nothing retried, nothing uncertain', async () => {
    const { srv } = await server((res) => sendJson(res, 500, {}));
    let connections = 0;
    srv.server.on('connection', () => connections++);
    const { sync } = setup(`https://127.0.0.1:${srv.port}`);
    const r = await sync();
    expect(exitCodeForRun(r)).toBe(2);
    expect(r.authError?.kind).toBe('config');
    expect(r.authError?.delivery).toBe('not-sent');
    const msg = r.authError?.message ?? '';
    expect(msg).not.toContain('\n');
    expect(msg).toContain('ERR_SSL_WRONG_VERSION_NUMBER');
    expect(msg).toMatch(/plain-HTTP port/);
    expect(msg).not.toMatch(/SSL routines|ssl3_get_record/);
    // Nothing retried: one connection per request at most, and no request ever reached the server.
    expect(connections).toBeLessThanOrEqual(CONCURRENCY);
    expect(srv.requests).toHaveLength(0);
    expect(r.items.some((i) => i.error?.includes('attempts'))).toBe(false);
    expect(r.uncertain).toEqual([]);
    expect(r.items.every((i) => !i.uncertain)).toBe(true);
  });

  it('a base URL with a user name and password: exit 2, nothing sent, the password printed nowhere', async () => {
    const { srv } = await server((res) => sendJson(res, 500, {}));
    const url = `http://admin:hunter2-secret@127.0.0.1:${srv.port}`;
    const { sync } = setup(url);
    const r = await sync();
    expect(exitCodeForRun(r)).toBe(2);
    expect(r.authError?.kind).toBe('config');
    expect(r.authError?.message).toMatch(/user name or password/);
    expect(JSON.stringify(r)).not.toContain('hunter2-secret');
    expect(srv.requests).toHaveLength(0);
    expect(r.uncertain).toEqual([]);
  });
});
