import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { loadConfig, readToken, type ResolvedConfig } from '../config/load.js';
import { formatFileIssue, KbSyncError } from '../errors.js';
import type { Kind } from '../extract/types.js';
import { scanTree } from '../scan/walk.js';
import { describeHolder, isDeadHolder, readLockHolder } from '../state/lock.js';
import { SCHEMA_VERSION } from '../state/migrations.js';
import { StateStore } from '../state/store.js';
import { runSync, type RunResult } from '../sync/run.js';
import { stateSkipPaths } from '../sync/settings.js';
import { toPosix } from '../util/paths.js';
import type { Checks } from './report.js';

/** Doctor's checks that need no network: the configuration, the knowledge folder, the state. */

export interface LocalContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Running in CI (`CI=true`). */
  ci: boolean;
}

const KIND_NAMES: Record<Kind, [string, string]> = {
  article: ['article', 'articles'],
  qa: ['Q&A file', 'Q&A files'],
  urls: ['URL list', 'URL lists'],
  document: ['document', 'documents'],
};

function rel(cwd: string, p: string): string {
  return toPosix(path.relative(cwd, p)) || '.';
}

/** The configuration: valid, which file, which values came from the environment. Undefined when unusable. */
export function checkConfig(
  checks: Checks,
  configPath: string | undefined,
  ctx: LocalContext,
  loaded?: ResolvedConfig,
): ResolvedConfig | undefined {
  let cfg: ResolvedConfig;
  try {
    // A target's configuration comes loaded (and merged over the top level) by the CLI.
    cfg = loaded ?? loadConfig({ configPath, cwd: ctx.cwd, env: ctx.env });
  } catch (err) {
    if (!(err instanceof KbSyncError)) throw err;
    const [first, ...rest] = err.message.split('\n');
    checks.fail('config', 'config.file', first ?? err.message, err.hint ?? 'Fix the configuration file.', {
      details: rest.map((l) => l.trim()).filter((l) => l !== ''),
    });
    return undefined;
  }
  const file = cfg.configFile ? rel(ctx.cwd, cfg.configFile) : undefined;
  if (file) checks.ok('config', 'config.file', `${file} is valid`, { data: { file: cfg.configFile } });
  else
    checks.info('config', 'config.file', 'No sync.config.json here: the defaults apply', {
      data: { file: null },
    });
  const fromEnv: string[] = [];
  if (cfg.sources.apiBaseUrl === 'env') fromEnv.push('apiBaseUrl (CXGENIE_API_URL)');
  if (cfg.sources.botId === 'env') fromEnv.push('botId (CXGENIE_BOT_ID)');
  const token = readToken(ctx.env, cfg);
  if (token) fromEnv.push(`the workspace token (${cfg.tokenEnv})`);
  checks.info(
    'config',
    'config.env',
    fromEnv.length > 0 ? `From the environment: ${fromEnv.join(', ')}` : 'Nothing comes from the environment',
    {
      data: {
        apiBaseUrl: { value: cfg.apiBaseUrl, from: cfg.sources.apiBaseUrl },
        botId: { value: cfg.botId ?? null, from: cfg.sources.botId },
        token: { set: token !== undefined, from: token ? 'env' : null },
        knowledgeDir: cfg.knowledgeDir,
        stateFile: cfg.stateFile,
        dateRangeFormat: cfg.dateRangeFormat,
      },
    },
  );
  return cfg;
}

/**
 * The folder: how many files of each kind, and the files that would fail (a dry-run plan, which
 * reads every file and writes nothing). Returns the plan when one could be made.
 */
export async function checkFolder(
  checks: Checks,
  cfg: ResolvedConfig,
  botId: string | undefined,
  ctx: LocalContext,
): Promise<RunResult | undefined> {
  const dir = rel(ctx.cwd, cfg.knowledgeDir);
  if (!fs.existsSync(cfg.knowledgeDir) || !fs.statSync(cfg.knowledgeDir).isDirectory()) {
    checks.fail(
      'folder',
      'folder.exists',
      `The knowledge folder ${dir} does not exist`,
      `Create it, or set "knowledgeDir" in ${cfg.configFile ? rel(ctx.cwd, cfg.configFile) : 'sync.config.json'} (relative to that file).`,
    );
    return undefined;
  }
  const scan = scanTree({
    root: cfg.knowledgeDir,
    include: cfg.include,
    exclude: cfg.exclude,
    kinds: cfg.kinds,
    skip: stateSkipPaths(cfg.stateFile),
  });
  const perKind: Record<Kind, number> = { article: 0, qa: 0, urls: 0, document: 0 };
  for (const f of scan.files) perKind[f.kind]++;
  const parts = (Object.keys(perKind) as Kind[])
    .filter((k) => perKind[k] > 0)
    .map((k) => `${perKind[k]} ${KIND_NAMES[k][perKind[k] === 1 ? 0 : 1]}`);
  const ignored = scan.ignored.length > 0 ? ` (${scan.ignored.length} other file(s) ignored)` : '';
  const data = { dir: cfg.knowledgeDir, files: scan.files.length, perKind, ignored: scan.ignored.length };
  if (scan.files.length === 0) {
    checks.warn(
      'folder',
      'folder.files',
      `${dir}/ holds no knowledge file${ignored}`,
      'Add Markdown articles (*.md), Q&A files (*.qa.yaml), URL lists (*.urls) or documents; see docs/ for the formats.',
      { data },
    );
  } else {
    checks.ok('folder', 'folder.files', `${dir}/: ${scan.files.length} file(s) — ${parts.join(', ')}${ignored}`, {
      data,
    });
  }
  if (!botId) {
    checks.skip('folder', 'folder.plan', 'Files not read: a plan needs a bot id');
    return undefined;
  }
  return planFolder(checks, cfg, botId, ctx);
}

async function planFolder(
  checks: Checks,
  cfg: ResolvedConfig,
  botId: string,
  ctx: LocalContext,
): Promise<RunResult | undefined> {
  let plan: RunResult;
  try {
    plan = await runSync({ config: cfg, botId, dryRun: true, command: 'doctor', cwd: ctx.cwd });
  } catch (err) {
    if (!(err instanceof KbSyncError)) throw err;
    checks.skip('folder', 'folder.plan', `Files not read: ${err.message.split('\n')[0] ?? ''}`);
    return undefined;
  }
  const c = plan.counts;
  const would = `a sync would create ${c.create}, update ${c.update} and mark ${c.stale} stale (${c.unchanged} unchanged)`;
  const data = { errors: plan.errors, warnings: plan.warnings.length, counts: c };
  if (plan.errors.length > 0) {
    const files = new Set(plan.errors.map((e) => e.file)).size;
    checks.warn(
      'folder',
      'folder.plan',
      `${files} file(s) would fail; ${would}`,
      'Fix each file at the line shown (the rest syncs without them), or leave it out with "exclude".',
      { details: plan.errors.slice(0, 10).map(formatFileIssue), data },
    );
  } else {
    checks.ok('folder', 'folder.plan', `Every file reads cleanly; ${would}`, { data });
  }
  return plan;
}

/** The state: opens, integrity, schema, which bots, items, stale, uncertain, in flight, lock, and in CI whether it was restored. */
export function checkState(
  checks: Checks,
  cfg: ResolvedConfig,
  botId: string | undefined,
  ctx: LocalContext & { plan?: RunResult },
): void {
  const file = rel(ctx.cwd, cfg.stateFile);
  let version: number | undefined;
  try {
    version = StateStore.fileSchemaVersion(cfg.stateFile);
  } catch (err) {
    const e = err as KbSyncError;
    checks.fail('state', 'state.open', `The state file ${file} cannot be read`, e.hint, { details: [e.message] });
    return;
  }
  if (version === undefined) {
    checks.info('state', 'state.open', `No state file yet (${file}): the first sync creates it`, {
      data: { file: cfg.stateFile, exists: false },
    });
    ciRestored(checks, undefined, botId, ctx);
    return;
  }
  let store: StateStore;
  try {
    store = StateStore.open(cfg.stateFile, { readonly: true });
  } catch (err) {
    const e = err as KbSyncError;
    checks.fail('state', 'state.open', `The state file ${file} cannot be opened`, e.hint, { details: [e.message] });
    return;
  }
  try {
    stateFileChecks(checks, store, version, file);
    if (botId) stateBotChecks(checks, store, cfg, botId);
    ciRestored(checks, store, botId, ctx);
  } finally {
    store.close();
  }
}

function stateFileChecks(checks: Checks, store: StateStore, version: number, file: string): void {
  const problems = store.integrityProblems();
  const schema =
    version === SCHEMA_VERSION
      ? `schema ${version}`
      : `schema ${version} (the next sync brings it to ${SCHEMA_VERSION}; nothing is lost)`;
  if (problems.length > 0) {
    checks.fail(
      'state',
      'state.open',
      `${file} opens, but SQLite's integrity check finds ${problems.length} problem(s)`,
      'Restore the file from a backup or import a snapshot (`kb-sync state import FILE`); if it is lost for good, move it away and run `kb-sync adopt`.',
      { details: problems.slice(0, 5), data: { schema: version, integrity: problems } },
    );
  } else {
    checks.ok('state', 'state.open', `${file} opens; integrity check passed; ${schema}`, {
      data: { schema: version, current: SCHEMA_VERSION, integrity: 'ok' },
    });
  }
}

function stateBotChecks(checks: Checks, store: StateStore, cfg: ResolvedConfig, botId: string): void {
  const bots = store.botIds();
  const bot = store.bot(botId);
  if (!bot) {
    const others = bots.filter((b) => b !== botId);
    if (others.length > 0)
      checks.warn(
        'state',
        'state.bot',
        `The state has never synced bot ${botId}; it holds bot(s) ${others.join(', ')}`,
        'If the bot id changed by mistake, set it back: a sync to a new bot id pushes every item again.',
        { data: { bots } },
      );
    else checks.info('state', 'state.bot', `Nothing synced to bot ${botId} yet`, { data: { bots } });
  } else {
    const at = bot.lastSyncedAt ? `last synced ${bot.lastSyncedAt}` : 'never synced (adopted or imported)';
    checks.ok('state', 'state.bot', `Bot ${botId}: ${at}`, { data: { bots, ...bot } });
    if (bot.apiBaseUrl && bot.apiBaseUrl.replace(/\/+$/, '') !== cfg.apiBaseUrl)
      checks.warn(
        'state',
        'state.api',
        `This state was synced through ${bot.apiBaseUrl}, and the API base URL is now ${cfg.apiBaseUrl}`,
        'The state records what is in the bot behind the old URL. If the bot behind the new one does not hold it (another environment), use a new state file and `kb-sync adopt` or a first sync.',
      );
  }
  const counts = store.countItems(botId);
  const total = Object.values(counts).reduce((a, c) => a + Object.values(c).reduce((x, y) => x + y, 0), 0);
  const stale = store.stale(botId).length;
  const uncertain = store.uncertain(botId).length;
  const pending = store.pending(botId);
  const data = { items: counts, stale, uncertain, inFlight: pending.length };
  const line = `${total} item(s) tracked · ${stale} stale · ${uncertain} possibly created twice`;
  if (stale > 0 || uncertain > 0)
    checks.warn(
      'state',
      'state.items',
      line,
      'See them with `kb-sync status`; remove stale items in the dashboard, then `kb-sync forget`.',
      { data },
    );
  else checks.ok('state', 'state.items', line, { data });
  if (pending.length > 0)
    checks.warn(
      'state',
      'state.inflight',
      `${pending.length} request(s) were in flight when a run was killed`,
      'The next sync reports them as possibly created twice and finishes the work; check the dashboard for duplicates then.',
      { details: pending.slice(0, 5).map((p) => `${p.type} "${p.label}"${p.sourceFile ? ` (${p.sourceFile})` : ''}`) },
    );
  lockCheck(checks, store);
}

function lockCheck(checks: Checks, store: StateStore): void {
  const holder = readLockHolder(store);
  if (!holder) return void checks.ok('state', 'state.lock', 'No run holds the lock');
  const data = { pid: holder.pid, host: holder.host, command: holder.command, since: holder.since };
  if (isDeadHolder(holder, os.hostname(), Date.now()))
    checks.info('state', 'state.lock', `A lock left by a run that is gone (${describeHolder(holder)})`, {
      data,
      fix: 'Nothing to do: the next sync takes it over.',
    });
  else
    checks.warn(
      'state',
      'state.lock',
      `Another run holds the lock: ${describeHolder(holder)}`,
      'A sync now exits 3; wait for it, or use `kb-sync sync --wait`.',
      { data },
    );
}

/** In CI a state that never synced this bot means the cache was not restored (sync's first-run guard). */
function ciRestored(
  checks: Checks,
  store: StateStore | undefined,
  botId: string | undefined,
  ctx: LocalContext & { plan?: RunResult },
): void {
  if (!ctx.ci) return;
  if (store && botId && store.hasHistory(botId)) {
    checks.ok('state', 'state.ci', 'In CI: the state was restored (it knows this bot)');
    return;
  }
  const creates = ctx.plan?.counts.create ?? 0;
  const fix =
    'Restore the state before syncing (actions/cache with the key the last run saved, or `kb-sync state import`). If this really is the first sync of this bot, run it with --allow-initial; if the bot already holds this content, `kb-sync adopt --yes`.';
  if (creates > 0)
    checks.fail('state', 'state.ci', `In CI, and the state was not restored: a sync would refuse (exit 4)`, fix, {
      data: { wouldCreate: creates },
    });
  else checks.warn('state', 'state.ci', 'In CI, and the state was not restored', fix);
}
