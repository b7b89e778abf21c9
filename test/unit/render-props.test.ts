import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderInput, scanArticle } from '../../src/extract/article.js';
import { applyEdits, stripEdges, type Edit } from '../../src/extract/edits.js';
import type { ExtractSettings } from '../../src/extract/index.js';
import { RenderError, renderDetailed } from '../../src/extract/render.js';

/**
 * Property tests of the renderer's contract (issue 13): what is sent is the author's source
 * with the documented edits only. A failure prints the seed and the input.
 */

const S: ExtractSettings = {
  markdownFormat: 'markdown',
  maxTextBytes: 2 * 1024 * 1024,
  maxItemsPerFile: 50,
  maxDocumentBytes: 1024,
};
const BASE = 'https://help.example.com/kb/';

/** Markdown with nothing the renderer edits: escapes, alerts, admonitions, odd markup. */
const PLAIN = [
  '## Sub',
  'Setext\n===',
  'Sub\n---',
  '```js\ncode() // [a](#b)\n```',
  '~~~\n[a](https://x.example/a)\n~~~',
  '    indented [a](#b) code',
  '- item',
  '  - nested',
  '1. first',
  '1. again',
  '3) third',
  '* star',
  '+ plus',
  '> quote',
  '> [!NOTE]\n> An alert.',
  '> [!IMPORTANT]',
  ':::tip[Canary 🧪]\ntext\n:::',
  '::: note',
  '### __AllParameterSets',
  '\\_escaped\\_ \\* \\[x\\] 1\\. \\#',
  'a_b_c snake_case *x* _y_ **z** __w__',
  '&products= &amp; &copy; &#42;',
  '[abs](https://x.example/?a=1&products=2) [m](mailto:a@b.c) [#](#top) <https://auto.example>',
  'www.example.com/path and https://bare.example',
  '[ref][r] [short] [^1]',
  '[r]: https://x.example/ref',
  '[^1]: a note',
  '<div>\n\n*html* block\n\n</div>',
  '<span>inline</span> text',
  '| a | b |\n|:-|-:|\n| `x|y` | 2 |',
  'a | b\n- | -\n1 | 2',
  '***',
  '- - -',
  'Trailing spaces  \nhard break',
  'Ünïcödé, 中文, عربي, 😀',
  '\t tab indented',
  '',
  '[System.IO.Path]::Combine($a)',
  '`code with [brackets](#x)`',
  // List items holding indented fences and HTML, and their edges (chunks.ts: an indented opener
  // in an item begun at column 0 is not ambiguous; the rest is left to the parser).
  '- item\n\n  ```ps\n  code\n\n  more\n  ```',
  '- open item fence\n  ```',
  '  ```',
  ' ```',
  '   ~~~',
  '    ```',
  '  <div>',
  '10. ten\n\n    ```\n    code',
  '10. ten\n   ```',
  '-     code\n  ```',
  '-    four\n   ```\n     ```',
  '-\n  ```',
  '-\n\n  ```',
  '-',
  '2. two\n   ```',
  '1) one\n   <pre>',
  '- a\n3) b\n   ```',
  '-\ttab\n  ```',
  '- a\n\t```',
  ' \t```',
  '- - -\n  ```',
  '> - q\n  ```',
  '* * *',
  '---',
  'lazy line',
];
/** Things the renderer edits. */
const EDITED = [
  '<!-- a comment -->',
  '<!--\nmulti\nline\n-->',
  'Text <!-- inline --> more',
  '[rel](docs/a.md) and ![img](i.png)',
  '(see [about](about/about_X.md))',
  '- [link](x.md)\n- [other](../y.md "title")',
  '[d]: ./defs/d.md',
  '[text][d] and [d]',
  '<a id="anchor"></a>',
  '   ```\n  indented fence [x](y.md)\n   ```',
  '  <!-- indented comment -->',
  '1. step\n\n   ```ps\n   code\n\n   more\n   ```\n\n   [after](a.md)',
  '- item\n\n  ```\n  <!-- in code --> [c](c.md)\n  ```\n\n  <!-- after --> [d](d.md)',
  '- open fence\n  ```\n  <!-- in code --> [c](c.md)',
  '1. open comment\n   <!--\n   [c](c.md)',
  '10. [t](t.md)\n    <!-- c -->\n    <div>',
  '  <!-- c --> [x](x.md)',
  '- [x](x.md)\n  ```',
  '2. x <!-- c -->\n   ```',
  // "]:" that may or may not end a definition's label (chunks.ts `mayDefine`).
  '- [x][d]: and [d]',
  '[multi\nline]: ./m.md',
  '[multi\nline]',
  '> [q]: ./q.md',
  '- [l]: ./l.md "t"',
  '`[`a]: x.md',
  '\\[e]: ./e.md',
  '[g \\[ h]: https://x.example/g',
  '[t][g \\[ h](x.md)',
  '[e\\]f]: ./f.md',
  '[e\\]f] [q] [l]',
  '[^n]: [f]: ./f.md',
  'See [d]: [x](x.md)',
  '# T',
  '# [T]',
  '# [T][r]',
  'T\n=',
  '[T]: https://x.example/t',
  '[t][r](x.md) [u][d](y.md) [v][e\\]f](z.md) [w][multi line](w.md)',
];

const joinWith = (parts: string[], seps: string[]) => parts.map((p, i) => p + (seps[i] ?? '')).join('');
const SEPS = fc.constantFrom('\n', '\n\n', '\n\n\n', ' ');
const doc = (pieces: readonly string[], max = 20) =>
  fc
    .array(fc.constantFrom(...pieces), { maxLength: max })
    .chain((parts) =>
      fc.tuple(fc.constant(parts), fc.array(SEPS, { minLength: parts.length, maxLength: parts.length })),
    );

function render(body: string, rel: string, settings: ExtractSettings, chunks = true, refuse = false) {
  const text = `---\ntitle: T\n---\n${body}`;
  const scan = scanArticle(text, rel, settings);
  const input = renderInput(scan, rel);
  if (!input) return undefined;
  try {
    return { input, ...renderDetailed(input, settings, { chunks }) };
  } catch (e) {
    if (e instanceof RenderError && !refuse) return undefined;
    throw e;
  }
}

describe('render: properties', () => {
  it('parsing only the chunks that need it gives what parsing the whole document gives', () => {
    fc.assert(
      fc.property(doc([...PLAIN, ...EDITED], 25), fc.boolean(), ([parts, seps], withBase) => {
        const body = joinWith(parts, seps);
        const settings = withBase ? { ...S, markdownBaseUrl: BASE } : S;
        const chunked = render(body, 'a/b.md', settings, true);
        const whole = render(body, 'a/b.md', settings, false);
        expect(chunked?.text).toBe(whole?.text);
      }),
      { numRuns: Number(process.env.PROP_RUNS ?? 200) },
    );
  }, 600_000);

  it('links made absolute without the parser are exactly the ones the parser finds', () => {
    const TOKENS = ['[', ']', '(', ')', '![', '](', 'a', 'b c', ' ', '*', '_', '`', '``', '<', '>', '&', '\\'];
    const MORE = ['x.md', '../y.md', '/r', '#h', 'http://', 'www.', '@', '"t"', '# ', '- ', '1. ', '|', '^', ':', '~'];
    const LINES = ['\n', '\n\n', '\n  ', '\n    ', '\n> ', '\n```\n', '[l](u.md)', '(see [l](u.md))'];
    const line = fc.array(fc.constantFrom(...TOKENS, ...MORE, ...LINES), { maxLength: 40 }).map((t) => t.join(''));
    fc.assert(
      fc.property(line, (body) => {
        const settings = { ...S, markdownBaseUrl: BASE };
        expect(render(body, 'a/b.md', settings, true)?.text).toBe(render(body, 'a/b.md', settings, false)?.text);
      }),
      { numRuns: Number(process.env.PROP_RUNS ?? 300) },
    );
  }, 600_000);

  it('with nothing to edit, the output is the input (no escapes, no re-wrapping)', () => {
    fc.assert(
      fc.property(doc(PLAIN), fc.boolean(), ([parts, seps], withBase) => {
        const body = joinWith(parts, seps);
        const r = render(body, 'a/b.md', withBase ? { ...S, markdownBaseUrl: BASE } : S);
        if (!r) return;
        expect(r.text).toBe(stripEdges(body));
        expect(r.edits).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('outside the edited spans the output equals the input, and each edit is a documented one', () => {
    fc.assert(
      fc.property(doc([...PLAIN, ...EDITED], 25), ([parts, seps]) => {
        const body = joinWith(parts, seps);
        const r = render(body, 'a/b.md', { ...S, markdownBaseUrl: BASE });
        if (!r) return;
        checkEdits(r.input.source, r.text, r.edits);
      }),
      { numRuns: 300 },
    );
  });

  it('the same holds for MDX', () => {
    const MDX = [
      "import { Tabs, TabItem } from '@astrojs/starlight/components';",
      'export const meta = { a: 1 };',
      'Text {1 + 1} and {/* note */} more.',
      '{props.block}',
      '<Tabs>\n  <TabItem label="npm">\n    ```sh\n    npm i\n\n    done\n    ```\n  </TabItem>\n</Tabs>',
      '<Since v="4.0" />',
      'Inline <Badge text="New" /> badge.',
      '<Aside title="Careful">\n\nBody with [a link](x.md).\n\n</Aside>',
      '<details>\n<summary>More</summary>\n\nHidden *text*.\n\n</details>',
      ':::tip[Title]\nContent\n:::',
      '## Heading <Since v="1" />',
      '- [rel](a.md)\n- [abs](https://x.example)',
      '> [!NOTE]\n> quoted',
    ];
    fc.assert(
      // Each import once (a binding may be declared once).
      fc.property(fc.uniqueArray(fc.constantFrom(...MDX), { maxLength: 12 }), (parts) => {
        const body = parts.join('\n\n');
        // These fragments are valid MDX: nothing may be refused.
        const r = render(body, 'docs/page.mdx', { ...S, markdownBaseUrl: BASE }, true, true);
        if (r) checkEdits(r.input.source, r.text, r.edits);
      }),
      { numRuns: 200 },
    );
  });
});

/** The edits rebuild the output, each is of a documented kind, and what lies between them is kept. */
function checkEdits(source: string, output: string, edits: Edit[]): void {
  expect(stripEdges(applyEdits(source, edits).text)).toBe(output);
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  for (const e of sorted) {
    const span = source.slice(e.start, e.end);
    switch (e.reason) {
      case 'comment':
        expect(span).toMatch(/<!--/);
        break;
      case 'link':
        expect(span).not.toMatch(/\s/);
        expect(e.text.startsWith('https://help.example.com/')).toBe(true);
        break;
      case 'title-heading':
        expect(span.trim()).toMatch(/^#|\n\s*=+\s*$/);
        break;
      case 'dedent':
        expect(span).toMatch(/^ +$/);
        break;
      case 'mdx-esm':
        expect(span.trim()).toMatch(/^(import|export)\s/);
        break;
      case 'mdx-expression':
        expect(span.trim()).toMatch(/^\{[\s\S]*\}$/);
        break;
      case 'jsx':
      case 'jsx-label':
        expect(span.trim()).toMatch(/^<[\s\S]*>$/);
        break;
      default:
        throw new Error(`undocumented edit: ${e.reason}`);
    }
  }
  // Between the edits, the source is in the output, in order (blank lines at the seams aside).
  let at = 0;
  let from = 0;
  for (const e of [...sorted, { start: source.length, end: source.length, text: '' }]) {
    const gap = source
      .slice(at, e.start)
      .replace(/^(?:[ \t>]*\n)+/, '')
      .replace(/(?:\n[ \t>]*)+$/, '')
      .replace(/[ \t]+$/, '');
    if (gap.trim() !== '') {
      const found = output.indexOf(gap, from);
      expect(found, `kept text ${JSON.stringify(gap)} is in the output`).toBeGreaterThanOrEqual(0);
      from = found + gap.length;
    }
    at = Math.max(at, e.end);
  }
}
