import { ConfigError } from '../errors.js';

/** Option parsing and table width shared by the commands. */

/**
 * A text option's value, or undefined when it is absent. yargs gives a string; an option given
 * more than once gives an array, joined with commas (as `String()` did); an object (from dotted
 * flags such as `--since.x=1`) is refused with a message instead of becoming "[object Object]".
 */
export function textOption(v: unknown, name: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return v.map((x) => textOption(x, name) ?? '').join(',');
  throw new ConfigError(`--${name} must be a single value, not an object (from dotted flags such as --${name}.KEY)`);
}

/** A repeatable option (`--x a --x b`, or `--x a,b`) as a list of non-empty strings. */
export function listOption(v: unknown): string[] {
  if (v === undefined || v === null || v === false) return [];
  const raw = Array.isArray(v) ? v : [v];
  return raw
    .flatMap((x) => String(x).split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Each value upper-cased and checked against `allowed`. */
export function choiceList<T extends string>(v: unknown, name: string, allowed: readonly T[]): T[] {
  const out: T[] = [];
  for (const s of listOption(v)) {
    const u = s.toUpperCase();
    const hit = allowed.find((a) => a.toUpperCase() === u);
    if (!hit) throw new ConfigError(`--${name} must be ${allowed.join(', ')}, not "${s}"`);
    if (!out.includes(hit)) out.push(hit);
  }
  return out;
}

/** A whole number ≥ `min`, or undefined when the option is absent. */
export function intOption(v: unknown, name: string, min: number): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    throw new ConfigError(`--${name} must be a whole number ≥ ${min}, not "${textOption(v, name)}"`);
  return n;
}

/** Widest cell of a table: cut on a terminal (or with COLUMNS), whole when piped (scripts should use --json). */
export function cellWidth(out: { columns: number | undefined }, narrow = 48): number {
  return out.columns !== undefined ? narrow : 10_000;
}
