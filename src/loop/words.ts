import { contentWords, normalizeText } from '../util/text.js';
import { isStopwordInAny, tokenize } from './lang.js';

/**
 * Word-level helpers of the loop (eval scoring, harvest grouping). Pure. They build on
 * `src/util/text.ts` (normalization, stopwords, plural/-ing stemming) and add a slightly
 * stronger stem so that "schedule" / "scheduled" / "scheduling" and "ship" / "shipped" /
 * "shipping" meet.
 */

/** `contentWords`' stem, then "-ed", a doubled final consonant and a final "e" are dropped. */
export function loopStem(word: string): string {
  let w = word;
  if (w.length > 4 && w.endsWith('ed')) w = w.slice(0, -2);
  if (w.length > 3 && /([b-df-hj-np-tv-z])\1$/.test(w) && !/(ll|ss|zz)$/.test(w)) w = w.slice(0, -1);
  if (w.length > 3 && w.endsWith('e')) w = w.slice(0, -1);
  return w;
}

/**
 * The key words of a text (harvest grouping): normalized, stopwords out, stemmed, pure numbers out (numbers are
 * checked exactly by the fact rule, not by overlap). Each key maps to the first word it came
 * from, to explain a result in the words a person wrote.
 */
export function keyWords(text: string): Map<string, string> {
  const out = new Map<string, string>();
  // Intl.Segmenter words: Japanese and Chinese questions split into words too.
  for (const w of tokenize(text).map((t) => t.word)) {
    if (!/^[\p{Script=Latin}\p{N}'’.]+$/u.test(w)) {
      // Other scripts: the folded word as it is, without the common words of its language.
      if (!isStopwordInAny(w) && !out.has(w)) out.set(w, w);
      continue;
    }
    const [stemmed] = contentWords(w);
    if (stemmed === undefined) continue;
    if (/^[\d.,']+$/.test(stemmed)) continue;
    const key = loopStem(stemmed);
    if (!out.has(key)) out.set(key, w);
  }
  return out;
}

/** The key words of a text as a list (for similarity). */
export function keyList(text: string): string[] {
  return [...keyWords(text).keys()];
}

/**
 * A loose form for phrase matching: normalized (case, accents, spacing), every character that is
 * not a letter, a digit or one of `$ € £ ¥ %` turned into a space; thousands separators dropped.
 * "1,000 labels" → "1000 labels", "$29." → "$29".
 */
export function looseText(s: string): string {
  return normalizeText(s)
    .replace(/(\d),(?=\d{3}(?!\d))/g, '$1')
    .replace(/[^\p{L}\p{N}$€£¥%]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Whether `phrase` occurs in `text` as whole words, loosely (see `looseText`). An empty phrase never does. */
export function containsPhrase(text: string, phrase: string): boolean {
  const p = looseText(phrase);
  if (p === '') return false;
  return ` ${looseText(text)} `.includes(` ${p} `);
}

/** Collapse every run of whitespace to one space and trim. */
export function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
