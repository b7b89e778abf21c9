import path from 'node:path';
import type { EmulatorHandle } from '../../src/emulator/server.js';
import { age, writeTree } from './fs.js';
import { gitWorld, sh, type GitWorld } from './git.js';

/**
 * A knowledge repository on a bare remote, for runs with the state held in git: the config and
 * the knowledge folder committed on `main`, `.kb-sync/` ignored. Each clone stands for a runner
 * (its files aged past the racy window).
 */
export interface GitProject extends GitWorld {
  /** A new clone (a runner), ready to run kb-sync in. */
  runner(name: string): string;
  /** Environment that points the CLI at the emulator (the bot comes from the config). */
  env: Record<string, string>;
  /** Commit and push a change from a clone (files: path under knowledge/ → text; null removes). */
  change(dir: string, files: Record<string, string | null>, message?: string): void;
}

export function gitProject(
  emu: EmulatorHandle,
  files: Record<string, string>,
  config: Record<string, unknown> = {},
): GitProject {
  const w = gitWorld((work) => {
    writeTree(work, {
      'sync.config.json': `${JSON.stringify(
        {
          botId: emu.botId,
          knowledgeDir: 'knowledge',
          rateLimit: { requestsPerSecond: 200, concurrency: 4 },
          retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 50 },
          gitState: { enabled: true },
          ...config,
        },
        null,
        2,
      )}\n`,
      '.gitignore': '.kb-sync/\n',
      ...Object.fromEntries(Object.entries(files).map(([k, v]) => [`knowledge/${k}`, v])),
    });
  });
  return {
    ...w,
    env: { CXGENIE_API_URL: emu.url, CXGENIE_WORKSPACE_TOKEN: emu.token },
    runner(name) {
      const dir = w.clone(name);
      age(path.join(dir, 'knowledge'));
      return dir;
    },
    change(dir, changes, message = 'change knowledge') {
      const knowledge = path.join(dir, 'knowledge');
      for (const [rel, text] of Object.entries(changes)) {
        if (text === null) sh(dir, 'rm', '-q', `knowledge/${rel}`);
        else writeTree(knowledge, { [rel]: text });
      }
      age(knowledge, 30);
      sh(dir, 'add', '-A');
      sh(dir, 'commit', '-q', '-m', message);
      sh(dir, 'push', '-q', 'origin', 'HEAD:main');
    },
  };
}

/** What the emulator holds for a bot, read over HTTP as a user would (`GET /__emulator/bot-data`). */
export async function botData(
  emu: EmulatorHandle,
  botId = emu.botId,
): Promise<{ id: string; type: string; title: string | null; content: string }[]> {
  const res = await fetch(`${emu.origin}/__emulator/bot-data?bot_id=${encodeURIComponent(botId)}`);
  const body = (await res.json()) as { data: { id: string; type: string; title: string | null; content: string }[] };
  return body.data;
}

/** Each item's identity (type, title, content) → how many times the bot holds it. */
export function copies(data: readonly { type: string; title: string | null; content: string }[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const d of data) {
    const id = JSON.stringify([d.type, d.title, d.content]);
    out.set(id, (out.get(id) ?? 0) + 1);
  }
  return out;
}
