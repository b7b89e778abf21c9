import fs from 'node:fs';
import path from 'node:path';
import type { EmulatorHandle } from '../../src/emulator/server.js';
import { tempDir, writeTree, age } from './fs.js';

export interface Project {
  dir: string;
  knowledge: string;
  stateFile: string;
  /** Environment that points the CLI at the emulator. */
  env: Record<string, string>;
  write(files: Record<string, string | Uint8Array>): void;
  remove(rel: string): void;
  rename(from: string, to: string): void;
}

/**
 * A temporary project: `sync.config.json` and a `knowledge/` folder with the given files, aged
 * past the racy window. Removed after the test (`until: 'file'`: after the test file).
 */
export function project(
  files: Record<string, string | Uint8Array>,
  opts: { emu?: EmulatorHandle; config?: Record<string, unknown>; until?: 'test' | 'file' } = {},
): Project {
  const dir = tempDir('kb-sync-project-', { until: opts.until ?? 'test' });
  const knowledge = path.join(dir, 'knowledge');
  fs.mkdirSync(knowledge, { recursive: true });
  writeTree(knowledge, files);
  age(knowledge);
  fs.writeFileSync(
    path.join(dir, 'sync.config.json'),
    JSON.stringify(
      {
        knowledgeDir: 'knowledge',
        stateFile: '.kb-sync/state.db',
        rateLimit: { requestsPerSecond: 200, concurrency: 4 },
        retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 50 },
        ...opts.config,
      },
      null,
      2,
    ),
  );
  const env: Record<string, string> = opts.emu
    ? { CXGENIE_API_URL: opts.emu.url, CXGENIE_WORKSPACE_TOKEN: opts.emu.token, CXGENIE_BOT_ID: opts.emu.botId }
    : {};
  return {
    dir,
    knowledge,
    stateFile: path.join(dir, '.kb-sync/state.db'),
    env,
    write(more) {
      writeTree(knowledge, more);
      age(knowledge, 30);
    },
    remove(rel) {
      fs.rmSync(path.join(knowledge, rel), { recursive: true, force: true });
    },
    rename(from, to) {
      fs.mkdirSync(path.dirname(path.join(knowledge, to)), { recursive: true });
      fs.renameSync(path.join(knowledge, from), path.join(knowledge, to));
    },
  };
}
