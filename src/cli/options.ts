import { ConfigError } from '../errors.js';

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
