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

// ------------------------------------------------------------------ reply modes

/**
 * How the emulator's bot words its answers (the `replyMode` switch): `exact` (default: the text it
 * was trained on), `paraphrase` (the same facts in other words: synonyms, number words, sentences
 * reordered, a greeting and a sign-off), or wrong on purpose: `negated` (says the opposite),
 * `wrong-number` (one number changed), `unknown` (the bot's "unknown" reply), `wrong` (one of
 * those three, chosen by the question). Deterministic: the same question gets the same reply.
 */
export const REPLY_MODES = ['exact', 'paraphrase', 'negated', 'wrong-number', 'unknown', 'wrong'] as const;
export type ReplyMode = (typeof REPLY_MODES)[number];

/** The reply to send for an answer (null: nothing matched) in a mode. */
export function replyInMode(mode: ReplyMode, answer: string | null, question: string, unknown: string): string {
  if (answer === null || mode === 'exact') return answer ?? unknown;
  const seed = hash(question);
  switch (mode) {
    case 'paraphrase':
      return paraphrase(answer, seed);
    case 'negated':
      return negate(answer) ?? unknown;
    case 'wrong-number':
      return wrongNumber(answer) ?? negate(answer) ?? unknown;
    case 'unknown':
      return unknown;
    case 'wrong': {
      const pick = seed % 3;
      if (pick === 0) return negate(answer) ?? wrongNumber(answer) ?? unknown;
      if (pick === 1) return wrongNumber(answer) ?? negate(answer) ?? unknown;
      return unknown;
    }
  }
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Swaps a real bot makes: the same meaning in other words (applied once each, in order). */
const PARAPHRASES: readonly [RegExp, string][] = [
  [/\bevery 60 minutes\b/gi, 'once an hour'],
  [/\bteam members\b/gi, 'seats'],
  [/\bincludes\b/gi, 'comes with'],
  [/\bcosts\b/gi, 'is'],
  [/\bimmediately\b/gi, 'right away'],
  [/\bGo to\b/g, 'Head to'],
  [/\bchoose\b/gi, 'pick'],
  [/\bturn on\b/gi, 'switch on'],
  [/\bat least\b/gi, 'no less than'],
  [/\bat most\b/gi, 'no more than'],
  [/\busually\b/gi, 'normally'],
  [/\bYou can\b/g, "You're able to"],
  [/\bon every plan\b/gi, 'on all plans'],
  [/\$0\.0(\d)\b/g, '$1 cents'],
  [/\btwo months\b/gi, '2 months'],
  [/\b14-day\b/g, 'two-week'],
];
const NUMBER_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];
const OPENERS = ['Good question!', 'Happy to help.', 'Sure thing.', 'Thanks for asking.'];
const CLOSERS = [
  'Let me know if there is anything else I can help with.',
  'Hope that helps!',
  'Is there anything else you would like to know?',
];

/** The same facts in other words, deterministically (seeded by the question). */
export function paraphrase(text: string, seed: number): string {
  let t = text.replace(/\s+/g, ' ').trim();
  for (const [re, to] of PARAPHRASES) t = t.replace(re, to);
  // Small whole numbers that are not prices, decimals, ranges or units written as digits.
  t = t.replace(/(?<![\d$€£.,–-])\b([2-9]|10)\b(?![\d.,%–-]|\s?(?:lb|kg|oz|MB|GB|cubic))/g, (_, d: string) => {
    return NUMBER_WORDS[Number(d)] as string;
  });
  const sentences = t.split(/(?<=[.!?])\s+(?=[A-Z])/);
  // Keep the first sentence first (a "Yes." with the one after it); the rest in reverse order.
  const head = /^(?:yes|no)\.?$/i.test(sentences[0] ?? '') ? sentences.splice(0, 2) : sentences.splice(0, 1);
  const body = [...head, ...sentences.reverse()].join(' ');
  const opener = OPENERS[seed % OPENERS.length] as string;
  const closer = CLOSERS[(seed >>> 3) % CLOSERS.length] as string;
  return `${opener} ${body} ${closer}`;
}

/** The opposite of the answer: its yes/no flipped, else its first claim negated or un-negated. */
export function negate(text: string): string | null {
  const t = text.replace(/\s+/g, ' ').trim();
  if (/^Yes\b/.test(t)) return t.replace(/^Yes\b/, 'No');
  if (/^No\b/.test(t)) return t.replace(/^No\b/, 'Yes');
  const noneRequired = /\bwith no (\w+) required\b/.exec(t);
  if (noneRequired) return t.replace(noneRequired[0], `with a ${noneRequired[1] as string} required`);
  // The first claim: an auxiliary (negated or not), "cannot", "no longer", or a plain verb.
  const claim =
    /\b(?:(is|are|was|were|can|will|must|does|do)( not)?|cannot|no longer|pauses|(costs|includes|gives|takes|asks|bills|pays))\b/.exec(
      t,
    );
  if (!claim) return null;
  const [m, aux, not, verb] = claim;
  const at = claim.index;
  let to: string;
  if (m === 'cannot') to = 'can';
  else if (m === 'no longer') to = 'still';
  else if (m === 'pauses') to = 'keeps going';
  else if (verb)
    to = `does not ${verb
      .replace(/es$/, 'e')
      .replace(/(?<!e)s$/, '')
      .replace(/^pay$/, 'pay')}`;
  else to = not ? (aux as string) : `${aux as string} not`;
  return `${t.slice(0, at)}${to}${t.slice(at + m.length)}`;
}

/** The answer with its first price changed (else its first number): a price, a count or a duration. */
export function wrongNumber(text: string): string | null {
  const t = text.replace(/\s+/g, ' ').trim();
  const re = /(?<![\w.])(\$?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![\d])/g;
  const all = [...t.matchAll(re)];
  const m = all.find((x) => x[1] === '$') ?? all[0];
  if (!m) return null;
  const n = Number((m[2] as string).replace(/,/g, ''));
  const changed = n < 10 ? n + 2 : Math.round(n * 1.5);
  const shown = (m[2] as string).includes(',') ? changed.toLocaleString('en-US') : String(changed);
  return `${t.slice(0, m.index)}${m[1] as string}${shown}${m[3] ?? ''}${t.slice(m.index + m[0].length)}`;
}
