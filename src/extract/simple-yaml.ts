/**
 * A fast path for the frontmatter most articles have: top-level `key: value` lines with plain
 * one-line scalars (and flow lists of plain words), e.g.
 *
 *     title: Create your first label
 *     id: create-first-label
 *     tags: [labels, getting-started]
 *     draft: false
 *
 * The full YAML parser costs tens of microseconds per file, which dominates a cold plan of
 * thousands of articles. This accepts only a strict subset on which YAML 1.2's core schema gives
 * exactly the value computed here, and returns `undefined` for anything else (the caller then
 * uses the real parser, which also reports the errors). Property tests check the two agree.
 */

const KEY = /^([A-Za-z_][A-Za-z0-9_.-]*(?: [A-Za-z0-9_.-]+)*):(?:[ ]+(.*?))?[ ]*$/;
// A plain scalar that cannot start anything else, and holds no ": " or " #".
// Printable characters only (YAML refuses C0/C1 controls and the BOM in plain scalars).
const PLAIN =
  /^[^\s\-?:,[\]{}#&*!|>'"%@`\x00-\x1f\x7f-\x9f\ufeff\ufffe\uffff](?:(?!: | #|:$)[^\x00-\x1f\x7f-\x9f\ufeff\ufffe\uffff])*$/;
const FLOW_ITEM =
  /^[^\s\-?:,[\]{}#&*!|>'"%@`\x00-\x1f\x7f-\x9f\ufeff\ufffe\uffff](?:(?!: | #|:$)[^,[\]{}\x00-\x1f\x7f-\x9f\ufeff\ufffe\uffff])*$/;
const NULLS = new Set(['', '~', 'null', 'Null', 'NULL']);
const TRUES = new Set(['true', 'True', 'TRUE']);
const FALSES = new Set(['false', 'False', 'FALSE']);

export function parseSimpleYaml(src: string): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const raw of src.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '' || line.startsWith('#')) continue;
    const m = KEY.exec(line);
    if (!m) return undefined;
    const key = m[1] as string;
    if (Object.prototype.hasOwnProperty.call(out, key) || key === '__proto__') return undefined;
    const text = (m[2] ?? '').trim();
    const value = scalarOrList(text);
    if (value === FAIL) return undefined;
    out[key] = value;
  }
  return out;
}

const FAIL = Symbol('fail');

function scalarOrList(text: string): unknown {
  if (text.startsWith('[')) {
    if (!text.endsWith(']')) return FAIL;
    const inner = text.slice(1, -1).trim();
    if (inner === '') return [];
    const items = inner.split(',').map((s) => s.trim());
    const values: unknown[] = [];
    for (const it of items) {
      if (!FLOW_ITEM.test(it)) return FAIL;
      const v = scalar(it);
      if (v === FAIL) return FAIL;
      values.push(v);
    }
    return values;
  }
  if (text !== '' && !PLAIN.test(text)) return FAIL;
  return scalar(text);
}

function scalar(text: string): unknown {
  if (NULLS.has(text)) return null;
  if (TRUES.has(text)) return true;
  if (FALSES.has(text)) return false;
  // Numbers: only plain decimal forms are taken here; anything number-like but unusual (0x, 0o,
  // .inf, exponents, leading zeros, +) goes to the real parser.
  if (/^-?(0|[1-9][0-9]*)$/.test(text)) {
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : FAIL;
  }
  if (/^-?(0|[1-9][0-9]*)\.[0-9]+$/.test(text)) return Number(text);
  if (/^[-+.]?[0-9]/.test(text) || /^[-+]?\.(inf|Inf|INF|nan|NaN|NAN)$/.test(text)) return FAIL;
  return text;
}
