import path from 'node:path';
import type { FileIssue } from '../errors.js';
import { stripEdges } from './edits.js';
import { hashFields } from './hash.js';
import { readFrontmatter } from './frontmatter.js';
import { folderDependence } from './links.js';
import { longLine } from './text.js';
import type { ExtractSettings, FileExtract, RenderInput } from './types.js';

/**
 * Articles (Markdown → one `TEXT` item). Extraction is split in two:
 * - `scanArticle` (cheap, no Markdown parser): frontmatter, title, key, draft flags, and the
 *   source whose hash, with the settings, identifies what would be sent;
 * - `renderArticle` (render.ts, remark): what is actually sent, only for items pushed.
 * The title rule works on lines here; the renderer removes the heading at the line found here.
 */

export const MAX_LINE_LENGTH = 100_000;

/** How the renderer parses an article: as Markdown, as MDX, or as MDX falling back to Markdown. */
export type MdxMode = RenderInput['mdx'];

export interface ArticleScan {
  extract: FileExtract;
  /** The body as the author wrote it (after the frontmatter; leading blank lines and trailing space off). */
  source?: string;
  title?: string;
  /** 0-based line of `source` with the level-1 heading the title came from. */
  titleLine?: number;
  mdx?: MdxMode;
  /** 1-based line of the file where `source` starts. */
  sourceLine?: number;
}

/**
 * The version of what render.ts produces. Bump it when what is sent changes for the same source
 * (or remark is upgraded in a way that changes it): every article's hash changes, the next sync
 * renders them, and only those whose payload really changed are pushed again.
 */
export const RENDERER_VERSION = 'source-edits/2';

/**
 * Fingerprint of the settings that change an article's payload for a given file. The file's
 * folder is not part of it: with `markdown.baseUrl`, only the links it resolves are (so moving an
 * article whose links resolve the same is a move, not a new item).
 */
function articleFingerprint(relPath: string, source: string, mdx: MdxMode, s: ExtractSettings): string {
  const parts: string[] = [RENDERER_VERSION, s.markdownFormat, mdx === false ? 'md' : `mdx:${mdx}`];
  if (mdx !== false && s.jsx) parts.push(JSON.stringify(s.jsx));
  if (s.markdownBaseUrl && s.markdownFormat === 'markdown') {
    parts.push(s.markdownBaseUrl, ...folderDependence(source, s.markdownBaseUrl, relPath));
  }
  return parts.join('|');
}

/** What to render for a scanned article that has an item. */
export function renderInput(scan: ArticleScan, relPath: string): RenderInput | undefined {
  if (scan.source === undefined || scan.title === undefined) return undefined;
  return {
    source: scan.source,
    relPath,
    title: scan.title,
    mdx: scan.mdx ?? false,
    ...(scan.titleLine !== undefined ? { titleLine: scan.titleLine } : {}),
  };
}

export function articleKey(relPath: string, id: string | undefined): string {
  return id !== undefined ? `article:id:${id}` : `article:path:${relPath}`;
}

/** Whether a file is parsed as MDX: `.mdx`, or Markdown with MDX import/export statements. */
function mdxMode(relPath: string, hasEsm: boolean): MdxMode {
  if (/\.mdx$/i.test(relPath)) return 'file';
  return hasEsm ? 'detected' : false;
}

export function scanArticle(text: string, relPath: string, settings: ExtractSettings): ArticleScan {
  const fail = (issue: FileIssue): ArticleScan => ({ extract: { items: [], issues: [issue], complete: false } });

  const long = longLine(text, MAX_LINE_LENGTH);
  if (long) {
    return fail({
      file: relPath,
      line: long.line,
      severity: 'error',
      message: `line is ${long.length} characters long (the limit is ${MAX_LINE_LENGTH})`,
    });
  }
  const fm = readFrontmatter(text, relPath);
  if ('issue' in fm) return fail(fm.issue);
  const { data } = fm;

  if (data.draft === true) return { extract: { items: [], issues: [], complete: true, skipped: 'draft' } };
  if (data.sync === false) return { extract: { items: [], issues: [], complete: true, skipped: 'sync-false' } };
  const meta = frontmatterFields(data, text, relPath);
  if ('issue' in meta) return fail(meta.issue);
  const { id } = meta;
  let title = meta.title;

  const source = stripEdges(fm.body);
  const sourceLine = fm.bodyLine + leadingLines(fm.body);
  // Most articles have a frontmatter title and no MDX: then only emptiness needs the lines.
  const mayHaveEsm = /(^|\n)(import|export)\s/.test(source);
  const lines = title === undefined || mayHaveEsm ? source.split('\n') : undefined;
  const esm = lines && mayHaveEsm ? esmLines(lines) : undefined;
  const mdx = mdxMode(relPath, esm?.some(Boolean) ?? false);
  let titleLine: number | undefined;
  if (title === undefined && lines) {
    const h1 = findH1(lines, esm);
    if (h1) {
      title = h1.text;
      titleLine = h1.start;
    }
  }
  if (title === undefined) {
    title =
      path.posix
        .basename(relPath)
        .replace(/\.[^.]+$/, '')
        .replace(/[-_]+/g, ' ')
        .trim() || path.posix.basename(relPath);
  }
  if (isBlank(source, lines, esm, titleLine, meta.title)) {
    const issue: FileIssue = {
      file: relPath,
      line: fm.bodyLine,
      severity: 'warning',
      message: 'the article has no body; nothing is pushed',
    };
    return { extract: { items: [], issues: [issue], complete: true, skipped: 'empty' } };
  }
  const hash = hashFields([
    'article/v2',
    'TEXT',
    title,
    source,
    titleLine ?? null,
    articleFingerprint(relPath, source, mdx, settings),
  ]);
  const line = titleLine !== undefined ? sourceLine + titleLine : sourceLine;
  return {
    extract: {
      items: [{ key: articleKey(relPath, id), type: 'TEXT', label: title, hash, line }],
      issues: [],
      complete: true,
    },
    source,
    title,
    ...(titleLine !== undefined ? { titleLine } : {}),
    mdx,
    sourceLine,
  };
}

/** How many whole blank lines `stripEdges` takes off the start of `s`. */
function leadingLines(s: string): number {
  let n = 0;
  for (let i = 0; ;) {
    const nl = s.indexOf('\n', i);
    if (nl === -1 || !/^[ \t]*$/.test(s.slice(i, nl))) return n;
    n++;
    i = nl + 1;
  }
}

function frontmatterFields(
  data: Record<string, unknown>,
  text: string,
  relPath: string,
): { id?: string; title?: string } | { issue: FileIssue } {
  const err = (key: string, message: string): { issue: FileIssue } => ({
    issue: { file: relPath, line: keyLine(text, key), severity: 'error', message },
  });
  for (const k of ['draft', 'sync'] as const) {
    if (data[k] !== undefined && typeof data[k] !== 'boolean')
      return err(k, `frontmatter "${k}" must be true or false`);
  }
  let id: string | undefined;
  if (data.id !== undefined && data.id !== null) {
    if (typeof data.id !== 'string' && typeof data.id !== 'number')
      return err('id', 'frontmatter "id" must be a string');
    id = String(data.id).trim();
    if (id === '') return err('id', 'frontmatter "id" is empty');
  }
  let title: string | undefined;
  if (data.title !== undefined && data.title !== null) {
    if (typeof data.title !== 'string' && typeof data.title !== 'number')
      return err('title', 'frontmatter "title" must be a string');
    title = String(data.title).trim() || undefined;
  }
  return { ...(id !== undefined ? { id } : {}), ...(title !== undefined ? { title } : {}) };
}

/**
 * Whether nothing would be sent (cheaply, on lines): the body without MDX import/export lines,
 * without the title's heading (the one the title came from, or a first line `# <title>`) and
 * without HTML comments is blank.
 */
function isBlank(
  source: string,
  lines: string[] | undefined,
  esm: boolean[] | undefined,
  titleLine: number | undefined,
  fmTitle: string | undefined,
): boolean {
  let rest = source;
  if (lines && (esm || titleLine !== undefined)) {
    rest = lines
      .filter((_, i) => !esm?.[i] && i !== titleLine && !(titleLine !== undefined && setext(lines, titleLine, i)))
      .join('\n');
  }
  if (rest.includes('<!--')) rest = rest.replace(/<!--[\s\S]*?(-->|$)/g, '');
  if (rest.trim() === '') return true;
  if (fmTitle !== undefined) {
    const first = /^\s*(.*)/.exec(rest)![1]!;
    const h = /^ {0,3}#[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/.exec(first);
    if (h && inlineText(h[1]!).toLowerCase() === fmTitle.replace(/\s+/g, ' ').toLowerCase()) {
      return rest.slice(rest.indexOf(first) + first.length).trim() === '';
    }
  }
  return false;
}

/** Line `i` is the underline of a setext heading whose text is on line `h`. */
function setext(lines: readonly string[], h: number, i: number): boolean {
  return i === h + 1 && /^ {0,3}=+[ \t]*$/.test(lines[i] ?? '');
}

function keyLine(text: string, key: string): number {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l.startsWith(`${key}:`));
  return i >= 0 ? i + 1 : 2;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * The indexes of the lines that are Markdown text: not inside a fenced code block, not inside a
 * multi-line HTML comment, not the fence or comment-opening lines themselves, and not `skip`ped.
 * Both line rules below (MDX ESM, the title heading) look only at these.
 */
export function* textLines(lines: readonly string[], skip: readonly boolean[] = []): Generator<number> {
  let close: RegExp | undefined;
  let inComment = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (skip[i]) continue;
    if (close) {
      if (close.test(line)) close = undefined;
      continue;
    }
    if (inComment) {
      if (line.includes('-->')) inComment = false;
      continue;
    }
    const f = FENCE.exec(line);
    if (f) {
      const fence = f[1] as string;
      close = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
      continue;
    }
    if (line.includes('<!--') && !line.includes('-->', line.indexOf('<!--'))) {
      inComment = true;
      continue;
    }
    yield i;
  }
}

/** Which lines are MDX ESM (import/export paragraphs at the top level, outside code fences). */
export function esmLines(lines: readonly string[]): boolean[] {
  const mask = new Array<boolean>(lines.length).fill(false);
  let skipTo = -1;
  for (const i of textLines(lines)) {
    if (i <= skipTo) continue;
    const line = lines[i] as string;
    const prevBlank = i === 0 || (lines[i - 1] as string).trim() === '';
    if (!prevBlank || !/^(import|export)\s/.test(line)) continue;
    // The paragraph runs to the next blank line.
    let end = i;
    while (end + 1 < lines.length && (lines[end + 1] as string).trim() !== '') end++;
    const para = lines.slice(i, end + 1).join('\n');
    if (isEsm(para)) {
      for (let k = i; k <= end; k++) mask[k] = true;
      skipTo = end;
    }
  }
  return mask;
}

function isEsm(para: string): boolean {
  // An MDX ESM block may mix imports and exports: each line starting with one begins a statement.
  return para.split(/\n(?=(?:import|export)\s)/).every((stmt) => {
    if (/^import\s/.test(stmt)) {
      // Every statement must look like an import with a quoted module specifier.
      return stmt
        .split(/;\s*\n/)
        .map((s) => s.trim())
        .filter((s) => s !== '')
        .every((s) => /^import\s+(?:['"][^'"\n]+['"]|[\s\S]+?\sfrom\s+['"][^'"\n]+['"])\s*;?$/.test(s));
    }
    return /^export\s+(?:const|let|var|function|class|default|async\s+function|\{|\*\s+from|type|interface)\b/.test(
      stmt,
    );
  });
}

/** The first level-1 heading (ATX or setext) outside code fences and comments. */
export function findH1(
  lines: readonly string[],
  skip: readonly boolean[] = [],
): { text: string; start: number; end: number } | undefined {
  for (const i of textLines(lines, skip)) {
    const line = lines[i] as string;
    const atx = atxH1(line);
    if (atx !== undefined) {
      const text = inlineText(atx);
      if (text !== '') return { text, start: i, end: i };
      continue;
    }
    const next = lines[i + 1];
    if (
      next !== undefined &&
      /^ {0,3}=+[ \t]*$/.test(next) &&
      line.trim() !== '' &&
      /^ {0,3}\S/.test(line) &&
      !/^ {0,3}([-*+>]|\d+[.)]|#|<)/.test(line) &&
      (i === 0 || (lines[i - 1] as string).trim() === '')
    ) {
      const text = inlineText(line.trim());
      if (text !== '') return { text, start: i, end: i + 1 };
    }
  }
  return undefined;
}

/**
 * The content of an ATX level-1 heading line (`# Title #`), or undefined. Written out by hand: the
 * equivalent regular expression backtracks quadratically on long lines of spaces.
 */
function atxH1(line: string): string | undefined {
  const open = /^ {0,3}#(?=[ \t]|$)/.exec(line);
  if (!open) return undefined;
  let s = line.slice(open[0].length).replace(/^[ \t]+/, '');
  let end = s.length;
  while (end > 0 && (s[end - 1] === ' ' || s[end - 1] === '\t')) end--;
  s = s.slice(0, end);
  // An optional closing sequence: a run of '#' that is the whole content or follows a space.
  let hashes = s.length;
  while (hashes > 0 && s[hashes - 1] === '#') hashes--;
  if (hashes === 0) return '';
  if (hashes < s.length && (s[hashes - 1] === ' ' || s[hashes - 1] === '\t')) s = s.slice(0, hashes);
  return s;
}

/** Longest heading text turned into a title (the rules below are quadratic on absurd lines). */
const MAX_TITLE_SOURCE = 1_000;

/** Plain text of a line of inline Markdown (for titles). */
export function inlineText(s: string): string {
  if (s.length > MAX_TITLE_SOURCE)
    s = s.slice(0, /[\uD800-\uDBFF]/.test(s[MAX_TITLE_SOURCE - 1]!) ? MAX_TITLE_SOURCE - 1 : MAX_TITLE_SOURCE);
  return s
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\[[^\]]*\]/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/(`+)(.+?)\1/g, '$2')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/\*(.+?)\*/g, '$1')
    .replace(/(^|[^\p{L}\p{N}])_(.+?)_(?![\p{L}\p{N}])/gu, '$1$2')
    .replace(/~~(.+?)~~/g, '$1')
    .replace(/\\([\\`*_{}[\]()#+\-.!|~<>])/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}
