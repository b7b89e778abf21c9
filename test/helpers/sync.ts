import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import type { EmulatorHandle } from '../../src/emulator/server.js';
import { runSync } from '../../src/sync/run.js';
import type { Project } from './project.js';

/**
 * The sync pipeline in this process, for a project against the emulator: set-up runs of tests
 * whose subject is something else (a CLI command, a later run) cost no process start-up.
 */
export function inProcess(p: Project, emu: EmulatorHandle) {
  const cfg = {
    ...loadConfig({ configPath: path.join(p.dir, 'sync.config.json'), env: {} }),
    apiBaseUrl: emu.url,
    botId: emu.botId,
  };
  const sync = (extra: Partial<Parameters<typeof runSync>[0]> = {}) =>
    runSync({
      config: cfg,
      botId: emu.botId,
      dryRun: false,
      token: emu.token,
      cwd: p.dir,
      random: () => 0.5,
      ...extra,
    });
  return { cfg, sync };
}
