import type { Root } from 'mdast';
import { remark } from 'remark';
import remarkDirective from 'remark-directive';
import remarkGfm from 'remark-gfm';
import remarkMdx from 'remark-mdx';

/**
 * The Markdown parsers the renderer uses: remark with GFM; with MDX (`remark-mdx`) for MDX
 * files; with directives (`:::tip[Title]`, `remark-directive`) for the text format, where
 * admonitions are turned into "Tip: …" (the Markdown format keeps them as written and needs no
 * parse for them). Only parsing: nothing is transformed or printed.
 *
 * Each link, image and definition also records where its destination is in the source
 * (`data.dest`, offsets), so that `markdown.baseUrl` can overwrite exactly those bytes.
 */

export type Flavor = 'md' | 'mdx';

interface CompileThis {
  resume(): string;
  stack: { url?: string; data?: Record<string, unknown> }[];
}
interface TokenLike {
  start: { offset: number };
  end: { offset: number };
}

function onDestination(this: CompileThis, token: TokenLike): undefined {
  const url = this.resume();
  const node = this.stack[this.stack.length - 1]!;
  node.url = url;
  node.data = { ...node.data, dest: [token.start.offset, token.end.offset] };
  return undefined;
}

function remarkDestinations(this: { data(): unknown }): void {
  const data = this.data() as { fromMarkdownExtensions?: unknown[] };
  (data.fromMarkdownExtensions ??= []).push({
    exit: { resourceDestinationString: onDestination, definitionDestinationString: onDestination },
  });
}

type Parser = { parse(text: string): Root };
const cache = new Map<string, Parser>();

export function parser(flavor: Flavor, directives: boolean): Parser {
  const key = `${flavor}:${directives}`;
  let p = cache.get(key);
  if (!p) {
    const proc = remark().use(remarkGfm);
    if (flavor === 'mdx') proc.use(remarkMdx);
    if (directives) proc.use(remarkDirective);
    proc.use(remarkDestinations);
    p = proc.freeze();
    cache.set(key, p);
  }
  return p;
}
