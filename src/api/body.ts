/**
 * Reading a response body from a server that is not trusted: never more than a set number of
 * bytes, however the server sends them (a `Content-Length` past the limit, or a stream without
 * end). Past the limit the rest is not read and the connection is dropped.
 */

/** The largest JSON response kb-sync reads (4 MiB): far above any answer of the API. */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export type BodyRead = { text: string; tooLarge: false } | { text: string; tooLarge: true; limit: number };

/**
 * The body as text (UTF-8), at most `maxBytes` of it. When the server declares or sends more,
 * `tooLarge` is set, `text` holds what was read (at most `maxBytes`) and the body is cancelled.
 * Errors of the stream itself (a reset, the request's abort signal) are thrown as `fetch` throws them.
 */
export async function readBody(res: Response, maxBytes: number = MAX_RESPONSE_BYTES): Promise<BodyRead> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    return { text: '', tooLarge: true, limit: maxBytes };
  }
  if (res.body === null) return { text: '', tooLarge: false };
  const reader: ReadableStreamDefaultReader<Uint8Array> = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > maxBytes) {
      chunks.push(value.subarray(0, maxBytes - size));
      await reader.cancel().catch(() => undefined);
      return { text: decode(chunks), tooLarge: true, limit: maxBytes };
    }
    chunks.push(value);
    size += value.byteLength;
  }
  return { text: decode(chunks), tooLarge: false };
}

/** As `Response.text()` decodes: UTF-8, a BOM dropped, bad bytes replaced. */
function decode(chunks: readonly Uint8Array[]): string {
  return new TextDecoder().decode(Buffer.concat(chunks));
}

/** `4 MiB`, `512 KiB`: a limit as people read it. */
export function formatLimit(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
