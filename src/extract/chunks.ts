/**
 * Split Markdown into top-level chunks that parse the same alone as in the whole document, so
 * that only the chunks holding something to edit need the (slow) Markdown parser.
 *
 * A chunk starts at a line with no indentation after a blank line. There, every container (a
 * block quote, a list item) and every leaf block except a fenced code block or an HTML block of
 * CommonMark types 1–5 (and 6, which ends at the blank line) has ended, so parsing from there
 * gives the same tree as parsing the whole document. This walker follows fences and HTML blocks
 * that start without indentation exactly. A line it cannot judge (an indented fence or HTML
 * start, which may be inside a list item or at the top level; a tag that may start an HTML block
 * of type 7) marks its chunk "ambiguous": such a chunk is parsed, and if the parser finds it
 * ends inside an open block, it is joined with the rest of the document (see `endsOpen`).
 *
 * Except inside a list item that certainly began at column 0 of this chunk (`ListItem`): an
 * indented opener at or past the item's content column is in the item, and the item, with every
 * block in it, ends at the next chunk start at the latest (a line there is neither indented
 * enough to continue the item nor a lazy paragraph line after a blank line).
 */

export interface Chunk {
  start: number;
  end: number;
  /** 0-based line of `start` in the text. */
  line: number;
  ambiguous: boolean;
  /** A line outside fenced code may end a link reference or footnote definition's label (`mayDefine`). */
  defs: boolean;
}

const FENCE_OPEN = /^(?:(`{3,})[^`]*|(~{3,}).*)$/;
const HTML_RAW = /^<(?:script|pre|style|textarea)(?:[\s>]|$)/i;
const HTML_RAW_END = /<\/(?:script|pre|style|textarea)>/i;
/** CommonMark's block-level tag names (HTML blocks of type 6). */
const HTML_BLOCK_NAMES = new Set(
  (
    'address article aside base basefont blockquote body caption center col colgroup dd details dialog dir div ' +
    'dl dt fieldset figcaption figure footer form frame frameset h1 h2 h3 h4 h5 h6 head header hr html iframe ' +
    'legend li link main menu menuitem nav noframes ol optgroup option p param search section summary table ' +
    'tbody td tfoot th thead title tr track ul'
  ).split(' '),
);

/** The end marker of an HTML block of type 1–5 that `rest` starts, or undefined. */
export function htmlRawEnd(rest: string): RegExp | string | undefined {
  if (HTML_RAW.test(rest)) return HTML_RAW_END;
  if (rest.startsWith('<!--')) return '-->';
  if (rest.startsWith('<?')) return '?>';
  if (rest.startsWith('<![CDATA[')) return ']]>';
  if (/^<![A-Za-z]/.test(rest)) return '>';
  return undefined;
}

function hasEnd(s: string, end: RegExp | string): boolean {
  return typeof end === 'string' ? s.includes(end) : end.test(s);
}

function isHtmlBlockStart(rest: string): boolean {
  const m = /^<\/?([A-Za-z][A-Za-z0-9-]*)(?:[\s>]|\/>|$)/.exec(rest);
  return m !== null && HTML_BLOCK_NAMES.has(m[1]!.toLowerCase());
}

type Mode =
  | { kind: 'normal' }
  | { kind: 'fence'; ch: string; len: number }
  | { kind: 'raw'; end: RegExp | string }
  | { kind: 'block' }
  | { kind: 'maybe7' };

/** A line that would open a fence or an HTML block if it were at the top level. */
function opener(text: string): boolean {
  return /^[ \t]*(?:`{3,}|~{3,}|<)/.test(text);
}

/** Indentation and container markers (block quote, list item) a label may follow (a footnote's own "]:" counts). */
const DEF_PREFIX = /^(?:[ \t]*(?:>|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t])))*[ \t]*/;

/**
 * Whether a line may hold the end of a link reference or footnote definition's label: a "]:"
 * with no unescaped "[" before it on the line (the label may have begun on an earlier line), or
 * whose last unescaped "[" before it is where the line's content begins (after indentation and
 * container markers). A label holds no unescaped "[", so that "[" would open it, and a definition
 * begins a paragraph (or follows another definition): so `- [Name][05]: text` defines nothing.
 * One pass, left to right.
 */
function mayDefine(text: string): boolean {
  if (!text.includes(']:')) return false;
  const start = DEF_PREFIX.exec(text)![0].length;
  let open = -1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\') i++;
    else if (ch === '[') open = i;
    else if (ch === ']' && text[i + 1] === ':' && open <= start) return true;
  }
  return false;
}

/** A list item open at the top level: its content column, and whether its first line was empty. */
interface ListItem {
  col: number;
  empty: boolean;
}

/** A list item's first line: its marker, and the spaces before its content (none: an empty item). */
const ITEM = /^([-*+]|\d{1,9}[.)])(?:( +)\S| *$)/;
const THEMATIC_BREAK = /^([-*_])(?:[ \t]*\1){2,}[ \t]*$/;

/**
 * The top-level list item open after line `text` (`indent` is its leading whitespace), given
 * the one open before it. Certain, or undefined (the caller then treats indented openers as
 * ambiguous):
 * - A line indented at least to the content column (spaces only) continues the item (an item
 *   that began empty ends at a blank line right after it: splitChunks drops it there).
 * - A line at column 0 that starts a list item opens one: content column = marker width + the
 *   spaces after it (1–4), or + 1 (5 or more: indented code; or an empty item). Where it may
 *   be continuing a paragraph (not at a chunk start, no item open), only a line that can
 *   interrupt a paragraph counts (a bullet or `1.`/`1)` with content); after an open item, any
 *   marker starts one (micromark: a new container, never a lazy line). A thematic break, a
 *   tab after the marker, anything else: no item.
 */
function nextItem(item: ListItem | undefined, text: string, indent: string, atStart: boolean): ListItem | undefined {
  if (indent !== '') {
    if (item === undefined || indent.includes('\t') || indent.length < item.col) return undefined;
    return item.empty ? { col: item.col, empty: false } : item;
  }
  const m = ITEM.exec(text);
  if (!m || THEMATIC_BREAK.test(text)) return undefined;
  const marker = m[1]!;
  const spaces = m[2]?.length;
  if (!atStart && !item && (spaces === undefined || !/^(?:[-*+]|1[.)])$/.test(marker))) return undefined;
  return { col: marker.length + (spaces === undefined || spaces > 4 ? 1 : spaces), empty: spaces === undefined };
}

export function splitChunks(src: string): Chunk[] {
  const chunks: Chunk[] = [];
  let cur: Chunk = { start: 0, end: src.length, line: 0, ambiguous: false, defs: false };
  let mode: Mode = { kind: 'normal' };
  let prevBlank = true;
  /** The last line with text was indented 4 or more (maybe indented code: see below). */
  let lastIndented = false;
  let item: ListItem | undefined;
  /**
   * A line this walker took for fenced code or raw HTML may define a label: in an ambiguous
   * chunk that block may not be what it seemed (an indented fence before it may have been open).
   */
  let hiddenDefs = false;
  const close = (c: Chunk): Chunk => ({ ...c, defs: c.defs || (c.ambiguous && hiddenDefs) });
  let line = 0;
  for (let ls = 0; ls < src.length; line++) {
    const nl = src.indexOf('\n', ls);
    const le = nl === -1 ? src.length : nl;
    const text = src.slice(ls, le);
    const next = nl === -1 ? src.length : nl + 1;
    const blank = /^[ \t]*$/.test(text);
    if ((mode.kind === 'fence' || mode.kind === 'raw') && mayDefine(text)) hiddenDefs = true;
    if (mode.kind === 'fence') {
      const m = /^ {0,3}(`+|~+)[ \t]*$/.exec(text);
      if (m && m[1]![0] === mode.ch && m[1]!.length >= mode.len) mode = { kind: 'normal' };
    } else if (mode.kind === 'raw') {
      if (hasEnd(text, mode.end)) mode = { kind: 'normal' };
    } else if (mode.kind === 'block') {
      if (blank) mode = { kind: 'normal' };
      else if (mayDefine(text)) cur.defs = true;
    } else if (mode.kind === 'maybe7') {
      // An HTML block of type 7 or a paragraph: either ends at a blank line, but only a
      // paragraph is cut short by a fence or another HTML block.
      if (blank) mode = { kind: 'normal' };
      else {
        if (opener(text)) cur.ambiguous = true;
        if (mayDefine(text)) cur.defs = true;
      }
    } else if (!blank) {
      const indent = /^[ \t]*/.exec(text)![0];
      // After indented code, micromark reads a list item that could not interrupt a paragraph
      // (`3)`, an empty item) as a paragraph: no chunk starts there.
      const afterCode = lastIndented && /^(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)/.test(text);
      const atStart = indent === '' && prevBlank && !afterCode;
      if (atStart && ls > cur.start) {
        chunks.push(close({ ...cur, end: ls }));
        hiddenDefs = false;
        cur = { start: ls, end: src.length, line, ambiguous: false, defs: false };
      }
      item = nextItem(atStart ? undefined : item, text, indent, atStart);
      const rest = text.slice(indent.length);
      if (mayDefine(text)) cur.defs = true;
      const fence = FENCE_OPEN.exec(rest);
      const opens = fence !== null || rest.startsWith('<');
      if (opens && (indent.includes('\t') || indent.length > 0)) {
        // An indented fence or tag: in a list item, or at the top level? Unless it is certainly
        // in an item open since column 0 of this chunk, let the parser say.
        if ((indent.length <= 3 || indent.includes('\t')) && item === undefined) cur.ambiguous = true;
      } else if (fence) {
        const run = (fence[1] ?? fence[2])!;
        mode = { kind: 'fence', ch: run[0]!, len: run.length };
      } else if (rest.startsWith('<')) {
        const end = htmlRawEnd(rest);
        if (end !== undefined) {
          if (!hasEnd(rest.slice(2), end)) mode = { kind: 'raw', end };
        } else if (isHtmlBlockStart(rest)) {
          mode = { kind: 'block' };
        } else {
          mode = { kind: 'maybe7' };
        }
      }
    }
    if (blank && item?.empty) item = undefined;
    prevBlank = (mode.kind === 'normal' || mode.kind === 'maybe7') && blank;
    if (!blank) lastIndented = mode.kind !== 'fence' && mode.kind !== 'raw' && /^(?: {4}|\t| {1,3}\t)/.test(text);
    ls = next;
  }
  chunks.push(close(cur));
  return chunks;
}

/**
 * Whether a chunk's parse ends inside a block that may go on past the chunk: a fenced code block
 * without its closing fence, or an HTML block of type 1–5 without its end marker. `src` is the
 * chunk's text and `last` its tree's last top-level node.
 */
export function endsOpen(
  src: string,
  last: { type: string; position?: { start: { offset?: number }; end: { offset?: number } } } | undefined,
): boolean {
  if (!last?.position) return false;
  const text = src.slice(last.position.start.offset ?? 0, last.position.end.offset ?? src.length);
  if (last.type === 'code') {
    const open = /^ {0,3}(`{3,}|~{3,})/.exec(text);
    if (!open) return false;
    const lines = text.split('\n');
    const lastLine = lines.length > 1 ? lines[lines.length - 1]! : '';
    const m = /^ {0,3}(`+|~+)[ \t]*$/.exec(lastLine);
    return !(m && m[1]![0] === open[1]![0] && m[1]!.length >= open[1]!.length);
  }
  if (last.type === 'html') {
    const rest = text.replace(/^ {0,3}/, '');
    const end = htmlRawEnd(rest);
    return end !== undefined && !hasEnd(rest.slice(2), end);
  }
  return false;
}

/**
 * Where a top-level block left open at `from` closes: the offset just past its closing line (or
 * the end of `src`). `open` is the block's source so far (a fence or an HTML block of type 1–5).
 */
export function closeOf(src: string, from: number, open: string): number {
  const fence = /^ {0,3}(`{3,}|~{3,})/.exec(open);
  const end = fence ? undefined : htmlRawEnd(open.replace(/^ {0,3}/, ''));
  for (let ls = from; ls < src.length;) {
    const nl = src.indexOf('\n', ls);
    const le = nl === -1 ? src.length : nl + 1;
    const line = src.slice(ls, nl === -1 ? src.length : nl);
    if (fence) {
      const m = /^ {0,3}(`+|~+)[ \t]*$/.exec(line);
      if (m && m[1]![0] === fence[1]![0] && m[1]!.length >= fence[1]!.length) return le;
    } else if (end === undefined || hasEnd(line, end)) {
      return le;
    }
    ls = le;
  }
  return src.length;
}
