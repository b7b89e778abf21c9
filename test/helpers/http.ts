import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

export interface TinyServer {
  server: http.Server;
  port: number;
  /** `http://127.0.0.1:PORT` */
  origin: string;
  /** Requests seen so far (method, path with query, body as text). */
  requests: { method: string; url: string; body: string }[];
}

const open: http.Server[] = [];

/**
 * A tiny `node:http` server on a free loopback port for server behaviours the emulator lacks
 * (an HTTP-date `Retry-After`, a server that never answers, echoed secrets, …). The handler
 * gets the request body already read. Closed after the test.
 */
export async function tinyServer(
  handler: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void | Promise<void>,
): Promise<TinyServer> {
  const requests: TinyServer['requests'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', body });
      void Promise.resolve(handler(req, res, body)).catch(() => res.destroy());
    });
  });
  open.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { server, port, origin: `http://127.0.0.1:${port}`, requests };
}

/** A loopback port that nothing listens on: bind one, note it, close it. */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Reply with JSON. */
export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

afterEach(async () => {
  await Promise.all(
    open.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeAllConnections();
        }),
    ),
  );
});

export interface Gate {
  /** The API base URL to configure: the proxy's origin with `target`'s path. */
  url: string;
  /** Requests that arrived and are held. */
  held: () => number;
  /** Let every held request (and every later one) through. */
  open: () => void;
}

/**
 * A loopback proxy in front of `target` (an API base URL, e.g. the emulator's) that holds every
 * request until `open()`: it keeps a run in flight, on cue, for as long as a test needs, with no
 * timing guesses. Bodies pass through as bytes. Closed after the test.
 */
export async function gate(target: string): Promise<Gate> {
  const upstream = new URL(target);
  let release!: () => void;
  const opened = new Promise<void>((resolve) => (release = resolve));
  let held = 0;
  const relay = async (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => {
    held++;
    await opened;
    held--;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k)) headers[k] = v;
    const answer = await fetch(new URL(req.url ?? '/', upstream.origin), {
      method: req.method ?? 'GET',
      headers,
      ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body }),
    });
    const bytes = Buffer.from(await answer.arrayBuffer());
    const out: Record<string, string> = { 'content-length': String(bytes.length) };
    for (const k of ['content-type', 'retry-after']) {
      const v = answer.headers.get(k);
      if (v !== null) out[k] = v;
    }
    res.writeHead(answer.status, out);
    res.end(bytes);
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => void relay(req, res, Buffer.concat(chunks)).catch(() => res.destroy()));
  });
  open.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}${upstream.pathname}`, held: () => held, open: release };
}
