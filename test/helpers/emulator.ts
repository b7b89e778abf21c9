import { afterAll, afterEach } from 'vitest';
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from '../../src/emulator/server.js';

const running: EmulatorHandle[] = [];
const runningForFile: EmulatorHandle[] = [];

/**
 * Start an emulator on a free loopback port; stopped after the test (or, with `until: 'file'`,
 * after the test file). Seeded data is fixed in time.
 */
export async function emulator(
  opts: EmulatorOptions = {},
  { until = 'test' }: { until?: 'test' | 'file' } = {},
): Promise<EmulatorHandle> {
  const emu = await startEmulator({
    port: 0,
    token: 'test-token-0123456789',
    botId: 'bot-1',
    now: Date.parse('2026-11-01T12:00:00Z'),
    ...opts,
  });
  (until === 'file' ? runningForFile : running).push(emu);
  return emu;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.stop()));
});

afterAll(async () => {
  await Promise.all(runningForFile.splice(0).map((e) => e.stop()));
});
