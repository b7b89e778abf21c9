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

export class RenderError extends Error {}

export function renderArticle(source: string, relPath: string, settings: ExtractSettings): string {
  let tree: Root;
  try {
    tree = processor.runSync(processor.parse(source)) as Root;
    dropComments(tree);
    if (settings.markdownBaseUrl) absolutize(tree, settings.markdownBaseUrl, relPath);
    if (settings.markdownFormat === 'text') return toPlainText(tree);
    return String(processor.stringify(tree)).trim();
  } catch (e) {
    if (e instanceof RangeError) throw new RenderError('the Markdown is nested too deeply to process');
    throw new RenderError(`the Markdown could not be processed: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** Visit every node, iteratively (deep nesting must not overflow the stack). */
function walk(tree: Root, fn: (node: Nodes, parent: Parents | undefined, index: number) => void): void {
  const stack: [Nodes, Parents | undefined, number][] = [[tree, undefined, -1]];
  while (stack.length > 0) {
    const [node, parent, index] = stack.pop()!;
    fn(node, parent, index);
    if ('children' in node) {
      const kids = node.children as RootContent[];
      for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i]!, node as Parents, i]);
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
  const base = new URL(dir === '.' ? '' : `${dir.split('/').map(encodeURIComponent).join('/')}/`, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  walk(tree, (node) => {
    if ((node.type === 'link' || node.type === 'image' || node.type === 'definition') && node.url && !ABSOLUTE.test(node.url)) {
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
      case 'list':
        n.children.forEach((item, i) => {
          const marker = n.ordered ? `${(n.start ?? 1) + i}. ` : '- ';
          const first = blocks.length;
          for (const c of item.children) block(c, '');
          if (blocks.length > first) blocks[first] = marker + blocks[first];
          for (let k = first + 1; k < blocks.length; k++) blocks[k] = `  ${blocks[k]!.replace(/\n/g, '\n  ')}`;
          if (blocks.length > first + 1) {
            const merged = blocks.splice(first).join('\n');
            blocks.push(merged);
          }
        });
        return;
      case 'blockquote':
      case 'root':
        for (const c of n.children) block(c as Nodes, prefix);
        return;
      default:
        if ('children' in n) for (const c of n.children as Nodes[]) block(c, prefix);
    }
  };
  block(tree, '');
  // Lists render each item as one block; join items of one list without blank lines between them.
  return blocks.join('\n\n').trim();
}
