import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gitComplaint, runGit } from './git-run.js';

/**
 * Which tracked files may hold other bytes in the working tree than in their blob: git converts
 * on checkout and check-in for `filter` (Git LFS), `ident` and `working-tree-encoding`, and for
 * line endings (`text`, `eol`, `crlf`, `core.autocrlf`). Such a file's blob id does not vouch
 * for what is on disk, so it is read and hashed like a file git does not track.
 *
 * Asking git (`git check-attr`) about every file costs about as much as `git status`, so it is
 * asked only when some attributes file (the folder's and its parents' `.gitattributes`,
 * `$GIT_DIR/info/attributes`, the global and the system file) names one of these attributes.
 */

/** The attribute kinds that change bytes: `content` (filters, ident, encodings) and `eol` (line endings). */
export interface Relevance {
  content: boolean;
  eol: boolean;
}

const CONTENT_ATTRS = new Set(['filter', 'ident', 'working-tree-encoding']);
const EOL_ATTRS = new Set(['text', 'eol', 'crlf']);

/** What an attributes file's text could set (macro definitions included), by attribute name. */
export function relevance(text: string): Relevance {
  const r: Relevance = { content: false, eol: false };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    // The first field is a pattern (or `[attr]name`); the rest are attributes: `name`, `-name`,
    // `!name`, `name=value`. Any mention counts, even an unset one: deciding is git's job.
    const fields = line.split(/\s+/).slice(1);
    for (const f of fields) {
      const name = f.replace(/^[-!]/, '').split('=')[0] as string;
      if (CONTENT_ATTRS.has(name)) r.content = true;
      else if (EOL_ATTRS.has(name)) r.eol = true;
    }
  }
  return r;
}

export interface AttributeContext {
  /** The knowledge folder (git's working directory). */
  root: string;
  topLevel: string;
  commonDir: string;
  /** The folder relative to the top, with a trailing '/' ('' at the top). */
  prefix: string;
  /** `core.attributesFile`, if set. */
  attributesFile: string | undefined;
  /** `.gitattributes` files git knows under the folder (tracked, untracked or ignored), relative to it. */
  inside: readonly string[];
  env: NodeJS.ProcessEnv;
}

function expandHome(p: string, env: NodeJS.ProcessEnv): string {
  return p === '~' || p.startsWith('~/') ? path.join(env.HOME ?? os.homedir(), p.slice(1)) : p;
}

const SYSTEM_FILES =
  process.platform === 'win32'
    ? [
        path.join(process.env.ProgramFiles ?? 'C:\\Program Files', 'Git', 'etc', 'gitattributes'),
        path.join(process.env.ProgramFiles ?? 'C:\\Program Files', 'Git', 'mingw64', 'etc', 'gitattributes'),
      ]
    : ['/etc/gitattributes', '/usr/local/etc/gitattributes', '/opt/homebrew/etc/gitattributes'];

/** Every attributes file that can apply to files in the folder (whether or not it exists). */
export function attributeFiles(c: AttributeContext): string[] {
  const files: string[] = [];
  const xdg = c.env.XDG_CONFIG_HOME;
  files.push(
    c.attributesFile !== undefined
      ? expandHome(c.attributesFile, c.env)
      : xdg
        ? path.join(xdg, 'git', 'attributes')
        : path.join(c.env.HOME ?? os.homedir(), '.config', 'git', 'attributes'),
  );
  const noSystem = c.env.GIT_ATTR_NOSYSTEM;
  if (!noSystem || noSystem === '0' || noSystem === 'false') {
    // `$(prefix)/etc/gitattributes`, where the common installs put it (asking git for it costs a
    // process on every run, and only git 2.42 and later can say).
    files.push(...SYSTEM_FILES);
  }
  files.push(path.join(c.commonDir, 'info', 'attributes'));
  // The top folder's and every folder's down to the knowledge folder.
  let dir = c.topLevel;
  files.push(path.join(dir, '.gitattributes'));
  for (const seg of c.prefix.split('/').filter((s) => s !== '')) {
    dir = path.join(dir, seg);
    files.push(path.join(dir, '.gitattributes'));
  }
  for (const rel of c.inside) if (rel !== '.gitattributes') files.push(path.join(c.root, rel));
  return files;
}

/** What the attributes files that exist could set, and which of them do. */
export function readRelevance(files: readonly string[]): Relevance & { sources: string[] } {
  const out = { content: false, eol: false, sources: [] as string[] };
  for (const f of files) {
    let text: string;
    try {
      text = fs.readFileSync(f, 'utf8');
    } catch {
      continue; // Absent (the usual case) or unreadable, as git treats it.
    }
    const r = relevance(text);
    if (r.content || r.eol) out.sources.push(f);
    out.content ||= r.content;
    out.eol ||= r.eol;
  }
  return out;
}

export type AutoCrlf = 'true' | 'input' | 'false';

/**
 * The tracked files (relative to the folder) whose working-tree bytes may differ from their
 * blob, each with the reason. `eolMatters` says for which files line endings matter (text kinds
 * are read with CRLF turned into LF, so only a byte-exact kind needs them).
 */
export async function conversions(
  c: AttributeContext,
  candidates: () => readonly string[],
  o: { autocrlf: AutoCrlf; eolMatters: (relPath: string) => boolean; timeoutMs: number },
): Promise<{ unsafe: Map<string, string>; sources: string[] }> {
  const unsafe = new Map<string, string>();
  const rel = readRelevance(attributeFiles(c));
  const crlf = o.autocrlf !== 'false';
  if (!rel.content && !rel.eol && !crlf) return { unsafe, sources: rel.sources };
  const all = candidates();
  const eolPaths = rel.eol || crlf ? all.filter((p) => o.eolMatters(p)) : [];
  if (!rel.content && !rel.eol) {
    // No attributes that convert: only core.autocrlf can, and it converts every text file.
    for (const p of eolPaths) unsafe.set(p, `core.autocrlf=${o.autocrlf} converts line endings`);
    return { unsafe, sources: rel.sources };
  }
  const asked = rel.content ? all : eolPaths;
  if (asked.length === 0) return { unsafe, sources: rel.sources };
  const names = [...(rel.content ? CONTENT_ATTRS : []), ...EOL_ATTRS];
  const r = await runGit(['check-attr', '--stdin', '-z', ...names], {
    cwd: c.root,
    env: c.env,
    timeoutMs: o.timeoutMs,
    input: asked.map((p) => `${p}\0`).join(''),
  });
  if (r.code !== 0) throw new Error(`git check-attr failed: ${gitComplaint(r.stderr)}`);
  const attrs = parseCheckAttr(r.stdout.toString('utf8'));
  for (const p of asked) {
    const a = attrs.get(p) ?? new Map<string, string>();
    const why = conversionOf(a, o.eolMatters(p) ? o.autocrlf : undefined);
    if (why) unsafe.set(p, why);
  }
  return { unsafe, sources: rel.sources };
}

/** `git check-attr -z` output: path, attribute, value, … → path → attribute → value. */
export function parseCheckAttr(out: string): Map<string, Map<string, string>> {
  const m = new Map<string, Map<string, string>>();
  const f = out.split('\0');
  for (let i = 0; i + 2 < f.length; i += 3) {
    const p = f[i] as string;
    let a = m.get(p);
    if (!a) m.set(p, (a = new Map<string, string>()));
    a.set(f[i + 1] as string, f[i + 2] as string);
  }
  return m;
}

/**
 * Why a file's bytes may differ from its blob, from its attributes; `autocrlf` only when line
 * endings matter for it. `undefined` when they cannot differ.
 */
export function conversionOf(a: ReadonlyMap<string, string>, autocrlf: AutoCrlf | undefined): string | undefined {
  const v = (n: string) => a.get(n) ?? 'unspecified';
  const filter = v('filter');
  if (filter !== 'unspecified' && filter !== 'unset') return `filter=${filter === 'set' ? '' : filter}`;
  if (v('ident') === 'set') return 'ident';
  const wte = v('working-tree-encoding');
  if (wte !== 'unspecified' && wte !== 'unset') return `working-tree-encoding=${wte}`;
  if (autocrlf === undefined) return undefined;
  const text = v('text');
  const crlf = v('crlf');
  if (text === 'unset' || crlf === 'unset') return undefined;
  if (text !== 'unspecified') return `text${text === 'set' ? '' : `=${text}`} converts line endings`;
  if (crlf !== 'unspecified') return `crlf${crlf === 'set' ? '' : `=${crlf}`} converts line endings`;
  if (v('eol') !== 'unspecified') return `eol=${v('eol')} converts line endings`;
  if (autocrlf !== 'false') return `core.autocrlf=${autocrlf} converts line endings`;
  return undefined;
}
