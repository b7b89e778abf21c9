import {
  parseAllDocuments,
  isMap,
  isSeq,
  isScalar,
  isAlias,
  type Node,
  type YAMLMap,
  LineCounter,
  type Pair,
  type Document,
} from 'yaml';
import { DEFAULT_QA_FIELDS } from '../util/qa-defaults.js';
import { lineColAt } from '../util/lines.js';
import { extractQaCsv } from './qa-csv.js';
import { oneLine, oneOf, QaCollector, qaFailure, QaProblem, type QaResult, type QaSettings } from './qa-entries.js';
import type { QaFields } from './types.js';
import { describeYamlNode } from './yaml-node.js';

export { qaHash, qaKey, qaPayload, type QaEntry, type QaResult } from './qa-entries.js';

/**
 * Q&A files (→ one `Q_AND_A` item per question): YAML (`*.qa.yaml`, `faq.yml`, Microsoft Learn
 * `### YamlMime:FAQ`), JSON (`*.qa.json`, read as the YAML it is) and CSV (`*.qa.csv`, see
 * qa-csv.ts). The file is a list of entries, or a mapping whose list is under a "groups" key
 * (`questions`, `items`, `sections`, …), or a mapping of lists (one per language, say). An entry
 * is a mapping with a question and an answer under the keys of `qa.question` and `qa.answer`
 * (`question`/`q`/`title`, `answer`/`a`/`content`); a mapping with a "groups" key is a group (a
 * category, one level deep) named by `qa.groupName`. A question is pushed on one line (its white
 * space collapsed); an answer keeps its line breaks. Any error fails the whole file, so a
 * half-read file never turns its other entries stale.
 */

export function extractQa(text: string, relPath: string, settings: QaSettings): QaResult {
  const fields = settings.qa ?? DEFAULT_QA_FIELDS;
  if (/\.csv$/i.test(relPath)) return extractQaCsv(text, relPath, settings, fields);
  if (/\.json$/i.test(relPath)) {
    // JSON is YAML (1.2), which gives the positions; JSON.parse first gives JSON's own errors.
    try {
      JSON.parse(text);
    } catch (e) {
      const msg = (e as Error).message;
      const m = / in JSON at position (\d+)/.exec(msg);
      const { line, column } = lineColAt(text, m ? Number(m[1]) : text.length);
      return qaFailure(relPath, {
        line,
        column,
        message: `invalid JSON: ${msg.replace(/ in JSON at position \d+.*$/s, '')}`,
      });
    }
    return extractQaYaml(text, relPath, settings, fields, 'JSON');
  }
  return extractQaYaml(text, relPath, settings, fields, 'YAML');
}

const MAX_ALIAS = 50;

class QaError extends Error {
  constructor(
    message: string,
    readonly node: Node | Pair | null | undefined,
  ) {
    super(message);
  }
}

function extractQaYaml(
  text: string,
  relPath: string,
  settings: QaSettings,
  fields: QaFields,
  language: 'YAML' | 'JSON',
): QaResult {
  const parsed = parseQaYaml(text, language);
  if ('problem' in parsed) return qaFailure(relPath, parsed.problem);
  const y = new QaYaml(parsed.doc, parsed.lc);
  const out = new QaCollector(relPath, settings);
  try {
    const root = parsed.doc ? y.deref(parsed.doc.contents) : null;
    if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) return out.result();
    for (const top of topLists(root, fields, y)) visitEntries(y, out, fields, top.items, top.group, top.depth);
    return out.result();
  } catch (e) {
    if (e instanceof QaError) {
      const pos = y.where(e.node);
      return qaFailure(relPath, { line: pos.line, column: pos.column, message: e.message });
    }
    if (e instanceof QaProblem) return qaFailure(relPath, { line: e.line, column: e.column, message: e.message });
    return qaFailure(relPath, { line: 1, message: `could not read the file: ${(e as Error).message.split('\n')[0]}` });
  }
}

type Located = { line: number; column?: number; message: string };

/**
 * Parse the file: its (first) document and the line counter that locates its nodes, or the
 * problem, located: a syntax error, or a second document with entries in it.
 */
function parseQaYaml(
  text: string,
  language: 'YAML' | 'JSON',
): { doc: Document.Parsed | undefined; lc: LineCounter } | { problem: Located } {
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [];
  for (const d of list) {
    const err = d.errors[0];
    if (err) {
      // With `prettyErrors: false`, yaml leaves `linePos` unset: locate the error from its offset.
      const pos = err.linePos?.[0] ?? (err.pos ? lc.linePos(err.pos[0]) : undefined);
      const msg = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      return {
        problem: { line: pos?.line ?? 1, ...(pos ? { column: pos.col } : {}), message: `invalid ${language}: ${msg}` },
      };
    }
  }
  // A trailing `---` (an empty second document) is common in Jekyll data files: harmless.
  const extra = list.slice(1).find((d) => d.contents !== null && !(isScalar(d.contents) && d.contents.value === null));
  if (extra) {
    const pos = lc.linePos(extra.range[0]);
    return {
      problem: {
        line: pos.line,
        column: pos.col,
        message:
          'the file holds more than one YAML document (a second "---" with entries after it); keep all entries in one list',
      },
    };
  }
  return { doc: list[0], lc };
}

/**
 * The parsed document as the walk reads it: where a node is (line and column), and aliases
 * resolved under one budget for the whole walk, so that an alias bomb is refused, never expanded.
 */
class QaYaml {
  #aliasBudget = MAX_ALIAS;
  constructor(
    readonly doc: Document.Parsed | undefined,
    readonly lc: LineCounter,
  ) {}

  where(node: Node | Pair | null | undefined): { line: number; column: number } {
    const range =
      node && 'range' in node ? node.range : node && 'key' in node ? (node.key as Node | null)?.range : undefined;
    const pos = range ? this.lc.linePos(range[0]) : { line: 1, col: 1 };
    return { line: pos.line, column: pos.col };
  }

  deref(node: unknown): Node | null {
    let n = node as Node | null;
    for (let hops = 0; n && isAlias(n); hops++) {
      if (--this.#aliasBudget < 0 || hops > 10) throw new QaError(`too many YAML aliases (more than ${MAX_ALIAS})`, n);
      n = n.resolve(this.doc!) as Node | null;
    }
    return n ?? null;
  }

  /** The value under the first of `names` the map has (two of them at once is an error, for entries). */
  pick(map: YAMLMap, names: readonly string[], first = false): { name: string; value: Node | null } | undefined {
    const found = names.filter((n) => map.has(n));
    if (found.length > 1 && !first) throw new QaError(`use either "${found[0]}" or "${found[1]}", not both`, map);
    const name = found[0];
    if (name === undefined) return undefined;
    return { name, value: this.deref(map.get(name, true)) };
  }
}

/** Walk a list of entries: a group (one level deep) is walked in turn, each entry is read and collected. */
function visitEntries(
  y: QaYaml,
  out: QaCollector,
  fields: QaFields,
  items: readonly unknown[],
  category: string | undefined,
  depth: number,
): void {
  for (const raw of items) {
    const node = y.deref(raw);
    if (!isMap(node)) {
      throw new QaError(
        `each entry must be a mapping with a question and an answer, not ${describeYamlNode(node)}`,
        node ?? (raw as Node),
      );
    }
    const groupKey = fields.groups.find((k) => node.has(k));
    if (groupKey !== undefined) {
      if (depth > 0) throw new QaError('groups can be nested only one level deep', node);
      const inner = y.deref(node.get(groupKey, true));
      if (!isSeq(inner)) throw new QaError(`"${groupKey}" of a group must be a list`, inner ?? node);
      const name = y.pick(node, fields.groupName, true);
      visitEntries(
        y,
        out,
        fields,
        inner.items,
        name ? oneLine(scalarText(name.value, name.name)) : undefined,
        depth + 1,
      );
      continue;
    }
    const entry = readEntry(y, node, fields);
    if (entry === 'draft') {
      out.drafts++;
      continue;
    }
    // An entry written as an alias (`- *x`) is located where the alias is, not at its anchor.
    const at = y.where(isAlias(raw) ? raw : node);
    out.add({ ...entry, line: at.line, column: at.column, ...(category ? { category } : {}) });
  }
}

/**
 * One entry's question, answer and optional id, checked (a QaError names what is wrong), or
 * `draft` for an entry marked `draft: true`.
 */
function readEntry(
  y: QaYaml,
  node: YAMLMap,
  fields: QaFields,
): { question: string; answer: string; id?: string } | 'draft' {
  const draft = node.get('draft');
  if (draft !== undefined && typeof draft !== 'boolean')
    throw new QaError('"draft" must be true or false', node.get('draft', true));
  if (draft === true) return 'draft';
  const q = y.pick(node, fields.question);
  const a = y.pick(node, fields.answer);
  if (!q) throw new QaError(`question is missing: ${keysMessage(node, fields.question, 'qa.question')}`, node);
  if (!a) throw new QaError(`answer is missing: ${keysMessage(node, fields.answer, 'qa.answer')}`, node);
  const question = oneLine(scalarText(q.value, 'question'));
  const answer = scalarText(a.value, 'answer');
  const id = readId(y, node);
  return { question, answer, ...(id !== undefined ? { id } : {}) };
}

/** An entry's `id`: a string or a number, not empty; undefined when the entry has none. */
function readId(y: QaYaml, node: YAMLMap): string | undefined {
  const idNode = y.deref(node.get('id', true));
  if (idNode === null || !node.has('id')) return undefined;
  if (!isScalar(idNode) || (typeof idNode.value !== 'string' && typeof idNode.value !== 'number')) {
    throw new QaError('"id" must be a string', idNode);
  }
  const id = String(idNode.value).trim();
  if (id === '') throw new QaError('"id" is empty', idNode);
  return id;
}

/** A question's or answer's text: a non-empty string, trimmed. */
function scalarText(node: Node | null, label: string): string {
  if (node === null || (isScalar(node) && node.value === null)) throw new QaError(`${label} is empty`, node);
  if (!isScalar(node) || typeof node.value !== 'string')
    throw new QaError(`${label} must be text, not ${describeYamlNode(node)}`, node);
  const s = node.value.trim();
  if (s === '') throw new QaError(`${label} is empty`, node);
  return s;
}

/** The lists of entries a document holds, with the group each belongs to. */
function topLists(
  root: Node,
  fields: QaFields,
  y: QaYaml,
): { items: readonly unknown[]; group?: string; depth: number }[] {
  if (isSeq(root)) return [{ items: root.items, depth: 0 }];
  const shape = `a list of questions, or a mapping with the list under ${oneOf(fields.groups)} (the "qa.groups" setting)`;
  if (!isMap(root)) throw new QaError(`expected ${shape}`, root);
  const key = fields.groups.find((k) => root.has(k));
  if (key !== undefined) {
    const list = y.deref(root.get(key, true));
    if (!isSeq(list)) throw new QaError(`"${key}" must be a list`, list ?? root);
    return [{ items: list.items, depth: 0 }];
  }
  // A mapping of lists (one per language, say): each list is a group named by its key.
  const pairs = root.items;
  const lists = pairs.map((p) => ({ key: isScalar(p.key) ? String(p.key.value) : '', value: y.deref(p.value) }));
  if (lists.length > 0 && lists.every((l) => isSeq(l.value))) {
    return lists.map((l) => ({ items: (l.value as { items: unknown[] }).items, group: l.key, depth: 1 }));
  }
  const keys = lists.map((l) => `"${l.key}"`).join(', ');
  throw new QaError(`expected ${shape}; this mapping has ${keys}`, root);
}

function keysMessage(map: YAMLMap, accepted: readonly string[], setting: string): string {
  const keys = map.items.map((p) => (isScalar(p.key) ? `"${String(p.key.value)}"` : '?'));
  const has = keys.length === 0 ? 'the entry has no keys' : `the entry has ${keys.join(', ')}`;
  return `${has}; the accepted keys are ${accepted.map((k) => `"${k}"`).join(', ')} (set "${setting}" in sync.config.json to read others)`;
}
