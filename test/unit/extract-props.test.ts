import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FileIssue } from '../../src/errors.js';
import { renderInput, scanArticle } from '../../src/extract/article.js';
import { detach, extractText, type ExtractSettings, type FileExtract } from '../../src/extract/index.js';
import { RenderError, renderArticle } from '../../src/extract/render.js';
import { decodeText } from '../../src/extract/text.js';
import { planSync } from '../../src/plan/plan.js';
import { item, world, type ItemSpec } from '../helpers/plan-state.js';

/**
 * Property tests: no input makes an extractor throw; every problem is a located file issue.
 * Seeds are fixed per run by fast-check's defaults; a failure prints the seed and the input.
 */

const RUNS = 200;
const S: ExtractSettings = {
  markdownFormat: 'markdown',
  maxTextBytes: 2 * 1024 * 1024,
  maxItemsPerFile: 50,
  maxDocumentBytes: 1024,
};
const KINDS = ['article', 'qa', 'urls'] as const;

/** Pieces that exercise YAML, frontmatter, Markdown and URL parsing at once. */
const PIECES = [
  '---',
  '---js',
  '---yaml',
  '\n',
  '\r\n',
  '\r',
  '\0',
  '\t',
  ' ',
  '  ',
  '\ufeff',
  '😀',
  'é',
  '- ',
  '? ',
  ': ',
  'q: ',
  'a: ',
  'question: ',
  'answer: ',
  'id: ',
  'title: ',
  'draft: true',
  'sync: false',
  'questions:',
  'category: ',
  '&a ',
  '*a',
  '!!str ',
  '!!binary ',
  '!!js/function ',
  '|',
  '>',
  '|-',
  '"',
  "'",
  '{',
  '}',
  '[',
  ']',
  ',',
  '#',
  '# Title',
  '===',
  '```',
  '~~~',
  '<!--',
  '-->',
  'import X from "y"',
  'export const a = 1',
  'https://example.com/a',
  'http://user:pw@example.com',
  'ftp://x',
  'javascript:alert(1)',
  'mailto:a@b.c',
  '%',
  '\\',
  '42',
  '~',
  'null',
  'true',
];

const piecesText = fc
  .array(
    fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 6 }), fc.string({ unit: 'grapheme', maxLength: 4 })),
    { maxLength: 40 },
  )
  .map((a) => a.join(''));
const anyText = fc.oneof(piecesText, fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 120 }));

function checkIssue(i: FileIssue, file: string): void {
  expect(i.file).toBe(file);
  expect(typeof i.message).toBe('string');
  expect(i.message.trim()).not.toBe('');
  expect(['error', 'warning']).toContain(i.severity);
  if (i.line !== undefined) {
    expect(Number.isInteger(i.line)).toBe(true);
    expect(i.line).toBeGreaterThan(0);
  }
  if (i.column !== undefined) {
    expect(Number.isInteger(i.column)).toBe(true);
    expect(i.column).toBeGreaterThan(0);
  }
}

function checkExtract(x: FileExtract, file: string, text: string): void {
  for (const i of x.issues) checkIssue(i, file);
  // A file with an error is incomplete, and the other way round.
  expect(x.complete).toBe(!x.issues.some((i) => i.severity === 'error'));
  const lines = text.split('\n').length;
  const keys = new Set<string>();
  for (const it of x.items) {
    expect(keys.has(it.key)).toBe(false);
    keys.add(it.key);
    expect(it.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(it.line).toBeGreaterThan(0);
    expect(it.line).toBeLessThanOrEqual(lines);
    expect(it.label.length).toBeGreaterThan(0);
  }
  if (x.skipped) expect(x.items).toEqual([]);
}

describe('extractors never throw', () => {
  it.each(KINDS)('extractText(%s) on arbitrary text', async (kind) => {
    await fc.assert(
      fc.asyncProperty(anyText, async (text) => {
        const file = `f.${kind}`;
        checkExtract(await extractText(kind, text, file, S), file, text);
      }),
      { numRuns: RUNS },
    );
  });

  it('decodeText on arbitrary bytes, and each kind on what it decodes', async () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 120 }),
      piecesText.map((t) => new Uint8Array(Buffer.from(t, 'utf8'))),
      // One or more byte-order marks in front (a doubled mark once failed this property).
      fc
        .tuple(fc.integer({ min: 1, max: 3 }), piecesText)
        .map(([n, t]) => new Uint8Array(Buffer.from('\ufeff'.repeat(n) + t, 'utf8'))),
      fc
        .tuple(piecesText, fc.uint8Array({ maxLength: 4 }), piecesText)
        .map(([a, b, c]) => new Uint8Array(Buffer.concat([Buffer.from(a), b, Buffer.from(c)]))),
    );
    await fc.assert(
      fc.asyncProperty(bytes, async (b) => {
        const d = decodeText(b, 'f.md');
        if ('issue' in d) {
          checkIssue(d.issue, 'f.md');
          expect(d.issue.severity).toBe('error');
          expect(d.issue.line).toBeDefined();
          return;
        }
        // Decoded text is LF-only, without a leading byte-order mark.
        expect(d.text).not.toContain('\r');
        expect(d.text.charCodeAt(0)).not.toBe(0xfeff);
        for (const kind of KINDS) checkExtract(await extractText(kind, d.text, 'f.md', S), 'f.md', d.text);
      }),
      { numRuns: RUNS },
    );
  });

  it('frontmatter with arbitrary YAML never throws, and non-YAML languages are always refused', async () => {
    const lang = fc.oneof(
      fc.constant(''),
      fc.constantFrom('yaml', 'js', 'javascript', 'coffee', 'json', 'toml', 'valueOf', 'constructor'),
      fc.stringMatching(/^[a-zA-Z_]{1,8}$/),
    );
    await fc.assert(
      fc.asyncProperty(lang, piecesText, piecesText, async (l, fm, body) => {
        const text = `---${l}\n${fm.replace(/^---/gm, '')}\n---\n${body}`;
        const x = await extractText('article', text, 'a.md', S);
        checkExtract(x, 'a.md', text);
        if (l !== '' && !/^ya?ml$/i.test(l)) {
          expect(x.complete).toBe(false);
          expect(x.issues[0]!.line).toBe(1);
        }
      }),
      { numRuns: RUNS },
    );
  });

  // Lines just under the 100,000-character limit: a quadratic pattern would take seconds.
  const unit = fc.constantFrom(
    ' ',
    '\t',
    '#',
    '[',
    ']',
    '(',
    ')',
    '<',
    '>',
    '_',
    '*',
    '`',
    'a',
    '-',
    '|',
    ':',
    '!',
    '=',
    '"',
    '{',
  );
  const hostileLine = (max: number) =>
    fc
      .tuple(
        fc.array(unit, { minLength: 1, maxLength: 4 }),
        fc.constantFrom('', '# ', '- ', '> ', '| ', 'https://e.com/', 'Title\n', '---\ntitle: '),
      )
      .map(([chunk, prefix]) => prefix + chunk.join('').repeat(Math.floor((max - prefix.length) / chunk.length)));

  // No wall clock here (a busy machine is slow, not wrong): a quadratic pattern on these lines
  // shows in npm run bench, and an exponential one still ends at the test's ceiling.
  it.each(['article', 'urls'] as const)('extractText(%s) handles long hostile lines', async (kind) => {
    await fc.assert(
      fc.asyncProperty(hostileLine(99_000), async (line) => {
        checkExtract(await extractText(kind, line, `f.${kind}`, S), `f.${kind}`, line);
      }),
      { numRuns: 30 },
    );
  });

  it('extractText(qa) does not hang on long hostile lines', async () => {
    // The YAML parser is linear but slow on garbage (tens of µs a character): a shorter line.
    await fc.assert(
      fc.asyncProperty(hostileLine(10_000), async (line) => {
        checkExtract(await extractText('qa', line, 'f.qa', S), 'f.qa', line);
      }),
      { numRuns: 15 },
    );
  });
});

describe('articles: scan + render', () => {
  const FRAGMENTS = [
    '# Title',
    '## Sub',
    'Setext\n===',
    'Sub\n---',
    '```',
    '```js\ncode()\n```',
    '~~~',
    '    indented code',
    '- item',
    '  - nested',
    '1. first',
    '* star',
    '> quote',
    '> > deeper',
    '<!-- comment -->',
    '<!--',
    '-->',
    '<div>',
    '</div>',
    'import X from "./x"',
    'import your data',
    'export const meta = {}',
    'export your report',
    '| a | b |\n|---|---|\n| 1 | 2 |',
    '**bold** _em_ ~~del~~ `code`',
    '[link](docs/a.md) [abs](https://x.example) [m](mailto:a@b.c) [#](#top)',
    '![img](i.png)',
    '[ref]: docs/ref.md',
    'Plain text.',
    '---\ntitle: T\n---',
    '---\nid: x\n---',
    '---\ndraft: true\n---',
    '',
    '\\',
    '***',
    '[^1]\n\n[^1]: note',
  ];
  const markdown = fc
    .array(
      fc.oneof(
        { weight: 5, arbitrary: fc.constantFrom(...FRAGMENTS) },
        { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
      ),
      { maxLength: 25 },
    )
    .chain((parts) =>
      fc.tuple(
        fc.constant(parts),
        fc.array(fc.constantFrom('\n', '\n\n', ' ', ''), { minLength: parts.length, maxLength: parts.length }),
      ),
    );
  const settings = fc.record({
    markdownFormat: fc.constantFrom('markdown' as const, 'text' as const),
    markdownBaseUrl: fc.constantFrom(undefined, 'https://help.example.com/kb', 'http://h.example/'),
  });
  const rel = fc.constantFrom('a.md', 'guides/my-article.mdx', 'a b/ü.markdown');

  it('never throw anything but RenderError; an item always has a source that renders', () => {
    fc.assert(
      fc.property(markdown, settings, rel, ([parts, seps], s, file) => {
        const text = parts.map((p, i) => p + seps[i]).join('');
        const all: ExtractSettings = { ...S, ...s };
        const scan = scanArticle(text, file, all);
        checkExtract(scan.extract, file, text);
        if (scan.extract.items.length === 0) return;
        expect(scan.source).toBeDefined();
        expect(scan.title).toBe(scan.extract.items[0]!.label);
        let out: unknown;
        let thrown: unknown;
        try {
          out = renderArticle(renderInput(scan, file)!, all);
        } catch (e) {
          thrown = e;
        }
        if (thrown !== undefined) expect(thrown).toBeInstanceOf(RenderError);
        else expect(typeof out).toBe('string');
      }),
      { numRuns: RUNS },
    );
  });

  it('rendering is deterministic (same source, same output)', () => {
    fc.assert(
      fc.property(markdown, settings, ([parts, seps], s) => {
        const text = parts.map((p, i) => p + seps[i]).join('');
        const all: ExtractSettings = { ...S, ...s };
        const scan = scanArticle(text, 'a.md', all);
        if (!scan.source) return;
        const once = () => {
          try {
            return renderArticle(renderInput(scan, 'a.md')!, all);
          } catch (e) {
            return e instanceof RenderError ? 'RenderError' : 'other';
          }
        };
        expect(once()).toBe(once());
      }),
      { numRuns: 50 },
    );
  });
});

describe('planner invariants', () => {
  const KEYS = [
    'article:id:x',
    'article:id:y',
    'article:path:a.md',
    'article:path:b.md',
    'url:https://e.com/1',
    'url:https://e.com/2',
    'qa:f.qa.yaml#q:one',
  ];
  const HASHES = ['h1', 'h2', 'h3'];
  const FILES = ['a.md', 'b.md', 'c.urls', 'd.urls', 'f.qa.yaml'];
  const itemsArb = fc
    .uniqueArray(fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom(...HASHES)), { selector: ([k]) => k, maxLength: 3 })
    .map((xs) => xs.map(([k, h]) => item(k, h)));
  const fileArb = fc.record({
    synced: fc.option(itemsArb, { nil: undefined }),
    status: fc.constantFrom('unchanged', 'reads', 'errors', 'deleted'),
    now: itemsArb,
  });
  const worldArb = fc.tuple(...FILES.map(() => fileArb));

  it('every desired item ends in exactly one place; nothing is both stale and desired; a broken file loses nothing', () => {
    fc.assert(
      fc.property(worldArb, (files) => {
        const w = world();
        files.forEach((f, i) => {
          const name = FILES[i]!;
          if (f.synced) w.synced(name, ...f.synced);
          if (f.status === 'reads') w.reads(name, ...f.now);
          else if (f.status === 'errors') w.readsWithErrors(name, ...f.now);
          else if (f.status === 'deleted' && f.synced) w.deleted(name);
        });
        const input = w.input();
        const plan = planSync(input);

        // Each desired item: in exactly one list, or reported as a conflict on its file and line.
        const places = new Map<object, number>();
        const mark = (x: object) => places.set(x, (places.get(x) ?? 0) + 1);
        plan.create.forEach((c) => mark(c.item));
        plan.update.forEach((u) => mark(u.item));
        plan.moved.forEach((m) => mark(m.item));
        plan.unchanged.forEach(mark);
        plan.duplicates.forEach(mark);
        for (const d of input.desired) {
          const n = places.get(d) ?? 0;
          expect(n).toBeLessThanOrEqual(1);
          if (n === 0) expect(plan.conflicts.some((c) => c.file === d.file && c.line === d.line)).toBe(true);
        }
        // Each desired key is pushed or kept by one item at most; one exactly unless another file holds it.
        const desiredKeys = new Set(input.desired.map((d) => d.key));
        const winners = [
          ...plan.create.map((c) => c.item),
          ...plan.update.map((u) => u.item),
          ...plan.moved.map((m) => m.item),
          ...plan.unchanged,
        ];
        for (const k of desiredKeys) {
          const n = winners.filter((x) => x.key === k).length;
          expect(n).toBe(input.heldElsewhere.has(k) ? 0 : 1);
        }

        const stale = plan.stale.map((s) => s.prior.key);
        expect(new Set(stale).size).toBe(stale.length);
        for (const k of stale) {
          expect(desiredKeys.has(k)).toBe(false);
          expect(input.heldElsewhere.has(k)).toBe(false);
          expect(input.prior.has(k)).toBe(true);
          // A key of a file with errors never turns stale.
          for (const f of input.incompleteFiles) expect(input.priorFileKeys.get(f) ?? []).not.toContain(k);
        }
        for (const h of plan.held) expect(stale).not.toContain(h);

        // Creates are new keys; updates and unchanged had a prior; moves re-key equal content.
        for (const c of plan.create) expect(input.prior.has(c.item.key)).toBe(false);
        for (const u of plan.update) expect(input.prior.get(u.item.key)).toBe(u.prior);
        for (const u of plan.unchanged) expect(input.prior.get(u.key)?.hash).toBe(u.hash);
        const movedFrom = plan.moved.map((m) => m.from.key);
        expect(new Set(movedFrom).size).toBe(movedFrom.length);
        for (const m of plan.moved) {
          expect(m.item.hash).toBe(m.from.hash);
          expect(m.item.type).toBe(m.from.type);
          expect(input.prior.has(m.item.key)).toBe(false);
          expect(desiredKeys.has(m.from.key)).toBe(false);
          expect(stale).not.toContain(m.from.key);
        }
        // Only URLs are duplicates.
        for (const d of plan.duplicates) expect(d.type).toBe('URL');
      }),
      { numRuns: 500 },
    );
  });

  it('a plan over only unchanged re-reads is all unchanged', () => {
    fc.assert(
      fc.property(fc.array(itemsArb, { minLength: FILES.length, maxLength: FILES.length }), (perFile) => {
        const w = world();
        const seen = new Set<string>();
        perFile.forEach((items, i) => {
          // Keys are unique across the folder here (no conflicts, no duplicates).
          const own: ItemSpec[] = items.filter((it) => !seen.has(it.key));
          own.forEach((it) => seen.add(it.key));
          w.synced(FILES[i]!, ...own).reads(FILES[i]!, ...own);
        });
        const plan = planSync(w.input());
        expect(plan.unchanged.length).toBe(seen.size);
        expect(
          plan.create.length +
            plan.update.length +
            plan.moved.length +
            plan.stale.length +
            plan.conflicts.length +
            plan.duplicates.length,
        ).toBe(0);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('detach (labels kept apart from the file text they were cut from)', () => {
  it('gives back exactly the same characters, whatever they are (lone surrogates included)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (before, label) => {
        const cut = `${before}${label}!`.slice(before.length, before.length + label.length);
        expect(detach(cut)).toBe(label);
      }),
      { numRuns: RUNS },
    );
    for (const s of ['', 'Plain title', 'Ünïcödé', 'emoji 🚀', 'lone \ud800 half']) expect(detach(s)).toBe(s);
  });
});
