import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { CORPORA_MISSING, corporaDir } from '../helpers/corpus.js';
import { emulator } from '../helpers/emulator.js';
import { project } from '../helpers/project.js';
import { inProcess } from '../helpers/sync.js';

/**
 * The real corpora (../shared/corpora: public docs, FAQ files, URL lists, documents) synced into
 * the emulator, the pushed items read back and compared with the source files (issue 13,
 * "Proof"). Skipped when the corpora are not there (a user's clone). docs-large (3,083 pages)
 * runs only with KB_SYNC_CORPUS_LARGE=1: `npm run bench` times it.
 */

const CORPORA = corporaDir();
if (!CORPORA) console.warn(`test/e2e/corpora.test.ts: ${CORPORA_MISSING}`);
const PROVENANCE = /^(LICENSE.*|SOURCE\.txt|README\.md|license)$/i;

/** A corpus folder as a file map (provenance files left out), for project(). */
function filesOf(dir: string): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  (function walk(d: string) {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!PROVENANCE.test(e.name)) out[path.relative(dir, p).split(path.sep).join('/')] = fs.readFileSync(p);
    }
  })(dir);
  return out;
}

const text = (b: Uint8Array) =>
  Buffer.from(b)
    .toString('utf8')
    .replace(/^\ufeff+/, '')
    .replace(/\r\n?/g, '\n');
const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

/** Lines outside fenced code, for "nothing left over" checks. */
function outsideCode(md: string): string[] {
  const out: string[] = [];
  let fence: string | undefined;
  for (const line of md.split('\n')) {
    const m = /^\s*(`{3,}|~{3,})/.exec(line);
    if (m) {
      if (fence === undefined) fence = m[1]![0]!.repeat(m[1]!.length);
      else if (line.trim().startsWith(fence)) fence = undefined;
      continue;
    }
    if (fence === undefined) out.push(line);
  }
  return out;
}

const count = (re: RegExp, s: string) => (s.match(re) ?? []).length;

async function syncCorpus(name: string, config: Record<string, unknown> = {}) {
  const src = path.join(CORPORA!, name);
  const files = filesOf(src);
  const emu = await emulator({}, { until: 'test' });
  const p = project(files, { emu, config: { rateLimit: { requestsPerSecond: 1000, concurrency: 8 }, ...config } });
  const result = await inProcess(p, emu).sync();
  return { files, result, rows: emu.created(emu.botId) };
}

describe.skipIf(!CORPORA)(`real corpora into the emulator${CORPORA ? '' : ` (${CORPORA_MISSING})`}`, () => {
  it('faq-yaml: every question of every FAQ shape arrives once, its answer as written', async () => {
    const { files, result, rows } = await syncCorpus('faq-yaml');
    expect(result.errors).toEqual([]);
    // What the sources hold, read with the YAML library (all documents of a file).
    const want: { file: string; q: string; a: string }[] = [];
    const collect = (file: string, v: unknown): void => {
      if (Array.isArray(v)) for (const x of v) collect(file, x);
      else if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        const q = o.question ?? o.q ?? (o.content !== undefined ? o.title : undefined);
        const a = o.answer ?? o.a ?? o.content;
        if (typeof q === 'string' && typeof a === 'string') want.push({ file, q, a });
        else for (const x of Object.values(o)) collect(file, x);
      }
    };
    for (const [rel, bytes] of Object.entries(files))
      for (const d of YAML.parseAllDocuments(text(bytes))) collect(rel, d.toJS());
    const perFile = (f: string) => want.filter((w) => w.file.endsWith(f)).length;
    expect(perFile('microsoft-update-faq.yml')).toBeGreaterThan(0); // YamlMime:FAQ
    expect(perFile('falco-website/data/en/faq.yaml')).toBeGreaterThan(0); // title/content
    expect(perFile('GeyserWiki/_data/faq.yml')).toBeGreaterThan(0); // categories of items
    expect(perFile('DAPLink/_data/faq.yml')).toBeGreaterThan(0); // a trailing empty document
    expect(rows.every((r) => r.type === 'Q_AND_A')).toBe(true);
    expect(rows).toHaveLength(want.length);
    const byQuestion = new Map(rows.map((r) => [r.content, r]));
    for (const w of want) {
      const row = byQuestion.get(oneLine(w.q));
      expect(row, `${w.file}: ${w.q}`).toBeDefined();
      expect(row!.content_value).toBe(w.a.trim());
    }
  });

  it('url-lists: every URL of the lists and the sitemap arrives once; a comment is its title', async () => {
    const { files, result, rows } = await syncCorpus('url-lists', {
      kinds: { urls: ['*.txt', 'sitemap*.xml'] },
    });
    expect(result.errors).toEqual([]);
    const norm = (u: string) => {
      const x = new URL(u);
      x.hash = '';
      return x.href;
    };
    const want = new Set<string>();
    const titled = new Map<string, string>();
    for (const [rel, bytes] of Object.entries(files)) {
      const t = text(bytes);
      if (rel.endsWith('.xml')) for (const m of t.matchAll(/<loc>\s*([^<]*?)\s*<\/loc>/g)) want.add(norm(m[1]!));
      else
        for (const line of t.split('\n')) {
          const m = /^\s*(https?:\/\/\S+)(?:\s+#\s*(.*))?$/.exec(line);
          if (!m) continue;
          want.add(norm(m[1]!));
          if (m[2]) titled.set(norm(m[1]!), m[2].trim());
        }
    }
    expect(rows.every((r) => r.type === 'URL')).toBe(true);
    expect(new Set(rows.map((r) => r.content))).toEqual(want);
    expect(rows).toHaveLength(want.size);
    expect(titled.size).toBeGreaterThan(0);
    for (const r of rows) if (titled.has(r.content)) expect(r.title).toBe(titled.get(r.content));
  });

  it('documents: uploaded after a check (UTF-16/32 converted, blank text a warning, encrypted PDF an error)', async () => {
    const { result, rows } = await syncCorpus('documents');
    const names = rows.map((r) => r.filename);
    expect(names).not.toContain('fake-text-all-whitespace.txt');
    expect(names).not.toContain('empty.txt');
    expect(names).not.toContain('password.pdf');
    expect(names).toEqual(expect.arrayContaining(['fake-text-utf-16.txt', 'fake-text-utf-32.txt', 'habibi.pdf']));
    expect(result.errors.map((e) => path.posix.basename(e.file))).toEqual(['password.pdf']);
    expect(result.errors[0]!.message).toMatch(/encrypt|password/i);
    expect(result.warnings.map((w) => path.posix.basename(w.file)).sort()).toEqual(
      expect.arrayContaining(['empty.txt', 'fake-text-all-whitespace.txt']),
    );
  });

  it("docs-small (Astro MDX, React Native): the authors' text, nothing lost, nothing left over", async () => {
    const { files, result, rows } = await syncCorpus('docs-small');
    expect(result.errors).toEqual([]);
    const articles = Object.keys(files).filter((f) => /\.mdx?$/.test(f));
    const partials = articles.filter((f) => path.posix.basename(f).startsWith('_'));
    expect(partials.length).toBeGreaterThan(0);
    expect(rows).toHaveLength(articles.length - partials.length);
    const byFile = new Map(result.items.map((i) => [i.file.replace(/^knowledge\//, ''), i.remoteId]));
    const byId = new Map(rows.map((r) => [r.id, r]));
    const totals: Record<string, [number, number]> = {
      fences: [0, 0],
      tables: [0, 0],
      links: [0, 0],
      admonitions: [0, 0],
    };
    for (const rel of articles) {
      if (partials.includes(rel)) continue;
      const row = byId.get(byFile.get(rel)!)!;
      expect(row.title, rel).toBeTruthy();
      const src = text(files[rel]!).replace(/^---\n[\s\S]*?\n---\n/, '');
      const out = row.content;
      const rest = outsideCode(out).join('\n');
      expect(rest, rel).not.toMatch(/<!--/);
      expect(rest, rel).not.toMatch(/^(import|export)\s/m);
      expect(rest, rel).not.toMatch(/^\s*<\/?[A-Z][\w.]*[\s/>]/m);
      expect(out.startsWith(`# ${row.title}\n`), rel).toBe(false);
      for (const [k, re] of [
        ['fences', /^[ \t]*(```|~~~)/gm],
        ['tables', /^\s*\|?\s*:?-{3,}:?\s*\|/gm],
        ['links', /\]\(/g],
        ['admonitions', /^\s*:::\w+/gm],
      ] as const) {
        const t = totals[k]!;
        t[0] += count(re, src);
        t[1] += count(re, out);
        expect(count(re, out), `${k} in ${rel}`).toBe(count(re, src));
      }
    }
    for (const [, [s]] of Object.entries(totals)) expect(s).toBeGreaterThan(0);
    const setup = byId.get(byFile.get('astro-docs/src/content/docs/ja/install-and-setup.mdx')!)!;
    expect(setup.content).toContain('npm create astro@latest -- --template <github-username>/<github-repo>');
  });

  it.skipIf(!process.env.KB_SYNC_CORPUS_LARGE)(
    'docs-large (3,083 PowerShell pages; KB_SYNC_CORPUS_LARGE=1): alerts unescaped, the title once, located errors only',
    async () => {
      const { result, rows } = await syncCorpus('docs-large');
      expect(result.errors.every((e) => e.line !== undefined)).toBe(true);
      expect(result.errors.map((e) => path.posix.basename(e.file))).toEqual(
        expect.arrayContaining(['ForEach-Object.md']),
      );
      const texts = rows.filter((r) => r.type === 'TEXT');
      expect(texts.length).toBeGreaterThan(3000);
      for (const r of texts) {
        expect(r.content).not.toMatch(/\\\[!|\\_\\_|\\&/);
        expect(r.content.startsWith(`# ${r.title}\n`)).toBe(false);
      }
      expect(rows.filter((r) => r.type === 'Q_AND_A').length).toBeGreaterThan(0);
    },
  );
});
