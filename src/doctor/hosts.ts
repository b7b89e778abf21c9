/**
 * Which CX Genie environment a URL belongs to. Pure.
 *
 * Every address in the vendor document is a demo host (`api-demo.cxgenie.ai`,
 * `chat-demo.cxgenie.ai`, `widget-demo.cxgenie.ai`); a workspace on the production service
 * launches its bot from `chat.cxgenie.ai`. A token works only with the API of the environment its
 * workspace lives in, so a production bot URL paired with the demo API is worth a warning.
 */

export type Environment = 'demo' | 'production' | 'local' | 'other';

/** The documented demo API. */
export const DEMO_API_URL = 'https://api-demo.cxgenie.ai/api/v2/public-api';
/**
 * The production API by the vendor's naming (`api-demo` → `api`). Not in the document: doctor
 * suggests it, and the token check proves or disproves it.
 */
export const PRODUCTION_API_URL = 'https://api.cxgenie.ai/api/v2/public-api';

export const API_PATH = '/api/v2/public-api';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(s: string): boolean {
  return UUID.test(s);
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** The environment of a host name (`api-demo.cxgenie.ai` → demo, `chat.cxgenie.ai` → production). */
export function environmentOf(host: string): Environment {
  const h = host.toLowerCase();
  if (isLoopbackHost(h)) return 'local';
  if (h === 'cxgenie.ai' || h.endsWith('.cxgenie.ai')) {
    const first = h.split('.')[0] ?? '';
    return first.endsWith('-demo') || first === 'demo' ? 'demo' : 'production';
  }
  return 'other';
}

export interface BotRef {
  /** The bot id (the launch URL's `aid`). */
  botId: string;
  /** The launch or widget URL it came from, when it came from one. */
  url?: URL;
}

/**
 * A bot id as people paste it: the id itself, the launch URL (`https://chat.cxgenie.ai?aid=ID`),
 * or the widget snippet's `data-aid="ID"`. Undefined when a URL carries no `aid`.
 */
export function readBotRef(value: string): BotRef | undefined {
  const v = value.trim();
  const attr = /data-aid\s*=\s*["']([^"']+)["']/i.exec(v);
  if (attr) return { botId: attr[1]!.trim() };
  if (/^https?:\/\//i.test(v)) {
    let url: URL;
    try {
      url = new URL(v);
    } catch {
      return undefined;
    }
    const aid = url.searchParams.get('aid');
    return aid ? { botId: aid, url } : undefined;
  }
  const param = /(?:^|[?&])aid=([^&\s]+)/.exec(v);
  if (param) return { botId: decodeURIComponent(param[1]!) };
  return { botId: v };
}

/** A warning when the bot's launch URL and the API are in different environments. */
export function pairingProblem(api: Environment, bot: Environment): string | undefined {
  if (bot === 'production' && api === 'demo') {
    return "The bot's launch URL is on the production host, but the API base URL is the demo API (the host the vendor document shows). A production workspace's token is refused by the demo API.";
  }
  if (bot === 'demo' && api === 'production') {
    return "The bot's launch URL is on a demo host, but the API base URL is a production host. A demo workspace's token is refused by the production API.";
  }
  return undefined;
}
