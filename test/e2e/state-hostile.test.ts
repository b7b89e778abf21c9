import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { CLI, runCli } from '../helpers/cli.js';
import { emulator } from '../helpers/emulator.js';
import { tempDir } from '../helpers/fs.js';
import { runDoc, snapshotDoc } from '../helpers/json.js';
import { project } from '../helpers/project.js';
import { inProcess } from '../helpers/sync.js';

/**
 * The state file as hostile input (issue 11): only a missing file is a fresh state (item 4); a
 * URL's query or user info is never stored or printed (item 3); a full disk, a read-only file or
 * a folder that cannot be written is exit 2 with a plain message, not "a bug" (item 10).
 */

const FILES = { 'a.md': '# A\n\nbody a\n', 'b.md': '# B\n\nbody b\n', 'faq.qa.yaml': '- q: Why?\n  a: Because.\n' };

/** Every command that opens the state: each must refuse a damaged file the same way. */
const COMMANDS: string[][] = [['sync'], ['plan'], ['status'], ['status', '--json'], ['adopt'], ['watch']];
/** The open for writing and the read-only open (process starts are dear: the other kinds of damage). */
const SOME: string[][] = [['sync'], ['plan']];

describe('a state file that exists but is not a usable kb-sync state', () => {
  const damaged: [string, (file: string, good: Buffer) => void, string[][]][] = [
    ['empty (0 bytes)', (file) => fs.writeFileSync(file, ''), [...COMMANDS, ['state', 'export', 'snap.json']]],
    ['truncated', (file, good) => fs.writeFileSync(file, good.subarray(0, 4096 + 100)), SOME],
    ['not SQLite', (file) => fs.writeFileSync(file, 'hello, this is a text file\n'.repeat(200)), SOME],
    [
      'another program’s SQLite database',
      (file) => {
        const db = new Database(file);
        db.exec('CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES (1);');
        db.close();
      },
      SOME,
    ],
  ];

  it.each(damaged)(
    '%s: every command exits 2 saying what to do; nothing is pushed, the file is left as it is',
    async (_what, make, commands) => {
      const emu = await emulator();
      const p = project(FILES, { emu });
      await inProcess(p, emu).sync();
      const good = fs.readFileSync(p.stateFile);
      expect(good.length).toBeGreaterThan(4096 * 3);
      for (const side of ['-wal', '-shm']) fs.rmSync(p.stateFile + side, { force: true });
      fs.rmSync(p.stateFile);
      make(p.stateFile, good);
      const bytes = fs.readFileSync(p.stateFile);
      const before = emu.created(emu.botId).length;
      for (const args of commands) {
        const r = await runCli(args, { cwd: p.dir, env: p.env });
        expect({ args, code: r.code }).toEqual({ args, code: 2 });
        expect(r.stderr).toContain(p.stateFile);
        expect(r.stderr).toMatch(/not a kb-sync state file|damaged|empty/);
        expect(r.stderr).toContain('kb-sync state import');
        expect(r.stderr).not.toContain('This is a bug');
      }
      expect(emu.created(emu.botId)).toHaveLength(before);
      expect(fs.readFileSync(p.stateFile).equals(bytes)).toBe(true);
    },
  );

  it('a missing file is a fresh state, and two processes creating it at once both succeed', async () => {
    const emu = await emulator();
    const p = project(FILES, { emu });
    const [one, two] = await Promise.all([
      runCli(['sync', '--json', '--wait', '90'], { cwd: p.dir, env: p.env }),
      runCli(['sync', '--json', '--wait', '90'], { cwd: p.dir, env: p.env }),
    ]);
    expect([one.code, two.code]).toEqual([0, 0]);
    expect(runDoc(one.stdout).counts.create + runDoc(two.stdout).counts.create).toBe(3);
    expect(emu.created(emu.botId)).toHaveLength(3);
  });
});

describe('a URL with a query or user info in the state', () => {
  it('is never printed by state export, status, plan --verbose, and is cleaned at the next sync', async () => {
    const emu = await emulator();
    const p = project(FILES, { emu });
    await inProcess(p, emu).sync();
    // As an older kb-sync (before the config refused such URLs) would have stored it.
    const db = new Database(p.stateFile);
    db.prepare('UPDATE bots SET api_base_url = ?').run(
      `http://alice:S3cretPW@127.0.0.1:1/api?workspace_token=LEAKY-TOKEN-123#frag`,
    );
    db.close();
    const snap = path.join(tempDir(), 'snap.json');
    const outputs = [
      await runCli(['state', 'export', snap], { cwd: p.dir, env: p.env }),
      await runCli(['status', '--json'], { cwd: p.dir, env: p.env }),
      await runCli(['status', '--verbose'], { cwd: p.dir, env: p.env }),
      await runCli(['plan', '--verbose'], { cwd: p.dir, env: p.env }),
      await runCli(['plan', '--json'], { cwd: p.dir, env: p.env }),
    ];
    const exported = snapshotDoc(fs.readFileSync(snap, 'utf8')) as unknown as { apiBaseUrl: string };
    expect(exported.apiBaseUrl).toBe('http://127.0.0.1:1/api');
    for (const o of outputs) {
      expect(o.code).toBe(0);
      expect(o.stdout + o.stderr).not.toMatch(/LEAKY|S3cretPW|alice|frag/);
    }
    await inProcess(p, emu).sync();
    const check = new Database(p.stateFile, { readonly: true });
    expect(check.prepare('SELECT api_base_url FROM bots').pluck().all()).toEqual([emu.url]);
    check.close();
  });

  it('a snapshot carrying one is imported without it', async () => {
    const emu = await emulator();
    const p = project(FILES, { emu });
    await inProcess(p, emu).sync();
    const snap = path.join(tempDir(), 'snap.json');
    expect((await runCli(['state', 'export', snap], { cwd: p.dir, env: p.env })).code).toBe(0);
    const doc = JSON.parse(fs.readFileSync(snap, 'utf8')) as Record<string, unknown>;
    doc.apiBaseUrl = 'https://bob:pw-XYZ@api.example/v2?token=LEAKY-TOKEN-456';
    fs.writeFileSync(snap, JSON.stringify(doc));
    fs.rmSync(path.dirname(p.stateFile), { recursive: true });
    expect((await runCli(['state', 'import', snap], { cwd: p.dir, env: p.env })).code).toBe(0);
    const check = new Database(p.stateFile, { readonly: true });
    expect(check.prepare('SELECT api_base_url FROM bots').pluck().all()).toEqual(['https://api.example/v2']);
    check.close();
  });
});

const NOBODY = { uid: 65534, gid: 65534 };

/** Whether the CLI can run as `user` here (it must read the build and load better-sqlite3). */
async function canRunAs(user: { uid: number; gid: number }): Promise<boolean> {
  const probe = `require('node:module').createRequire(process.argv[1])('better-sqlite3'); new (require('node:module').createRequire(process.argv[1])('better-sqlite3'))(':memory:').close();`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', probe, CLI], { ...user, stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });
}

describe('a state that cannot be written', () => {
  it('a full disk is exit 2 with a plain message; once there is room nothing is lost, and what may be there twice is listed as uncertain', async () => {
    const emu = await emulator();
    const p = project(FILES, { emu });
    await inProcess(p, emu).sync();
    p.write(
      Object.fromEntries(
        Array.from({ length: 40 }, (_, i) => [`more/p${i}.md`, `# P${i}\n\n${'text '.repeat(400)}\n`]),
      ),
    );
    // Test-only: the state may grow by 2 pages in this process (a SQLite max_page_count).
    const full = await runCli(['sync', '--json'], {
      cwd: p.dir,
      env: { ...p.env, KB_SYNC_TEST_STATE_GROW_PAGES: '2' },
    });
    expect(full.stderr).toMatch(/disk is full|no space/i);
    expect(full.stderr).not.toContain('This is a bug');
    expect(full.code).toBe(2);
    const again = await runCli(['sync', '--json'], { cwd: p.dir, env: p.env });
    expect(again.code).toBe(0);
    // Every page is in the bot; a page sent while the disk filled up (its success could not be
    // recorded) is the only kind that may be there twice, and it is listed as uncertain.
    const titles = emu.created(emu.botId).map((d) => d.title ?? d.content);
    expect([...new Set(titles.filter((t) => /^P\d+$/.test(t)))].sort()).toEqual(
      Array.from({ length: 40 }, (_, i) => `P${i}`).sort(),
    );
    const twice = [...new Set(titles.filter((t, i) => titles.indexOf(t) !== i))];
    const uncertain = runDoc(again.stdout).uncertain.map((u) => u.title);
    for (const t of twice) expect(uncertain).toContain(t);
  });

  it('a read-only state file, or a folder that cannot be written, is exit 2 with a plain message', async (ctx) => {
    const asUser = process.getuid?.() === 0 ? NOBODY : undefined;
    if (asUser && !(await canRunAs(asUser))) ctx.skip(`cannot run the CLI as uid ${asUser.uid} here`);
    const emu = await emulator();
    const p = project(FILES, { emu });
    for (const d of [p.dir, p.knowledge]) fs.chmodSync(d, 0o777);
    for (const f of Object.keys(FILES)) fs.chmodSync(path.join(p.knowledge, f), 0o666);
    const run = (args: string[]) => runCli(args, { cwd: p.dir, env: p.env, ...(asUser ? { as: asUser } : {}) });
    expect((await run(['sync', '-q'])).code).toBe(0);
    const stateDir = path.dirname(p.stateFile);
    p.write({ 'c.md': '# C\n\nbody c\n' });
    fs.chmodSync(path.join(p.knowledge, 'c.md'), 0o666);
    for (const f of fs.readdirSync(stateDir)) fs.chmodSync(path.join(stateDir, f), 0o444);
    fs.chmodSync(stateDir, 0o555);
    const ro = await run(['sync']);
    expect(ro.stderr).toMatch(/cannot write the state file|read-only|permission/i);
    expect(ro.stderr).not.toContain('This is a bug');
    expect(ro.code).toBe(2);
    fs.chmodSync(stateDir, 0o777);
    for (const f of fs.readdirSync(stateDir)) fs.chmodSync(path.join(stateDir, f), 0o666);
    expect((await run(['sync', '-q'])).code).toBe(0);
    expect(
      emu
        .created(emu.botId)
        .map((d) => d.title ?? d.content)
        .filter((t) => t === 'C'),
    ).toHaveLength(1);
  });
});
