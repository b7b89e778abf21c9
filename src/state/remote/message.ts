import { oneLine } from './records.js';

/**
 * The commit message of a state commit: the audit log's entry for one run. The subject says
 * what the run did; the body lists what it taught the bot (items created or updated, with
 * their remote ids and source lines), what turned stale and what failed; trailers carry the run,
 * host, source commit and times for scripts (`git log --format=%(trailers)`).
 */

export interface RunSummaryItem {
  status: string;
  type: string;
  label: string;
  file: string;
  line: number;
  remoteId?: string | undefined;
  replacedRemoteId?: string | null | undefined;
}

export interface RunSummary {
  command: string;
  exitCode: number;
  counts: Record<string, number>;
  items: readonly RunSummaryItem[];
  /** Why the run ended early, if it did. */
  error?: string | undefined;
  /** What a command other than a sync did (`forgot 2 stale item(s)`), instead of the counts. */
  note?: string | undefined;
}

/** Most items listed in one commit message (the rest are counted). */
export const MAX_LISTED = 200;

const SHOWN_STATUSES = ['created', 'updated', 'moved', 'stale', 'failed'] as const;

export function stateMessage(
  s: RunSummary,
  ctx: { botId: string; target: string | null; source: string | null },
): { subject: string; body: string; trailers: Record<string, string | number | null> } {
  const c = s.counts;
  const parts = [
    `created ${c.create ?? 0}`,
    `updated ${c.update ?? 0}`,
    ...(c.moved ? [`moved ${c.moved}`] : []),
    `stale ${c.stale ?? 0}`,
    ...(c.failed ? [`failed ${c.failed}`] : []),
  ];
  const who = ctx.target ? `target ${ctx.target} (bot ${ctx.botId})` : `bot ${ctx.botId}`;
  const from = ctx.source ? ` from ${ctx.source.slice(0, 12)}${ctx.source.endsWith('+changes') ? '+changes' : ''}` : '';
  const what = s.note ?? (s.error && s.items.length === 0 ? `stopped: ${s.error}` : parts.join(', '));
  const subject = oneLine(`kb-sync ${s.command}: ${who}: ${what}${from}`, 200);
  const lines: string[] = [];
  let listed = 0;
  let left = 0;
  for (const status of SHOWN_STATUSES) {
    const group = s.items.filter((i) => i.status === status);
    if (group.length === 0) continue;
    lines.push(`${status[0]?.toUpperCase()}${status.slice(1)}:`);
    for (const i of group) {
      if (listed >= MAX_LISTED) {
        left++;
        continue;
      }
      listed++;
      const where = i.line > 0 ? `${i.file}:${i.line}` : i.file;
      const id = i.remoteId ? ` id ${i.remoteId}` : '';
      const replaced = i.replacedRemoteId ? ` (replaces ${i.replacedRemoteId})` : '';
      lines.push(`  ${i.type} ${JSON.stringify(oneLine(i.label, 120))} ${oneLine(where, 200)}${id}${replaced}`);
    }
  }
  if (left > 0) lines.push(`… and ${left} more item(s) (see the snapshot)`);
  if (s.error) lines.push('', `Stopped early: ${oneLine(s.error, 300)}`);
  return {
    subject,
    body: lines.join('\n'),
    trailers: { 'Kb-Sync-Exit-Code': s.exitCode },
  };
}
