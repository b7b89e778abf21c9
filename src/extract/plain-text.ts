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
  const source = (n: MdNode) => src.slice(startOf(n), endOf(n));
  const inline = (n: MdNode): string => {
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
        return source(n);
      case 'mdxJsxTextElement': {
        const kids = n.children ?? [];
        const rule = jsxRule(n.name ?? null, kids.length > 0, opts.jsx);
        if (rule === 'remove') return '';
        if (rule === 'keep') return source(n);
        const label = jsxLabel(rule, n.attributes ?? []);
        const body = kids.map(inline).join('');
        return label && body ? `${label} ${body}` : label || body;
      }
      default:
        return n.children ? n.children.map(inline).join('') : '';
    }
  };

  const blocks: string[] = [];
  const children = (n: MdNode, prefix: string) => {
    for (const c of n.children ?? []) block(c, prefix);
  };
  /** Blocks of `n`'s children, collected apart (to be joined or labelled). */
  const collect = (fn: () => void): string[] => {
    const first = blocks.length;
    fn();
    return blocks.splice(first);
  };
  const labelled = (label: string, parts: string[]) => {
    if (parts.length === 0) blocks.push(`${label}:`);
    else blocks.push(`${label}: ${parts[0]}`, ...parts.slice(1));
  };

  const block = (n: MdNode, prefix: string): void => {
    if (n === opts.drop) return;
    switch (n.type) {
      case 'heading':
      case 'paragraph': {
        const t = inline(n).trim();
        if (t) blocks.push(prefix + t);
        return;
      }
      case 'code':
        if ((n.value ?? '').trim()) blocks.push(n.value!);
        return;
      case 'html': {
        const t = stripHtml(n.value ?? '').trim();
        if (t) blocks.push(t);
        return;
      }
      case 'table':
        blocks.push(
          (n.children ?? []).map((row) => (row.children ?? []).map((c) => inline(c).trim()).join(' | ')).join('\n'),
        );
        return;
      case 'list': {
        // One block per list: items on consecutive lines, their continuation lines indented.
        const lines: string[] = [];
        (n.children ?? []).forEach((item, i) => {
          const marker = n.ordered ? `${(n.start ?? 1) + i}. ` : '- ';
          const parts = collect(() => children(item, ''));
          lines.push(marker + parts.join('\n').replace(/\n/g, '\n  '));
        });
        if (lines.length > 0) blocks.push(lines.join('\n'));
        return;
      }
      case 'blockquote': {
        const parts = collect(() => children(n, prefix));
        const alert = parts.length > 0 ? ALERT.exec(parts[0]!) : null;
        if (alert)
          labelled(capital(alert[1]!), [parts[0]!.slice(alert[0].length).trim(), ...parts.slice(1)].filter(Boolean));
        else blocks.push(...parts);
        return;
      }
      case 'containerDirective': {
        const kids = n.children ?? [];
        const head = kids[0]?.data?.directiveLabel ? inline(kids[0]).trim() : '';
        const parts = collect(() => {
          for (const c of head ? kids.slice(1) : kids) block(c, prefix);
        });
        const label = capital(n.name ?? 'Note');
        if (head) blocks.push(`${label}: ${head}`, ...parts);
        else labelled(label, parts);
        return;
      }
      case 'leafDirective':
        blocks.push(source(n));
        return;
      case 'mdxjsEsm':
      case 'mdxFlowExpression':
      case 'definition':
      case 'thematicBreak':
        return;
      case 'mdxJsxFlowElement': {
        const kids = n.children ?? [];
        const rule = jsxRule(n.name ?? null, kids.length > 0, opts.jsx);
        if (rule === 'remove') return;
        if (rule === 'keep') {
          blocks.push(source(n));
          return;
        }
        const label = jsxLabel(rule, n.attributes ?? []);
        if (label) blocks.push(label);
        children(n, prefix);
        return;
      }
      default:
        children(n, prefix);
    }
  };
  block(tree, '');
  return blocks.join('\n\n').trim();
}
