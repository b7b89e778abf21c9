import type { JsxAttribute } from './jsx.js';

/**
 * The parsed tree as the renderer reads it: mdast with the GFM, MDX and directive node types,
 * typed loosely (one shape for every node) so that each rule is a plain check of `type`.
 */
export interface MdNode {
  type: string;
  position?: { start: { line: number; column: number; offset?: number }; end: { offset?: number } };
  children?: MdNode[];
  value?: string;
  url?: string;
  alt?: string | null;
  depth?: number;
  ordered?: boolean | null;
  start?: number | null;
  name?: string | null;
  label?: string | null;
  /** A definition's or reference's label as in the source, normalized (escapes kept). */
  identifier?: string;
  attributes?: JsxAttribute[];
  data?: { dest?: [number, number]; directiveLabel?: boolean };
}

export const startOf = (n: MdNode): number => n.position?.start.offset ?? 0;
export const endOf = (n: MdNode): number => n.position?.end.offset ?? 0;

/** Visit every node, depth first, iteratively (deep nesting must not overflow the stack). */
export function walkTree(root: MdNode, fn: (node: MdNode, parent: MdNode | undefined) => boolean | void): void {
  const stack: [MdNode, MdNode | undefined][] = [[root, undefined]];
  while (stack.length > 0) {
    const [node, parent] = stack.pop()!;
    // Returning false skips the node's children.
    if (fn(node, parent) === false) continue;
    const kids = node.children;
    if (kids) for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i]!, node]);
  }
}

/** Depth of the tree, iteratively. */
export function treeDepth(tree: MdNode): number {
  let max = 0;
  const stack: [MdNode, number][] = [[tree, 1]];
  while (stack.length > 0) {
    const [node, d] = stack.pop()!;
    if (d > max) max = d;
    if (node.children) for (const c of node.children) stack.push([c, d + 1]);
  }
  return max;
}

/** The plain text of a node (text, code, image alt), as a heading's title reads. */
export function nodeText(n: MdNode): string {
  if (n.type === 'text' || n.type === 'inlineCode') return n.value ?? '';
  if (n.type === 'image') return n.alt ?? '';
  return n.children ? n.children.map(nodeText).join('') : '';
}

/** Whether a heading repeats a title (spacing, case and Unicode form aside). */
export function sameTitle(a: string, b: string): boolean {
  const norm = (s: string) => s.normalize('NFC').replace(/\s+/g, ' ').trim().toLowerCase();
  return norm(a) === norm(b);
}

/** An HTML node that is only comments and white space. */
export function onlyComments(value: string): boolean {
  return value.includes('<!--') && value.replace(/<!--[\s\S]*?(?:-->|$)/g, '').trim() === '';
}

/** Whether a node is taken out whatever else happens (an MDX import/export, an expression, a comment). */
export function alwaysRemoved(n: MdNode): boolean {
  return (
    n.type === 'mdxjsEsm' ||
    n.type === 'mdxFlowExpression' ||
    n.type === 'mdxTextExpression' ||
    (n.type === 'html' && onlyComments(n.value ?? ''))
  );
}
