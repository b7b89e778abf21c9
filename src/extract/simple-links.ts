import { resolveLink, writeDestination } from './links.js';
import type { Edit } from './edits.js';

/**
 * Links made absolute without the Markdown parser, in the chunks where that is certain: plain
 * paragraphs, headings and list items whose only inline markup is emphasis, code spans and links
 * of the plain form `[text](destination)` (or `![alt](…)`) standing after a space. On those,
 * every CommonMark/GFM parser finds exactly these links; anything else (a backslash, an entity,
 * an angle bracket, a stray bracket, a table, a quote, a link title, a URL right before the
 * bracket…) makes the chunk go to the parser. The parser costs about a third of a millisecond
 * per link, and reference pages are mostly such links. Property tests check this against it.
 */

/** A line that starts something other than a paragraph, a heading or a list item. */
const OTHER_BLOCK =
  /^(?: {4}|\t| {0,3}(?:[>|=<`~\t]|-{2,}|\*{2,}|_{2,}|(?:[-*+]|\d{1,9}[.)])(?: {5}|\t| {0,4}[-*+#>\d`~<|])))/;
/** A heading's or a list item's marker (list content indented less than 4 more: not code). */
const PREFIX = /^ {0,3}(?:#{1,6}[ \t]+|[-*+] {1,4}|\d{1,9}[.)] {1,4})?/;
const LINK = /!?\[([^[\]`<>\\&\n]*)\]\(([^\s()<>`\\&]+)\)/y;

/**
 * Push the link edits of `text` (a chunk at `offset` of the source) and return true, or return
 * false (and push nothing) when the chunk is not one where that is certain.
 */
export function simpleLinkEdits(text: string, offset: number, base: URL, edits: Edit[]): boolean {
  const mine: Edit[] = [];
  let ls = 0;
  while (ls < text.length) {
    const nl = text.indexOf('\n', ls);
    const le = nl === -1 ? text.length : nl;
    const line = text.slice(ls, le);
    if (line.trim() !== '') {
      if (OTHER_BLOCK.test(line) || line.includes('|')) return false;
      const start = PREFIX.exec(line)![0].length;
      if (!inline(line, start, ls + offset, base, mine)) return false;
    }
    ls = le + 1;
  }
  edits.push(...mine);
  return true;
}

function inline(line: string, from: number, lineOffset: number, base: URL, out: Edit[]): boolean {
  let i = from;
  while (i < line.length) {
    const ch = line[i]!;
    if (ch === '`') {
      let n = 1;
      while (line[i + n] === '`') n++;
      const close = findRun(line, i + n, n);
      if (close < 0) return false;
      i = close + n;
    } else if (ch === '[' || (ch === '!' && line[i + 1] === '[')) {
      // Only after a space (or at the start): no autolink literal or other construct can run into it.
      let b = i - 1;
      while (b >= from && '(*_"\''.includes(line[b]!)) b--;
      if (b >= from && !/\s/.test(line[b]!)) return false;
      LINK.lastIndex = i;
      const m = LINK.exec(line);
      if (!m) return false;
      const label = m[1]!;
      if (label.startsWith('^') || /www\.|:\/\/|@/.test(label)) return false;
      const dest = m[2]!;
      const href = resolveLink(dest, base);
      if (href !== undefined) {
        const at = lineOffset + LINK.lastIndex - 1 - dest.length;
        out.push({ start: at, end: at + dest.length, text: writeDestination(href, false), reason: 'link' });
      }
      i = LINK.lastIndex;
    } else if (ch === ']' || ch === '<' || ch === '\\' || ch === '&') {
      return false;
    } else {
      i++;
    }
  }
  return true;
}

/** Index of the next run of exactly `n` backticks at or after `from`, or -1. */
function findRun(line: string, from: number, n: number): number {
  for (let j = line.indexOf('`', from); j !== -1; j = line.indexOf('`', j)) {
    let k = 0;
    while (line[j + k] === '`') k++;
    if (k === n) return j;
    j += k;
  }
  return -1;
}
