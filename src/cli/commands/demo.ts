import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CxGenieClient } from '../../api/client.js';
import { loadConfig, resolveConfig, type ResolvedConfig } from '../../config/load.js';
import { startEmulator } from '../../emulator/server.js';
import { runSync } from '../../sync/run.js';
import { Output } from '../output.js';
import { packageRoot } from '../version.js';
import { exitCodeForRun } from '../exit.js';
import { makeEvents, report } from '../run-report.js';
import { safeBlock, safeText } from '../../util/safe-text.js';

/**
 * `kb-sync demo`: start the emulator in-process, sync the bundled knowledge folder into it,
 * ask the bot a question from a Q&A file, then sync again to show that nothing is pushed twice.
 * Uses a temporary state file; touches nothing else.
 */
export async function run(argv: Record<string, unknown>): Promise<number> {
  const out = new Output({ json: false, quiet: Boolean(argv.quiet), verbose: Boolean(argv.verbose) });
  const c = out.c;
  const emu = await startEmulator({ port: 0 });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-sync-demo-'));
  try {
    const base = demoConfig(argv);
    // The emulator is local: push at 25 requests/s instead of the configured pace.
    const cfg: ResolvedConfig = {
      ...base,
      apiBaseUrl: emu.url,
      botId: emu.botId,
      stateFile: path.join(tmp, 'state.db'),
      rateLimit: { ...base.rateLimit, requestsPerSecond: Math.max(base.rateLimit.requestsPerSecond, 25) },
    };
    out.info(c.bold(`1. A local CX Genie emulator is running at ${emu.url} (bot "${emu.botId}").`));
    out.info(c.bold(`2. Syncing ${path.relative(process.cwd(), cfg.knowledgeDir) || '.'} into it…`));
    const first = await sync(cfg, emu.token, out);
    if (exitCodeForRun(first) > 1) return exitCodeForRun(first);

    const inBot = emu.created(emu.botId);
    out.info(
      c.dim(`   The emulator now holds ${inBot.length} training data item(s): ${summarize(inBot.map((d) => d.type))}.`),
    );

    const qa = first.items.find((i) => i.type === 'Q_AND_A' && i.status === 'created');
    if (qa) {
      out.info('');
      out.info(c.bold('3. Asking the bot a question from the Q&A file:'));
      out.info(`   ${c.cyan('Customer:')} ${safeText(qa.label)}`);
      const client = new CxGenieClient({ baseUrl: emu.url, token: emu.token, botId: emu.botId });
      const reply = await client.sendMessage({
        content: qa.label,
        customer_info: { name: 'Demo Customer', email: 'demo@example.com' },
      });
      out.info(`   ${c.cyan('Bot:')}      ${safeBlock(reply).replace(/\n/g, '\n             ')}`);
    }

    out.info('');
    out.info(c.bold('4. Syncing again: nothing changed, so nothing is pushed.'));
    const before = emu.stats().byEndpoint['POST /bot-data'] ?? 0;
    const second = await sync(cfg, emu.token, out);
    const after = emu.stats().byEndpoint['POST /bot-data'] ?? 0;
    out.info(c.dim(`   Requests to POST /bot-data during the second sync: ${after - before}.`));
    out.info('');
    out.final(
      c.green('Done.') +
        ' Next: follow "Try it against the emulator" in the README to sync, edit a file, and sync again.',
    );
    return Math.max(exitCodeForRun(first), exitCodeForRun(second));
  } finally {
    await emu.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function sync(cfg: ResolvedConfig, token: string, out: Output) {
  const events = makeEvents(out);
  try {
    const r = await runSync({
      config: cfg,
      botId: cfg.botId as string,
      dryRun: false,
      token,
      command: 'demo',
      events: events.handlers,
    });
    events.done();
    report(out, r, {
      command: 'sync',
      botId: cfg.botId as string,
      streamed: events.streamed,
      exitCode: exitCodeForRun(r),
    });
    return r;
  } finally {
    events.done();
  }
}

/** The config in this folder (or --config), else the knowledge folder shipped with the package. */
function demoConfig(argv: Record<string, unknown>): ResolvedConfig {
  if (argv.config || fs.existsSync(path.resolve('sync.config.json'))) {
    return loadConfig({ configPath: argv.config as string | undefined, env: {} });
  }
  const pkgRoot = packageRoot();
  const file = path.join(pkgRoot, 'sync.config.json');
  const raw = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as unknown) : {};
  return resolveConfig(raw, { file, display: file, env: {} });
}

function summarize(types: string[]): string {
  const counts = new Map<string, number>();
  for (const t of types) counts.set(t, (counts.get(t) ?? 0) + 1);
  return [...counts].map(([t, n]) => `${n} ${t}`).join(', ');
}
