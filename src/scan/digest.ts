/**
 * A digest of a set of (path, blob id) pairs that can be summed, so that the state can keep it in
 * SQL (four integer columns per file, summed by a query) and a scan can compute it from git's
 * index without a row per file: when the state's files and the files git vouches for give the
 * same sums (and counts), the two sets are the same, and nothing was changed, added or removed.
 *
 * Each pair gives four 32-bit lanes: two FNV-1a hashes of the path (so that a renamed file with
 * the same bytes counts as a change) mixed with the blob id's 32-bit words (a hash of the bytes
 * already), each lane through MurmurHash3's finalizer. Sums are exact (JavaScript numbers hold them up to 2^21 files; SQLite's are
 * 64-bit): two different sets agree in all four lanes with a probability of about 2^-128.
 */

export type Lanes = [number, number, number, number];

/** The four lanes of one (path, blob id) pair (a blob id: 40 or 64 hex digits, all of it used). */
export function pairLanes(path: string, blob: string): Lanes {
  let a = 0x811c9dc5;
  let b = 0x5bd1e995;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x0100019d);
  }
  const w = [0, 0, 0, 0];
  for (let k = 0; k * 8 < blob.length; k++) {
    w[k % 4] = ((w[k % 4] as number) ^ parseInt(blob.slice(k * 8, k * 8 + 8), 16)) >>> 0;
  }
  return [
    fmix(a ^ (w[0] as number)),
    fmix(b ^ (w[1] as number)),
    fmix(Math.imul(a, 0x9e3779b1) ^ (w[2] as number)),
    fmix(Math.imul(b, 0x85ebca77) ^ (w[3] as number)),
  ];
}

/** MurmurHash3's finalizer: every input bit moves every output bit. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A running sum of pairs. */
export class Digest {
  count = 0;
  readonly sums: [number, number, number, number] = [0, 0, 0, 0];

  add(lanes: Readonly<Lanes>): void {
    this.count++;
    for (let i = 0; i < 4; i++) this.sums[i] = (this.sums[i] as number) + (lanes[i] as number);
  }

  remove(lanes: Readonly<Lanes>): void {
    this.count--;
    for (let i = 0; i < 4; i++) this.sums[i] = (this.sums[i] as number) - (lanes[i] as number);
  }

  equals(o: { count: number; sums: readonly number[] }): boolean {
    return this.count === o.count && this.sums.every((s, i) => s === o.sums[i]);
  }
}
