import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { emulator } from '../helpers/emulator.js';
import { project } from '../helpers/project.js';
import { inProcess } from '../helpers/sync.js';

/**
 * `eval --judge` against a small OpenAI-compatible judge on loopback (no mocked fetch), and the
 * emulator's reply modes through the built CLI.
 */

const FAQ = [
  '- q: How long do I have to void a label I did not use?',
  '  a: You can void an unused, unscanned label for up to 30 days after you bought it.',
  '- q: How much is the Growth plan?',
  '  a: Growth costs $29 a month and includes 1,000 labels and 5 team members.',
  '- q: Is postage included in my subscription?',
  '  a: No. Your subscription pays for the software, and postage is paid separately from your postage wallet.',
  '',
].join('\n');
const FAST = { rateLimit: { requestsPerSecond: 1000, concurrency: 4 } };
const KEY = 'sk-judge-secret-0123456789abcdef';

interface Seen {
  auth: string | undefined;
  body: { model: string; temperature: number; messages: { role: string; content: string }[] };
}

/** A judge that passes replies mentioning "$29" or "30 days", fails the rest; `mode` misbehaves on purpose. */
async function judgeServer(mode: 'ok' | 'unauthorized' | 'garbage' | 'flaky' = 'ok') {
  const seen: Seen[] = [];
  let calls = 0;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      calls++;
      const body = JSON.parse(raw) as Seen['body'];
      seen.push({ auth: req.headers.authorization, body });
      if (req.url !== '/v1/chat/completions') return void res.writeHead(404).end();
      if (mode === 'unauthorized') return void res.writeHead(401, { 'content-type': 'application/json' }).end('{}');
      if (mode === 'flaky' && calls % 2 === 1) return void res.writeHead(503, { 'retry-after': '0' }).end('busy');
      const reply = /Bot reply: ([\s\S]*)$/.exec(body.messages[1]?.content ?? '')?.[1] ?? '';
      const pass = /\$29|30 days/.test(reply);
      const content =
        mode === 'garbage'
          ? 'I would rather not say.'
          : `\`\`\`json\n${JSON.stringify({ verdict: pass ? 'pass' : 'fail', reason: pass ? 'states the expected fact' : 'does not answer the question' })}\n\`\`\``;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'x',
          object: 'chat.completion',
          choices: [{ index: 0, message: { role: 'assistant', content } }],
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, seen };
}
const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

function json<T>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}

type Doc = {
  ok: boolean;
  counts: { passed: number; evaluated: number };
  judge: { model: string; url: string; judged: number; agreed: number; disagreed: number; errors: number } | null;
  results: {
    id: string;
    pass: boolean;
    reply: string;
    reasons: string[];
    notes: string[];
    judge: { pass: boolean; reason: string } | { error: string } | null;
  }[];
};

describe('eval --judge', () => {
  it(
    "asks the judge about every case and shows its verdict beside the scorer's; the key never shows",
    { timeout: 180_000 },
    async () => {
      const emu = await emulator();
      const judge = await judgeServer();
      const p = project({ 'faq.qa.yaml': FAQ }, { emu, config: FAST });
      expect((await inProcess(p, emu).sync()).ok).toBe(true);
      const env = {
        ...p.env,
        KB_SYNC_JUDGE_URL: judge.url,
        KB_SYNC_JUDGE_MODEL: 'judge-model',
        KB_SYNC_JUDGE_KEY: KEY,
      };
      // The postage question gets the "No." answer word for word: the judge (looking for $29 or 30 days) fails it.
      const [doc, human] = await Promise.all([
        runCli(['eval', '--judge', '--json'], { cwd: p.dir, env }),
        runCli(['eval', '--judge', '--verbose'], { cwd: p.dir, env }),
      ]);
      const d = json<Doc>(doc);
      expect(d.counts).toMatchObject({ evaluated: 3, passed: 3 });
      expect(d.judge).toEqual({
        model: 'judge-model',
        url: judge.url.replace('/v1', ''),
        judged: 3,
        agreed: 2,
        disagreed: 1,
        errors: 0,
      });
      const byReply = (re: RegExp) => d.results.find((r) => re.test(r.reply));
      expect(byReply(/\$29/)?.judge).toEqual({ pass: true, reason: 'states the expected fact' });
      expect(byReply(/postage/)?.judge).toEqual({ pass: false, reason: 'does not answer the question' });
      // What the judge was sent: the case, the reply, the model; the key only in the header.
      expect(judge.seen.length).toBe(6);
      for (const s of judge.seen) {
        expect(s.auth).toBe(`Bearer ${KEY}`);
        expect(s.body.model).toBe('judge-model');
        expect(s.body.temperature).toBe(0);
        expect(s.body.messages[1]?.content).toMatch(/^Question: .+\n\nExpected answer: .+\n\nBot reply: .+/s);
      }
      expect(human.code).toBe(0);
      expect(human.stdout).toMatch(/RESULT\s+JUDGE\s+SCORE/);
      expect(human.stdout).toContain('The judge disagrees on 1 case(s):');
      expect(human.stdout).toContain('judge: FAIL — does not answer the question');
      expect(human.stderr + human.stdout).toMatch(
        /judge \(judge-model at http:\/\/127\.0\.0\.1:\d+\) agrees on 2 of 3/,
      );
      for (const r of [doc, human]) expect(r.stdout + r.stderr).not.toContain(KEY);
    },
  );

  it(
    'a refused key, an unreadable verdict, a busy judge: reported per case, never fatal to the eval',
    { timeout: 180_000 },
    async () => {
      const emu = await emulator();
      const p = project({ 'faq.qa.yaml': FAQ }, { emu, config: FAST });
      expect((await inProcess(p, emu).sync()).ok).toBe(true);
      const run = async (mode: 'unauthorized' | 'garbage' | 'flaky') => {
        const j = await judgeServer(mode);
        const env = { ...p.env, KB_SYNC_JUDGE_URL: j.url, KB_SYNC_JUDGE_MODEL: 'm', KB_SYNC_JUDGE_KEY: KEY };
        const r = await runCli(['eval', '--judge', '--json'], { cwd: p.dir, env });
        expect(r.code).toBe(0);
        expect(r.stdout + r.stderr).not.toContain(KEY);
        return { doc: json<Doc>(r), r, seen: j.seen };
      };
      const refused = await run('unauthorized');
      expect(refused.doc.judge).toMatchObject({ judged: 0, errors: 3 });
      expect(refused.doc.results.map((x) => x.judge)).toContainEqual({
        error: 'the judge refused the key (HTTP 401); check KB_SYNC_JUDGE_KEY',
      });
      expect(refused.r.stderr).toContain('no more cases are judged');
      const garbage = await run('garbage');
      expect(garbage.doc.judge).toMatchObject({ judged: 0, errors: 3 });
      const unreadable = garbage.doc.results[0]?.judge;
      expect(unreadable && 'error' in unreadable ? unreadable.error : '').toMatch(
        /has no verdict: "I would rather not say\."/,
      );
      const flaky = await run('flaky');
      expect(flaky.doc.judge).toMatchObject({ judged: 3, errors: 0 });
      expect(flaky.seen.length).toBe(6);
    },
  );

  it('without a judge configured: exit 2, saying which variables to set', { timeout: 180_000 }, async () => {
    const emu = await emulator();
    const p = project({ 'faq.qa.yaml': FAQ }, { emu, config: FAST });
    const r = await runCli(['eval', '--judge'], {
      cwd: p.dir,
      env: { ...p.env, KB_SYNC_JUDGE_URL: undefined, OPENAI_BASE_URL: undefined, KB_SYNC_JUDGE_MODEL: 'm' },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--judge needs the URL of an OpenAI-compatible chat API/);
    expect(r.stderr).toMatch(/KB_SYNC_JUDGE_URL/);
  });
});

describe('the emulator answers in other words, or wrongly on purpose', () => {
  it(
    'paraphrased answers pass; negated, wrong-number and unknown ones fail, each with its reasons',
    { timeout: 180_000 },
    async () => {
      const emu = await emulator();
      const p = project({ 'faq.qa.yaml': FAQ }, { emu, config: FAST });
      expect((await inProcess(p, emu).sync()).ok).toBe(true);
      const evalIn = async (replyMode: string) => {
        emu.setFaults({ replyMode } as never);
        return json<Doc>(await runCli(['eval', '--json'], { cwd: p.dir, env: p.env }));
      };
      const para = await evalIn('paraphrase');
      expect(para.counts).toMatchObject({ evaluated: 3, passed: 3 });
      const growth = para.results.find((r) => /Growth/.test(r.reply));
      expect(growth?.reply).toMatch(/five seats/);
      expect(growth?.notes.join('\n')).toMatch(/"seats" for "team members"/);
      for (const mode of ['negated', 'wrong-number', 'unknown', 'wrong']) {
        const d = await evalIn(mode);
        expect(d.counts, mode).toMatchObject({ evaluated: 3, passed: 0 });
        for (const r of d.results) expect(r.reasons.length, `${mode}: ${r.reply}`).toBeGreaterThan(0);
      }
      // The switch is set like the others, over HTTP too, and checked.
      const put = await fetch(`${emu.origin}/__emulator/faults`, {
        method: 'PUT',
        body: JSON.stringify({ replyMode: 'sonnet' }),
      });
      expect(put.status).toBe(400);
      expect(await put.text()).toMatch(/replyMode must be one of/);
      fs.rmSync(path.join(p.dir, '.kb-sync'), { recursive: true, force: true });
    },
  );
});
