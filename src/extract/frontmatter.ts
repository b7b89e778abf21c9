import matter from 'gray-matter';
import { parseDocument, isMap, LineCounter } from 'yaml';
import type { FileIssue } from '../errors.js';
import { parseSimpleYaml } from './simple-yaml.js';

/**
 * Frontmatter with gray-matter, parsed by `yaml` with alias limits. Every other gray-matter
 * engine is replaced by one that refuses: `---js` frontmatter would otherwise be `eval`ed, and
 * knowledge files come from strangers' pull requests.
 */

export interface Frontmatter {
  data: Record<string, unknown>;
  /** The text after the frontmatter. */
  body: string;
  /** 1-based line of the file where `body` starts. */
  bodyLine: number;
  hasFrontmatter: boolean;
}

class FrontmatterError extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
  }
}

/**
 * gray-matter hands the engine the text between the delimiters starting with the newline that
 * ends the opening `---` line, so a line of `src` is the same line of the file.
 */
function parseYaml(src: string): Record<string, unknown> {
  const simple = parseSimpleYaml(src);
  if (simple !== undefined) return simple;
  const lc = new LineCounter();
  const doc = parseDocument(src, {
    prettyErrors: false,
    lineCounter: lc,
    uniqueKeys: true,
    maxAliasCount: 50,
  } as never);
  const err = doc.errors[0];
  if (err) {
    // With `prettyErrors: false`, yaml leaves `linePos` unset: locate the error from its offset.
    const pos = err.linePos?.[0] ?? (err.pos ? lc.linePos(err.pos[0]) : undefined);
    throw new FrontmatterError(firstLine(err.message), pos?.line, pos?.col);
  }
  if (doc.contents !== null && !isMap(doc.contents)) {
    throw new FrontmatterError('frontmatter must be a mapping of keys to values', 1, 1);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 50 });
  } catch (e) {
    throw new FrontmatterError(`frontmatter could not be read: ${firstLine((e as Error).message)}`);
  }
  return (value ?? {}) as Record<string, unknown>;
}

function refuse(language: string) {
  return () => {
    throw new FrontmatterError(`frontmatter language "${language}" is not supported; use YAML`, 1, 4);
  };
}

const ENGINES = {
  yaml: parseYaml,
  yml: parseYaml,
  javascript: refuse('javascript'),
  js: refuse('js'),
  coffee: refuse('coffee'),
  coffeescript: refuse('coffeescript'),
  cson: refuse('cson'),
  json: refuse('json'),
  toml: refuse('toml'),
};

function firstLine(s: string): string {
  return (s.split('\n')[0] ?? s).replace(/ at line \d+, column \d+:?$/, '').trim();
}

/** Split off and parse frontmatter. Errors are located in the file (frontmatter starts on line 2; a refused language is on line 1). */
export function readFrontmatter(text: string, file: string): Frontmatter | { issue: FileIssue } {
  if (!/^---[^\n-]*\n/.test(text) && text !== '---') {
    return { data: {}, body: text, bodyLine: 1, hasFrontmatter: false };
  }
  // gray-matter reads an unclosed block as "everything is frontmatter": refuse that instead. The
  // block closes at the first following line that starts with `---`, as gray-matter decides.
  const openEnd = text.indexOf('\n');
  const close = openEnd === -1 ? -1 : text.indexOf('\n---', openEnd);
  if (close === -1) {
    return {
      issue: {
        file,
        line: 1,
        column: 1,
        severity: 'error',
        message: 'frontmatter is not closed: add a line with --- after it',
      },
    };
  }
  // Only YAML: refuse any other language named after the opening `---` before gray-matter looks
  // it up (its engine lookup also reaches Object.prototype names such as `---valueOf`).
  const language = text.slice(3, openEnd).trim();
  if (language !== '' && !/^ya?ml$/i.test(language)) {
    const shown = language.length > 40 ? `${language.slice(0, 39)}…` : language;
    return {
      issue: {
        file,
        line: 1,
        column: 4,
        severity: 'error',
        message: `invalid frontmatter: frontmatter language "${shown}" is not supported; use YAML`,
      },
    };
  }
  // gray-matter gets only the frontmatter block: given the whole file it would copy it into a
  // Buffer and look it up in its cache by content, for every file of a scan.
  const closeEnd = text.indexOf('\n', close + 1);
  const headEnd = closeEnd === -1 ? text.length : closeEnd + 1;
  const head = text.slice(0, headEnd);
  let parsed: matter.GrayMatterFile<string>;
  try {
    // An options object turns gray-matter's per-input cache off (it would share `data` objects).
    parsed = matter(head, { engines: ENGINES as never, language: 'yaml', excerpt: false });
  } catch (e) {
    if (e instanceof FrontmatterError) {
      return {
        issue: {
          file,
          line: e.line ?? 2,
          ...(e.column !== undefined ? { column: e.column } : {}),
          severity: 'error',
          message: `invalid frontmatter: ${e.message}`,
        },
      };
    }
    return {
      issue: { file, line: 1, severity: 'error', message: `invalid frontmatter: ${firstLine((e as Error).message)}` },
    };
  }
  const body = text.slice(headEnd);
  let bodyLine = 1;
  for (let i = 0; i < headEnd; i++) if (text.charCodeAt(i) === 10) bodyLine++;
  const data = parsed.data as unknown;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { issue: { file, line: 2, severity: 'error', message: 'frontmatter must be a mapping of keys to values' } };
  }
  return { data: data as Record<string, unknown>, body, bodyLine, hasFrontmatter: true };
}
