import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { CLI, runCli } from '../helpers/cli.js';
import { emulator } from '../helpers/emulator.js';
import { tempDir, writeTree } from '../helpers/fs.js';
import { project } from '../helpers/project.js';

/** What the build's bundle (.esbuild.js) leaves out or defers on purpose. */
describe('the bundle', () => {
  const dir = path.dirname(CLI);
  const chunks = () =>
    fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.js'))
      .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));

  it("holds no js-yaml (gray-matter's default engine: kb-sync parses front matter with yaml), so no esprima is loaded", () => {
    const code = chunks();
    expect(code.length).toBeGreaterThan(1);
    expect(code.some((c) => c.includes('node_modules/gray-matter/'))).toBe(true);
    expect(code.filter((c) => c.includes('node_modules/js-yaml/') || c.includes("'esprima'"))).toEqual([]);
    expect(code.some((c) => c.includes('src/extract/js-yaml-unused.ts'))).toBe(true);
  });

  it('holds one string-width (yargs brings three more copies), behind the lazy module', () => {
    const code = chunks().join('\n');
    const copies = [...code.matchAll(/^\/\/ (node_modules\/(?:.+\/)?string-width\/index\.js)$/gm)].map((m) => m[1]);
    expect(copies).toEqual(['node_modules/string-width/index.js']);
    expect(code).toContain('// src/util/string-width-lazy.ts');
  });

  it('holds one acorn, its ES module build (acorn-jsx requires the CommonJS one as a fallback it never takes)', () => {
    const code = chunks().join('\n');
    const copies = [...code.matchAll(/^\/\/ (node_modules\/(?:.+\/)?acorn\/dist\/[^/\n]+)$/gm)].map((m) => m[1]);
    expect(copies).toEqual(['node_modules/acorn/dist/acorn.mjs']);
    // MDX still parses through it: content.test.ts syncs a page with an import and JSX.
    expect(code).toContain('// node_modules/acorn-jsx/index.js');
  });

  /** Run the built CLI with `lines` as a module node loads first (`--import`, after the caller's NODE_OPTIONS). */
  function withPreload(lines: string[], args: string[], cwd: string, env: Record<string, string>) {
    const file = path.join(tempDir('kb-preload-'), 'preload.mjs');
    fs.writeFileSync(file, lines.join('\n'));
    const options = [process.env.NODE_OPTIONS, `--import=${pathToFileURL(file).href}`].filter(Boolean).join(' ');
    return runCli(args, { cwd, env: { ...env, NODE_OPTIONS: options } });
  }

  /** Run the built CLI counting, as it runs, the segmenters it builds and the emoji regexes it compiles. */
  async function counted(args: string[], cwd: string, env: Record<string, string> = {}) {
    const r = await withPreload(
      [
        'const S = Intl.Segmenter; let segmenters = 0, emoji = 0;',
        'Intl.Segmenter = class extends S { constructor(...a) { segmenters++; super(...a); } };',
        'globalThis.RegExp = new Proxy(RegExp, { construct(t, a) { if (String(a[0]).includes("\\\\p{RGI_Emoji}")) emoji++; return new t(...a); } });',
        'process.on("exit", () => process.stderr.write(`\\ncounted ${JSON.stringify({ segmenters, emoji })}\\n`));',
      ],
      args,
      cwd,
      env,
    );
    const m = /^counted (.*)$/m.exec(r.stderr);
    if (!m) throw new Error(`no count in the CLI's output: ${r.stderr}`);
    return { ...r, ...(JSON.parse(m[1]!) as { segmenters: number; emoji: number }) };
  }

  it('measures text only when it prints a table or help: a plan builds no segmenter and compiles no emoji regex', async () => {
    const root = tempDir();
    writeTree(root, {
      'sync.config.json': '{}',
      'knowledge/a.md': '---\ntitle: 退货政策 and returns 👍🏽\n---\nBody.\n',
      'knowledge/b.md': '---\ntitle: Shipping\n---\nBody.\n',
    });
    const plan = await counted(['plan'], root, { CXGENIE_BOT_ID: 'bot' });
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('+ create article "退货政策 and returns 👍🏽"');
    expect({ segmenters: plan.segmenters, emoji: plan.emoji }).toEqual({ segmenters: 0, emoji: 0 });

    // Help is laid out in columns by width (its text is not all ASCII: `…`).
    const help = await counted(['sync', '--help'], root);
    expect(help.code).toBe(0);
    const typed = help.stdout.split('\n').filter((l) => /\[(boolean|string|number)\]$/.test(l));
    expect(typed.length).toBeGreaterThan(3);
    expect(new Set(typed.map((l) => l.length)).size).toBe(1);
  });

  /**
   * The packages and source modules whose code the built CLI loaded in a run, from the marks
   * esbuild leaves in the bundle's chunks (`// node_modules/…/x/…` is package x, however nested;
   * `// src/…` a module of ours).
   */
  async function loadedCode(args: string[], cwd: string, env: Record<string, string>) {
    const r = await withPreload(
      [
        "import { register } from 'node:module';",
        `register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(
          "export async function load(url, context, next) { if (url.startsWith('file:')) process.stderr.write('\\nloaded ' + url + '\\n'); return next(url, context); }",
        )}));`,
      ],
      args,
      cwd,
      env,
    );
    const files = [...r.stderr.matchAll(/^loaded (file:.*)$/gm)].map((m) => fileURLToPath(m[1]!));
    const inBundle = files.filter((f) => path.dirname(f) === dir);
    if (inBundle.length === 0) throw new Error(`no bundle file seen loading: ${r.stderr}`);
    const packages = new Set<string>();
    const sources = new Set<string>();
    for (const f of inBundle) {
      const code = fs.readFileSync(f, 'utf8');
      for (const m of code.matchAll(/^\/\/ (?:.*\/)?node_modules\/((?:@[^/\n]+\/)?[^/\n]+)\/.*$/gm))
        packages.add(m[1]!);
      for (const m of code.matchAll(/^\/\/ (src\/\S+\.ts)$/gm)) sources.add(m[1]!);
    }
    return { ...r, packages, sources };
  }

  it('loads the Q&A and URL-list readers, with their CSV and XML parsers, only for such files', async () => {
    const emu = await emulator();
    const p = project({ 'a.md': '---\ntitle: A\n---\nBody.\n' }, { emu });
    const articles = await loadedCode(['sync', '-q'], p.dir, p.env);
    expect(articles.code).toBe(0);
    // What read the article was seen loading (where the readers were once imported from).
    expect(articles.sources).toContain('src/extract/index.ts');
    expect(articles.packages).toContain('gray-matter');
    expect(articles.packages).not.toContain('csv-parse');
    expect(articles.packages).not.toContain('fast-xml-parser');

    p.write({ 'faq.qa.yaml': '- q: Good?\n  a: Yes.\n', 'links.urls.txt': 'https://example.com/a\n' });
    const all = await loadedCode(['sync', '-q'], p.dir, p.env);
    expect(all.code).toBe(0);
    expect(all.packages).toContain('csv-parse');
    expect(all.packages).toContain('fast-xml-parser');
    expect(
      emu
        .created(emu.botId)
        .map((d) => d.type)
        .sort(),
    ).toEqual(['Q_AND_A', 'TEXT', 'URL']);
  });

  it('reads every kind in worker threads (its worker-main.js entry) as it does on one thread', async () => {
    const files: Record<string, string> = {
      'faq.qa.yaml': '- q: Good?\n  a: Yes.\n- q: Bad?\n  a: No.\n',
      'broken.qa.yaml': '- q: An answer is missing\n',
      'links.urls.txt': 'https://example.com/a\nhttps://example.com/b\n',
      'sitemap.xml':
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://example.com/c</loc></url></urlset>\n',
    };
    // Enough files for extraction to go to the workers (extract-many.ts: 400).
    for (let i = 0; i < 420; i++) files[`a/p${i}.md`] = `---\ntitle: Page ${i}\n---\nBody ${i}.\n`;
    const p = project(files);
    const plan = async (workers: string) => {
      const r = await loadedCode(['plan', '--json'], p.dir, { CXGENIE_BOT_ID: 'b', KB_SYNC_WORKERS: workers });
      const doc = JSON.parse(r.stdout) as Record<string, unknown>;
      delete doc.durationMs;
      return { code: r.code, doc, inWorkers: r.sources.has('src/sync/worker-main.ts') };
    };
    const one = await plan('0');
    const two = await plan('2');
    expect(one.doc.counts).toMatchObject({ create: 420 + 2 + 3 });
    expect(JSON.stringify(one.doc.errors)).toContain('knowledge/broken.qa.yaml');
    expect([one.inWorkers, two.inWorkers]).toEqual([false, true]);
    expect(two.doc).toEqual(one.doc);
    expect(two.code).toBe(one.code);
  });

  it('loads string-width for a table of wide text, and its columns line up', async () => {
    const emu = await emulator();
    const titles = ['退货政策 and returns 👍🏽', 'Shipping', 'Café crème', 'ｶﾀｶﾅ and ＦＵＬＬ width'];
    const files = Object.fromEntries(
      titles.map((t, i) => [`a${i}.md`, `---\ntitle: ${JSON.stringify(t)}\n---\nBody ${i}.\n`]),
    );
    const p = project(files, { emu });
    expect((await runCli(['sync', '-q'], { cwd: p.dir, env: p.env })).code).toBe(0);
    for (const f of Object.keys(files)) p.remove(f);
    p.write({ 'keep.md': '# Keep\n\nSo the folder is not empty.\n' });
    expect((await runCli(['sync', '-q'], { cwd: p.dir, env: p.env })).code).toBe(0);
    const status = await counted(['status'], p.dir, { ...p.env, COLUMNS: '200' });
    expect(status.code).toBe(0);
    const rows = status.stdout.split('\n').filter((l) => l.includes('knowledge/a') || l.includes('WAS IN'));
    expect(rows).toHaveLength(titles.length + 1);
    for (const t of titles) expect(rows.some((r) => r.includes(t))).toBe(true);
    // Where the column after the titles starts, in terminal columns, is the same in every row.
    const at = rows.map((r) => stringWidth(r.slice(0, r.search(/knowledge\/a|WAS IN/))));
    expect(new Set(at).size).toBe(1);
    expect(status.segmenters).toBeGreaterThan(0);
  });
});

describe('the entry point', () => {
  it('prints the version written into the bundle: package.json’s', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    const pkg = JSON.parse(fs.readFileSync(path.join(path.dirname(CLI), '../../package.json'), 'utf8')) as {
      version: string;
    };
    expect(r.stdout).toBe(`${pkg.version}\n`);
  });

  it('prints the help the build cached, the same as yargs renders it', async () => {
    const cached = await runCli(['--help']);
    const rendered = await runCli(['--help'], { env: { KB_SYNC_NO_HELP_CACHE: '1' } });
    expect(cached.code).toBe(0);
    expect(rendered.code).toBe(0);
    expect(cached.stdout).toContain('kb-sync sync');
    expect(cached.stdout).toBe(rendered.stdout);
  });

  it('ends quietly, with its own exit code, when its reader has gone (`kb-sync --help | head -0`)', async () => {
    for (const env of [{}, { KB_SYNC_NO_HELP_CACHE: '1' }]) {
      const child = spawn(process.execPath, [CLI, '--help'], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout.destroy();
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    }
  });
});
