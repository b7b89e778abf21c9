import { createHash } from 'node:crypto';

/**
 * git's blob ids, computed by the scan and the read stage alike (a low module, like file.ts): the
 * hash of `blob <length>\0` followed by the bytes, in the repository's object format.
 */

export type ObjectFormat = 'sha1' | 'sha256';

/** The id git gives `bytes` as a blob. */
export function blobId(bytes: Uint8Array, format: ObjectFormat = 'sha1'): string {
  const h = createHash(format);
  h.update(`blob ${bytes.length}\0`);
  h.update(bytes);
  return h.digest('hex');
}

/** A blob id computed as a file of `size` bytes is streamed: `update` each chunk, then `digest`. */
export function blobHasher(
  size: number,
  format: ObjectFormat = 'sha1',
): { update(chunk: Uint8Array): void; digest(): string } {
  const h = createHash(format);
  h.update(`blob ${size}\0`);
  return { update: (chunk) => void h.update(chunk), digest: () => h.digest('hex') };
}
