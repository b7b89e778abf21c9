import { createHash } from 'node:crypto';

/** SHA-256 over a list of fields, unambiguous (length-prefixed), hex. */
export function hashFields(fields: readonly (string | number | null | undefined)[]): string {
  const h = createHash('sha256');
  for (const f of fields) {
    const s = f === null || f === undefined ? '\u0000null' : String(f);
    h.update(`${Buffer.byteLength(s)}:`);
    h.update(s);
    h.update('\u0001');
  }
  return h.digest('hex');
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
