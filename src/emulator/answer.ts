import { contentWords, dice, coverage, truncate } from '../util/text.js';
import type { BotData } from '../api/types.js';

/**
 * How the emulator's bot answers: deterministic and offline. A Q&A whose question matches best,
 * else the article / URL / document whose title (and, for articles, opening) overlaps most,
 * else `null` (the caller sends the bot's "unknown" reply).
 */
export interface Answer {
  text: string;
  /** The item the answer came from. */
  source: BotData;
  score: number;
}

const QA_THRESHOLD = 0.5;
const TITLE_THRESHOLD = 0.34;

export function answerFrom(question: string, items: readonly BotData[]): Answer | null {
  const q = contentWords(question);
  if (q.length === 0) return null;
  let best: Answer | null = null;
  for (const item of items) {
    if (item.type !== 'Q_AND_A' || item.deleted_at !== null) continue;
    const score = dice(q, contentWords(item.content));
    if (score >= QA_THRESHOLD && (best === null || score > best.score)) {
      best = { text: item.content_value ?? '', source: item, score };
    }
  }
  if (best) return best;
  for (const item of items) {
    if (item.type === 'Q_AND_A' || item.deleted_at !== null) continue;
    const title = item.title ?? (item.type === 'URL' ? urlWords(item.content) : '');
    const t = contentWords(title);
    if (t.length === 0) continue;
    // How much of the title the question covers, and how much of the question the title covers.
    const score = (coverage(t, q) + coverage(q, t)) / 2;
    if (score >= TITLE_THRESHOLD && (best === null || score > best.score)) {
      best = { text: replyFor(item), source: item, score };
    }
  }
  return best;
}

function urlWords(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname.split('.').slice(0, -1).join(' ')} ${u.pathname.replace(/[/_.-]+/g, ' ')}`;
  } catch {
    return url;
  }
}

function replyFor(item: BotData): string {
  switch (item.type) {
    case 'TEXT': {
      const para = item.content
        .split(/\n\s*\n/)
        .map((p) => p.replace(/^#+\s*/, '').trim())
        .find((p) => p.length > 40 && !p.startsWith('|') && !p.startsWith('```'));
      return `${item.title ?? 'From our help centre'}: ${truncate(para ?? item.content.trim(), 400)}`;
    }
    case 'URL':
      return `You can find this at ${item.content}`;
    case 'DOCUMENT':
      return `Please see "${item.title ?? 'the attached document'}": ${item.content}`;
    default:
      return item.content_value ?? item.content;
  }
}
