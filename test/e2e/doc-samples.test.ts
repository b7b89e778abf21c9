import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_EMULATOR_BOT, DEFAULT_EMULATOR_TOKEN } from '../../src/emulator/server.js';
import { CLI } from '../helpers/cli.js';
import { emulator } from '../helpers/emulator.js';
import { tempDir } from '../helpers/fs.js';

/**
 * The docs' code samples run as written. Every fenced block of README.md and docs/*.md whose
 * info string says `runnable` (` ```sh runnable `, ` ```js runnable `) is extracted and run in a
 * copy of this repository's example project, with `kb-sync` and the `cxgenie-kb-sync` package
 * installed from the build, against an emulator that accepts the documented token and bot. The
 * only edit is the documented address `http://127.0.0.1:4010`, which becomes the emulator's.
 */

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DOC_ADDRESS = 'http://127.0.0.1:4010';

interface Sample {
  /** `README.md:42`: where the block starts. */
  where: string;
  /** The heading the block is under. */
  heading: string;
  lang: string;
  code: string;
}

function samplesOf(rel: string): Sample[] {
  const text = fs.readFileSync(path.join(REPO, rel), 'utf8');
  const out: Sample[] = [];
  const lines = text.split('\n');
  let heading = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const h = /^#{1,6} (.*)$/.exec(line);
    if (h) heading = h[1] as string;
    const fence = /^(`{3,})(\S*)(.*)$/.exec(line);
    if (!fence) continue;
    const end = lines.findIndex((l, j) => j > i && l.startsWith(fence[1] as string) && l.trim() === fence[1]);
    if (/\brunnable\b/.test(fence[3] as string))
      out.push({
        where: `${rel}:${i + 1}`,
        heading,
        lang: fence[2] as string,
        code: lines.slice(i + 1, end).join('\n'),
      });
    i = end;
  }
  return out;
}

const DOCS = ['README.md', ...fs.readdirSync(path.join(REPO, 'docs')).map((f) => `docs/${f}`)].filter((f) =>
  f.endsWith('.md'),
);
const SAMPLES = DOCS.flatMap(samplesOf);

/** A new user's checkout of the example: knowledge/, the config, the CLI and the package from the build. */
function exampleProject(): string {
  const dir = tempDir('kb-sync-doc-sample-');
  fs.cpSync(path.join(REPO, 'knowledge'), path.join(dir, 'knowledge'), { recursive: true });
  fs.copyFileSync(path.join(REPO, 'sync.config.json'), path.join(dir, 'sync.config.json'));
  fs.mkdirSync(path.join(dir, 'node_modules', '.bin'), { recursive: true });
  fs.symlinkSync(REPO, path.join(dir, 'node_modules', 'cxgenie-kb-sync'), 'dir');
  const bin = path.join(dir, 'node_modules', '.bin', 'kb-sync');
  fs.writeFileSync(bin, `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`, { mode: 0o755 });
  // `npx kb-sync` runs the local bin, as npx does in a project that has it (without npx's
  // seconds of start-up per call); any other npx use goes to the real one.
  const realNpx = (process.env.PATH ?? '')
    .split(path.delimiter)
    .map((d) => path.join(d, 'npx'))
    .find((f) => fs.existsSync(f));
  fs.writeFileSync(
    path.join(dir, 'node_modules', '.bin', 'npx'),
    `#!/bin/sh\nif [ "$1" = kb-sync ]; then shift; exec "${bin}" "$@"; fi\nexec "${realNpx ?? 'npx'}" "$@"\n`,
    { mode: 0o755 },
  );
  return dir;
}

function run(cmd: string, args: string[], cwd: string, env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function baseEnv(dir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k.startsWith('CXGENIE_') || k === 'CI' || k.startsWith('GITHUB_')) continue;
    env[k] = v;
  }
  env.NO_COLOR = '1';
  env.PATH = `${path.join(dir, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH ?? ''}`;
  return env;
}

describe('code samples in the docs', () => {
  it('finds the runnable samples (a marker removed by mistake would silently skip one)', () => {
    const found = SAMPLES.map((s) => `${s.where.split(':')[0]} · ${s.heading} · ${s.lang}`);
    expect(found).toEqual(
      expect.arrayContaining([
        'README.md · Try it against the emulator · sh',
        'docs/library-api.md · Using the client from code · js',
      ]),
    );
    for (const s of SAMPLES) expect(['sh', 'js'], `${s.where}: a runnable sample is sh or js`).toContain(s.lang);
  });

  for (const sample of SAMPLES) {
    it(`${sample.where} (${sample.heading}) runs as written against the emulator`, async () => {
      const emu = await emulator({ token: DEFAULT_EMULATOR_TOKEN, botId: DEFAULT_EMULATOR_BOT });
      const dir = exampleProject();
      const origin = new URL(emu.url).origin;
      const code = sample.code.split(DOC_ADDRESS).join(origin);
      const env = baseEnv(dir);
      let r;
      if (sample.lang === 'sh') {
        r = await run('bash', ['-e', '-c', code], dir, env);
      } else {
        // As the sample says: the emulator's three variables are set.
        Object.assign(env, { CXGENIE_API_URL: emu.url, CXGENIE_WORKSPACE_TOKEN: emu.token, CXGENIE_BOT_ID: emu.botId });
        fs.writeFileSync(path.join(dir, 'sample.mjs'), code);
        r = await run(process.execPath, ['sample.mjs'], dir, env);
      }
      const shown = `${sample.where}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
      expect(r.code, shown).toBe(0);
      expect(r.stderr, shown).not.toMatch(/internal error|Error:|command not found|ERR!/);
      expect(emu.created(emu.botId).length, `${sample.where}: the sample pushed nothing`).toBeGreaterThan(0);
      CHECKS[`${sample.where.split(':')[0]} · ${sample.heading}`]?.(r.stdout, emu.created(emu.botId));
    }, 120_000);
  }
});

type Created = ReturnType<Awaited<ReturnType<typeof emulator>>['created']>;

/** What particular samples must have done, beyond running cleanly. */
const CHECKS: Record<string, (stdout: string, created: Created) => void> = {
  'README.md · Try it against the emulator': (stdout, created) => {
    // The example folder went in once, then the new question; the second sync pushed nothing.
    expect(created.filter((d) => d.content === 'Do you ship on Sundays?')).toHaveLength(1);
    expect(new Set(created.map((d) => `${d.type}|${d.title ?? ''}|${d.content}`)).size).toBe(created.length);
    expect(stdout).toMatch(/1 created/);
    expect(stdout).toContain('kb-sync status');
  },
  'docs/library-api.md · Using the client from code': (stdout, created) => {
    expect(created.some((d) => d.type === 'Q_AND_A' && d.content === 'Do you ship on Sundays?')).toBe(true);
    expect(stdout).toMatch(/the bot says: .+/);
    expect(stdout).toMatch(/^customer .+\n {2}session /m);
    expect(stdout).toMatch(/uploaded http/);
    expect(stdout).toMatch(/refused as expected: bad-request \(HTTP 400\)/);
  },
};
