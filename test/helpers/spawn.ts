import { spawn, type ChildProcess } from 'node:child_process';
import { expect, onTestFinished, vi } from 'vitest';
import { CLI } from './cli.js';

export interface Spawned {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Start `kb-sync ARGS` in the background (to kill it, or to run two at once). */
export function spawnCli(args: string[], opts: { cwd: string; env: Record<string, string | undefined> }): Spawned {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k.startsWith('CXGENIE_') || k === 'CI' || k.startsWith('GITHUB_')) continue;
    env[k] = v;
  }
  env.NO_COLOR = '1';
  for (const [k, v] of Object.entries(opts.env)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  killWhenTestEnds(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

/**
 * Kill `child` when the current test ends, however it ends: a test that fails or times out while
 * a CLI it started still runs (a watch, an emulator, a run held by a gate) leaves nothing behind.
 * Started in a `beforeAll` (no test yet), the file's `afterAll` stops it.
 */
export function killWhenTestEnds(child: ChildProcess): void {
  if (expect.getState().currentTestName === undefined) return;
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
}

/**
 * Wait until `pred()` holds, polling (vi.waitFor) every `interval` ms, for at most `timeout` ms:
 * a generous ceiling, so that a loaded machine is slow, not failing. `what` names the condition
 * in the error when it is not reached. Reaching it counts as an assertion of the test.
 */
export async function until(
  pred: () => boolean,
  what: string,
  { timeout = 60_000, interval = 20 }: { timeout?: number; interval?: number } = {},
): Promise<void> {
  await vi.waitFor(() => expect(pred(), `still waiting for: ${what}`).toBe(true), { timeout, interval });
}
