import { requireBotId } from '../../config/load.js';
import { StateStore } from '../../state/store.js';
import { readLockHolder, describeHolder } from '../../state/lock.js';
import { staleEntry, uncertainEntry } from '../../sync/entries.js';
import { makeDisplay, toPosix } from '../../util/paths.js';
import { staleTable, typeName, uncertainTable } from '../../report/human.js';
import { safeText } from '../../util/safe-text.js';
import { table } from '../../util/table.js';
import { loadContext } from '../context.js';
import { refreshGitState } from '../git-state.js';
import type { Output } from '../output.js';
import path from 'node:path';

/**
 * The folder the state's paths are relative to: the one the bot was last synced from. Until a sync
 * under a newly configured "knowledgeDir" rebases them (src/state/sources.ts), that is the old one.
 */
function recordedRoot(store: StateStore, botId: string, cfg: { stateFile: string; knowledgeDir: string }): string {
  const recorded = store.knowledgeDir(botId);
  return recorded === null ? cfg.knowledgeDir : path.resolve(path.dirname(cfg.stateFile), recorded);
}

/** `kb-sync status`: what the state holds for the configured bot. */
export async function run(argv: Record<string, unknown>): Promise<number> {
  const { out, cfg } = loadContext(argv);
  const botId = requireBotId(cfg);
  await refreshGitState(out, cfg, botId);
  const store = StateStore.open(cfg.stateFile, { readonly: true });
  try {
    const display = makeDisplay(process.cwd(), recordedRoot(store, botId, cfg));
    const bot = store.bot(botId);
    const counts = store.countItems(botId);
    const files = store.loadFiles(botId);
    const withErrors = [...files.values()].filter((f) => f.error !== null);
    const withWarnings = [...files.values()].filter((f) => f.warnings.length > 0);
    const pending = store.pending(botId);
    const stale = store.stale(botId).map((s) => staleEntry(s, display));
    const uncertain = store.uncertain(botId).map((u) => uncertainEntry(u, display));
    const runs = store.runs(botId, 5);
    const holder = readLockHolder(store);
    const adopted = Object.values(counts).reduce((a, c) => a + (c.adopted ?? 0), 0);
    if (out.json) {
      out.document({
        botId,
        stateFile: cfg.stateFile,
        firstSyncedAt: bot?.firstSyncedAt ?? null,
        lastSyncedAt: bot?.lastSyncedAt ?? null,
        items: counts,
        files: {
          tracked: files.size,
          withErrors: withErrors.map((f) => ({ file: display(f.path), error: f.error })),
          withWarnings: withWarnings.map((f) => ({ file: display(f.path), warnings: f.warnings })),
        },
        inFlight: pending.map((p) => ({
          key: p.key,
          type: p.type,
          title: p.label,
          file: p.sourceFile ? display(p.sourceFile) : null,
          since: p.startedAt,
        })),
        stale,
        uncertain,
        runs,
        lock: holder ? { pid: holder.pid, host: holder.host, command: holder.command, since: holder.since } : null,
      });
      return 0;
    }
    const c = out.c;
    out.info(
      `${c.bold('kb-sync status')} · bot ${botId} · state ${toPosix(path.relative(process.cwd(), cfg.stateFile))}`,
    );
    if (!bot) {
      out.info(
        c.dim('Nothing synced to this bot from this state yet. Run `kb-sync plan` to see what a sync would push.'),
      );
      return 0;
    }
    out.info(`Last synced: ${bot.lastSyncedAt ?? 'never'} · first: ${bot.firstSyncedAt ?? 'never'}`);
    printItems(out, counts, adopted);
    out.info(
      `Files tracked: ${files.size}${withErrors.length > 0 ? c.red(` · ${withErrors.length} with errors`) : ''}`,
    );
    for (const f of withErrors) out.info(`  ${located(display(f.path), f.error ?? '')}`);
    if (withWarnings.length > 0) {
      out.info(c.yellow(`Warnings at the files' last read: ${withWarnings.length} file(s)`));
      for (const f of withWarnings) for (const w of f.warnings) out.info(`  ${located(display(f.path), w)}`);
    }
    if (pending.length > 0) {
      out.info(
        c.yellow(
          `In flight when a run stopped: ${pending.length} (the next sync reports them as possibly created twice and finishes the work)`,
        ),
      );
      for (const p of pending)
        out.info(`  ${typeName(p.type)} "${safeText(p.label)}" ${p.sourceFile ? safeText(display(p.sourceFile)) : ''}`);
    }
    printRuns(out, runs);
    out.info('');
    if (stale.length > 0) {
      out.info(
        c.bold(`Stale items: ${stale.length}`) +
          c.dim(' — remove them in the CX Genie dashboard, then `kb-sync forget ID…` (or --all-stale)'),
      );
      out.info(staleTable(stale, { width: out.columns }));
    } else {
      out.info('Stale items: none');
    }
    if (uncertain.length > 0) {
      out.info('');
      out.info(c.yellow(c.bold(`Possibly created twice — check the dashboard: ${uncertain.length}`)));
      out.info(uncertainTable(uncertain, { width: out.columns }));
      out.info(c.dim('  After checking, clear the list with `kb-sync forget --uncertain`.'));
    }
    if (holder) out.info(c.dim(`Lock: held by ${describeHolder(holder)}`));
    return 0;
  } finally {
    store.close();
  }
}

/** The tracked items by type and origin. */
function printItems(out: Output, counts: ReturnType<StateStore['countItems']>, adopted: number): void {
  const c = out.c;
  const types = Object.keys(counts).sort();
  if (types.length > 0) {
    out.info('');
    out.info(c.bold('Items in the bot (tracked):'));
    out.info(
      table(
        ['TYPE', 'PUSHED', 'ADOPTED', 'IMPORTED', 'TOTAL'],
        types.map((t) => {
          const r = counts[t] ?? {};
          return [
            typeName(t),
            String(r.pushed ?? 0),
            String(r.adopted ?? 0),
            String(r.imported ?? 0),
            String((r.pushed ?? 0) + (r.adopted ?? 0) + (r.imported ?? 0)),
          ];
        }),
      ),
    );
    if (adopted > 0)
      out.info(
        c.dim(
          `  ${adopted} adopted item(s) were recorded by \`kb-sync adopt\`: they have no remote id, and behave like synced ones.`,
        ),
      );
  }
}

/** The last runs. */
function printRuns(out: Output, runs: ReturnType<StateStore['runs']>): void {
  const c = out.c;
  if (runs.length > 0) {
    out.info('');
    out.info(c.bold('Last runs:'));
    out.info(
      table(
        ['#', 'COMMAND', 'STARTED', 'STATUS', 'CREATED', 'UPDATED', 'STALE', 'FAILED'],
        runs.map((r) => [
          String(r.id),
          r.command,
          r.startedAt.slice(0, 19).replace('T', ' '),
          r.status,
          String(r.counts?.create ?? ''),
          String(r.counts?.update ?? ''),
          String(r.counts?.stale ?? ''),
          String(r.counts?.failed ?? ''),
        ]),
      ),
    );
  }
}

/**
 * A file's stored error or warning as a compiler prints it: `file:line:col message` (the state keeps
 * `line:col message`; an older state the message alone: `file: message`). Untrusted: one line.
 */
function located(file: string, issue: string): string {
  const where = safeText(file);
  return /^\d+(:\d+)? /.test(issue) ? `${where}:${safeText(issue)}` : `${where}: ${safeText(issue)}`;
}
