import fs from 'node:fs';
import type { FileIssue } from '../errors.js';
import type { RunResult } from '../sync/result.js';
import { markdownCell, safeText } from '../util/safe-text.js';
import { typeName } from './human.js';

/** GitHub Actions: workflow-command annotations, the step summary (Markdown) and step outputs. */

function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/**
 * A file issue as a workflow command. The file name and message are untrusted: shown on one line
 * (safeText), then escaped as the runner reads a command's properties and data.
 */
export function annotation(issue: FileIssue): string {
  const props = [`file=${escapeProperty(safeText(issue.file))}`];
  if (issue.line !== undefined) props.push(`line=${issue.line}`);
  if (issue.column !== undefined) props.push(`col=${issue.column}`);
  return `::${issue.severity === 'error' ? 'error' : 'warning'} ${props.join(',')}::${escapeData(safeText(issue.message))}`;
}

const md = markdownCell;

/** The Markdown step summary of a run (or a plan, on pull requests). */
export function stepSummary(r: RunResult, meta: { botId: string; command: string; target?: string }): string {
  const lines: string[] = [];
  const n = r.counts;
  const who = meta.target ? `target \`${meta.target}\` (bot \`${meta.botId}\`)` : `bot \`${meta.botId}\``;
  lines.push(r.dryRun ? `### kb-sync plan for ${who} (nothing pushed)` : `### kb-sync ${meta.command} for ${who}`);
  lines.push('');
  lines.push(
    `| ${r.dryRun ? 'to create' : 'created'} | ${r.dryRun ? 'to update' : 'updated'} | moved | stale | unchanged | failed |`,
  );
  lines.push('|---:|---:|---:|---:|---:|---:|');
  lines.push(`| ${n.create} | ${n.update} | ${n.moved} | ${n.stale} | ${n.unchanged} | ${n.failed} |`);
  const section = (title: string, rows: string[][], headers: string[]) => {
    if (rows.length === 0) return;
    lines.push('', `#### ${title}`, '', `| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`);
    for (const row of rows.slice(0, 200)) lines.push(`| ${row.map(md).join(' | ')} |`);
    if (rows.length > 200) lines.push('', `… and ${rows.length - 200} more.`);
  };
  const pick = (pred: (s: string) => boolean) =>
    r.items.filter((it) => pred(it.status === 'planned' ? it.action : it.status));
  section(
    r.dryRun ? 'Will be created' : 'Created',
    pick((s) => s === 'create' || s === 'created').map((it) => [typeName(it.type), it.label, `${it.file}:${it.line}`]),
    ['type', 'title', 'source'],
  );
  section(
    r.dryRun ? 'Will be updated (the old version turns stale)' : 'Updated (the old version is now stale)',
    pick((s) => s === 'update' || s === 'updated').map((it) => [typeName(it.type), it.label, `${it.file}:${it.line}`]),
    ['type', 'title', 'source'],
  );
  section(
    'Failed',
    r.items.filter((it) => it.status === 'failed').map((it) => [typeName(it.type), it.label, it.file, it.error ?? '']),
    ['type', 'title', 'source', 'error'],
  );
  section(
    'File errors',
    r.errors.map((e) => [`${e.file}${e.line ? `:${e.line}` : ''}`, e.message]),
    ['where', 'error'],
  );
  section(
    'Stale: in the bot, no longer in the folder (remove in the dashboard, then `kb-sync forget`)',
    r.stale.map((s) => [s.remoteId ?? '—', typeName(s.type), s.title, s.file ?? '', s.reason]),
    ['remote id', 'type', 'title', 'was in', 'why'],
  );
  section(
    'Possibly created twice — check the dashboard',
    r.uncertain.map((u) => [typeName(u.type), u.title, u.file ?? '', u.remoteId ?? '—', u.reason]),
    ['type', 'title', 'file', 'id kept', 'why'],
  );
  lines.push('');
  return `${lines.join('\n')}\n`;
}

/** The step outputs of one run (`created=…`, …): action.yml lists them. */
export function runOutputs(r: RunResult, exitCode: number): Record<string, number> {
  const n = r.counts;
  return {
    created: n.create,
    updated: n.update,
    moved: n.moved,
    stale: n.stale,
    unchanged: n.unchanged,
    failed: n.failed,
    'file-errors': r.errors.length,
    'stale-total': r.stale.length,
    uncertain: r.uncertain.length,
    'exit-code': exitCode,
  };
}

/** Append step outputs (`key=value` lines) to `$GITHUB_OUTPUT` when it is set. */
export function writeGithubOutputs(
  outputs: Record<string, string | number>,
  env: NodeJS.ProcessEnv = process.env,
): void {
  if (!env.GITHUB_OUTPUT) return;
  fs.appendFileSync(
    env.GITHUB_OUTPUT,
    `${Object.entries(outputs)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n')}\n`,
  );
}

/**
 * Append to `$GITHUB_STEP_SUMMARY` and `$GITHUB_OUTPUT` when they are set. With `onOutputs`
 * (several targets), the outputs are handed to it instead, to be summed over the targets.
 */
export function writeGithubFiles(
  r: RunResult,
  meta: { botId: string; command: string; exitCode: number; target?: string },
  redact: (s: string) => string,
  env: NodeJS.ProcessEnv = process.env,
  onOutputs?: (outputs: Record<string, number>) => void,
): void {
  if (env.GITHUB_STEP_SUMMARY) fs.appendFileSync(env.GITHUB_STEP_SUMMARY, redact(stepSummary(r, meta)));
  if (onOutputs) onOutputs(runOutputs(r, meta.exitCode));
  else writeGithubOutputs(runOutputs(r, meta.exitCode), env);
}
