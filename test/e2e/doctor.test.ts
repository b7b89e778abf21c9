import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Check, DoctorReport } from '../../src/doctor/report.js';
import { acquireLock } from '../../src/state/lock.js';
import { StateStore } from '../../src/state/store.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { emulator } from '../helpers/emulator.js';
import { tempDir } from '../helpers/fs.js';
import { sendJson, tinyServer } from '../helpers/http.js';
import { project, type Project } from '../helpers/project.js';

// Each test runs the built CLI several times; on a busy machine one run can take many seconds.

/**
 * `kb-sync doctor` as a user runs it (the built CLI): against the emulator, and against small
 * hostile servers (a redirect, a server that is not CX Genie, one that answers in an unknown
 * shape, a self-signed certificate). Doctor creates nothing unless --chat asks it to.
 */

const FILES = {
  'faq.qa.yaml': '- q: How much is the Growth plan?\n  a: Growth costs $29 a month.\n',
  'guide.md': '# Shipping guide\n\nHow to ship a parcel with us, step by step.\n',
  'links.urls': 'https://example.com/help\n',
  'broken.md': '---\ntitle: [not closed\n---\nBody\n',
};

interface Doc extends DoctorReport {
  exitCode: number;
  apiBaseUrl: string | null;
  botId: string | null;
}

/** `kb-sync doctor --json` (and, with `human`, `kb-sync doctor` beside it). Never with --chat: use runCli. */
async function doctor(
  p: { dir: string; env: Record<string, string> },
  args: string[] = [],
  env: Record<string, string | undefined> = {},
  opts: { human?: boolean } = {},
): Promise<{ r: CliResult; doc: Doc; text: CliResult }> {
  const all = { ...p.env, ...env };
  const [r, text] = await Promise.all([
    runCli(['doctor', '--json', ...args], { cwd: p.dir, env: all }),
    opts.human ? runCli(['doctor', ...args], { cwd: p.dir, env: all }) : undefined,
  ]);
  let doc: Doc;
  try {
    doc = JSON.parse(r.stdout) as Doc;
  } catch {
    throw new Error(`doctor --json printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  return { r, doc, text: text ?? { code: null, signal: null, stdout: '', stderr: '' } };
}

function check(doc: Doc, id: string): Check {
  const c = doc.checks.find((k) => k.id === id);
  if (!c) throw new Error(`no check ${id} in: ${doc.checks.map((k) => `${k.id}=${k.status}`).join(', ')}`);
  return c;
}

const statuses = (doc: Doc) => Object.fromEntries(doc.checks.map((c) => [c.id, c.status]));

function noToken(token: string, ...results: CliResult[]): void {
  for (const r of results) expect(r.stdout + r.stderr).not.toContain(token);
}

describe('kb-sync doctor against the emulator', { timeout: 180_000 }, () => {
  it('a healthy setup: ready (exit 0), one line per check, the same as --json, and nothing created', async () => {
    const emu = await emulator();
    const p = project(FILES, { emu });
    const { r, doc, text } = await doctor(p, [], {}, { human: true });
    expect(r.code).toBe(0);
    expect(text.code).toBe(0);
    expect(doc).toMatchObject({ ready: true, exitCode: 0, apiBaseUrl: emu.url, botId: emu.botId });
    expect(doc.counts.fail).toBe(0);
    expect(statuses(doc)).toMatchObject({
      'config.file': 'ok',
      'config.env': 'info',
      'folder.files': 'ok',
      'folder.plan': 'warn',
      'api.url': 'ok',
      'api.reach': 'ok',
      'api.token': 'ok',
      'bot.id': 'ok',
      'bot.seen': 'ok',
      'shape.GET /customer-list': 'ok',
      'shape.GET /customer-detail/:id': 'ok',
      'shape.GET /sessions-by-customer': 'ok',
      'shape.GET /detail-sessions/:id': 'ok',
      'shape.POST /bot-data': 'skip',
      'shape.POST /messages': 'skip',
      'shape.POST /upload/multiple': 'skip',
      'reading.customers-total': 'info',
      'reading.sessions-total': 'info',
      'reading.date-range': 'ok',
      'state.open': 'info',
    });
    // Which values came from the environment.
    expect(check(doc, 'config.env').data).toMatchObject({
      apiBaseUrl: { value: emu.url, from: 'env' },
      botId: { value: emu.botId, from: 'env' },
      token: { set: true, from: 'env' },
    });
    // Files per kind, and the file that would fail, located.
    expect(check(doc, 'folder.files').data).toMatchObject({ files: 4, perKind: { article: 2, qa: 1, urls: 1 } });
    expect(check(doc, 'folder.plan').details?.[0]).toMatch(/^knowledge\/broken\.md:2:\d+ /);
    expect(check(doc, 'folder.plan').title).toContain('1 file(s) would fail; a sync would create 3');
    expect(check(doc, 'bot.seen').title).toContain(`bot ${emu.botId} ("`);
    expect(check(doc, 'reading.customers-total').title).toContain('every matching row');
    for (const id of ['reading.customers-total', 'reading.sessions-total', 'reading.date-range'])
      expect(check(doc, id).section).toBe('readings');
    expect(text.stdout).toMatch(/How this server reads the document\n {2}· GET \/customer-list sends/);

    // The human form: one line per check, in the same order, each with its title.
    const lines = text.stdout.split('\n').filter((l) => /^ {2}[✓!✗·-] /.test(l));
    expect(lines.map((l) => l.slice(4))).toEqual(doc.checks.map((c) => c.title));
    expect(text.stdout.trim().split('\n').at(-1)).toBe('Ready to sync; 1 warning(s) worth a look.');
    // Each warning or failure is followed by its fix.
    expect(text.stdout).toContain(`→ ${check(doc, 'folder.plan').fix!}`);

    // Nothing created: only GETs reached the API, no state file, no training data, no chat.
    const stats = emu.stats();
    expect(Object.keys(stats.byEndpoint).every((e) => e.startsWith('GET '))).toBe(true);
    expect([stats.created, stats.messages, stats.uploads]).toEqual([0, 0, 0]);
    expect(fs.existsSync(path.join(p.dir, '.kb-sync'))).toBe(false);
    noToken(emu.token, r, text);
  });

  it('a wrong token: the token line fails with its fix (exit 2), the token is never printed', async () => {
    const emu = await emulator();
    const p = project(FILES, { emu });
    const wrong = 'wrong-token-5f5f5f5f';
    const { r, doc, text } = await doctor(p, [], { CXGENIE_WORKSPACE_TOKEN: wrong }, { human: true });
    expect([r.code, text.code]).toEqual([2, 2]);
    expect(doc.ready).toBe(false);
    const token = check(doc, 'api.token');
    expect(token).toMatchObject({
      status: 'fail',
      title: 'The workspace token is refused (HTTP 401: Invalid workspace token)',
    });
    expect(token.fix).toContain('CXGENIE_WORKSPACE_TOKEN');
    // The API itself was fine; the shape lines say why they were not checked.
    expect(check(doc, 'api.reach').status).toBe('ok');
    expect(check(doc, 'shape.GET /customer-list').title).toContain('not checked: the token was not accepted');
    expect(text.stdout).toMatch(/Not ready to sync: 1 problem\(s\) to fix.*\(exit 2\)\.$/m);
    noToken(wrong, r, text);
  });

  it('no token at all: exit 2, and the API is still checked', async () => {
    const emu = await emulator();
    const p = project(FILES, { emu });
    const { r, doc } = await doctor(p, [], { CXGENIE_WORKSPACE_TOKEN: undefined });
    expect(r.code).toBe(2);
    expect(check(doc, 'api.token')).toMatchObject({ status: 'fail', title: 'No workspace token' });
    expect(check(doc, 'api.reach').status).toBe('ok');
    expect(check(doc, 'config.env').data).toMatchObject({ token: { set: false } });
  });

  it('passing 429s are retried through the shared policy (a warning says so); a Retry-After past the cap fails the token line', async () => {
    // Request 1 of GET /customer-list is the probe without a token; 2 and 3 carry it.
    const passing = await emulator({
      faults: {
        schedule: [{ endpoint: 'GET /customer-list', at: 2, times: 2, fault: 'rate-limit', retryAfterSec: 0 }],
      },
    });
    const a = await doctor(project(FILES, { emu: passing }));
    expect(a.r.code).toBe(0);
    expect(check(a.doc, 'api.token').status).toBe('ok');
    expect(check(a.doc, 'api.retries')).toMatchObject({ status: 'warn', data: { retries: 2, rateLimited: 2 } });

    const stuck = await emulator({
      faults: {
        schedule: [{ endpoint: 'GET /customer-list', at: 2, times: 1, fault: 'rate-limit', retryAfterSec: 3600 }],
      },
    });
    const b = await doctor(project(FILES, { emu: stuck }));
    expect(b.r.code).toBe(2);
    const token = check(b.doc, 'api.token');
    expect(token.status).toBe('fail');
    expect(token.title).toMatch(
      /^The token could not be checked: GET \/customer-list answered HTTP 429 asking to wait 60 min/,
    );
    expect(token.fix).toContain('retry.maxRetryAfterMs');
  });

  it('a wrong bot id: a warning naming the bots the workspace knows; --chat proves it wrong (exit 2)', async () => {
    const emu = await emulator();
    const p = project(FILES, { emu });
    const { r, doc } = await doctor(p, [], { CXGENIE_BOT_ID: 'bot-typo' });
    expect(r.code).toBe(0);
    const seen = check(doc, 'bot.seen');
    expect(seen.status).toBe('warn');
    expect(seen.title).toContain("No customer of bot bot-typo; the workspace's customers talk to bot-1");
    expect(seen.fix).toContain('--chat');
    // The shapes are still checked, with the workspace's other customers.
    expect(check(doc, 'shape.GET /sessions-by-customer').status).toBe('ok');

    const chat = await runCli(['doctor', '--json', '--chat', 'How much is the Growth plan?'], {
      cwd: p.dir,
      env: { ...p.env, CXGENIE_BOT_ID: 'bot-typo' },
    });
    expect(chat.code).toBe(2);
    const c = check(JSON.parse(chat.stdout) as Doc, 'chat');
    expect(c.status).toBe('fail');
    expect(c.title).toContain('HTTP 404: Bot not found');
    expect(emu.stats().messages).toBe(0);
  });

  it('--chat sends one real message, shows the reply, and says it created a conversation', async () => {
    const emu = await emulator();
    const p = project(FILES, { emu });
    const sessions = emu.world.sessions.size;
    const r = await runCli(['doctor', '--chat', 'Do you ship to Iceland?'], { cwd: p.dir, env: p.env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✓ The bot replied: ".+"/);
    expect(r.stdout).toContain('This created a conversation (an anonymous customer) in the workspace.');
    expect(r.stdout).toContain('✓ POST /messages: as the document describes');
    expect(emu.stats().messages).toBe(1);
    expect(emu.world.sessions.size).toBe(sessions + 1);
    expect(emu.created()).toEqual([]);
  });

  it('a bot id pasted as the launch URL fails with the aid to use', async () => {
    const emu = await emulator();
    const p = project(FILES, { emu });
    const { r, doc } = await doctor(p, [], { CXGENIE_BOT_ID: 'https://chat.cxgenie.ai?aid=bot-1' });
    expect(r.code).toBe(2);
    expect(check(doc, 'bot.id')).toMatchObject({ status: 'fail', fix: 'Use only its aid: "botId": "bot-1".' });
    // --bot-url: checked against the bot id.
    const other = await doctor(p, ['--bot-url', 'https://chat.cxgenie.ai?aid=bot-2']);
    expect(check(other.doc, 'bot.url')).toMatchObject({
      status: 'warn',
      title: "The launch URL's aid (bot-2) is not the configured bot id (bot-1)",
    });
  });

  it('reports how the server reads total and date_range, and which dateRangeFormat to set', async () => {
    const emu = await emulator({ readings: { total: 'remaining', dateRange: 'epoch-ms' } });
    const p = project(FILES, { emu, config: { dateRangeFormat: 'iso' } });
    const { r, doc } = await doctor(p);
    expect(r.code).toBe(0);
    expect(check(doc, 'reading.sessions-total').title).toContain('the rows from the cursor on');
    const dates = check(doc, 'reading.date-range');
    expect(dates.status).toBe('warn');
    expect(dates.title).toBe(
      'date_range: ISO text refused, epoch milliseconds read; "dateRangeFormat": "iso" does not find the conversation',
    );
    expect(dates.fix).toContain('"dateRangeFormat": "epoch-ms"');
    // The emulator's shape still matches the document but for the total it now leaves out nothing.
    expect(check(doc, 'shape.GET /customer-list').status).toBe('ok');
  });

  it('an invalid config: the one failing line names the key and its line (exit 2)', async () => {
    const emu = await emulator();
    const p = project(FILES, { emu, config: { rateLimit: { requestsPerSecond: -1 } } });
    const { r, doc } = await doctor(p);
    expect(r.code).toBe(2);
    expect(doc.checks).toHaveLength(1);
    expect(doc.checks[0]).toMatchObject({ id: 'config.file', status: 'fail' });
    expect(doc.checks[0]!.details?.join('\n')).toMatch(
      /sync\.config\.json:\d+:\d+ "rateLimit\.requestsPerSecond" must be/,
    );
  });
});

describe('kb-sync doctor and the state', { timeout: 180_000 }, () => {
  it('after a sync: schema, integrity, the bot, items; a killed run and a lock holder are warnings', async () => {
    const emu = await emulator();
    const p = project(FILES, { emu });
    const sync = await runCli(['sync'], { cwd: p.dir, env: p.env });
    expect(sync.code).toBe(1); // broken.md
    let { doc } = await doctor(p);
    expect(check(doc, 'state.open').title).toMatch(/^\.kb-sync\/state\.db opens; integrity check passed; schema \d+$/);
    expect(check(doc, 'state.bot').title).toMatch(/^Bot bot-1: last synced /);
    expect(check(doc, 'state.items')).toMatchObject({
      status: 'ok',
      title: '3 item(s) tracked · 0 stale · 0 possibly created twice',
    });
    expect(check(doc, 'state.lock').status).toBe('ok');

    // A run killed mid-send, and a live run holding the lock (this process).
    const store = StateStore.open(p.stateFile);
    store.beginSend(
      emu.botId,
      { key: 'k1', hash: 'h1', type: 'TEXT', label: 'Half-sent', sourceFile: 'guide.md' },
      null,
    );
    const lock = await acquireLock(store, { command: 'sync' });
    try {
      ({ doc } = await doctor(p));
      expect(doc.exitCode).toBe(0);
      expect(check(doc, 'state.inflight')).toMatchObject({ status: 'warn', details: ['TEXT "Half-sent" (guide.md)'] });
      const held = check(doc, 'state.lock');
      expect(held.status).toBe('warn');
      expect(held.title).toContain(`pid ${process.pid}`);
    } finally {
      lock.release();
      store.close();
    }
  });

  it('a damaged state file fails (exit 2) with how to recover', async () => {
    const emu = await emulator();
    const p = project(FILES, { emu });
    fs.mkdirSync(path.dirname(p.stateFile), { recursive: true });
    fs.writeFileSync(p.stateFile, 'this is not a database, just text that is long enough to be read '.repeat(80));
    const { r, doc } = await doctor(p);
    expect(r.code).toBe(2);
    const open = check(doc, 'state.open');
    expect(open.status).toBe('fail');
    expect(open.fix).toContain('kb-sync state import');
  });

  it('in CI: a state that was not restored fails when a sync would push; a restored one passes', async () => {
    const emu = await emulator();
    const p = project(FILES, { emu });
    let { r, doc } = await doctor(p, [], { CI: 'true' });
    expect(r.code).toBe(2);
    expect(check(doc, 'state.ci')).toMatchObject({ status: 'fail', data: { wouldCreate: 3 } });
    expect(check(doc, 'state.ci').fix).toContain('--allow-initial');
    await runCli(['sync'], { cwd: p.dir, env: p.env });
    ({ r, doc } = await doctor(p, [], { CI: 'true' }));
    expect(r.code).toBe(0);
    expect(check(doc, 'state.ci')).toMatchObject({ status: 'ok' });
    // Outside CI there is no such line.
    expect((await doctor(p)).doc.checks.some((c) => c.id === 'state.ci')).toBe(false);
  });
});

describe('kb-sync doctor against hostile servers', { timeout: 180_000 }, () => {
  function withServer(origin: string): Project {
    const p = project({ 'a.md': '# A\n\nText.\n' });
    p.env.CXGENIE_API_URL = `${origin}/api/v2/public-api`;
    p.env.CXGENIE_WORKSPACE_TOKEN = 'tok-hostile-0123456789';
    p.env.CXGENIE_BOT_ID = 'b';
    return p;
  }
  const carriesToken = (url: string) => url.includes('tok-hostile-0123456789');

  it('a redirecting server: fails before the token is sent anywhere, naming where it points', async () => {
    const target = await tinyServer((_req, res) => sendJson(res, 401, { success: false, message: 'no' }));
    const srv = await tinyServer((req, res) => {
      res.writeHead(301, { location: `${target.origin}${req.url ?? '/'}` });
      res.end();
    });
    const p = withServer(srv.origin);
    const { r, doc, text } = await doctor(p, [], {}, { human: true });
    expect(r.code).toBe(2);
    const reach = check(doc, 'api.reach');
    expect(reach.status).toBe('fail');
    expect(reach.title).toContain(`redirects (HTTP 301 to ${target.origin}/api/v2/public-api/customer-list)`);
    expect(reach.fix).toContain('set "apiBaseUrl" to the final address');
    expect(check(doc, 'api.token').status).toBe('skip');
    expect(target.requests).toHaveLength(0);
    expect(srv.requests.some((q) => carriesToken(q.url))).toBe(false);
    noToken('tok-hostile-0123456789', r, text);
  });

  it('a server that is not the CX Genie API (an HTML page): fails, token not sent', async () => {
    const srv = await tinyServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Welcome to nginx</body></html>');
    });
    const p = withServer(srv.origin);
    const { r, doc } = await doctor(p);
    expect(r.code).toBe(2);
    expect(check(doc, 'api.reach').title).toBe(
      'This does not answer like the CX Genie API: HTTP 200, text/html, not a JSON object',
    );
    expect(srv.requests.some((q) => carriesToken(q.url))).toBe(false);
  });

  it('a server answering in an unknown shape: the field path, exit 2', async () => {
    const srv = await tinyServer((req, res) => {
      const q = new URL(req.url ?? '/', 'http://x').searchParams;
      if (!q.get('workspace_token')) return sendJson(res, 401, { success: false, message: 'Unauthorized' });
      // The customers as a bare list, not under data.customers.
      sendJson(res, 200, { success: true, data: [{ id: 'c1', name: 'Ann' }] });
    });
    const p = withServer(srv.origin);
    const { r, doc, text } = await doctor(p, [], {}, { human: true });
    expect(r.code).toBe(2);
    expect(check(doc, 'api.token').status).toBe('ok');
    const shape = check(doc, 'shape.GET /customer-list');
    expect(shape).toMatchObject({
      status: 'fail',
      title: 'GET /customer-list: the API answered in a shape this version does not know',
    });
    expect(shape.details).toEqual(['data: expected an object, got a list of 1']);
    expect(text.stdout).toContain('      data: expected an object, got a list of 1');
  });

  it('a self-signed certificate: TLS fails before anything is sent; trusted, it names the certificate', async () => {
    const dir = tempDir('kb-sync-tls-');
    try {
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
        '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
        '-subj', '/CN=kb-sync-test', '-addext', 'subjectAltName=IP:127.0.0.1',
      ], { stdio: 'ignore' }); // prettier-ignore
    } catch {
      console.warn('openssl is not available: skipping the TLS check test');
      return;
    }
    const seen: string[] = [];
    const server = https.createServer(
      { key: fs.readFileSync(path.join(dir, 'key.pem')), cert: fs.readFileSync(path.join(dir, 'cert.pem')) },
      (req, res) => {
        seen.push(req.url ?? '');
        sendJson(res, 401, { success: false, message: 'workspace_token is required' });
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const p = withServer(origin);
      const untrusted = await doctor(p);
      expect(untrusted.r.code).toBe(2);
      const t = check(untrusted.doc, 'api.tls');
      expect(t.status).toBe('fail');
      expect(t.title).toMatch(
        /TLS: the connection to 127\.0\.0\.1:\d+ failed \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\)/,
      );
      expect(t.fix).toContain('NODE_EXTRA_CA_CERTS');
      expect(seen).toEqual([]);

      const trusted = await doctor(p, [], { NODE_EXTRA_CA_CERTS: path.join(dir, 'cert.pem') });
      expect(check(trusted.doc, 'api.tls')).toMatchObject({ status: 'warn' }); // it expires in 2 days
      expect(check(trusted.doc, 'api.tls').title).toMatch(
        /^TLS: TLSv1\.[23], certificate for kb-sync-test valid until /,
      );
      expect(check(trusted.doc, 'api.reach').status).toBe('ok');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
