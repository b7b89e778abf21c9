/**
 * Edits of an author's source at parsed positions (the magic-string idea): spans are removed or
 * overwritten by offset, and every byte outside an edited span is copied as it is. Nothing is
 * re-printed, so nothing the author did not write (escapes, re-wrapped fences, renumbered lists)
 * can appear in the output.
 */

/** Why a span was edited: each is a documented edit (docs/content.md). */
export type EditReason =
  'comment' | 'title-heading' | 'mdx-esm' | 'mdx-expression' | 'jsx' | 'jsx-label' | 'dedent' | 'link' | 'blank-line';

export interface Edit {
  start: number;
  end: number;
  /** The replacement ('' removes the span). */
  text: string;
  reason: EditReason;
  /** Set when whole lines are removed: the container prefix (`> `) those lines had. */
  lines?: string;
}

/**
 * Apply edits to `src`. Edits are taken by start (the longer first at the same start); an edit
 * that starts inside one already applied is inside a removed or replaced span and is dropped,
 * one that overlaps its end is clipped (only removals overlap: dedents and whole lines).
 */
export function applyEdits(src: string, edits: readonly Edit[]): { text: string; applied: Edit[] } {
  const sorted = [...edits].sort((a, b) => a.start - b.start || b.end - a.end);
  const applied: Edit[] = [];
  const out: string[] = [];
  /** Where in the output whole lines were removed, with their container prefix. */
  const sites: { at: number; prefix: string }[] = [];
  let length = 0;
  let at = 0;
  for (const e of sorted) {
    let start = e.start;
    if (start < at) {
      if (e.end <= at || e.text !== '') continue;
      start = at;
    }
    const kept = src.slice(at, start);
    out.push(kept, e.text);
    length += kept.length;
    if (e.lines !== undefined) sites.push({ at: length, prefix: e.lines });
    length += e.text.length;
    applied.push(start === e.start ? e : { ...e, start });
    at = Math.max(at, e.end);
  }
  out.push(src.slice(at));
  return { text: tidy(out.join(''), sites), applied };
}

const PREFIX_ONLY = /^[ \t>]*$/;

/**
 * Where whole lines were removed, keep the blocks around them as they were: two blank lines
 * that met become one, and two blocks that met (a comment between two paragraphs, a closing tag
 * between two tab contents) stay apart with a blank line (in a quote, a line with its `>`).
 */
function tidy(text: string, sites: { at: number; prefix: string }[]): string {
  let out = text;
  let last = -1;
  for (let i = sites.length - 1; i >= 0; i--) {
    const { at, prefix } = sites[i]!;
    if (at === last) continue;
    last = at;
    if (at === 0 || at > out.length) continue;
    const aboveStart = lineStart(out, at - 1);
    const above = out.slice(aboveStart, at - 1);
    const belowEnd = lineEndPastNewline(out, at);
    const below = out.slice(at, belowEnd).replace(/\n$/, '');
    const aboveBlank = PREFIX_ONLY.test(above);
    const belowBlank = at >= out.length || PREFIX_ONLY.test(below);
    if (aboveBlank && belowBlank) out = out.slice(0, at) + out.slice(belowEnd);
    else if (!aboveBlank && !belowBlank) out = `${out.slice(0, at)}${prefix.trimEnd()}\n${out.slice(at)}`;
  }
  return out;
}

/** Offset of the start of the line holding `i`. */
export function lineStart(src: string, i: number): number {
  return src.lastIndexOf('\n', i - 1) + 1;
}

/** Offset just past the end of the line holding `i` (past its newline, or the end of the text). */
export function lineEndPastNewline(src: string, i: number): number {
  const nl = src.indexOf('\n', i);
  return nl === -1 ? src.length : nl + 1;
}

/**
 * Remove a block-level span `[start, end)`. When it fills its lines (only spaces or container
 * markers such as `>` before it, only spaces after), the lines go with it (and `tidy` keeps the
 * blocks around apart); otherwise only the span goes.
 */
export function removeBlock(src: string, start: number, end: number, reason: EditReason, edits: Edit[]): void {
  const ls = lineStart(src, start);
  const prefix = src.slice(ls, start);
  const lastLineEnd = src.indexOf('\n', end);
  const suffix = src.slice(end, lastLineEnd === -1 ? src.length : lastLineEnd);
  if (!PREFIX_ONLY.test(prefix) || !/^[ \t]*$/.test(suffix)) {
    edits.push({ start, end, text: '', reason });
    return;
  }
  edits.push({ start: ls, end: lastLineEnd === -1 ? src.length : lastLineEnd + 1, text: '', reason, lines: prefix });
}

/** Leading blank lines and trailing whitespace off (not /\s+$/: quadratic on long runs of whitespace). */
export function stripEdges(s: string): string {
  let i = 0;
  for (;;) {
    const nl = s.indexOf('\n', i);
    if (nl === -1 || !/^[ \t]*$/.test(s.slice(i, nl))) break;
    i = nl + 1;
  }
  return (i > 0 ? s.slice(i) : s).trimEnd();
}
