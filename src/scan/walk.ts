import fs from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import type { FileIssue } from '../errors.js';
import { statSig, type Kind, type ScannedFile } from './file.js';

/**
 * Walk `knowledgeDir`: every file except dot-files, dot-folders, `node_modules`, the state file
 * and what include/exclude leave out; each classified by name into a kind. Symbolic links are
 * resolved and must stay inside the folder. Nothing is read here, only stat'ed.
 */

export interface ScanOptions {
  root: string;
  include: readonly string[];
  exclude: readonly string[];
  /** Patterns of each kind; `partial`: articles that are not synced (pieces other pages include). */
  kinds: Readonly<Record<Kind, readonly string[]>> & { readonly partial?: readonly string[] };
  /** Absolute paths never to pick up (the state file and its siblings). */
  skip?: readonly string[];
}

export interface ScanResult {
  files: ScannedFile[];
  /** Files that are not a kind (named under --verbose). */
  ignored: string[];
  issues: FileIssue[];
  /**
   * Paths (files or folders) that exist but could not be examined (a folder that cannot be
   * read, a file that cannot be stat'ed, a broken or escaping link): what the state knows under
   * them is kept as it is, never taken for deleted.
   */
  unreadable: string[];
  /** Files of a kind that are there but not listed in `files` (git vouched for them unlooked at). */
  unlisted?: number;
}

export interface Classifier {
  /** The kind of a relative path, `null` for "not a kind", `undefined` when include/exclude leave it out. */
  classify(relPath: string, name?: string): Kind | null | undefined;
  /** Whether a folder (relative) is walked at all. */
  walkDir(name: string): boolean;
}

const KIND_ORDER: readonly Kind[] = ['qa', 'urls', 'article', 'document'];

export function makeClassifier(opts: Pick<ScanOptions, 'include' | 'exclude' | 'kinds'>): Classifier {
  const everything = opts.include.length === 0 || opts.include.some((g) => g === '**/*' || g === '**' || g === '*');
  const included = everything ? () => true : globMatcher(opts.include);
  const excluded = opts.exclude.length === 0 ? () => false : globMatcher(opts.exclude);
  // Kinds go by file name, whatever its case (`README.MD`, `Policy.PDF`). Patterns of the plain
  // forms `*.ext`, `name*.ext` and `name.ext` (the defaults) are matched on the name directly: a
  // scan classifies every file, and that is far cheaper than a glob. The first kind in order wins.
  const kinds = KIND_ORDER.map((k) => [k, nameMatcher(opts.kinds[k] ?? [])] as const);
  const partial = (opts.kinds.partial ?? []).length > 0 ? nameMatcher(opts.kinds.partial ?? []) : undefined;
  return {
    classify(relPath, name = relPath.slice(relPath.lastIndexOf('/') + 1)) {
      if (!included(relPath, name) || excluded(relPath, name)) return undefined;
      const lower = name.toLowerCase();
      for (const [k, m] of kinds) {
        if (!m(relPath, name, lower)) continue;
        return k === 'article' && partial?.(relPath, name, lower) ? null : k;
      }
      return null;
    },
    walkDir(name) {
      return !name.startsWith('.') && name !== 'node_modules';
    },
  };
}

/**
 * A matcher of file-name patterns. `*.ext` matches names ending in `.ext` (not `.ext` alone),
 * `pre*.ext` names starting with `pre` and ending in `.ext`, `name.ext` that name, all without
 * case; any other pattern (or one with a slash) is a glob.
 */
function nameMatcher(globs: readonly string[]): (relPath: string, name: string, lower: string) => boolean {
  const simple = globs.map((g) => /^([^*?[\]{}()!/\\+@]*)(\*?)([^*?[\]{}()!/\\+@]*)$/.exec(g));
  if (simple.some((m) => m === null)) {
    const glob = globMatcher(globs, true);
    return (p, name) => glob(p, name);
  }
  const tests = simple.map((m) => {
    const [, pre, star, post] = m as RegExpExecArray;
    const prefix = pre!.toLowerCase();
    const suffix = post!.toLowerCase();
    if (star === '') return (lower: string) => lower === prefix;
    // `*.md` must not match a dot-file named `.md`, as a glob would not.
    const min = prefix === '' ? suffix.length + 1 : prefix.length + suffix.length;
    return (lower: string) => lower.length >= min && lower.startsWith(prefix) && lower.endsWith(suffix);
  });
  return (_p, _name, lower) => tests.some((t) => t(lower));
}

/**
 * A pattern without a slash matches the file name at any depth; one with a slash matches the
 * whole relative path. (picomatch's `basename` option would apply to every pattern, so that
 * `inbox/**` never matched anything: split them.) Name patterns are compiled once to regular
 * expressions and tried on the name: the same as picomatch's basename matching, without its
 * per-call work (this runs for every file of every scan).
 */
export function globMatcher(globs: readonly string[], nocase = false): (relPath: string, name: string) => boolean {
  const base = globs.filter((g) => !g.includes('/')).map((g) => picomatch.makeRe(g, { dot: false, nocase }));
  const full = globs.filter((g) => g.includes('/'));
  const mf = full.length > 0 ? picomatch(full, { dot: false, nocase }) : undefined;
  return (p, name) => {
    for (const re of base) if (re.test(name)) return true;
    return mf !== undefined && mf(p);
  };
}

export function isHiddenPath(relPath: string): boolean {
  return relPath.split('/').some((seg) => seg.startsWith('.') || seg === 'node_modules');
}

/** What both scans start from; `rootReal` is undefined when the folder does not exist. */
function begin(opts: ScanOptions) {
  const out: ScanResult = { files: [], ignored: [], issues: [], unreadable: [] };
  let rootReal: string | undefined;
  try {
    rootReal = fs.realpathSync(opts.root);
  } catch {
    rootReal = undefined;
  }
  return { classifier: makeClassifier(opts), out, rootReal, skip: new Set(opts.skip ?? []) };
}

/** Scan the whole folder (or, with `start`, one folder inside it, by its relative path). */
export function scanTree(opts: ScanOptions, start = ''): ScanResult {
  return listTree(opts, start).finish();
}

/** A walked folder whose files are not stat'ed yet. */
export interface Listing {
  /** The `.gitattributes` files in the walked folders (relative paths): git's attributes for their files. */
  attributeFiles: string[];
  /**
   * Stat the files (resolving symbolic links) and finish the scan. A plain file for which
   * `vouched` says true is not stat'ed: it comes back with an empty `sig`.
   */
  finish(vouched?: (f: ScannedFile) => boolean): ScanResult;
}

// How a listed entry was typed by readdir: a plain file, a symbolic link, or something else.
const PLAIN = 0;
const LINK = 1;
const OTHER = 2;

/**
 * Walk the folder (readdir only) and classify every name; the stats wait for `finish`, so that a
 * caller can walk while git works, then stat only what git does not vouch for.
 */
export function listTree(opts: ScanOptions, start = ''): Listing {
  const { classifier, out, rootReal, skip } = begin(opts);
  const attributeFiles: string[] = [];
  if (rootReal === undefined) return { attributeFiles, finish: () => out };
  // Paths are built by concatenation (path.join normalizes, and this runs for every file).
  const root = opts.root.endsWith(path.sep) ? opts.root.slice(0, -1) : opts.root;
  const listed: ScannedFile[] = [];
  const types: number[] = [];
  const stack: string[] = [start];
  while (stack.length > 0) {
    const rel = stack.pop() as string;
    const abs = rel === '' ? root : `${root}${path.sep}${path.sep === '/' ? rel : rel.split('/').join(path.sep)}`;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(abs, { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && rel !== '') continue; // Gone since its parent was listed.
      out.issues.push({
        file: rel || '.',
        severity: 'error',
        message: `cannot read the folder (${code ?? (err as Error).message}); what it held is kept as it was`,
      });
      out.unreadable.push(rel);
      continue;
    }
    for (const e of entries) {
      const name = e.name;
      const relPath = rel === '' ? name : `${rel}/${name}`;
      if (name.startsWith('.')) {
        if (name === '.gitattributes') attributeFiles.push(relPath);
        continue;
      }
      if (name.includes('\uFFFD')) {
        // Node decodes names as UTF-8; one that is not cannot be opened by the name it gets.
        out.issues.push({
          file: relPath,
          severity: 'warning',
          message: 'the name is not valid UTF-8; rename the file to sync it',
        });
        continue;
      }
      if (e.isDirectory()) {
        if (classifier.walkDir(name)) stack.push(relPath);
        continue;
      }
      const absPath = `${abs}${path.sep}${name}`;
      const kind = classifyEntry(relPath, absPath, classifier, skip, out, name);
      if (kind === undefined) continue;
      listed.push({ relPath, absPath, kind, sig: '' });
      types.push(e.isSymbolicLink() ? LINK : e.isFile() ? PLAIN : OTHER);
    }
  }
  return {
    attributeFiles,
    finish(vouched) {
      for (let i = 0; i < listed.length; i++) {
        const f = listed[i] as ScannedFile;
        const type = types[i];
        if (type === PLAIN && vouched?.(f)) {
          out.files.push(f);
          continue;
        }
        const e = { isSymbolicLink: () => type === LINK, isFile: () => type === PLAIN };
        const found = statFound(rootReal, f.relPath, f.kind, e, skip, out, root, f.absPath);
        if (found) out.files.push(found);
      }
      out.files.sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
      out.ignored.sort();
      return out;
    },
  };
}

/**
 * Stat only the given relative paths (watch mode): those that exist and are a kind come back as
 * files; the rest are simply absent (the caller treats known ones as removed).
 */
export function scanPaths(opts: ScanOptions, relPaths: Iterable<string>): ScanResult {
  const { classifier, out, rootReal, skip } = begin(opts);
  if (rootReal === undefined) return out;
  const seen = new Set<string>();
  const add = (f: ScannedFile) => {
    if (seen.has(f.relPath)) return;
    seen.add(f.relPath);
    out.files.push(f);
  };
  // A folder's own scan covers the paths under it: take folders first, then what is left.
  const hints = [...new Set(relPaths)].filter((p) => p !== '' && !isHiddenPath(p));
  for (const relPath of hints) {
    // A full scan never goes through a link to a folder: neither does this one. A path whose
    // folder is not where the real folder has it (a folder on the way is a link) is not in the
    // folder at all, and is taken as absent.
    if (!behindNoLink(rootReal, relPath)) continue;
    let st: fs.Stats;
    try {
      st = fs.lstatSync(path.join(opts.root, relPath));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        out.issues.push({
          file: relPath,
          severity: 'error',
          message: `cannot examine it (${(err as NodeJS.ErrnoException).code}); it is kept as it was`,
        });
        out.unreadable.push(relPath);
      }
      continue;
    }
    if (st.isDirectory()) {
      // Scanned from the real root, so that links between folders are judged as a full scan would.
      const sub = scanTree(opts, relPath);
      for (const f of sub.files) add(f);
      out.ignored.push(...sub.ignored);
      out.issues.push(...sub.issues);
      out.unreadable.push(...sub.unreadable);
      continue;
    }
    if (seen.has(relPath)) continue;
    const fake = {
      name: path.posix.basename(relPath),
      isSymbolicLink: () => st.isSymbolicLink(),
      isFile: () => st.isFile(),
    } as fs.Dirent;
    const f = statEntry(opts.root, rootReal, relPath, fake, classifier, skip, out);
    if (f) add(f);
  }
  out.files.sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
  return out;
}

/** Whether the folder holding `relPath` is, by its real path, the same folder under `rootReal`. */
function behindNoLink(rootReal: string, relPath: string): boolean {
  const parent = path.posix.dirname(relPath);
  if (parent === '.') return true;
  const expected = path.join(rootReal, ...parent.split('/'));
  try {
    return fs.realpathSync(expected) === expected;
  } catch (err) {
    // Gone, or not a folder: absent. Anything else (a folder that cannot be searched) is left to
    // the examination below, which reports it and keeps what the state knows.
    const code = (err as NodeJS.ErrnoException).code;
    return code !== 'ENOENT' && code !== 'ENOTDIR';
  }
}

function statEntry(
  root: string,
  rootReal: string,
  relPath: string,
  e: Pick<fs.Dirent, 'name' | 'isSymbolicLink' | 'isFile'>,
  classifier: Classifier,
  skip: ReadonlySet<string>,
  out: ScanResult,
  absPath?: string,
): ScannedFile | undefined {
  const abs = absPath ?? path.join(root, relPath);
  const kind = classifyEntry(relPath, abs, classifier, skip, out);
  if (kind === undefined) return undefined;
  return statFound(rootReal, relPath, kind, e, skip, out, root, abs);
}

/** The kind of a listed file, or undefined when it is not one (a name that is not a kind is listed as ignored). */
function classifyEntry(
  relPath: string,
  abs: string,
  classifier: Classifier,
  skip: ReadonlySet<string>,
  out: ScanResult,
  name = path.posix.basename(relPath),
): Kind | undefined {
  // The skipped paths (the state file) are few: only a file with one of their names is looked up.
  if (skipNames(skip).has(name) && skip.has(abs)) return undefined;
  const kind = classifier.classify(relPath, name);
  if (kind === null) out.ignored.push(relPath);
  return kind ?? undefined;
}

const namesOfSkip = new WeakMap<ReadonlySet<string>, Set<string>>();

function skipNames(skip: ReadonlySet<string>): Set<string> {
  let names = namesOfSkip.get(skip);
  if (!names) namesOfSkip.set(skip, (names = new Set([...skip].map((p) => path.basename(p)))));
  return names;
}

/** Stat a file of a kind (a symbolic link must stay inside the folder): the scanned file, or undefined with an issue. */
function statFound(
  rootReal: string,
  relPath: string,
  kind: Kind,
  e: Pick<fs.Dirent, 'isSymbolicLink' | 'isFile'>,
  skip: ReadonlySet<string>,
  out: ScanResult,
  root: string,
  abs: string,
): ScannedFile | undefined {
  let target = abs;
  if (e.isSymbolicLink()) {
    let real: string;
    try {
      real = fs.realpathSync(abs);
    } catch {
      out.issues.push({ file: relPath, severity: 'error', message: 'a symbolic link whose target does not exist' });
      out.unreadable.push(relPath);
      return undefined;
    }
    if (real !== rootReal && !real.startsWith(rootReal + path.sep)) {
      out.issues.push({
        file: relPath,
        severity: 'error',
        message: 'a symbolic link that points outside the knowledge folder; not read',
      });
      out.unreadable.push(relPath);
      return undefined;
    }
    // A link must not make what the scan leaves out (dot-files, node_modules, the state file) an item.
    const targetRel = path.relative(rootReal, real).split(path.sep).join('/');
    if (isHiddenPath(targetRel) || skip.has(real) || skip.has(path.join(root, targetRel))) {
      out.issues.push({
        file: relPath,
        severity: 'error',
        message: 'a symbolic link to a hidden file, node_modules or the state file; not read',
      });
      out.unreadable.push(relPath);
      return undefined;
    }
    target = real;
  } else if (!e.isFile()) {
    out.issues.push({
      file: relPath,
      severity: 'warning',
      message: 'not a regular file (a pipe, socket or device); skipped',
    });
    return undefined;
  }
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(target, { throwIfNoEntry: false });
  } catch (err) {
    out.issues.push({
      file: relPath,
      severity: 'error',
      message: `cannot examine the file (${(err as NodeJS.ErrnoException).code}); it is kept as it was`,
    });
    out.unreadable.push(relPath);
    return undefined;
  }
  if (!st) return undefined; // Gone since the listing: the caller sees it as absent.
  if (!st.isFile()) {
    out.issues.push({
      file: relPath,
      severity: 'warning',
      message: st.isDirectory() ? 'a symbolic link to a folder is not followed' : 'not a regular file; skipped',
    });
    return undefined;
  }
  return { relPath, absPath: target, kind, sig: statSig(st), root: rootReal };
}
