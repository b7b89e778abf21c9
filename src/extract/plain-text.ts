import { jsxLabel, jsxRule, type JsxSettings } from './jsx.js';
import { endOf, startOf, type MdNode } from './md-node.js';

/**
 * `markdown.format: "text"`: plain text from the tree. Headings, paragraphs and list items
 * become lines; code and table cells are kept as text; GitHub/DocFX alerts (`> [!NOTE]`) and
 * admonitions (`:::tip[Title]`) read "Note: …" and "Tip: Title"; JSX elements follow
 * `markdown.jsx`; a directive that is not a block (`:abbr[…]`) is kept as written.
 */

export interface TextOptions {
  /** The heading to leave out (the title's). */
  drop: MdNode | undefined;
  jsx: JsxSettings | undefined;
}

const ALERT = /^\[!([A-Za-z]+)\][ \t]*(?:\n|$)/;

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
}

function stripHtml(value: string): string {
  return value.replace(/<!--[\s\S]*?(?:-->|$)/g, '').replace(/<[^>]*>/g, '');
}

export function toPlainText(tree: MdNode, src: string, opts: TextOptions): string {
  const out = new TextBlocks(src, opts);
  out.block(tree);
  return out.blocks.join('\n\n').trim();
}

/**
 * The blocks of text written so far, and how a node becomes blocks: by its kind's writer (below),
 * or, for a kind without one (the root, and containers), by its children's.
 */
class TextBlocks {
  readonly blocks: string[] = [];
  constructor(
    readonly src: string,
    readonly opts: TextOptions,
  ) {}

  block(n: MdNode): void {
    if (n === this.opts.drop) return;
    const write = BLOCK_WRITERS.get(n.type);
    if (write) write(n, this);
    else this.children(n);
  }

  children(n: MdNode): void {
    for (const c of n.children ?? []) this.block(c);
  }

  /** The blocks `fn` writes, taken apart (to be joined or labelled). */
  collect(fn: () => void): string[] {
    const first = this.blocks.length;
    fn();
    return this.blocks.splice(first);
  }

  /** `Label: first part`, then the other parts; `Label:` alone when there are none. */
  labelled(label: string, parts: string[]): void {
    if (parts.length === 0) this.blocks.push(`${label}:`);
    else this.blocks.push(`${label}: ${parts[0]}`, ...parts.slice(1));
  }

  inline(n: MdNode): string {
    return inlineText(n, this.src, this.opts.jsx);
  }

  source(n: MdNode): string {
    return this.src.slice(startOf(n), endOf(n));
  }
}

/** An inline node (and what it holds) as text. */
function inlineText(n: MdNode, src: string, jsx: JsxSettings | undefined): string {
  const inline = (c: MdNode) => inlineText(c, src, jsx);
  switch (n.type) {
    case 'text':
    case 'inlineCode':
      return n.value ?? '';
    case 'break':
      return '\n';
    case 'image':
    case 'imageReference':
      return n.alt ?? '';
    case 'html':
      return stripHtml(n.value ?? '');
    case 'mdxTextExpression':
      return '';
    case 'textDirective':
      return src.slice(startOf(n), endOf(n));
    case 'mdxJsxTextElement': {
      const kids = n.children ?? [];
      const rule = jsxRule(n.name ?? null, kids.length > 0, jsx);
      if (rule === 'remove') return '';
      if (rule === 'keep') return src.slice(startOf(n), endOf(n));
      const label = jsxLabel(rule, n.attributes ?? []);
      const body = kids.map(inline).join('');
      return label && body ? `${label} ${body}` : label || body;
    }
    default:
      return n.children ? n.children.map(inline).join('') : '';
  }
}

type BlockWriter = (n: MdNode, out: TextBlocks) => void;

/** A heading or a paragraph: one line of its inline text. */
const writeLine: BlockWriter = (n, out) => {
  const t = out.inline(n).trim();
  if (t) out.blocks.push(t);
};

/** A table: one row a line, cells joined by ` | `. */
const writeTable: BlockWriter = (n, out) => {
  out.blocks.push(
    (n.children ?? []).map((row) => (row.children ?? []).map((c) => out.inline(c).trim()).join(' | ')).join('\n'),
  );
};

/** One block per list: items on consecutive lines, their continuation lines indented. */
const writeList: BlockWriter = (n, out) => {
  const lines: string[] = [];
  (n.children ?? []).forEach((item, i) => {
    const marker = n.ordered ? `${(n.start ?? 1) + i}. ` : '- ';
    const parts = out.collect(() => out.children(item));
    lines.push(marker + parts.join('\n').replace(/\n/g, '\n  '));
  });
  if (lines.length > 0) out.blocks.push(lines.join('\n'));
};

/** A quote's blocks as they are; a GitHub/DocFX alert (`> [!NOTE]`) reads "Note: …". */
const writeBlockquote: BlockWriter = (n, out) => {
  const parts = out.collect(() => out.children(n));
  const alert = parts.length > 0 ? ALERT.exec(parts[0]!) : null;
  if (alert)
    out.labelled(capital(alert[1]!), [parts[0]!.slice(alert[0].length).trim(), ...parts.slice(1)].filter(Boolean));
  else out.blocks.push(...parts);
};

/** An admonition (`:::tip[Title]`) reads "Tip: Title", then its blocks. */
const writeAdmonition: BlockWriter = (n, out) => {
  const kids = n.children ?? [];
  const head = kids[0]?.data?.directiveLabel ? out.inline(kids[0]).trim() : '';
  const parts = out.collect(() => {
    for (const c of head ? kids.slice(1) : kids) out.block(c);
  });
  const label = capital(n.name ?? 'Note');
  if (head) out.blocks.push(`${label}: ${head}`, ...parts);
  else out.labelled(label, parts);
};

/** A JSX element as `markdown.jsx` says: removed, kept as written, or its label then its children. */
const writeJsxFlow: BlockWriter = (n, out) => {
  const kids = n.children ?? [];
  const rule = jsxRule(n.name ?? null, kids.length > 0, out.opts.jsx);
  if (rule === 'remove') return;
  if (rule === 'keep') {
    out.blocks.push(out.source(n));
    return;
  }
  const label = jsxLabel(rule, n.attributes ?? []);
  if (label) out.blocks.push(label);
  out.children(n);
};

const skip: BlockWriter = () => {};

/** How each kind of block node is written (a kind not listed is written as its children). */
const BLOCK_WRITERS = new Map<string, BlockWriter>([
  ['heading', writeLine],
  ['paragraph', writeLine],
  [
    'code',
    (n, out) => {
      if ((n.value ?? '').trim()) out.blocks.push(n.value!);
    },
  ],
  [
    'html',
    (n, out) => {
      const t = stripHtml(n.value ?? '').trim();
      if (t) out.blocks.push(t);
    },
  ],
  ['table', writeTable],
  ['list', writeList],
  ['blockquote', writeBlockquote],
  ['containerDirective', writeAdmonition],
  // A leaf directive (`::name[…]{…}`) is kept as written.
  ['leafDirective', (n, out) => out.blocks.push(out.source(n))],
  ['mdxjsEsm', skip],
  ['mdxFlowExpression', skip],
  ['definition', skip],
  ['thematicBreak', skip],
  ['mdxJsxFlowElement', writeJsxFlow],
]);
