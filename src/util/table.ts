import stringWidth from 'string-width';
import { safeText } from './safe-text.js';

/**
 * Plain text tables for people. Every cell is untrusted text: it is shown on one line with its
 * control characters escaped (`safeText`), measured in terminal columns (wide CJK and emoji count
 * 2, combining marks 0: string-width), and cut on whole graphemes, so that any text lines up.
 */

/**
 * A cell: its text; or its text with a paint (a colour) applied after it is escaped, cut and
 * measured, and/or `middle` to cut this cell in the middle (a URL in a column of titles).
 */
export type Cell = string | { text: string; paint?: (s: string) => string; middle?: boolean };

export interface TableOptions {
  /** The widest a cell may be in a column that can be cut (default 48). */
  maxWidth?: number;
  /**
   * The width of the whole line (a terminal's columns). When rows are wider, the columns that may
   * be cut shrink, the widest first (down to 4 columns each; headers are cut too).
   */
  width?: number;
  /** Columns never cut (ids that people copy). */
  keep?: readonly number[];
  /** Columns cut in the middle (paths and URLs: the identifying end stays). */
  middle?: readonly number[];
  indent?: string;
}

const GAP = 2;
/** The narrowest a column that may be cut becomes. */
const MIN = 4;
/** Made when first needed: building a segmenter costs ~15 ms, and most runs print no table. */
let segmenter: Intl.Segmenter | undefined;

/** Display width in terminal columns (ANSI colour sequences do not count). */
export function displayWidth(s: string): number {
  return stringWidth(s);
}

function graphemes(s: string): string[] {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  return Array.from(segmenter.segment(s), (g) => g.segment);
}

/** Cut to at most `width` columns, ending in an ellipsis when cut. */
export function fit(s: string, width: number): string {
  if (displayWidth(s) <= width) return s;
  if (width <= 0) return '';
  let out = '';
  let w = 0;
  for (const g of graphemes(s)) {
    const gw = displayWidth(g);
    if (w + gw > width - 1) break;
    out += g;
    w += gw;
  }
  return `${out}…`;
}

/** Cut to at most `width` columns by taking out the middle: `knowledge/guides/…/returns/label.md`. */
export function fitMiddle(s: string, width: number): string {
  if (displayWidth(s) <= width) return s;
  if (width <= 2) return fit(s, width);
  const room = width - 1;
  // The end identifies a path or URL (the file name, the page): it gets three quarters.
  const headRoom = Math.floor(room / 4);
  const gs = graphemes(s);
  let head = '';
  let w = 0;
  let i = 0;
  for (; i < gs.length; i++) {
    const gw = displayWidth(gs[i] as string);
    if (w + gw > headRoom) break;
    head += gs[i] as string;
    w += gw;
  }
  let tail = '';
  let tw = 0;
  for (let j = gs.length - 1; j >= i; j--) {
    const gw = displayWidth(gs[j] as string);
    if (w + tw + gw > room) break;
    tail = (gs[j] as string) + tail;
    tw += gw;
  }
  return `${head}…${tail}`;
}

function textOf(c: Cell): string {
  return safeText(typeof c === 'string' ? c : c.text);
}

/** The width of each column: natural (capped), then shrunk to fit `opts.width`. */
function columnWidths(headers: readonly string[], rows: readonly string[][], opts: TableOptions): number[] {
  const max = opts.maxWidth ?? 48;
  const keep = new Set(opts.keep ?? []);
  const natural = headers.map((h, i) => {
    const widest = Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? '')));
    return keep.has(i) ? widest : Math.min(widest, Math.max(max, displayWidth(h)));
  });
  if (opts.width === undefined) return natural;
  const floor = headers.map((_, i) => (keep.has(i) ? (natural[i] as number) : Math.min(natural[i] as number, MIN)));
  const widths = [...natural];
  const line = () => (opts.indent ?? '  ').length + widths.reduce((a, b) => a + b, 0) + GAP * (widths.length - 1);
  // Shrink the widest column that can still shrink, down to the next widest: wide columns give first.
  for (let excess = line() - opts.width; excess > 0; excess = line() - opts.width) {
    const shrinkable = widths.map((w, i) => i).filter((i) => (widths[i] as number) > (floor[i] as number));
    if (shrinkable.length === 0) break;
    const widest = shrinkable.reduce((a, b) => ((widths[b] as number) > (widths[a] as number) ? b : a));
    const w = widths[widest] as number;
    const second = Math.max(0, ...widths.filter((_, i) => i !== widest));
    widths[widest] = Math.max(floor[widest] as number, w - Math.max(1, Math.min(excess, w - second)));
  }
  return widths;
}

/** A plain text table: columns padded to their widest cell; cells cut to fit (see TableOptions). */
export function table(headers: readonly string[], rows: readonly (readonly Cell[])[], opts: TableOptions = {}): string {
  const texts = rows.map((r) => r.map(textOf));
  const heads = headers.map((h) => safeText(h));
  const widths = columnWidths(heads, texts, opts);
  const middle = new Set(opts.middle ?? []);
  const indent = opts.indent ?? '  ';
  const render = (cells: readonly string[], paints: readonly (Cell | undefined)[]) =>
    (
      indent +
      cells
        .map((text, i) => {
          const w = widths[i] as number;
          const cell = paints[i];
          const style = cell !== undefined && typeof cell !== 'string' ? cell : undefined;
          const cut = middle.has(i) || style?.middle ? fitMiddle(text, w) : fit(text, w);
          const shown = style?.paint ? style.paint(cut) : cut;
          return i === cells.length - 1 ? shown : shown + ' '.repeat(Math.max(0, w - displayWidth(cut)));
        })
        .join(' '.repeat(GAP))
    ).trimEnd();
  return [render(heads, []), ...texts.map((t, r) => render(t, rows[r] ?? []))].join('\n');
}
