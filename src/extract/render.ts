import { esmLines } from './article.js';
import { closeOf, splitChunks, endsOpen, type Chunk } from './chunks.js';
import { applyEdits, lineEndPastNewline, lineStart, removeBlock, stripEdges, type Edit } from './edits.js';
import { jsxLabel, jsxRule, labelMarkdown, type JsxSettings } from './jsx.js';
import { linkBase, mayHaveRelativeLink, resolveLink, writeDestination } from './links.js';
import { parser, type Flavor } from './md-parse.js';
import { simpleLinkEdits } from './simple-links.js';
import {
  alwaysRemoved,
  endOf,
  nodeText,
  onlyComments,
  sameTitle,
  startOf,
  treeDepth,
  walkTree,
  type MdNode,
} from './md-node.js';
import { toPlainText } from './plain-text.js';
import type { ExtractSettings, RenderInput } from './types.js';

/**
 * The heavy half of article extraction: what is sent for an article. In the Markdown format it
 * is the author's source with the documented edits applied at parsed positions (docs/content.md:
 * HTML comments, MDX imports/exports/expressions, JSX elements per `markdown.jsx`, a leading
 * level-1 heading that repeats the title, relative links made absolute with `markdown.baseUrl`);
 * every other byte is the author's. In the text format it is plain text built from the tree.
 * Loaded only when an article is actually pushed or checked.
 */

export type { RenderInput };

export class RenderError extends Error {
  override name = 'RenderError';
  constructor(
    message: string,
    /** 1-based line and column in the body, when known. */
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
  }
}

export function renderArticle(input: RenderInput, settings: ExtractSettings): string {
  return renderDetailed(input, settings).text;
}

/** The rendered text and, in the Markdown format, the edits that made it from the source. */
export function renderDetailed(
  input: RenderInput,
  settings: ExtractSettings,
  /** `chunks: false` parses the whole document at once (tests compare both ways). */
  opts: { chunks?: boolean } = {},
): { text: string; edits: Edit[] } {
  const refused = precheck(input.source);
  if (refused) throw new RenderError(refused);
  try {
    if (input.mdx === 'detected') {
      try {
        return renderAs(input, settings, 'mdx', input.source, opts);
      } catch (e) {
        if (!(e instanceof RenderError) || e.line === undefined) throw e;
        // Not valid MDX: Markdown, without the import/export lines.
        return renderAs(input, settings, 'md', withoutEsm(input.source), opts);
      }
    }
    return renderAs(input, settings, input.mdx === 'file' ? 'mdx' : 'md', input.source, opts);
  } catch (e) {
    if (e instanceof RenderError) throw e;
    if (e instanceof RangeError) throw new RenderError('the Markdown is nested too deeply to process');
    throw new RenderError(`the Markdown could not be processed: ${(e as Error).message.split('\n')[0]}`);
  }
}

/**
 * `view` is what is parsed: the source, or the source with its import/export lines blanked
 * (spaces, so every offset stays the same); edits apply to the source.
 */
function renderAs(
  input: RenderInput,
  settings: ExtractSettings,
  flavor: Flavor,
  view: string,
  opts: { chunks?: boolean },
): { text: string; edits: Edit[] } {
  if (settings.markdownFormat === 'text') {
    const tree = parseChecked(flavor, true, view, 0);
    const titleOffset = input.titleLine === undefined ? -1 : lineOffset(view, input.titleLine);
    const drop = titleHeading(tree, input, true, { src: view, titleOffset, map: (o) => o });
    return { text: toPlainText(tree, view, { drop, jsx: settings.jsx }), edits: [] };
  }
  return renderMarkdown(input, settings, flavor, view, opts.chunks !== false);
}

/** The source with its MDX import/export lines turned into spaces (same offsets). */
function withoutEsm(src: string): string {
  const lines = src.split('\n');
  const mask = esmLines(lines);
  return lines.map((l, i) => (mask[i] ? ' '.repeat(l.length) : l)).join('\n');
}

function parseChecked(flavor: Flavor, directives: boolean, text: string, line0: number): MdNode {
  let tree: MdNode;
  try {
    tree = parser(flavor, directives).parse(text) as unknown as MdNode;
  } catch (e) {
    // MDX syntax errors (vfile messages) carry a place, or name it in the message: "(3:1-3:7)".
    const m = e as { line?: number; column?: number; reason?: string; message?: string; name?: string };
    const reason = (m.reason ?? m.message ?? '').split('\n')[0]!;
    const at = /\((\d+):(\d+)(?:-\d+:\d+)?\)/.exec(reason);
    const line = m.line ?? (at ? Number(at[1]) : undefined);
    if (line === undefined || typeof m.name !== 'string') throw e;
    const column = m.column ?? (at ? Number(at[2]) : undefined);
    const text = reason.replace(/\s*\(\d+:\d+(?:-\d+:\d+)?\)/, '').replace(/\.$/, '');
    throw new RenderError(
      `invalid MDX: ${text}; fix the file, or rename it to .md to send it as Markdown`,
      line + line0,
      column,
    );
  }
  if (treeDepth(tree) > MAX_TREE_DEPTH)
    throw new RenderError(`the Markdown is nested too deeply to process (more than ${MAX_TREE_DEPTH} levels)`);
  return tree;
}

interface Ctx {
  src: string;
  input: RenderInput;
  base: URL | undefined;
  jsx: JsxSettings | undefined;
  edits: Edit[];
  /** Spaces to take off the start of a line (by its offset), for the content of unwrapped JSX. */
  dedent: Map<number, number>;
  /** The leading heading has not been looked at yet (a chunk of only removed nodes leaves it pending). */
  leadingPending: boolean;
  /** Offset in the source of the line with the title's heading (-1: none). */
  titleOffset: number;
}

function renderMarkdown(
  input: RenderInput,
  settings: ExtractSettings,
  flavor: Flavor,
  view: string,
  chunked: boolean,
): { text: string; edits: Edit[] } {
  const src = input.source;
  const ctx: Ctx = {
    src,
    input,
    base: settings.markdownBaseUrl ? linkBase(settings.markdownBaseUrl, input.relPath) : undefined,
    jsx: settings.jsx,
    edits: [],
    dedent: new Map(),
    leadingPending: input.titleLine === undefined,
    titleOffset: input.titleLine === undefined ? -1 : lineOffset(src, input.titleLine),
  };
  if (view !== src) removeBlanked(src, view, ctx.edits);
  if (flavor === 'mdx') collect(wholeUnit('mdx', view), ctx);
  else if (!chunked || !collectChunks(view, ctx)) collect(wholeUnit('md', view), ctx);
  for (const [ls, n] of ctx.dedent) {
    const spaces = /^ */.exec(src.slice(ls, ls + n))![0].length;
    if (spaces > 0) ctx.edits.push({ start: ls, end: ls + spaces, text: '', reason: 'dedent' });
  }
  const { text, applied } = applyEdits(src, ctx.edits);
  return { text: stripEdges(text), edits: applied };
}

/** Newlines in `src` between two offsets. */
function lineCount(src: string, from: number, to: number): number {
  let n = 0;
  for (let i = src.indexOf('\n', from); i !== -1 && i < to; i = src.indexOf('\n', i + 1)) n++;
  return n;
}

function lineOffset(src: string, line: number): number {
  let at = 0;
  for (let i = 0; i < line && at !== -1; i++) at = src.indexOf('\n', at) + 1 || -1;
  return at;
}

/** A parsed piece of the document, and where its offsets are in the source (undefined: nowhere). */
interface Unit {
  tree: MdNode;
  map: (offset: number, isEnd?: boolean) => number | undefined;
}

function wholeUnit(flavor: Flavor, view: string): Unit {
  return { tree: parseChecked(flavor, false, view, 0), map: (o) => o };
}

/** A line that is one HTML comment and nothing else: the comment as group 1. */
const LEADING_COMMENT = /^(<!--(?:(?!-->)[^\n])*-->)[ \t]*(?:\n|$)/;

/** Most text parsed at once: the memory a render takes stays flat in the article's size. */
const GROUP_BYTES = 64 * 1024;

/**
 * Parse only the chunks with something to edit (chunks.ts), in document order, a bounded
 * group at a time (each parser run has a fixed cost; each tree is dropped once read). An
 * ambiguous chunk is parsed alone first, to check where it ends (block structure does not
 * depend on link definitions). Link reference and footnote definitions are read first and put
 * before each group as stand-ins, so references resolve as in the whole document. Returns false
 * when only parsing the whole document is right.
 */
function collectChunks(view: string, ctx: Ctx): boolean {
  const chunks = splitChunks(view);
  const text = (c: Chunk) => view.slice(c.start, c.end);
  for (let i = 0; i < chunks.length; i++) {
    const c = chunks[i]!;
    if (!c.ambiguous || i === chunks.length - 1) continue;
    const t = text(c);
    const last = parseChecked('md', false, t, c.line).children?.at(-1);
    if (!endsOpen(t, last)) continue;
    // It ends inside a fence (or raw HTML) at the top level: that block goes on to its closing
    // line, and the chunks after it are found again from there.
    const close = closeOf(view, c.end, t.slice(startOf(last!)));
    const after = splitChunks(view.slice(close)).map((k) => ({
      ...k,
      start: k.start + close,
      end: k.end + close,
      line: k.line + chunks[i + 1]!.line + lineCount(view, c.end, close),
    }));
    const next = after.shift();
    c.end = next?.end ?? view.length;
    c.defs ||= next?.defs ?? false;
    chunks.splice(i + 1, chunks.length, ...after);
    const merged = text(c);
    if (i < chunks.length - 1 && endsOpen(merged, parseChecked('md', false, merged, c.line).children?.at(-1)))
      return false;
  }
  const firstContent = chunks.findIndex(
    (c) =>
      text(c)
        .replace(/<!--[\s\S]*?(?:-->|$)/g, '')
        .trim() !== '',
  );
  const titleChunk = (c: Chunk, i: number) =>
    (ctx.leadingPending && i <= firstContent) || (ctx.titleOffset >= c.start && ctx.titleOffset < c.end);
  /** Edits found without the parser, made once it is certain that chunks are parsed alone. */
  const simple: Edit[] = [];
  const later: (() => void)[] = [];
  const needed = chunks.flatMap((c, i) => {
    const t = text(c);
    if (titleChunk(c, i)) return [i];
    // A chunk that opens with a one-line comment (an HTML block there: a chunk starts at the top
    // level) and has nothing else to edit, such as `<!-- link references -->` over the
    // definitions, needs no parser: the comment goes as `collect` would take it out.
    const lead = t.startsWith('<!--') ? LEADING_COMMENT.exec(t) : null;
    const rest = lead ? t.slice(lead[0].length) : t;
    if (rest.includes('<!--')) return [i];
    if (ctx.base !== undefined && mayHaveRelativeLink(rest) && lead) return [i];
    if (lead) {
      later.push(() => comments(ctx, c.start, c.start + lead[1]!.length, true));
      return [];
    }
    if (ctx.base === undefined || !mayHaveRelativeLink(t)) return [];
    // Only links to make absolute: without the parser when that is certain.
    if (c.ambiguous || c.defs) return [i];
    return simpleLinkEdits(t, c.start, ctx.base, simple) ? [] : [i];
  });
  // Definitions change what is edited only through references: in the links to make absolute,
  // and in the text of a heading that may repeat the title (comments do not depend on them: raw
  // HTML binds more tightly than brackets). Without either, no stand-ins are needed.
  const refsMatter =
    ctx.base !== undefined || needed.some((i) => titleChunk(chunks[i]!, i) && text(chunks[i]!).includes('['));
  let ghosts = '';
  if (refsMatter && chunks.some((c) => c.defs)) {
    const labels: string[] = [];
    forGroups(
      chunks.flatMap((c, i) => (c.defs ? [i] : [])),
      (which) => {
        walkTree(batch(view, chunks, which, '').tree, (n) => {
          // The identifier, not the label: that has its escapes decoded (`[a \\[ b]` → "a [ b").
          if (n.type === 'definition') labels.push(`[${n.identifier ?? ''}]: x`);
          else if (n.type === 'footnoteDefinition') labels.push(`[^${n.identifier ?? ''}]: x`);
        });
      },
    );
    // Each alone (a definition after a footnote's line would be a lazy line of its paragraph),
    // then a line that ends the last footnote (the first chunk may begin with an indented line).
    ghosts = labels.length > 0 ? `${labels.join('\n\n')}\n\n<!---->\n\n` : '';
    if (ghosts.length > GROUP_BYTES) return false;
  }
  ctx.edits.push(...simple);
  for (const fn of later) fn();
  forGroups(needed, (which) => collect(batch(view, chunks, which, ghosts), ctx));
  return true;

  /** Chunk indexes in groups of about GROUP_BYTES of text. */
  function forGroups(which: number[], fn: (group: number[]) => void): void {
    let group: number[] = [];
    let size = 0;
    for (const i of which) {
      const c = chunks[i]!;
      if (group.length > 0 && size + (c.end - c.start) > GROUP_BYTES) {
        fn(group);
        group = [];
        size = 0;
      }
      group.push(i);
      size += c.end - c.start;
    }
    if (group.length > 0) fn(group);
  }
}

/**
 * Chunks `which` parsed as one text, after `ghosts` (definitions that map nowhere). A chunk that
 * ends with indented lines is followed by an empty comment (mapping nowhere too), so the next
 * chunk starts as it does in the document (see splitChunks).
 */
function batch(view: string, chunks: Chunk[], which: number[], ghosts: string): Unit {
  const segs: { at: number; src: number; len: number }[] = [];
  let text = ghosts;
  let prev = '';
  for (const i of which) {
    const c = chunks[i]!;
    const lastLine = prev.trimEnd().split('\n').at(-1) ?? '';
    if (/^(?: {4}|\t| {1,3}\t)/.test(lastLine)) text += '<!---->\n\n';
    segs.push({ at: text.length, src: c.start, len: c.end - c.start });
    prev = view.slice(c.start, c.end);
    text += prev;
  }
  const tree = parseChecked('md', false, text, 0);
  const map = (o: number, isEnd = false): number | undefined => {
    // Segments are few: a linear search from the end is enough.
    for (let k = segs.length - 1; k >= 0; k--) {
      const s = segs[k]!;
      if (isEnd ? o > s.at && o <= s.at + s.len : o >= s.at && o < s.at + s.len) return s.src + (o - s.at);
    }
    return undefined;
  };
  return { tree, map };
}

/** Remove from the source each run of lines the view blanked (import/export statements). */
function removeBlanked(src: string, view: string, edits: Edit[]): void {
  let run = -1;
  for (let ls = 0; ls <= src.length;) {
    const le = lineEndPastNewline(src, ls);
    const blanked = ls < src.length && view.slice(ls, le).trim() === '' && src.slice(ls, le).trim() !== '';
    if (blanked && run < 0) run = ls;
    if (!blanked && run >= 0) {
      removeBlock(src, run, src[ls - 1] === '\n' ? ls - 1 : ls, 'mdx-esm', edits);
      run = -1;
    }
    if (ls >= src.length) break;
    ls = le;
  }
}

/** The level-1 heading to leave out: the one the title came from, or a leading one repeating it. */
function titleHeading(
  tree: MdNode,
  input: RenderInput,
  leading: boolean,
  where: { src: string; titleOffset: number; map: Unit['map'] },
): MdNode | undefined {
  if (input.titleLine !== undefined) {
    let found: MdNode | undefined;
    walkTree(tree, (n) => {
      if (found) return false;
      if (n.type !== 'heading' || n.depth !== 1) return true;
      const at = where.map(startOf(n));
      if (at !== undefined && lineStart(where.src, at) === where.titleOffset) found = n;
    });
    return found;
  }
  if (!leading) return undefined;
  const first = tree.children?.find((n) => where.map(startOf(n)) !== undefined && !alwaysRemoved(n));
  return first?.type === 'heading' && first.depth === 1 && sameTitle(nodeText(first), input.title) ? first : undefined;
}

const FLOW_PARENTS = new Set([
  'root',
  'blockquote',
  'listItem',
  'footnoteDefinition',
  'containerDirective',
  'mdxJsxFlowElement',
]);

function collect(unit: Unit, ctx: Ctx): void {
  const { tree, map } = unit;
  const drop = titleHeading(tree, ctx.input, ctx.leadingPending, { src: ctx.src, titleOffset: ctx.titleOffset, map });
  if (ctx.leadingPending && tree.children?.some((n) => map(startOf(n)) !== undefined && !alwaysRemoved(n)))
    ctx.leadingPending = false;
  const { src, edits } = ctx;
  walkTree(tree, (n, parent) => {
    if (n.type === 'root') return true;
    const s = map(startOf(n));
    const e = map(endOf(n), true);
    // A stand-in definition (it maps nowhere).
    if (s === undefined || e === undefined) return false;
    switch (n.type) {
      case 'heading':
        if (n !== drop) return true;
        removeBlock(src, s, e, 'title-heading', edits);
        return false;
      case 'html':
        comments(ctx, s, e, parent !== undefined && FLOW_PARENTS.has(parent.type));
        return false;
      case 'mdxjsEsm':
      case 'mdxFlowExpression':
        removeBlock(src, s, e, n.type === 'mdxjsEsm' ? 'mdx-esm' : 'mdx-expression', edits);
        return false;
      case 'mdxTextExpression':
        edits.push({ start: s, end: e, text: '', reason: 'mdx-expression' });
        return false;
      case 'mdxJsxFlowElement':
      case 'mdxJsxTextElement':
        return jsxEdits(n, s, e, map, ctx);
      case 'link':
      case 'image':
      case 'definition':
        linkEdit(n, map, ctx);
        return true;
      case 'code':
      case 'inlineCode':
        return false;
      default:
        return true;
    }
  });
}

function comments(ctx: Ctx, s: number, e: number, flow: boolean): void {
  // An HTML block left open in a list item ends before or after the blank lines that follow it,
  // by what comes next (micromark): those are never part of what is removed, so a chunk parsed
  // without what follows it gives the same edit.
  if (flow) while (e > s && ' \t\n'.includes(ctx.src[e - 1]!)) e--;
  const slice = ctx.src.slice(s, e);
  if (!slice.includes('<!--')) return;
  if (flow && onlyComments(slice)) {
    removeBlock(ctx.src, s, e, 'comment', ctx.edits);
    return;
  }
  for (const m of slice.matchAll(/<!--[\s\S]*?(?:-->|$)/g)) {
    const cs = s + m.index;
    const ce = cs + m[0].length;
    if (flow) removeBlock(ctx.src, cs, ce, 'comment', ctx.edits);
    else ctx.edits.push({ start: cs, end: ce, text: '', reason: 'comment' });
  }
}

function linkEdit(n: MdNode, map: Unit['map'], ctx: Ctx): void {
  const dest = n.data?.dest;
  if (!ctx.base || !dest) return;
  const href = resolveLink(n.url ?? '', ctx.base);
  if (href === undefined) return;
  const ds = map(dest[0]);
  const de = map(dest[1], true);
  if (ds === undefined || de === undefined) return;
  ctx.edits.push({ start: ds, end: de, text: writeDestination(href, ctx.src[ds - 1] === '<'), reason: 'link' });
}

/** Edits for one JSX element by its rule; returns whether to go on into its content. */
function jsxEdits(n: MdNode, s: number, e: number, map: Unit['map'], ctx: Ctx): boolean {
  const { src, edits } = ctx;
  const kids = n.children ?? [];
  const flow = n.type === 'mdxJsxFlowElement';
  const rule = jsxRule(n.name ?? null, kids.length > 0, ctx.jsx);
  if (rule === 'keep') return true;
  const label = rule === 'remove' ? '' : jsxLabel(rule, n.attributes ?? []);
  const remove = (a: number, b: number) =>
    flow ? removeBlock(src, a, b, 'jsx', edits) : edits.push({ start: a, end: b, text: '', reason: 'jsx' });
  if (rule === 'remove' || kids.length === 0) {
    if (label !== '') edits.push({ start: s, end: e, text: labelMarkdown(label, flow), reason: 'jsx-label' });
    else remove(s, e);
    return false;
  }
  const first = map(startOf(kids[0]!)) ?? e;
  const last = map(endOf(kids[kids.length - 1]!), true) ?? s;
  const openEnd = src.lastIndexOf('>', first - 1) + 1;
  const closeStart = src.lastIndexOf('<', e - 1);
  if (openEnd <= s || closeStart < last) return true;
  if (label !== '') {
    const sep = src[openEnd] === '\n' || openEnd >= e ? '' : ' ';
    edits.push({ start: s, end: openEnd, text: labelMarkdown(label, flow) + sep, reason: 'jsx-label' });
  } else {
    remove(s, openEnd);
  }
  remove(closeStart, e);
  if (flow) dedentContent(ctx, n, s, closeStart, map);
  return true;
}

/**
 * The content of an unwrapped element, when its tags stand on their own lines, loses the
 * indentation it has beyond the opening tag's (JSX content is often indented under its tag):
 * each child block by its own least indentation, so a fenced block stays a fence.
 */
function dedentContent(ctx: Ctx, n: MdNode, s: number, closeStart: number, map: Unit['map']): void {
  const { src } = ctx;
  const tagLine = lineStart(src, s);
  if (src.slice(tagLine, s).trim() !== '' || src.slice(lineStart(src, closeStart), closeStart).trim() !== '') return;
  const tagIndent = s - tagLine;
  for (const child of n.children ?? []) {
    const cs = map(startOf(child));
    const ce = map(endOf(child), true);
    if (cs === undefined || ce === undefined) continue;
    let min = Infinity;
    const starts: number[] = [];
    for (let ls = lineStart(src, cs); ls < ce; ls = lineEndPastNewline(src, ls)) {
      starts.push(ls);
      const line = src.slice(ls, lineEndPastNewline(src, ls)).replace(/\n$/, '');
      if (line.trim() !== '') min = Math.min(min, /^ */.exec(line)![0].length);
      if (lineEndPastNewline(src, ls) >= src.length) break;
    }
    const k = min === Infinity ? 0 : min - tagIndent;
    if (k > 0) for (const ls of starts) ctx.dedent.set(ls, (ctx.dedent.get(ls) ?? 0) + k);
  }
}

/*
 * Limits that keep rendering fast on hostile input. The Markdown parser slows down sharply with
 * nesting (a few thousand nested quotes or list items take minutes) and with the amount of
 * emphasis and link markup in one paragraph (quadratic), so such documents are refused before
 * they are parsed. Real articles stay far below these.
 */

/** Most levels of block nesting (quotes and list items). */
export const MAX_NESTING = 32;
/** Most depth of the parsed tree (block containers plus inline nesting such as emphasis). */
export const MAX_TREE_DEPTH = 100;
/**
 * Most inline parsing work: the sum, over paragraphs (and table rows) with more than
 * INLINE_FREE emphasis and bracket characters, of the square of that number. 4,000,000 is one
 * paragraph of 2,000 of them (about a second of parsing at worst). Paragraphs below INLINE_FREE
 * cost about what their length does, and do not count.
 */
export const MAX_INLINE_WORK = 4_000_000;
const INLINE_FREE = 256;

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const QUOTE = /[ \t]*>/y;
const LIST_MARKER = /[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$)/y;
/** Lines that start another block (they end a table; a paragraph may continue lazily after them). */
const BLOCK_START = /^ {0,3}(?:>|#{1,6}(?:[ \t]|$)|[-*+](?:[ \t]|$)|\d{1,9}[.)](?:[ \t]|$)|`{3,}|~{3,}|<)|^(?: {4}|\t)/;
const DELIMITER_ROW = /^ {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;
const INLINE_MARKS = /[*_~[\]]/g;

function indentWidth(s: string): number {
  let width = 0;
  for (const ch of s) {
    if (ch === ' ') width++;
    else if (ch === '\t') width += 4 - (width % 4);
    else break;
  }
  return width;
}

function cells(row: string): number {
  return row
    .trim()
    .replace(/^\|/, '')
    .replace(/(?<!\\)\|$/, '')
    .split(/(?<!\\)\|/).length;
}

/** A GFM table starts here: a header row and a delimiter row with as many cells. */
function tableStart(header: string, next: string | undefined): boolean {
  return (
    next !== undefined &&
    /^ {0,3}\S/.test(header) &&
    header.includes('|') &&
    next.includes('|') &&
    DELIMITER_ROW.test(next) &&
    cells(header) === cells(next)
  );
}

/**
 * A cheap, conservative check of the source without parsing it. Block nesting per line: the `>`
 * and list markers it opens, plus the list items of earlier lines its indentation keeps it in.
 * Inline work: emphasis and bracket characters per paragraph (each table row is its own).
 * Returns why the source is refused, or undefined.
 */
function precheck(source: string): string | undefined {
  const lines = source.split('\n');
  const open: number[] = []; // content columns of the list items still open
  let fence: string | undefined;
  let inTable = false;
  let marks = 0; // in the current paragraph
  let work = 0;
  let prevBlank = true;
  const cost = (m: number) => (m > INLINE_FREE ? m * m : 0);
  const endParagraph = () => {
    work += cost(marks);
    marks = 0;
  };
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n] as string;
    if (fence) {
      if (new RegExp(`^ {0,3}${fence[0]}{${fence.length},}\\s*$`).test(line)) fence = undefined;
      continue;
    }
    const f = FENCE.exec(line);
    if (f) {
      endParagraph();
      inTable = false;
      fence = f[1];
      prevBlank = false;
      continue;
    }
    // Blank as CommonMark has it: spaces and tabs only (a line of no-break spaces continues a paragraph).
    if (/^[ \t]*$/.test(line)) {
      endParagraph();
      inTable = false;
      prevBlank = true;
      continue;
    }

    const width = indentWidth(line);
    while (open.length > 0 && (open[open.length - 1] as number) > width) open.pop();
    let depth = open.length;
    let pos = 0;
    for (;;) {
      QUOTE.lastIndex = pos;
      if (QUOTE.test(line)) {
        pos = QUOTE.lastIndex;
      } else {
        LIST_MARKER.lastIndex = pos;
        if (!LIST_MARKER.test(line)) break;
        pos = LIST_MARKER.lastIndex;
        open.push(indentWidth(line.slice(0, pos).replace(/[^ \t]/g, ' ')));
      }
      if (++depth > MAX_NESTING)
        return `the Markdown is nested too deeply to process (more than ${MAX_NESTING} levels of quotes or lists, line ${n + 1} of the body)`;
    }

    if (inTable && BLOCK_START.test(line)) inTable = false;
    if (!inTable && prevBlank && tableStart(line, lines[n + 1])) {
      endParagraph();
      inTable = true;
    }
    const count = line.match(INLINE_MARKS)?.length ?? 0;
    if (inTable) work += cost(count);
    else marks += count;
    if (work + cost(marks) > MAX_INLINE_WORK) {
      return `the Markdown has too much emphasis or link markup in one place to process (line ${n + 1} of the body)`;
    }
    prevBlank = false;
  }
  return undefined;
}
