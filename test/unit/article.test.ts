import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { articleKey, renderInput, scanArticle } from '../../src/extract/article.js';
import {
  buildPayloads,
  extractFile,
  extractText,
  type ExtractSettings,
  type FileExtract,
} from '../../src/extract/index.js';
import { formatLimit } from '../../src/extract/render-pool.js';
import { splitChunks } from '../../src/extract/chunks.js';
import { MAX_NESTING, RenderError, renderArticle, renderDetailed } from '../../src/extract/render.js';
import { decodeText } from '../../src/extract/text.js';
import { tempDir } from '../helpers/fs.js';
import { CHEAP_SCAN_CASES, FRONTMATTER_BOMB, NESTING_CASES } from '../helpers/hostile.js';

const S: ExtractSettings = {
  markdownFormat: 'markdown',
  maxTextBytes: 2 * 1024 * 1024,
  maxItemsPerFile: 5000,
  maxDocumentBytes: 25 * 1024 * 1024,
};
const REL = 'guides/getting-started_now.md';

const scan = (text: string, rel = REL, settings = S) => scanArticle(text, rel, settings);
const only = (text: string, rel = REL, settings = S) => {
  const r = scan(text, rel, settings);
  expect(r.extract.items).toHaveLength(1);
  return { ...r, item: r.extract.items[0]! };
};
const title = (text: string, rel = REL) => only(text, rel).item.label;
const render = (text: string, settings: Partial<ExtractSettings> = {}, rel = REL) => {
  const r = scan(text, rel, { ...S, ...settings });
  expect(r.source).toBeDefined();
  return renderArticle(renderInput(r, rel)!, { ...S, ...settings });
};
const errorOf = (text: string) => {
  const r = scan(text);
  expect(r.extract.items).toEqual([]);
  expect(r.extract.complete).toBe(false);
  expect(r.extract.issues).toHaveLength(1);
  expect(r.extract.issues[0]!.severity).toBe('error');
  return r.extract.issues[0]!;
};

describe('articles: the title rule', () => {
  it.each([
    ['frontmatter title', '---\ntitle: From Frontmatter\n---\n# Heading\n\nBody.\n', 'From Frontmatter'],
    ['a numeric frontmatter title', '---\ntitle: 2024\n---\nBody.\n', '2024'],
    ['an ATX level-1 heading', '# Getting Started\n\nBody.\n', 'Getting Started'],
    ['an ATX heading with closing hashes', '# Getting Started ##\n\nBody.\n', 'Getting Started'],
    ['an ATX heading indented by up to 3 spaces', '   # Indented\n\nBody.\n', 'Indented'],
    ['a setext level-1 heading', 'Getting Started\n===============\n\nBody.\n', 'Getting Started'],
    ['the first level-1 heading, after a level-2 one', '## Overview\n\nIntro.\n\n# The Title\n\nBody.\n', 'The Title'],
    [
      'inline markup is dropped from a heading title',
      '# Use **kb-sync** with [CX Genie](https://cxgenie.ai) `v2`\n\nBody.\n',
      'Use kb-sync with CX Genie v2',
    ],
    ['a heading inside a code fence does not count', '```md\n# Not this\n```\n\n# This one\n\nBody.\n', 'This one'],
    ['a heading inside a tilde fence does not count', '~~~\n# Not this\n~~~\n\nBody.\n', 'getting started now'],
    ['a heading inside an HTML comment does not count', '<!--\n# Not this\n-->\n\nBody.\n', 'getting started now'],
    ['a level-2 heading is not a title', '## Only Level Two\n\nBody.\n', 'getting started now'],
    ['"#Title" without a space is not a heading', '#NotAHeading\n\nBody.\n', 'getting started now'],
    ['a 4-space-indented "# x" is code, not a heading', 'Para.\n\n    # code\n', 'getting started now'],
    ['an empty frontmatter title falls back to the heading', '---\ntitle: "  "\n---\n# Heading\n\nBody.\n', 'Heading'],
    ['no title anywhere: the file name, - and _ to spaces', 'Just a body.\n', 'getting started now'],
  ])('%s', (_name, text, want) => {
    expect(title(text)).toBe(want);
  });

  it.each([
    ['faq.md', 'faq'],
    ['how-to__reset--password.markdown', 'how to reset password'],
    ['dir/My_File.Name.mdx', 'My File.Name'],
  ])('file name %s → title %s', (rel, want) => {
    expect(title('Body.\n', rel)).toBe(want);
  });

  it('the heading used as the title is removed from the body; with a different frontmatter title it stays', () => {
    expect(scan('# Getting Started\n\nBody text.\n').titleLine).toBe(0);
    expect(render('# Getting Started\n\nBody text.\n')).toBe('Body text.');
    expect(render('Getting Started\n===\n\nBody text.\n')).toBe('Body text.');
    expect(render('---\ntitle: Explicit\n---\n# Getting Started\n\nBody text.\n')).toBe(
      '# Getting Started\n\nBody text.',
    );
  });

  it.each([
    ['the same text', '---\ntitle: Get-Help\n---\n\n# Get-Help\n\n## SYNOPSIS\n'],
    ['another case and spacing', '---\ntitle: Get  help\n---\n# get help\n\n## SYNOPSIS\n'],
    ['markup in the heading', '---\ntitle: Use kb-sync\n---\n# Use `kb-sync`\n\n## SYNOPSIS\n'],
    ['after a comment', '---\ntitle: T\n---\n<!-- note -->\n\n# T\n\n## SYNOPSIS\n'],
    ['after MDX imports', "---\ntitle: T\n---\nimport X from './x';\n\n# T\n\n## SYNOPSIS\n"],
  ])('a leading level-1 heading that repeats the frontmatter title is dropped (%s)', (_name, text) => {
    expect(render(text)).toBe('## SYNOPSIS');
    // MDX has no HTML comments; the rest reads the same as MDX.
    if (!text.includes('<!--')) expect(render(text, {}, 'a.mdx')).toBe('## SYNOPSIS');
  });

  it.each([
    ['a heading that says more', '---\ntitle: ISE\n---\n# ISE Module\n\nText.\n'],
    ['a heading after the first paragraph', '---\ntitle: T\n---\nIntro.\n\n# T\n\nText.\n'],
    ['a level-2 heading', '---\ntitle: T\n---\n## T\n\nText.\n'],
  ])('%s is kept', (_name, text) => {
    expect(render(text)).toBe(text.slice(text.indexOf('---\n', 4) + 4).trimEnd());
  });

  it('only the first level-1 heading is removed', () => {
    const r = scan('# One\n\nText.\n\n# Two\n\nMore.\n');
    expect(r.title).toBe('One');
    expect(render('# One\n\nText.\n\n# Two\n\nMore.\n')).toBe('Text.\n\n# Two\n\nMore.');
  });

  it("the item's line is the title heading's line in the file", () => {
    expect(only('---\nid: x\n---\n\nIntro.\n\n# Title\n\nBody.\n').item.line).toBe(7);
    expect(only('---\ntitle: T\n---\nBody.\n').item.line).toBe(4);
  });
});

describe('articles: keys, drafts and empty bodies', () => {
  it('a frontmatter id gives article:id:<id>, which survives a rename', () => {
    const a = only('---\nid: reset-password\n---\nBody.\n', 'a.md').item;
    const b = only('---\nid: reset-password\n---\nBody.\n', 'moved/b.md').item;
    expect(a.key).toBe('article:id:reset-password');
    expect(b.key).toBe(a.key);
    expect(only('---\nid: 42\n---\nBody.\n').item.key).toBe('article:id:42');
    expect(articleKey('x.md', undefined)).toBe('article:path:x.md');
  });

  it('without an id the key is the path', () => {
    expect(only('Body.\n', 'guides/a.md').item.key).toBe('article:path:guides/a.md');
    expect(only('---\ntitle: T\n---\nBody.\n', 'b.md').item.key).toBe('article:path:b.md');
  });

  it.each([
    ['draft: true', '---\ndraft: true\n---\nBody.\n', 'draft'],
    ['sync: false', '---\nsync: false\n---\nBody.\n', 'sync-false'],
    ['a draft with a bad body still is just a draft', '---\ndraft: true\n---\n', 'draft'],
  ] as const)('%s leaves the file out, without an error', (_name, text, skipped) => {
    const r = scan(text);
    expect(r.extract).toEqual({ items: [], issues: [], complete: true, skipped });
  });

  it.each([
    ['draft: false', '---\ndraft: false\n---\nBody.\n'],
    ['sync: true', '---\nsync: true\n---\nBody.\n'],
  ])('%s syncs', (_name, text) => {
    expect(scan(text).extract.items).toHaveLength(1);
  });

  it.each([
    ['draft: "yes"', '---\ndraft: "yes"\n---\nBody.\n', 2, /draft/],
    ['sync: 0', '---\ntitle: T\nsync: 0\n---\nBody.\n', 3, /sync/],
    ['id: a list', '---\nid: [1, 2]\n---\nBody.\n', 2, /"id" must be a string/],
    ['id: empty', '---\nid: "  "\n---\nBody.\n', 2, /"id" is empty/],
    ['title: a mapping', '---\ntitle: { a: 1 }\n---\nBody.\n', 2, /"title" must be a string/],
  ])('frontmatter %s is an error on its line', (_name, text, line, message) => {
    const i = errorOf(text);
    expect(i.line).toBe(line);
    expect(i.message).toMatch(message);
  });

  it.each([
    ['an empty file', ''],
    ['only whitespace', '  \n\n\t\n'],
    ['only frontmatter', '---\ntitle: Nothing here\n---\n'],
    ['only the title heading', '# Title\n'],
    ['only a comment', '# Title\n\n<!-- TODO -->\n'],
    ['only MDX imports', "import X from './x'\n"],
  ])('%s: a warning, nothing pushed', (_name, text) => {
    const r = scan(text);
    expect(r.extract.items).toEqual([]);
    expect(r.extract.complete).toBe(true);
    expect(r.extract.skipped).toBe('empty');
    expect(r.extract.issues).toMatchObject([{ file: REL, severity: 'warning' }]);
    expect(r.extract.issues[0]!.message).toMatch(/no body/);
  });
});

describe('articles: frontmatter errors and untrusted frontmatter', () => {
  it.each([
    ['an unclosed flow list on line 3', '---\ntitle: ok\ntags: [a, b\n---\nBody.\n', 3],
    ['a duplicate key on line 3', '---\ntitle: a\ntitle: b\n---\nBody.\n', 3],
    ['a misaligned key on line 5', '---\ntitle: ok\nmeta:\n  a: 1\n b: 2\n---\nBody.\n', 5],
    ['an unterminated quote on line 3', '---\ntitle: ok\n"bad\n---\nBody.\n', 3],
    ['a tab on line 2', '---\n\ttitle: x\n---\nBody.\n', 2],
    ['a mapping inside a compact mapping on line 2', '---\nfoo: bar: baz\n---\nBody.\n', 2],
  ])('invalid YAML (%s) is an error with the line in the file', (_name, text, line) => {
    const i = errorOf(text);
    expect(i.file).toBe(REL);
    expect(i.line).toBe(line);
    expect(i.message).toMatch(/^invalid frontmatter/);
  });

  it('frontmatter that is not a mapping is an error', () => {
    expect(errorOf('---\n- a\n- b\n---\nBody.\n').message).toMatch(/mapping/);
    expect(errorOf('---\njust text\n---\nBody.\n').message).toMatch(/mapping/);
  });

  it('an unclosed frontmatter is an error at line 1, not a silently empty article', () => {
    const i = errorOf('---\ntitle: Forever\n\nThis body never starts.\n');
    expect(i).toMatchObject({ line: 1, severity: 'error' });
    expect(i.message).toMatch(/not closed/);
  });

  it('"---" inside the body (a thematic break) does not matter once frontmatter is closed', () => {
    const r = only('---\ntitle: T\n---\nAbove.\n\n---\n\nBelow.\n');
    expect(r.source).toBe('Above.\n\n---\n\nBelow.');
  });

  it('a file starting with a thematic break and no closing line is refused, not guessed', () => {
    expect(errorOf('---\nText after a rule.\n').message).toMatch(/not closed/);
  });

  it('---js frontmatter is refused and never executed', () => {
    const i = errorOf('---js\n{ x: process.exit(9) }\n---\nBody.\n');
    expect(i).toMatchObject({ file: REL, line: 1, severity: 'error' });
    expect(i.message).toMatch(/not supported; use YAML/);
    // Still here, and nothing asked the process to exit.
    expect(process.exitCode ?? 0).toBe(0);
  });

  it.each([
    'js',
    'javascript',
    'JS',
    'JavaScript',
    ' js',
    'coffee',
    'cson',
    'json',
    'toml',
    'ruby',
    'constructor',
    'valueOf',
    'toString',
    '__proto__',
  ])('---%s frontmatter is refused without running anything', (lang) => {
    const g = globalThis as Record<string, unknown>;
    delete g.__kbSyncPwned;
    const i = errorOf(`---${lang}\n{ title: (globalThis.__kbSyncPwned = "pwned") }\n---\nBody.\n`);
    expect(i.line).toBe(1);
    expect(i.message).toMatch(/invalid frontmatter/);
    expect(g.__kbSyncPwned).toBeUndefined();
  });

  it.each(['yaml', 'yml', 'YAML'])('---%s frontmatter is YAML', (lang) => {
    expect(title(`---${lang}\ntitle: Named\n---\nBody.\n`)).toBe('Named');
  });

  it('a YAML alias bomb in frontmatter is an error, not an expansion (timed by npm run bench)', () => {
    const i = errorOf(FRONTMATTER_BOMB);
    expect(i.message).toMatch(/frontmatter/);
  });

  it.each(CHEAP_SCAN_CASES)('the cheap scan completes on %s (timed by npm run bench)', (_name, text) => {
    const r = scan(text);
    expect(r.extract.complete).toBe(true);
  });

  it('a very long heading gives a title cut to a sane length', () => {
    const t = title(`# ${'word '.repeat(1_000)}\n\nBody.\n`);
    expect(t.length).toBeLessThanOrEqual(1_000);
    expect(t.startsWith('word word')).toBe(true);
  });

  it('a line longer than the limit is an error on that line', () => {
    const i = errorOf(`# T\n\nok\n${'x'.repeat(100_001)}\n`);
    expect(i.line).toBe(4);
    expect(i.message).toMatch(/characters long/);
  });
});

describe('articles: MDX import/export lines', () => {
  it.each([
    ['one import', "import Chart from '../components/Chart'\n\nBody.\n"],
    ['several imports', "import { A, B } from './ab';\nimport C from 'c';\n\nBody.\n"],
    ['a side-effect import', "import './styles.css'\n\nBody.\n"],
    ['an export const', 'export const meta = { a: 1 }\n\nBody.\n'],
    ['a multi-line export', 'export default function Layout({ children }) {\n  return children\n}\n\nBody.\n'],
    ['imports and exports in one block', "import X from './x'\nexport const meta = { a: 1 }\n\nBody.\n"],
    ['an import after the title', "# Title\n\nimport X from './x'\n\nBody.\n"],
  ])('%s is dropped', (_name, text) => {
    expect(render(text, {}, 'a.mdx')).toBe('Body.');
    expect(render(text, {}, 'a.md')).toBe('Body.');
  });

  it.each([
    [
      '"import your data" prose',
      'Intro.\n\nimport your data from the app by clicking Import.\n',
      'import your data from the app by clicking Import.',
    ],
    ['"export your report" prose', 'Intro.\n\nexport your report as CSV.\n', 'export your report as CSV.'],
    ['an import line inside a code fence', "```js\nimport X from 'y'\n```\n", "import X from 'y'"],
    ['an import line continuing a paragraph', "Intro\nimport X from 'y'\n", "import X from 'y'"],
    ['prose followed by an import-looking line', "import your data\nimport X from 'y'\n", 'import your data'],
  ])('%s is kept in a Markdown file', (_name, text, kept) => {
    expect(render(text, {}, 'a.md')).toContain(kept);
  });

  it('an .mdx file that is not valid MDX is an error located in the file', async () => {
    const dir = tempDir();
    const abs = path.join(dir, 'bad.mdx');
    fs.writeFileSync(abs, '---\ntitle: Bad\n---\nIntro.\n\n<Tabs>\nunclosed\n');
    const r = await buildPayloads({ relPath: 'bad.mdx', absPath: abs, kind: 'article', sig: '' }, S);
    expect(r).not.toBeInstanceOf(Map);
    const issue = (r as { issue: { line: number; message: string } }).issue;
    expect(issue).toMatchObject({ file: 'bad.mdx', severity: 'error' });
    expect(issue.line).toBeGreaterThanOrEqual(6);
    expect(issue.message).toMatch(/invalid MDX: .*rename it to \.md/);
  });

  it('a Markdown file with import lines that is not valid MDX is sent as Markdown without them', () => {
    const text = "import X from './x';\n\nText <!-- c --> with a comment, which MDX does not allow.\n";
    expect(render(text, {}, 'a.md')).toBe('Text  with a comment, which MDX does not allow.');
  });
});

describe('articles: the hash covers what is sent', () => {
  const base = '---\ntitle: Reset your password\ntags: [account]\n---\nOpen settings.\n';
  const hash = (text: string, rel = REL, settings: Partial<ExtractSettings> = {}) =>
    only(text, rel, { ...S, ...settings }).item.hash;

  it.each([
    ['the title', '---\ntitle: Reset the password\ntags: [account]\n---\nOpen settings.\n'],
    ['the body', '---\ntitle: Reset your password\ntags: [account]\n---\nOpen the settings.\n'],
    ['the title heading', '# Reset your password!\n\nOpen settings.\n'],
  ])('changes when %s changes', (_name, changed) => {
    expect(hash(changed)).not.toBe(hash(base));
  });

  it.each([
    ['an unrelated key changes', '---\ntitle: Reset your password\ntags: [account, security]\n---\nOpen settings.\n'],
    [
      'an unrelated key is added',
      '---\ntitle: Reset your password\ntags: [account]\nauthor: Sam\n---\nOpen settings.\n',
    ],
    ['keys are reordered', '---\ntags: [account]\ntitle: Reset your password\n---\nOpen settings.\n'],
    [
      'an id is added (it changes the key, not the content)',
      '---\nid: reset\ntitle: Reset your password\ntags: [account]\n---\nOpen settings.\n',
    ],
    ['draft: false is added', '---\ntitle: Reset your password\ntags: [account]\ndraft: false\n---\nOpen settings.\n'],
    ['trailing blank lines are added', `${base}\n\n\n`],
  ])('does not change when only %s', (_name, same) => {
    expect(hash(same)).toBe(hash(base));
  });

  it('the same title from frontmatter or from a heading is the same payload', () => {
    expect(render('# Reset your password\n\nOpen settings.\n')).toBe(
      render('---\ntitle: Reset your password\n---\nOpen settings.\n'),
    );
  });

  it('changes with the settings that change the payload', () => {
    expect(hash(base, REL, { markdownFormat: 'text' })).not.toBe(hash(base));
    expect(hash(base, REL, { markdownBaseUrl: 'https://help.example.com/' })).not.toBe(hash(base));
    expect(hash(base, REL, { markdownBaseUrl: 'https://help.example.com/' })).not.toBe(
      hash(base, REL, { markdownBaseUrl: 'https://docs.example.com/' }),
    );
    // Limits do not change what is sent.
    expect(hash(base, REL, { maxItemsPerFile: 7, maxTextBytes: 123456 })).toBe(hash(base));
  });

  it('a move keeps the hash (so the planner sees a rename), unless links resolve against the folder', () => {
    expect(hash(base, 'a/x.md')).toBe(hash(base, 'b/y.md'));
    const withBase = { markdownBaseUrl: 'https://help.example.com/' };
    // No relative links: the folder does not matter, even with markdown.baseUrl (issue 17 item 2).
    expect(hash(base, 'a/x.md', withBase)).toBe(hash(base, 'b/y.md', withBase));
    const absolute = `${base}\nSee [the site](https://example.com/x) and [top](#top) and [root](/pricing).\n`;
    expect(hash(absolute, 'a/x.md', withBase)).toBe(hash(absolute, 'b/c/y.md', withBase));
    // A relative link resolves differently in another folder: a different payload.
    const relative = `${base}\nSee [setup](setup.md).\n`;
    expect(hash(relative, 'a/x.md', withBase)).toBe(hash(relative, 'a/y.md', withBase));
    expect(hash(relative, 'a/x.md', withBase)).not.toBe(hash(relative, 'b/x.md', withBase));
    // ... but not in the text format, which sends no URLs.
    const text = { ...withBase, markdownFormat: 'text' as const };
    expect(hash(relative, 'a/x.md', text)).toBe(hash(relative, 'b/x.md', text));
  });
});

describe('articles: BOM and CRLF', () => {
  const lf =
    '---\r\ntitle: Shipping\r\nid: ship\r\n---\r\n# Ignored heading\r\n\r\nWe ship in **2 days**.\r\n\r\n| a | b |\r\n|---|---|\r\n| 1 | 2 |\r\n'.replace(
      /\r\n/g,
      '\n',
    );
  const variants: [string, Buffer][] = [
    ['LF', Buffer.from(lf)],
    ['CRLF', Buffer.from(lf.replace(/\n/g, '\r\n'))],
    ['BOM + LF', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(lf)])],
    ['BOM + CRLF', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(lf.replace(/\n/g, '\r\n'))])],
    ['CR only', Buffer.from(lf.replace(/\n/g, '\r'))],
    // A tool that adds a mark to text that has one: the frontmatter is still the frontmatter.
    [
      'two BOMs + CRLF',
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf]), Buffer.from(lf.replace(/\n/g, '\r\n'))]),
    ],
  ];
  const decode = (b: Buffer) => {
    const d = decodeText(b, REL);
    if ('issue' in d) throw new Error(d.issue.message);
    return d.text;
  };
  let want: FileExtract;
  beforeAll(async () => {
    want = await extractText('article', lf, REL, S);
  });

  it.each(variants)('%s gives the same items as LF', async (_name, bytes) => {
    expect(want.items).toHaveLength(1);
    expect(want.items[0]).toMatchObject({ key: 'article:id:ship', label: 'Shipping' });
    expect(await extractText('article', decode(bytes), REL, S)).toEqual(want);
  });

  it.each(variants)('%s read from disk gives the same items and the same payload', async (_name, bytes) => {
    const dir = tempDir();
    const abs = path.join(dir, 'a.md');
    fs.writeFileSync(abs, bytes);
    const f = { relPath: REL, absPath: abs, kind: 'article' as const, sig: '' };
    const r = await extractFile(f, S);
    expect(r.extract).toEqual({ ...want, items: want.items.map((i) => ({ ...i, file: REL })) });
    const built = await buildPayloads(f, S);
    expect(built).toBeInstanceOf(Map);
    const p = (built as Map<string, { payload: unknown }>).get('article:id:ship')!.payload;
    expect(p).toEqual({
      type: 'TEXT',
      title: 'Shipping',
      content: '# Ignored heading\n\nWe ship in **2 days**.\n\n| a | b |\n|---|---|\n| 1 | 2 |',
    });
  });
});

describe("render: the author's text, with the documented edits only", () => {
  it.each([
    ['a GitHub/DocFX alert', '> [!NOTE]\n> Some note with a [link](https://x.example/?a=1&products=2).'],
    ['an admonition with a title', ':::tip[Canary 🧪]\nTry it.\n:::'],
    ['underscores in a heading', '### __AllParameterSets\n\nText.'],
    ['an ampersand in a link target', '[docs](https://learn.example/?view=ps-7.5&products=2)'],
    [
      'GFM and odd list styles',
      '* one\n+ two\n\n__strong__ and _em_\n\n~~~\ncode\n~~~\n\nSub\n---\n\n| a | b |\n|:-|-:|\n| 1 | 2 |',
    ],
    ['a list numbered by the author', '1. one\n1. two\n7. three'],
    ['escapes the author wrote', 'a \\* b \\_c\\_ &amp; 1\\. x'],
    ['indented code and HTML', '    code\n\n<details><summary>S</summary>\n\nBody\n\n</details>'],
  ])('%s is sent byte for byte', (_name, body) => {
    expect(render(`---\ntitle: T\n---\n${body}\n`)).toBe(body);
  });

  it('drops HTML comments, block and inline, keeps other HTML', () => {
    const out = render('Before.\n\n<!-- a private note\nover lines -->\n\nText <!-- inline --> more <b>bold</b>.\n');
    expect(out).toBe('Before.\n\nText  more <b>bold</b>.');
  });

  it('a comment between two paragraphs does not join them', () => {
    expect(render('One.\n<!-- c -->\nTwo.\n')).toBe('One.\n\nTwo.');
    expect(render('> One.\n> <!-- c -->\n> Two.\n')).toBe('> One.\n>\n> Two.');
  });

  it('a comment inside code is code', () => {
    expect(render('```html\n<!-- kept -->\n```\n\n`<!-- kept too -->`\n')).toBe(
      '```html\n<!-- kept -->\n```\n\n`<!-- kept too -->`',
    );
  });

  it('makes relative links and images absolute with markdown.baseUrl, against the file folder', () => {
    const md = [
      '[guide](setup.md) [up](../faq.md) [root](/pricing) [query](?q=1)',
      '',
      '![shot](img/a.png)',
      '',
      '[ref][r]',
      '',
      '[r]: docs/ref.md',
      '',
    ].join('\n');
    const out = render(md, { markdownBaseUrl: 'https://help.example.com/kb' }, 'guides/intro.md');
    expect(out).toBe(
      [
        '[guide](https://help.example.com/kb/guides/setup.md) [up](https://help.example.com/kb/faq.md) [root](https://help.example.com/pricing) [query](https://help.example.com/kb/guides/?q=1)',
        '',
        '![shot](https://help.example.com/kb/guides/img/a.png)',
        '',
        '[ref][r]',
        '',
        '[r]: https://help.example.com/kb/guides/docs/ref.md',
      ].join('\n'),
    );
  });

  it('keeps a link title and angle brackets, and only the destination changes', () => {
    const out = render(
      '[a](<my file.md> "Title") [b](c.md \'t\')\n',
      { markdownBaseUrl: 'https://h.example/' },
      'x/y.md',
    );
    expect(out).toBe('[a](<https://h.example/x/my%20file.md> "Title") [b](https://h.example/x/c.md \'t\')');
  });

  it('encodes folder names with spaces in the base', () => {
    const out = render('[x](y.md)', { markdownBaseUrl: 'https://help.example.com/' }, 'My Folder/a.md');
    expect(out).toBe('[x](https://help.example.com/My%20Folder/y.md)');
  });

  it.each([
    ['an absolute https link', '[a](https://other.example/x)'],
    ['an http link', '[a](http://other.example/x)'],
    ['a mailto link', '[mail](mailto:help@example.com)'],
    ['a tel link', '[call](tel:+15551234)'],
    ['an anchor', '[top](#top)'],
    ['a protocol-relative link', '[cdn](//cdn.example.com/x.js)'],
    ['a link in code', '`[a](b.md)`'],
    ['PowerShell static calls', '[System.IO.Path]::Combine($a, $b)'],
  ])('leaves %s untouched', (_name, link) => {
    expect(render(`${link}\n`, { markdownBaseUrl: 'https://help.example.com/' }, 'a/b.md')).toBe(link);
  });

  it('without markdown.baseUrl relative links stay relative', () => {
    expect(render('[guide](setup.md)\n', {}, 'guides/a.md')).toBe('[guide](setup.md)');
  });
});

describe('render: chunks', () => {
  it('a list item that cannot interrupt a paragraph, after indented code, does not start a chunk', () => {
    const md = 'A <!-- c --> b.\n\n    code\n\n3) x\n\nmore <!-- d -->\n';
    expect(splitChunks(md).map((c) => md.slice(c.start, c.end))).toEqual([
      'A <!-- c --> b.\n\n    code\n\n3) x\n\n',
      'more <!-- d -->\n',
    ]);
    expect(render(`---\ntitle: T\n---\n${md}`)).toBe('A  b.\n\n    code\n\n3) x\n\nmore');
  });

  // An indented fence or HTML opener is ambiguous (its chunk is parsed alone to see whether it
  // ends inside an open block) unless it is certainly inside a list item begun at column 0.
  const ambiguous = (md: string) => splitChunks(md)[0]!.ambiguous;
  it.each([
    ['in a bullet item, after a blank line', '- a\n\n  ```\n  x\n'],
    ['in an item, on the next line', '- a\n  ```\n'],
    ['an HTML opener in an item', '* a\n\n  <div>\n'],
    ['a comment in an item', '+ a\n  <!--\n'],
    ['deeper than the content column', '- a\n   ```\n'],
    ['in an ordered item (content column 3)', '1. a\n   ```\n'],
    ['in an item starting with indented code (content column 2)', '-     code\n  ```\n'],
    ['in an empty item, on the next line', '-\n  ```\n'],
    ['in a second item of a tight list', '- a\n3) b\n   ```\n'],
    ['in an empty second item', '- a\n  b\n-\n  ```\n'],
    ['in an item interrupting a paragraph', 'para\n- x\n  ```\n'],
    ['in an item `1.` interrupting a paragraph', 'para\n1) x\n   ```\n'],
    ['in an item after indented code (a bullet can interrupt)', '    code\n\n- x\n  ```\n'],
    ['in the item after indented code inside an item', '- a\n\n      code\n\n3) x\n   ```\n'],
  ])('an indented opener certainly in a list item is not ambiguous: %s', (_name, md) => {
    expect(ambiguous(md)).toBe(false);
  });

  it.each([
    ['at the top level', ' ```\n'],
    ['less indented than the content column', '- a\n ```\n'],
    ['less than an ordered item 10. (content column 4)', '10. a\n   ```\n'],
    ['less than 5 spaces after the marker', '-     code\n ```\n'],
    ['less than an item with 4 spaces after its marker (content column 5)', '-    a\n   <div>\n'],
    ['after a lazy line (the item may have ended)', '- a\nlazy\n  ```\n'],
    ['after a non-indented line inside the item', '- a\n  ```\nfoo\n  ```\n'],
    ['after a blank line after an empty item (it has ended)', '-\n\n  ```\n'],
    ['after `2.`, which cannot interrupt a paragraph', 'para\n2. x\n   ```\n'],
    ['after an empty item, which cannot interrupt a paragraph (a heading underline)', 'para\n-\n  ```\n'],
    ['after `3)` after indented code (micromark: a paragraph)', '    code\n\n3) x\n   ```\n'],
    ['after a thematic break', '- - -\n  ```\n'],
    ['after `* * *`', '* * *\n  ```\n'],
    ['with a tab after the marker', '-\tx\n  ```\n'],
    ['indented with a tab', '- a\n\t```\n'],
    ['after a tab in the indentation', '- a\n \tb\n  ```\n'],
    ['after a block quote', '> - a\n  ```\n'],
    ['after a marker not followed by a space', '-a\n  ```\n'],
  ])('an indented opener not certainly in a list item stays ambiguous: %s', (_name, md) => {
    expect(ambiguous(md)).toBe(true);
  });

  it.each([
    ['a paragraph', 'x', '1. a\n\n\nx'],
    ['another list', '1) b', '1. a\n\n\n1) b'],
    ['the same list', '1. b', '1. a\n\n\n1. b'],
    ['a block quote', '> b', '1. a\n\n\n> b'],
  ])('a comment left open in a list item, then %s: the blank lines after it stay, chunked or not', (_n, next, out) => {
    // micromark ends the comment's block before or after the blank lines by what follows.
    const text = `---\ntitle: T\n---\n1. a\n   <!--\n   c\n\n\n${next}\n`;
    const input = renderInput(scanArticle(text, REL, S), REL)!;
    expect(renderDetailed(input, S, { chunks: true }).text).toBe(out);
    expect(renderDetailed(input, S, { chunks: false }).text).toBe(out);
  });

  it.each([
    ['a definition', '[a]: /x'],
    ['a definition in a list item', '- [a]: /x'],
    ['a definition in a block quote in a list item', '1. > [a]: /x'],
    ['a footnote definition', '[^1]: note'],
    ['a definition in a footnote definition', '[^1]: [a]: /x'],
    ['the end of a label begun on an earlier line', 'x\nbar]: /x'],
    ['a label with an escaped bracket', '[a \\[ b]: /x'],
    ['an escaped bracket only', '\\[a]: /x'],
    ['an indented definition', '   [a]: /x'],
    ['a definition after a fence that may close an indented one', ' ```\n```\n[a]: /x'],
  ])('a chunk that may define a link label is read for its definitions: %s', (_n, md) => {
    expect(splitChunks(md)[0]!.defs).toBe(true);
  });

  it.each([
    ['a reference link then a colon in a list item', '- [PS providers][05]:'],
    ['a label after text', 'See [a]: here'],
    ['a bracket in a code span before', '`[`a]: x'],
    ['a static member call in text', 'Call [string]::Empty'],
  ])('a "]:" that cannot end a definition does not make a chunk read for definitions: %s', (_n, md) => {
    expect(splitChunks(md)[0]!.defs).toBe(false);
  });

  it.each([
    [
      'a link definition after a footnote definition still defines its label',
      '[^n]: note\n\n[f]: https://x.example/f\n\n[t][f](x.md)',
      '[t][f](x.md)',
    ],
    [
      'a label with an escaped bracket is defined',
      '[t][g \\[ h](x.md)\n<!-- c -->\n\n[g \\[ h]: https://x.example/g',
      '[t][g \\[ h](x.md)\n\n[g \\[ h]: https://x.example/g',
    ],
    [
      'a footnote definition does not take in an indented first line',
      '    code\n2. two\n   ```\n  ```\n[^n]: [f]: ./f.md',
      '[^n]: [f]: https://help.example.com/kb/guides/f.md',
    ],
  ])('stand-ins for the definitions, put before the chunks parsed: %s', (_n, body, tail) => {
    const settings = { ...S, markdownBaseUrl: 'https://help.example.com/kb/' };
    const input = renderInput(scanArticle(`---\ntitle: T\n---\n${body}\n`, REL, settings), REL)!;
    const whole = renderDetailed(input, settings, { chunks: false }).text;
    expect(whole.endsWith(tail)).toBe(true);
    expect(renderDetailed(input, settings, { chunks: true }).text).toBe(whole);
  });

  it('an item ends at the next chunk: an opener there is judged again', () => {
    const md = '- a\n\n  ```\n  open\n\nText <!-- c -->\n ```\n';
    expect(splitChunks(md).map((c) => [md.slice(c.start, c.end), c.ambiguous])).toEqual([
      ['- a\n\n  ```\n  open\n\n', false],
      ['Text <!-- c -->\n ```\n', true],
    ]);
    // The fence left open in the item ends with it: the comment after it is removed.
    expect(render(`---\ntitle: T\n---\n${md}`)).toBe('- a\n\n  ```\n  open\n\nText \n ```');
  });
});

describe('render: MDX', () => {
  const mdx = (body: string, settings: Partial<ExtractSettings> = {}) =>
    render(`---\ntitle: T\n---\n${body}`, settings, 'docs/page.mdx');

  it('drops imports, exports and expressions, keeps the Markdown inside components', () => {
    const body = [
      "import { Tabs, TabItem } from '@astrojs/starlight/components';",
      'export const meta = { a: 1 };',
      '',
      'Intro {props.x} text.{/* a comment */}',
      '',
      '<Tabs>',
      '  <TabItem label="npm">',
      '    ```sh',
      '    npm create astro@latest -- --template <github-username>/<github-repo>',
      '',
      '    npm install',
      '    ```',
      '  </TabItem>',
      '  <TabItem label="yarn">',
      '    1. one',
      '    2. two',
      '  </TabItem>',
      '</Tabs>',
      '',
    ].join('\n');
    expect(mdx(body)).toBe(
      [
        'Intro  text.',
        '',
        '**npm**',
        '```sh',
        'npm create astro@latest -- --template <github-username>/<github-repo>',
        '',
        'npm install',
        '```',
        '',
        '**yarn**',
        '1. one',
        '2. two',
      ].join('\n'),
    );
    expect(mdx(body, { markdownFormat: 'text' })).toBe(
      [
        'Intro  text.',
        '',
        'npm',
        '',
        'npm create astro@latest -- --template <github-username>/<github-repo>\n\nnpm install',
        '',
        'yarn',
        '',
        '1. one\n2. two',
      ].join('\n'),
    );
  });

  it('an unwrapped element dedents each child block by its own indentation, so an indented fence stays a fence', () => {
    const body = '<Aside>\nText.\n\n    ```sh\n    code\n\n    more\n    ```\n</Aside>\n';
    expect(mdx(body)).toBe('Text.\n\n```sh\ncode\n\nmore\n```');
  });

  it('self-closing components disappear; markdown.jsx decides per element', () => {
    const body =
      'Since <Since v="4.0" /> we ship.\n\n<Badge text="New" />\n\n<Aside type="tip">\nA tip.\n</Aside>\n\n<Custom>\nMine.\n</Custom>\n';
    expect(mdx(body)).toBe('Since  we ship.\n\n**New**\n\nA tip.\n\nMine.');
    const jsx = {
      default: 'keep' as const,
      selfClosing: 'keep' as const,
      elements: { Since: { label: 'v{v}' }, Badge: 'remove' as const },
    };
    // Rules by name (the user's, then the built-in ones) win over the defaults.
    expect(mdx(body, { jsx })).toBe('Since v4.0 we ship.\n\nA tip.\n\n<Custom>\nMine.\n</Custom>');
  });
});

describe("render: markdown.format 'text'", () => {
  it('gives plain text, keeping code and table cell text', () => {
    const md = [
      '# Title',
      '',
      'Para with **bold**, *em*, `inline code` and a [link](https://x.example).',
      '',
      '## Section',
      '',
      '| Plan | Price |',
      '|---|---|',
      '| Basic | $5 |',
      '',
      '```sh',
      'npm install kb-sync',
      '```',
      '',
      '- one',
      '- two',
      '',
      '> quoted text',
      '',
      '![diagram](d.png)',
      '',
    ].join('\n');
    const out = render(md, { markdownFormat: 'text' });
    expect(out).toContain('Para with bold, em, inline code and a link.');
    expect(out).toContain('Section');
    expect(out).toContain('Plan | Price\nBasic | $5');
    expect(out).toContain('npm install kb-sync');
    expect(out).toMatch(/- one\n+- two/);
    expect(out).toContain('quoted text');
    expect(out).toContain('diagram');
    // No Markdown syntax left.
    expect(out).not.toMatch(/\*\*|```|^#|^>|\]\(|\|---/m);
    // The title heading was removed from the body.
    expect(out).not.toContain('Title');
  });

  it('drops comments in text form too', () => {
    expect(render('Hello <!-- secret --> world.\n\n<!-- block -->\n', { markdownFormat: 'text' })).toBe(
      'Hello  world.',
    );
  });
});

describe('render: hostile nesting is a RenderError (timed by npm run bench)', () => {
  it.each(NESTING_CASES)('%s', (_name, md) => {
    const r = scan(md);
    expect(r.source).toBeDefined();
    let err: unknown;
    try {
      renderArticle(renderInput(r, REL)!, S);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RenderError);
    expect((err as Error).message).toMatch(/too deeply|too much/);
  });

  it(`nesting up to ${MAX_NESTING} levels still renders`, () => {
    const md = `${'> '.repeat(MAX_NESTING - 2)}deep\n\n${Array.from({ length: 10 }, (_, i) => `${'  '.repeat(i)}- level ${i}`).join('\n')}\n`;
    const out = render(md);
    expect(out).toContain('deep');
    expect(out).toContain('- level 9');
  });

  it('an ordinary article with plenty of emphasis in every paragraph still renders', () => {
    const para = 'Use **bold** and *em* and [links](https://x.example) and snake_case_names freely. ';
    const md = Array.from({ length: 20 }, () => para.repeat(12)).join('\n\n');
    expect(render(md).length).toBeGreaterThan(md.length / 2);
  });

  it('a big table with markup in every row still renders (each row is its own context)', () => {
    // 100 rows of 24 marks: as one paragraph that would be 2,400 marks, over the limit.
    const md = `| a | b |\n|---|---|\n${'| **a** **b** **c** | _e_ _f_ [x](y) [z](w) |\n'.repeat(100)}`;
    expect(render(md)).toContain('| **a** **b** **c** | _e_ _f_ [x](y) [z](w) |');
  });

  it('buildPayloads turns a RenderError into an error issue for the file, with the line of the item', async () => {
    const dir = tempDir();
    const abs = path.join(dir, 'deep.md');
    fs.writeFileSync(abs, `---\ntitle: Deep\n---\n${'>'.repeat(20_000)} x\n`);
    const r = await buildPayloads({ relPath: 'deep.md', absPath: abs, kind: 'article', sig: '' }, S);
    expect(r).not.toBeInstanceOf(Map);
    expect((r as { issue: unknown }).issue).toMatchObject({ file: 'deep.md', line: 4, severity: 'error' });
  });
});

describe('render: text lists', () => {
  it("puts a list's items on consecutive lines in text format", () => {
    const out = render('Intro.\n\n- one\n- two\n  continued\n- three\n\nAfter.\n', { markdownFormat: 'text' });
    expect(out).toBe('Intro.\n\n- one\n- two\n  continued\n- three\n\nAfter.');
  });
});

describe('render: the time limit message', () => {
  it.each([
    [100, '100 ms'],
    [999, '999 ms'],
    [1000, '1 s'],
    [1500, '1.5 s'],
    [10_000, '10 s'],
  ])('%i ms reads "%s"', (ms, text) => {
    expect(formatLimit(ms)).toBe(text);
  });
});
