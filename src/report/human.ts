import { formatFileIssue } from '../errors.js';
import type { ItemResult } from '../events.js';
import type { StaleEntry, UncertainEntry } from '../sync/entries.js';
import type { RunResult } from '../sync/result.js';
import { safeText } from '../util/safe-text.js';
import { table } from '../util/table.js';

type Colors = {
  green(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
  cyan(s: string): string;
};

const TYPE_NAMES: Record<string, string> = { TEXT: 'article', Q_AND_A: 'Q&A', URL: 'URL', DOCUMENT: 'document' };

export function typeName(t: string): string {
  return TYPE_NAMES[t] ?? t;
}

/** The counts line: "3 created · 1 updated · 0 moved · 1 stale · 12 unchanged · 0 failed". */
export function countsLine(r: RunResult, c: Colors): string {
  const n = r.counts;
  const verb = r.dryRun
    ? ['to create', 'to update', 'to move', 'to turn stale']
    : ['created', 'updated', 'moved', 'stale'];
  const parts = [
    `${n.create} ${verb[0]}`,
    `${n.update} ${verb[1]}`,
    `${n.moved} ${verb[2]}`,
    `${n.stale} ${verb[3]}`,
    `${n.unchanged} unchanged`,
  ];
  if (!r.dryRun) parts.push(n.failed > 0 ? c.red(`${n.failed} failed`) : `${n.failed} failed`);
  return parts.join(' · ');
}

/** One item for people. Titles, file names and server messages are untrusted: safeText. */
function itemLine(it: ItemResult, c: Colors): string {
  const file = safeText(it.file);
  const where = it.line > 0 ? `${file}:${it.line}` : file;
  const label = `${typeName(it.type)} "${safeText(it.label)}"`;
  const error = safeText(it.error ?? '');
  switch (it.status) {
    case 'planned':
      return `  ${it.action === 'create' ? c.green('+ create') : it.action === 'update' ? c.yellow('~ update') : c.cyan('→ move  ')} ${label} ${c.dim(where)}`;
    case 'created':
      return `  ${c.green('+ created')} ${label} ${c.dim(where)}${it.uncertain ? c.yellow(' (possibly created twice)') : ''}`;
    case 'updated':
      return `  ${c.yellow('~ updated')} ${label} ${c.dim(where)}${it.uncertain ? c.yellow(' (possibly created twice)') : ''}`;
    case 'moved':
      return `  ${c.cyan('→ moved')} ${label} ${c.dim(where)}`;
    case 'stale':
      return `  ${c.dim('- stale')} ${label} ${c.dim(file)}`;
    case 'failed':
      return `  ${c.red('✗ failed')} ${label} ${c.dim(where)}: ${error}`;
    case 'skipped':
    case 'interrupted':
      return `  ${c.yellow(`! ${it.status}`)} ${label} ${c.dim(where)}: ${error}`;
    default:
      return `  ${it.status} ${label} ${c.dim(where)}`;
  }
}

/**
 * The stale list: `#` (what `kb-sync forget '#N'` takes), the remote id (whole: people copy it),
 * the title, the file it was in (cut in the middle: its end identifies it), why, and since when —
 * "this run" for what turned (or, in a plan, would turn) stale in the run shown, in `plan` and
 * `sync` alike.
 */
export function staleTable(
  stale: readonly StaleEntry[],
  opts: { runStartedAt?: string; width?: number | undefined } = {},
): string {
  const since = (s: StaleEntry) =>
    opts.runStartedAt !== undefined && s.since >= opts.runStartedAt
      ? 'this run'
      : s.since.slice(0, 16).replace('T', ' ');
  return table(
    ['#', 'REMOTE ID', 'TYPE', 'TITLE', 'WAS IN', 'WHY', 'SINCE'],
    stale.map((s) => [
      s.id === null ? '' : `#${s.id}`,
      s.remoteId ?? (s.origin === 'adopted' ? '(adopted: no id)' : '(unknown)'),
      typeName(s.type),
      s.title,
      s.file ?? '',
      s.reason === 'changed' ? 'replaced by a new version' : 'removed from the folder',
      since(s),
    ]),
    { keep: [0, 1], middle: [4], ...(opts.width !== undefined ? { width: opts.width } : {}) },
  );
}

/** How many stale rows a run prints before it points at `kb-sync status` for the rest. */
const STALE_SHOWN = 20;

export function uncertainTable(u: readonly UncertainEntry[], opts: { width?: number | undefined } = {}): string {
  return table(
    ['TYPE', 'TITLE', 'FILE', 'ID WE KEPT', 'WHY'],
    u.map((x) => [typeName(x.type), x.title, x.file ?? '', x.remoteId ?? '(none yet)', x.reason]),
    { maxWidth: 60, keep: [3], middle: [2], ...(opts.width !== undefined ? { width: opts.width } : {}) },
  );
}

/**
 * The stale list of a run: the rows that turned stale in it (all of them with --verbose, or up to
 * STALE_SHOWN when a fresh state lists many), and for the older ones a count and a pointer to
 * `kb-sync status`, so that a run that changes nothing does not reprint hundreds of rows.
 */
function staleSection(r: RunResult, c: Colors, verbose: boolean, width: number | undefined): string[] {
  const fresh = r.stale.filter((s) => s.since >= r.startedAt);
  const older = r.stale.length - fresh.length;
  const rows = verbose ? r.stale : fresh.slice(0, STALE_SHOWN);
  const lines = [
    c.bold(`Stale items: ${r.stale.length}`) +
      (fresh.length > 0 && older > 0 ? c.dim(` (${fresh.length} this run)`) : '') +
      c.dim(
        ' — in the bot, no longer in the folder. The API cannot delete them: remove them in the CX Genie dashboard, then run `kb-sync forget ID…` (or `--all-stale`).',
      ),
  ];
  if (rows.length > 0)
    lines.push(staleTable(rows, { runStartedAt: r.startedAt, ...(width !== undefined ? { width } : {}) }));
  const notShown = r.stale.length - rows.length;
  if (notShown > 0)
    lines.push(
      c.dim(
        rows.length > 0
          ? `  … ${notShown} more, not shown: \`kb-sync status\` lists them all (or --verbose).`
          : `  None new in this run: \`kb-sync status\` lists them (or --verbose).`,
      ),
    );
  return lines;
}

/** The whole human report of a run, as lines. */
/** An item a sync lists without --verbose. */
function isInteresting(it: ItemResult): boolean {
  return (
    it.status === 'failed' ||
    it.status === 'planned' ||
    it.status === 'skipped' ||
    it.status === 'interrupted' ||
    Boolean(it.uncertain)
  );
}

export function renderRun(
  r: RunResult,
  /** `width`: the terminal's columns, which tables fit in (none when piped). */
  opts: { verbose: boolean; colors: Colors; command: string; width?: number | undefined },
): { body: string[]; final: string } {
  const c = opts.colors;
  const body: string[] = [];
  const isShown = (it: ItemResult) => it.status !== 'unchanged' && (opts.verbose || it.status !== 'stale');
  if (r.dryRun) {
    // A plan lists its first 200 items: counted, not copied (a cold plan has hundreds of thousands).
    const limit = opts.verbose ? Infinity : 200;
    let shown = 0;
    for (const it of r.items) {
      if (!isShown(it)) continue;
      if (shown === 0) body.push(c.bold('Plan:'));
      if (shown < limit) body.push(itemLine(it, c));
      shown++;
    }
    if (shown > limit) body.push(c.dim(`  … and ${shown - limit} more (--verbose lists all, --json for scripts)`));
  } else {
    for (const it of r.items) if (isShown(it) && (opts.verbose || isInteresting(it))) body.push(itemLine(it, c));
  }
  if (opts.verbose && r.ignoredFiles.length > 0) {
    body.push(c.dim(`Not a knowledge file (ignored): ${r.ignoredFiles.map(safeText).join(', ')}`));
  }
  if (r.warnings.length > 0) {
    body.push(c.yellow('Warnings:'));
    for (const w of r.warnings) body.push(`  ${formatFileIssue(w)}`);
  }
  if (r.errors.length > 0) {
    body.push(c.red('Errors:'));
    for (const e of r.errors) body.push(`  ${formatFileIssue(e)}`);
  }
  if (r.stale.length > 0) body.push('', ...staleSection(r, c, opts.verbose, opts.width));
  if (r.uncertain.length > 0) {
    body.push('');
    body.push(c.yellow(c.bold(`Possibly created twice — check the dashboard: ${r.uncertain.length}`)));
    body.push(uncertainTable(r.uncertain, { width: opts.width }));
    body.push(
      c.dim('  After checking (and removing any extra copy), clear this list with `kb-sync forget --uncertain`.'),
    );
  }
  if (r.skippedDrafts > 0) body.push(c.dim(`Skipped ${r.skippedDrafts} draft(s) (draft: true or sync: false).`));
  const secs = (r.durationMs / 1000).toFixed(1);
  let final: string;
  if (r.authError) {
    final = c.red(
      `✗ Stopped: ${safeText(r.authError.message)}. Nothing more was pushed.${r.authError.hint ? ` ${r.authError.hint}` : ''}`,
    );
  } else if (r.interrupted) {
    final = c.yellow(`! Interrupted after ${secs}s: ${countsLine(r, c)}. Run again to finish.`);
  } else if (r.dryRun) {
    final = `${r.ok ? c.green('✔') : c.red('✗')} Plan (nothing pushed): ${countsLine(r, c)}${r.errors.length > 0 ? c.red(` · ${r.errors.length} file error(s)`) : ''}`;
  } else {
    final = `${r.ok ? c.green('✔') : c.red('✗')} Synced in ${secs}s: ${countsLine(r, c)}${r.errors.length > 0 ? c.red(` · ${r.errors.length} file error(s)`) : ''}`;
  }
  return { body, final };
}
