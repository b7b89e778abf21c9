import path from 'node:path';
import type { Root, Nodes, Parents, RootContent } from 'mdast';
import { remark } from 'remark';
import remarkGfm from 'remark-gfm';
import type { ExtractSettings } from './types.js';

/**
 * The heavy half of article extraction: normalize the prepared Markdown with remark (GFM kept,
 * HTML comments dropped, relative links made absolute when `markdown.baseUrl` is set), and
 * optionally turn it into plain text. Loaded only when an article is actually pushed or checked.
 */

const STRINGIFY = {
  bullet: '-',
  emphasis: '*',
  strong: '*',
  fence: '`',
  fences: true,
  listItemIndent: 'one',
  rule: '-',
  incrementListMarker: true,
} as const;

const processor = remark().use(remarkGfm).data('settings', STRINGIFY).freeze();

export class RenderError extends Error {
  override name = 'RenderError';
}

/*
 * Limits that keep rendering fast on hostile input. The Markdown parser and printer slow down
 * sharply with nesting (a few thousand nested quotes or list items take minutes) and with the
 * amount of emphasis and link markup in one paragraph (quadratic), so such documents are
 * refused before they are parsed. Real articles stay far below these.
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

export function renderArticle(source: string, relPath: string, settings: ExtractSettings): string {
  const refused = precheck(source);
  if (refused) throw new RenderError(refused);
  let tree: Root;
  try {
    tree = processor.runSync(processor.parse(source)) as Root;
    if (treeDepth(tree) > MAX_TREE_DEPTH)
      throw new RenderError(`the Markdown is nested too deeply to process (more than ${MAX_TREE_DEPTH} levels)`);
    dropComments(tree);
    if (settings.markdownBaseUrl) absolutize(tree, settings.markdownBaseUrl, relPath);
    if (settings.markdownFormat === 'text') return toPlainText(tree);
    return String(processor.stringify(tree)).trim();
  } catch (e) {
    if (e instanceof RenderError) throw e;
    if (e instanceof RangeError) throw new RenderError('the Markdown is nested too deeply to process');
    throw new RenderError(`the Markdown could not be processed: ${(e as Error).message.split('\n')[0]}`);
  }
}

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

/** Depth of the tree, iteratively. */
function treeDepth(tree: Root): number {
  let max = 0;
  const stack: [Nodes, number][] = [[tree, 1]];
  while (stack.length > 0) {
    const [node, d] = stack.pop()!;
    if (d > max) max = d;
    if ('children' in node) for (const c of node.children as Nodes[]) stack.push([c, d + 1]);
  }
  return max;
}

/** Visit every node, iteratively (deep nesting must not overflow the stack). */
function walk(tree: Root, fn: (node: Nodes, parent: Parents | undefined, index: number) => void): void {
  const stack: [Nodes, Parents | undefined, number][] = [[tree, undefined, -1]];
  while (stack.length > 0) {
    const [node, parent, index] = stack.pop()!;
    fn(node, parent, index);
    if ('children' in node) {
      const kids = node.children as RootContent[];
      for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i]!, node, i]);
    }
  }
}

function dropComments(tree: Root): void {
  const doomed: [Parents, Nodes][] = [];
  walk(tree, (node, parent) => {
    if (node.type !== 'html' || !parent) return;
    const stripped = node.value.replace(/<!--[\s\S]*?(?:-->|$)/g, '');
    if (stripped.trim() === '') doomed.push([parent, node]);
    else node.value = stripped;
  });
  for (const [parent, node] of doomed) {
    const kids = parent.children as Nodes[];
    const i = kids.indexOf(node);
    if (i >= 0) kids.splice(i, 1);
  }
}

const ABSOLUTE = /^(?:[a-z][a-z0-9+.-]*:|\/\/|#)/i;

function absolutize(tree: Root, baseUrl: string, relPath: string): void {
  const dir = path.posix.dirname(relPath);
  const base = new URL(
    dir === '.' ? '' : `${dir.split('/').map(encodeURIComponent).join('/')}/`,
    baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`,
  );
  walk(tree, (node) => {
    if (
      (node.type === 'link' || node.type === 'image' || node.type === 'definition') &&
      node.url &&
      !ABSOLUTE.test(node.url)
    ) {
      try {
        node.url = new URL(node.url, base).href;
      } catch {
        // Leave a URL that cannot be resolved as it is.
      }
    }
  });
}

/** Plain text: headings, paragraphs and list items as lines; code and tables kept as text. */
function toPlainText(tree: Root): string {
  const blocks: string[] = [];
  const inline = (n: Nodes): string => {
    switch (n.type) {
      case 'text':
      case 'inlineCode':
        return n.value;
      case 'break':
        return '\n';
      case 'image':
      case 'imageReference':
        return n.alt ?? '';
      case 'html':
        return n.value.replace(/<[^>]*>/g, '');
      default:
        return 'children' in n ? (n.children as Nodes[]).map(inline).join('') : '';
    }
  };
  const block = (n: Nodes, prefix: string): void => {
    switch (n.type) {
      case 'heading':
      case 'paragraph': {
        const t = inline(n).trim();
        if (t) blocks.push(prefix + t);
        return;
      }
      case 'code':
        if (n.value.trim()) blocks.push(n.value);
        return;
      case 'html': {
        const t = n.value.replace(/<[^>]*>/g, '').trim();
        if (t) blocks.push(t);
        return;
      }
      case 'table':
        blocks.push(n.children.map((row) => row.children.map((c) => inline(c).trim()).join(' | ')).join('\n'));
        return;
      case 'list': {
        // One block per list: items on consecutive lines, their continuation lines indented.
        const lines: string[] = [];
        n.children.forEach((item, i) => {
          const marker = n.ordered ? `${(n.start ?? 1) + i}. ` : '- ';
          const first = blocks.length;
          for (const c of item.children) block(c, '');
          const parts = blocks.splice(first);
          lines.push(marker + parts.join('\n').replace(/\n/g, '\n  '));
        });
        if (lines.length > 0) blocks.push(lines.join('\n'));
        return;
      }
      case 'blockquote':
      case 'root':
        for (const c of n.children) block(c, prefix);
        return;
      default:
        if ('children' in n) for (const c of n.children as Nodes[]) block(c, prefix);
    }
  };
  block(tree, '');
  return blocks.join('\n\n').trim();
}
