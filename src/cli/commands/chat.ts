import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import mime from 'mime-types';
import type { CustomerInfo, Media } from '../../api/types.js';
import { ConfigError } from '../../errors.js';
import { openLoop } from '../loop-client.js';
import { listOption, textOption } from '../options.js';
import { safeBlock } from '../../util/safe-text.js';

/**
 * `kb-sync chat "question"`: send one message to the bot through `POST /messages` and print its
 * reply. Files given with `--attach` are uploaded first (`POST /upload/multiple`, one request)
 * and sent as the message's `media`.
 */
export async function run(argv: Record<string, unknown>): Promise<number> {
  const content = textOption(argv.message, 'message') ?? '';
  const attach = listOption(argv.attach);
  if (content.trim() === '' && attach.length === 0) {
    throw new ConfigError(
      'Nothing to send: give a message (kb-sync chat "How much is the Growth plan?") or --attach FILE.',
    );
  }
  const metadata = parseMetadata(argv.metadata);
  const customerInfo = customerInfoOf(argv);
  // Check the files before anything is sent.
  const files = attach.map((f) => checkFile(f));

  // A chat message whose response is lost is not sent again (it may have arrived).
  const { out, cfg, client } = openLoop(argv, { retryUnknownSends: false });
  for (const f of files) {
    if (f.size > cfg.documents.maxBytes) {
      throw new ConfigError(
        `--attach ${f.display}: ${f.size} bytes is more than documents.maxBytes (${cfg.documents.maxBytes}).`,
      );
    }
  }

  let media: Media[] | undefined;
  if (files.length > 0) {
    const uploads = await Promise.all(
      files.map(async (f) => ({ name: f.name, data: await fs.openAsBlob(f.abs, { type: f.type }) })),
    );
    const uploaded = await client.uploadFiles(uploads);
    media = uploaded.map((u, i) => ({
      uid: randomUUID(),
      name: u.name || (files[i]?.name ?? ''),
      size: typeof u.size === 'number' ? u.size : (files[i]?.size ?? 0),
      url: u.url,
      type: u.type || (files[i]?.type ?? 'application/octet-stream'),
    }));
    for (const m of media) out.info(out.c.dim(`Attached ${m.name} (${m.type}, ${m.size} bytes): ${m.url}`));
  }

  const reply = await client.sendMessage({
    content,
    ...(media ? { media } : {}),
    ...(metadata ? { metadata } : {}),
    ...(customerInfo ? { customer_info: customerInfo } : {}),
  });

  if (out.json) {
    // The API's own result.
    out.document({ success: true, data: reply });
    return 0;
  }
  const c = out.c;
  // The reply is the server's text: its lines are kept, every other control character escaped.
  if (!out.quiet && content.trim() !== '') out.info(`${c.cyan('You:')} ${safeBlock(content)}`);
  out.final(out.quiet ? safeBlock(reply) : `${c.cyan('Bot:')} ${safeBlock(reply)}`);
  return 0;
}

function parseMetadata(v: unknown): Record<string, unknown> | undefined {
  if (v === undefined || v === null) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(textOption(v, 'metadata') ?? '');
  } catch (err) {
    throw new ConfigError(
      `--metadata is not valid JSON: ${(err as Error).message}`,
      `Pass an object, e.g. --metadata '{"orderId":"1234"}'.`,
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError('--metadata must be a JSON object', `Pass an object, e.g. --metadata '{"orderId":"1234"}'.`);
  }
  return parsed as Record<string, unknown>;
}

function customerInfoOf(argv: Record<string, unknown>): CustomerInfo | undefined {
  const info: CustomerInfo = {};
  const put = (k: keyof CustomerInfo, v: unknown, flag: string) => {
    if (v === undefined || v === null) return;
    const s = (textOption(v, flag) ?? '').trim();
    if (s === '') throw new ConfigError(`--${flag} is empty`);
    info[k] = s;
  };
  put('name', argv.customerName, 'customer-name');
  put('email', argv.email, 'email');
  put('phone_number', argv.phone, 'phone');
  put('external_id', argv.externalId, 'external-id');
  return Object.keys(info).length > 0 ? info : undefined;
}

function checkFile(p: string): { abs: string; display: string; name: string; size: number; type: string } {
  const abs = path.resolve(p);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(
      `--attach ${p}: ${code === 'ENOENT' ? 'no such file' : `cannot read it (${code ?? (err as Error).message})`}`,
    );
  }
  if (!st.isFile()) throw new ConfigError(`--attach ${p}: not a regular file`);
  const name = path.basename(abs);
  return { abs, display: p, name, size: st.size, type: mime.lookup(name) || 'application/octet-stream' };
}
