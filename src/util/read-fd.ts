import fs from 'node:fs';

/**
 * The first `size` bytes of an open file, read from its start (fewer if it is shorter now: a
 * file that shrank while it was read gives what it had).
 */
export function readWhole(fd: number, size: number): Buffer {
  const bytes = Buffer.allocUnsafe(size);
  let at = 0;
  while (at < size) {
    const n = fs.readSync(fd, bytes, at, size - at, at);
    if (n === 0) break;
    at += n;
  }
  return at === size ? bytes : bytes.subarray(0, at);
}
