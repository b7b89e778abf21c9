import { Document, type YAMLMap, type YAMLSeq } from 'yaml';
import type { QuestionGroup } from './group.js';

/**
 * The harvest file: a Q&A file in the format `sync` reads (`src/extract/qa.ts`), every entry a
 * draft (`q`, `a: ""`, `draft: true`) so that sync skips it and counts it. What a person needs to
 * answer an entry (how often it was asked, its other phrasings, the conversations) is in YAML
 * comments, so answering one is: write `a`, delete `draft: true`, move the entry out of inbox/.
 *
 * Pure and deterministic: the same groups and metadata give the same bytes (nothing about "now").
 */

export interface HarvestMeta {
  botId: string;
  since: string;
  until: string;
  customers: number;
  sessions: number;
  /** Unanswered questions found (occurrences), before `minCount`. */
  questions: number;
  minCount: number;
  /** Groups left out for being asked fewer than `minCount` times. */
  belowMinCount: number;
}

/** Conversations listed per entry; the rest are counted. */
export const MAX_LINKS = 10;

export function harvestFileName(day: string): string {
  return `harvest-${day}.qa.yaml`;
}

export function renderHarvestFile(groups: readonly QuestionGroup[], meta: HarvestMeta): string {
  const doc = new Document({ questions: groups.map((g) => ({ q: g.question, a: '', draft: true })) });
  const total = groups.reduce((n, g) => n + g.count, 0);
  const header = [
    'Questions customers asked that the bot could not answer: it gave its "unknown" reply, or',
    'an agent had to step in. Written by `kb-sync harvest`.',
    '',
    `bot: ${meta.botId}`,
    `range: ${meta.since} to ${meta.until} (questions asked then, in conversations started then)`,
    `scanned: ${meta.sessions} conversation(s) of ${meta.customers} customer(s)`,
    `unanswered: ${meta.questions} question(s); ${groups.length} group(s) of near-duplicates below, asked ${total} time(s) in all` +
      (meta.minCount > 1 ? `; ${meta.belowMinCount} group(s) asked fewer than ${meta.minCount} times left out` : ''),
    '',
    'Every entry is a draft, so `kb-sync sync` skips it (and reports how many it skipped).',
    'To answer one: write the answer in `a`, delete `draft: true`, and move the entry into a',
    'Q&A file outside inbox/ (keep "inbox/**" in the exclude of sync.config.json, so that nothing',
    'here is synced before it is moved). Delete the entries you will not answer.',
    'Read a conversation with: kb-sync conversation SESSION_ID --customer CUSTOMER_ID',
  ];
  doc.commentBefore = header.map((l) => (l === '' ? '' : ` ${l}`)).join('\n');
  const seq = doc.get('questions', true) as YAMLSeq;
  for (const [i, g] of groups.entries()) {
    const node = seq.items[i] as YAMLMap;
    node.commentBefore = entryComment(g)
      .map((l) => ` ${l}`)
      .join('\n');
    if (i > 0) node.spaceBefore = true;
  }
  return doc.toString({ lineWidth: 0 });
}

function entryComment(g: QuestionGroup): string[] {
  const why: string[] = [];
  if (g.reasons['unknown-reply'] > 0) why.push(`${g.reasons['unknown-reply']} unknown reply`);
  if (g.reasons.agent > 0) why.push(`${g.reasons.agent} agent stepped in`);
  const lines = [
    `asked ${g.count} time${g.count === 1 ? '' : 's'} (${why.join(', ')}) · first ${g.first.slice(0, 10)}, last ${g.last.slice(0, 10)}`,
  ];
  const others = g.variants.slice(1);
  if (others.length > 0) {
    lines.push(
      `also asked as: ${others.map((v) => `${JSON.stringify(v.text)}${v.count > 1 ? ` (${v.count})` : ''}`).join(', ')}`,
    );
  }
  lines.push('conversations:');
  const seen = new Set<string>();
  const links: string[] = [];
  for (const o of g.occurrences) {
    if (seen.has(o.sessionId)) continue;
    seen.add(o.sessionId);
    links.push(`  ${o.sessionId} --customer ${o.customerId}`);
  }
  lines.push(...links.slice(0, MAX_LINKS));
  if (links.length > MAX_LINKS) lines.push(`  … and ${links.length - MAX_LINKS} more`);
  return lines;
}
