/** Small, pure text helpers shared by keys, the emulator's answers, eval scoring and harvest grouping. */

const STOPWORDS = new Set(
  (
    'a an and are as at be by can could do does did for from has have how i if in into is it its ' +
    'me my of on or our so than that the their them then there these this those to was we what ' +
    "when where which who why will with would you your yours am been being he she they us i'm " +
    'should shall may might must not no yes please hi hello thanks thank just any some'
  ).split(/\s+/),
);

/** Unicode-aware lower-casing, accent folding and whitespace collapsing. */
export function normalizeText(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** Words of a text (letters and digits, any script), normalized. */
export function words(s: string): string[] {
  return normalizeText(s).match(/[\p{L}\p{N}]+(?:['’.][\p{L}\p{N}]+)*/gu) ?? [];
}

/** Words without stopwords, with a light English plural/-ing stemming. */
export function contentWords(s: string): string[] {
  const out: string[] = [];
  for (const w of words(s)) {
    if (STOPWORDS.has(w)) continue;
    out.push(stem(w));
  }
  return out;
}

export function stem(w: string): string {
  if (w.length > 5 && w.endsWith('ing')) return w.slice(0, -3);
  if (w.length > 4 && w.endsWith('ies')) return `${w.slice(0, -3)}y`;
  if (w.length > 4 && w.endsWith('es') && /(ch|sh|x|ss)es$/.test(w)) return w.slice(0, -2);
  if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) return w.slice(0, -1);
  return w;
}

/** Dice coefficient of two word multisets treated as sets: 2|A∩B| / (|A|+|B|), in [0, 1]. */
export function dice(a: readonly string[], b: readonly string[]): number {
  const A = new Set(a);
  const B = new Set(b);
  if (A.size === 0 && B.size === 0) return 1;
  if (A.size === 0 || B.size === 0) return 0;
  let common = 0;
  for (const w of A) if (B.has(w)) common++;
  return (2 * common) / (A.size + B.size);
}

/** The share of `needle`'s distinct words found in `haystack`, in [0, 1]. */
export function coverage(needle: readonly string[], haystack: readonly string[]): number {
  const N = new Set(needle);
  if (N.size === 0) return 1;
  const H = new Set(haystack);
  let found = 0;
  for (const w of N) if (H.has(w)) found++;
  return found / N.size;
}

/** A key for a question: normalized, punctuation dropped, so that trivial edits keep identity. */
export function questionKey(q: string): string {
  return words(q).join(' ');
}

/** Deterministic 32-bit PRNG (mulberry32) for seeded data; returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Truncate to `max` characters with an ellipsis. */
export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, Math.max(0, max - 1))}…`;
}
