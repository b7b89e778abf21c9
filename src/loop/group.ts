import { dice, questionKey } from '../util/text.js';
import type { UnansweredQuestion, UnansweredReason } from './classify.js';
import { keyList } from './words.js';

/**
 * Near-duplicate grouping of harvested questions. Pure and deterministic: the same questions in
 * any order give the same groups in the same order.
 *
 * Two phrasings are near-duplicates when the Dice coefficient of their key-word sets (see
 * `keyWords`: stopwords out, stemmed, numbers out) is at least `GROUP_THRESHOLD`; groups are the
 * connected components of that relation (union-find). 0.55 keeps "Do you ship to Iceland?" with
 * "do u guys ship to iceland??" (0.67) and apart from "Do you ship to Norway?" (0.5).
 *
 * A group's representative is its most frequent phrasing (compared loosely: case and
 * punctuation ignored), ties going to the one asked first.
 */

export const GROUP_THRESHOLD = 0.55;

export interface Variant {
  text: string;
  count: number;
}

export interface QuestionGroup {
  /** The representative phrasing. */
  question: string;
  /** How many times the group's questions were asked (occurrences). */
  count: number;
  reasons: Record<UnansweredReason, number>;
  /** Every phrasing, most frequent first (the representative first). */
  variants: Variant[];
  /** Oldest first. */
  occurrences: UnansweredQuestion[];
  /** When it was first and last asked (ISO). */
  first: string;
  last: string;
}

interface Phrasing {
  key: string;
  text: string;
  words: string[];
  items: UnansweredQuestion[];
}

export function groupQuestions(questions: readonly UnansweredQuestion[], threshold = GROUP_THRESHOLD): QuestionGroup[] {
  const sorted = [...questions].sort(compareOccurrence);
  // 1. Exact phrasings (loosely: case and punctuation ignored).
  const byKey = new Map<string, Phrasing>();
  for (const q of sorted) {
    const key = questionKey(q.text) || q.text;
    let p = byKey.get(key);
    if (!p) {
      p = { key, text: q.text, words: keyList(q.text), items: [] };
      byKey.set(key, p);
    }
    p.items.push(q);
  }
  const phrasings = [...byKey.values()];

  // 2. Union-find over near-duplicate phrasings; only pairs that share a key word can reach the threshold.
  const parent = phrasings.map((_, i) => i);
  const find = (i: number): number => {
    let r = i;
    while (parent[r] !== r) r = parent[r] as number;
    while (parent[i] !== r) {
      const next = parent[i] as number;
      parent[i] = r;
      i = next;
    }
    return r;
  };
  const union = (a: number, b: number) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };
  const postings = new Map<string, number[]>();
  for (const [i, p] of phrasings.entries()) {
    for (const w of new Set(p.words)) {
      const list = postings.get(w);
      if (list) list.push(i);
      else postings.set(w, [i]);
    }
  }
  for (const [i, p] of phrasings.entries()) {
    const candidates = new Set<number>();
    for (const w of new Set(p.words)) for (const j of postings.get(w) ?? []) if (j > i) candidates.add(j);
    for (const j of candidates) {
      if (find(i) === find(j)) continue;
      if (dice(p.words, (phrasings[j] as Phrasing).words) >= threshold) union(i, j);
    }
  }

  // 3. Build the groups.
  const members = new Map<number, Phrasing[]>();
  for (const [i, p] of phrasings.entries()) {
    const r = find(i);
    const list = members.get(r);
    if (list) list.push(p);
    else members.set(r, [p]);
  }
  const groups: QuestionGroup[] = [];
  for (const list of members.values()) {
    const ranked = [...list].sort(
      (a, b) => b.items.length - a.items.length || compareOccurrence(a.items[0]!, b.items[0]!),
    );
    const occurrences = list.flatMap((p) => p.items).sort(compareOccurrence);
    const reasons: Record<UnansweredReason, number> = { 'unknown-reply': 0, agent: 0 };
    for (const o of occurrences) reasons[o.reason]++;
    groups.push({
      question: (ranked[0] as Phrasing).text,
      count: occurrences.length,
      reasons,
      variants: ranked.map((p) => ({ text: p.text, count: p.items.length })),
      occurrences,
      first: (occurrences[0] as UnansweredQuestion).at,
      last: (occurrences.at(-1) as UnansweredQuestion).at,
    });
  }
  return groups.sort(compareGroups);
}

/** Most asked first, then the one asked first, then by text. */
export function compareGroups(a: QuestionGroup, b: QuestionGroup): number {
  return b.count - a.count || cmp(a.first, b.first) || cmp(a.question, b.question);
}

export function compareOccurrence(a: UnansweredQuestion, b: UnansweredQuestion): number {
  return cmp(a.at, b.at) || cmp(a.sessionId, b.sessionId) || cmp(a.messageId, b.messageId) || cmp(a.text, b.text);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
