import { randomUUID } from 'node:crypto';
import type {
  BotData,
  Customer,
  CustomerBot,
  CustomerDetail,
  Media,
  Message,
  MessageBase,
  MessageBot,
  RepliedBy,
  Session,
  SessionBot,
  SessionStatus,
  LastMessageBy,
} from '../api/types.js';
import { seededRandom } from '../util/text.js';
import {
  AGENT_NAMES,
  AGENT_REPLIES,
  ANSWERABLE_QUESTIONS,
  FIRST_NAMES,
  HANDOFF_REQUEST,
  LAST_NAMES,
  OFF_TOPIC_REPLIES,
  OPENERS,
  UNANSWERED_QUESTIONS,
} from './seed-topics.js';

/**
 * The emulator's in-memory world: one workspace, its bots, seeded customers with conversations,
 * the training data created through the API, and uploaded files. Deterministic for a given
 * seed, bot ids and `now`.
 */

export interface EmuBot {
  id: string;
  name: string;
  avatar: string;
  reply_unknown: string;
  theme_color: string;
  auto_reply: boolean;
}

export interface EmuAgent {
  id: string;
  name: string;
  avatar: string;
}

/** A stored message: the API's base fields plus who sent it. */
export interface EmuMessage extends MessageBase {
  role: 'customer' | 'bot' | 'agent' | 'system';
}

export interface EmuSession {
  id: string;
  customer_id: string;
  bot_id: string;
  created_at: string;
  updated_at: string;
  status: SessionStatus;
  is_read: boolean;
  assignee_id: string | null;
  agent_ids: string[];
  messages: EmuMessage[];
}

export interface StoredUpload {
  id: string;
  name: string;
  type: string;
  bytes: Buffer;
  created_at: string;
}

export interface WorldOptions {
  workspaceId?: string;
  botIds: readonly string[];
  seed?: number;
  customers?: number;
  /** The emulator's "now": seeded data spans the 60 days before it. */
  now?: number;
}

export const DEFAULT_REPLY_UNKNOWN =
  "I'm sorry, I don't have an answer to that yet. I've passed your question to our support team.";

const DAY = 86_400_000;

export class World {
  readonly workspaceId: string;
  readonly bots = new Map<string, EmuBot>();
  readonly agents: EmuAgent[] = [];
  /** Sorted by created_at ascending. */
  readonly customers: Customer[] = [];
  readonly sessions = new Map<string, EmuSession>();
  readonly botData: BotData[] = [];
  readonly uploads = new Map<string, StoredUpload>();
  #lastStamp = 0;

  constructor(opts: WorldOptions) {
    const rand = seededRandom(opts.seed ?? 42);
    const uid = () => uuidFrom(rand);
    this.workspaceId = opts.workspaceId ?? uid();
    for (const [i, id] of opts.botIds.entries()) {
      this.bots.set(id, {
        id,
        name: i === 0 ? 'Parcelly Assistant' : `Bot ${i + 1}`,
        avatar: `https://cdn.cxgenie.example/avatars/bot-${i + 1}.png`,
        reply_unknown: DEFAULT_REPLY_UNKNOWN,
        theme_color: '#3b5bdb',
        auto_reply: true,
      });
    }
    for (const name of AGENT_NAMES) {
      this.agents.push({ id: uid(), name, avatar: `https://cdn.cxgenie.example/avatars/${slug(name)}.png` });
    }
    const now = Math.floor((opts.now ?? Date.now()) / 1000) * 1000;
    this.#seed(rand, uid, opts.customers ?? 60, now);
  }

  // ------------------------------------------------------------------ seeding

  #seed(rand: () => number, uid: () => string, count: number, now: number): void {
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
    const botIds = [...this.bots.keys()];
    const start = now - 60 * DAY;
    const step = (58 * DAY) / Math.max(1, count);
    let answerable = 0;
    let unanswered = 0;
    for (let i = 0; i < count; i++) {
      const first = pick(FIRST_NAMES);
      const last = pick(LAST_NAMES);
      const name = `${first} ${last}`;
      const kind = rand();
      const hasEmail = kind < 0.8;
      const hasPhone = kind > 0.35;
      const createdAt = start + Math.floor(i * step + rand() * (step / 2));
      const botId = i % 7 === 6 && botIds.length > 1 ? (botIds[1] as string) : (botIds[0] as string);
      const customer = this.#newCustomer({
        id: uid(),
        name,
        email: hasEmail ? `${slug(first)}.${slug(last)}${i}@mail.example` : '',
        phone_number: hasPhone ? `+1555${String(1000000 + Math.floor(rand() * 8999999))}` : '',
        external_id: rand() < 0.3 ? uid() : null,
        bot_id: botId,
        created_at: createdAt,
        is_testing: i % 10 === 9,
      });
      const sessionCount = 1 + Math.floor(rand() * 3) + (i % 11 === 0 ? 10 : 0);
      let t = createdAt + 60_000;
      for (let s = 0; s < sessionCount; s++) {
        t += Math.floor(rand() * 2 * DAY) + 3_600_000;
        if (t > now - 60_000) t = now - 60_000 - (sessionCount - s) * 600_000;
        const session = this.#newSession(customer, uid(), t);
        const plot = rand();
        const say = (role: EmuMessage['role'], content: string, agent?: EmuAgent) => {
          t += 5_000 + Math.floor(rand() * 120_000);
          this.#append(session, customer, role, content, t, uid(), agent?.id);
        };
        if (rand() < 0.5) say('customer', pick(OPENERS));
        if (plot < 0.45) {
          say('customer', ANSWERABLE_QUESTIONS[answerable++ % ANSWERABLE_QUESTIONS.length] as string);
          say('bot', 'Here is what I found in our help centre. Let me know if that helps!');
        } else if (plot < 0.8) {
          say('customer', UNANSWERED_QUESTIONS[unanswered++ % UNANSWERED_QUESTIONS.length] as string);
          say('bot', this.bots.get(session.bot_id)?.reply_unknown ?? DEFAULT_REPLY_UNKNOWN);
          if (rand() < 0.5) {
            const agent = pick(this.agents);
            session.assignee_id = agent.id;
            session.agent_ids.push(agent.id);
            say('system', `Conversation assigned to ${agent.name}`);
            say('agent', pick(AGENT_REPLIES), agent);
          }
        } else {
          // An agent steps in after the bot answered something unrelated (not its "unknown"
          // reply): only the agent takeover tells that the question went unanswered.
          say('customer', UNANSWERED_QUESTIONS[unanswered++ % UNANSWERED_QUESTIONS.length] as string);
          say('bot', pick(OFF_TOPIC_REPLIES));
          say('customer', HANDOFF_REQUEST);
          const agent = pick(this.agents);
          session.assignee_id = agent.id;
          session.agent_ids.push(agent.id);
          say('system', `Conversation assigned to ${agent.name}`);
          say('agent', pick(AGENT_REPLIES), agent);
          say('customer', 'Thanks!');
        }
        if (i % 13 === 0) {
          // A long conversation, to page through more than one page of messages.
          for (let k = 0; k < 12; k++) {
            say('customer', ANSWERABLE_QUESTIONS[(answerable + k) % ANSWERABLE_QUESTIONS.length] as string);
            say('bot', 'Here is what I found in our help centre. Let me know if that helps!');
          }
        }
        if (rand() < 0.6) {
          say('system', 'Conversation closed');
          session.status = 'CLOSED';
        }
        session.is_read = rand() < 0.7;
      }
    }
  }

  /** A timestamp strictly after every one handed out before (ISO), so cursors never tie. */
  stamp(at = Date.now()): string {
    const t = Math.max(at, this.#lastStamp + 1);
    this.#lastStamp = t;
    return new Date(t).toISOString();
  }

  #newCustomer(c: {
    id: string;
    name: string;
    email: string;
    phone_number: string;
    external_id: string | null;
    bot_id: string;
    created_at: number;
    is_testing: boolean;
  }): Customer {
    const created = this.stamp(c.created_at);
    const bot = this.bots.get(c.bot_id) as EmuBot;
    const customer: Customer = {
      id: c.id,
      name: c.name,
      access_token: null,
      metadata: {},
      is_full_history_chat: false,
      extract_knowledge_status: null,
      conversation_status: 'OPENED',
      last_extract_data_conversation: null,
      last_summary: null,
      last_recap: null,
      total_summary_one_hour: null,
      avatar: null,
      email: c.email,
      phone_number: c.phone_number,
      country_code: null,
      country: null,
      country_flag: null,
      discord_id: null,
      note: null,
      bot_id: c.bot_id,
      auto_reply: true,
      workspace_id: this.workspaceId,
      is_read: true,
      external_id: c.external_id,
      language_using: 'en',
      vocative: '',
      source: 'WEB',
      source_type: 'WIDGET',
      class: null,
      last_message_at: created,
      message_id: '',
      last_social_message: null,
      is_testing: c.is_testing,
      is_hidden: false,
      conversation_id: null,
      last_session_id: '',
      conversation_state: 'OPEN',
      is_generating_tag: null,
      social_account_id: null,
      customer_category_id: null,
      queued_at: created,
      created_at: created,
      updated_at: created,
      deleted_at: null,
      customer_category: null,
      bot: customerBot(bot),
      contact_tag_ids: [],
    };
    this.customers.push(customer);
    return customer;
  }

  #newSession(customer: Customer, id: string, at: number): EmuSession {
    const created = new Date(at).toISOString();
    const session: EmuSession = {
      id,
      customer_id: customer.id,
      bot_id: customer.bot_id,
      created_at: created,
      updated_at: created,
      status: 'OPEN',
      is_read: false,
      assignee_id: null,
      agent_ids: [],
      messages: [],
    };
    this.sessions.set(id, session);
    customer.last_session_id = id;
    customer.conversation_state = 'OPEN';
    return session;
  }

  #append(
    session: EmuSession,
    customer: Customer,
    role: EmuMessage['role'],
    content: string,
    at: number,
    id: string,
    agentId?: string,
    media: Media[] = [],
  ): EmuMessage {
    const created = new Date(at).toISOString();
    const bot = session.bot_id;
    const sender =
      role === 'customer' ? customer.id : role === 'bot' ? bot : role === 'agent' ? (agentId ?? null) : null;
    const msg: EmuMessage = {
      ...textMessage({
        id,
        content,
        media,
        receiver_id: role === 'customer' ? bot : customer.id,
        bot_id: bot,
        sender_id: sender,
        session_id: session.id,
        data: role === 'system' ? { system: true } : null,
        at: created,
      }),
      role,
    };
    session.messages.push(msg);
    session.updated_at = created;
    customer.last_message_at = created;
    customer.message_id = id;
    customer.updated_at = created;
    return msg;
  }

  // ------------------------------------------------------------------ chat

  /** Find the customer a chat's `customer_info` names, or create one (anonymous without info). */
  customerFor(
    botId: string,
    info: { name?: string; email?: string; phone_number?: string; external_id?: string } | undefined,
  ): Customer {
    const found = info
      ? this.customers.find(
          (c) =>
            c.bot_id === botId &&
            ((info.external_id && c.external_id === info.external_id) ||
              (info.email && c.email === info.email) ||
              (info.phone_number && c.phone_number === info.phone_number)),
        )
      : undefined;
    if (found) {
      if (info?.name) found.name = info.name;
      return found;
    }
    const id = randomUUID();
    return this.#newCustomer({
      id,
      name: info?.name || `Anonymous ${id.slice(0, 6)}`,
      email: info?.email ?? '',
      phone_number: info?.phone_number ?? '',
      external_id: info?.external_id ?? null,
      bot_id: botId,
      created_at: Date.now(),
      is_testing: false,
    });
  }

  /** Append a customer message and the bot's reply to the customer's open session. */
  chat(botId: string, customer: Customer, content: string, media: Media[], reply: string): EmuSession {
    let session = this.sessions.get(customer.last_session_id);
    if (!session || session.status !== 'OPEN' || session.bot_id !== botId) {
      session = this.#newSession(customer, randomUUID(), Date.now());
    }
    const asked = Date.parse(this.stamp());
    this.#append(session, customer, 'customer', content, asked, randomUUID(), undefined, media);
    this.#append(session, customer, 'bot', reply, Date.parse(this.stamp()), randomUUID());
    session.is_read = false;
    return session;
  }

  // ------------------------------------------------------------------ views (API shapes)

  customerDetail(c: Customer): CustomerDetail {
    const session = this.sessions.get(c.last_session_id);
    const last = session?.messages.at(-1);
    const { contact_tag_ids: _omit, ...rest } = c;
    const repliedBy = session ? this.repliedBy(session) : [];
    return {
      ...rest,
      replied_by: repliedBy,
      tag_list: [],
      is_customer_answered: last !== undefined && last.role !== 'customer',
      agent_reply: repliedBy.some((r) => !r.is_bot),
      contact_tags: [],
      social_account: null,
      last_message: last ? stripRole(last) : placeholderMessage(c),
      last_session: {
        id: session?.id ?? '',
        created_at: session?.created_at ?? null,
        status: session?.status ?? 'CLOSED',
        assignee_id: session?.assignee_id ?? null,
      },
    };
  }

  repliedBy(session: EmuSession): RepliedBy[] {
    const bot = this.bots.get(session.bot_id);
    const out: RepliedBy[] = [];
    if (session.messages.some((m) => m.role === 'bot') && bot) {
      out.push({ id: bot.id, name: bot.name, avatar: bot.avatar, is_bot: true, is_online: true, is_available: true });
    }
    for (const id of session.agent_ids) {
      const a = this.agents.find((x) => x.id === id);
      if (a)
        out.push({ id: a.id, name: a.name, avatar: a.avatar, is_bot: false, is_online: false, is_available: true });
    }
    return out;
  }

  sessionView(s: EmuSession): Session {
    const customer = this.customers.find((c) => c.id === s.customer_id) as Customer;
    const bot = this.bots.get(s.bot_id) as EmuBot;
    const last = s.messages.at(-1);
    const lastBy: LastMessageBy = last?.role === 'customer' ? 'CUSTOMER' : last?.role === 'agent' ? 'AGENT' : 'BOT';
    return {
      id: s.id,
      from_user_id: s.customer_id,
      to_user_id: s.bot_id,
      created_at: s.created_at,
      deleted_at: null,
      updated_at: s.updated_at,
      bot_id: s.bot_id,
      workspace_id: this.workspaceId,
      assignee_id: s.assignee_id,
      note: null,
      is_read: s.is_read,
      status: s.status,
      ticket_id: null,
      category_id: null,
      sub_category_id: null,
      team_id: null,
      last_message_by: lastBy,
      last_message_at: last?.created_at ?? s.created_at,
      social_account_id: null,
      last_message_id: last?.id ?? '',
      tag_ids: [],
      reply_by_ids: this.repliedBy(s),
      last_social_message: null,
      is_last_session: customer.last_session_id === s.id,
      queued_at: s.created_at,
      source: 'WEB',
      have_message_from_agent: s.messages.some((m) => m.role === 'agent'),
      auto_reply: bot.auto_reply,
      bot: sessionBot(bot),
      customer: {
        id: customer.id,
        auto_reply: customer.auto_reply,
        avatar: customer.avatar,
        bot_id: customer.bot_id,
        name: customer.name,
        country_code: customer.country_code,
        country: customer.country,
        country_flag: customer.country_flag,
        email: customer.email,
        phone_number: customer.phone_number,
        external_id: customer.external_id,
        is_full_history_chat: customer.is_full_history_chat,
        queued_at: customer.queued_at,
        conversation_status: customer.conversation_status,
        metadata: customer.metadata,
      },
      social_account: null,
      last_message: last ? stripRole(last) : placeholderMessage(customer),
    };
  }

  messageView(m: EmuMessage): Message {
    const bot = this.bots.get(m.bot_id) as EmuBot;
    const messageBot: MessageBot = {
      id: bot.id,
      name: bot.name,
      avatar: bot.avatar,
      auto_reply: bot.auto_reply,
      reply_language: null,
      reply_unknown: bot.reply_unknown,
      workspace_id: this.workspaceId,
    };
    return { ...stripRole(m), bot: messageBot, reactions: {}, quoted_from: null };
  }

  // ------------------------------------------------------------------ training data

  addBotData(input: {
    bot_id: string;
    content: string;
    content_value?: string;
    type: BotData['type'];
    title?: string;
  }): BotData {
    const at = this.stamp();
    let filename: string | null = null;
    let size: number | null = null;
    let mimetype: string | null = null;
    if (input.type === 'DOCUMENT') {
      const upload = this.uploadForUrl(input.content);
      if (upload) {
        filename = upload.name;
        size = upload.bytes.length;
        mimetype = upload.type;
      }
    }
    const row: BotData = {
      id: randomUUID(),
      bot_id: input.bot_id,
      content: input.content,
      content_value: input.content_value ?? null,
      type: input.type,
      title: input.title ?? null,
      status_learning: 'WAITING',
      updated_at: at,
      created_at: at,
      source: 'USER',
      total_relearning: null,
      filename,
      size,
      mimetype,
      created_by: null,
      updated_by: null,
      deleted_at: null,
    };
    this.botData.push(row);
    return row;
  }

  uploadForUrl(url: string): StoredUpload | undefined {
    const m = /\/uploads\/([0-9a-f-]{36})\//.exec(url);
    return m ? this.uploads.get(m[1] as string) : undefined;
  }
}

function customerBot(bot: EmuBot): CustomerBot {
  return {
    id: bot.id,
    auto_reply: bot.auto_reply,
    auto_suggestion: false,
    name: bot.name,
    avatar: bot.avatar,
    is_watermark_shown: true,
    is_allow_learning_from_conversation: false,
    member_import_knowledge_from_conversation: [],
  };
}

function sessionBot(bot: EmuBot): SessionBot {
  return {
    ...customerBot(bot),
    reply_unknown: bot.reply_unknown,
    is_max_conversation_usage: false,
    theme_color: bot.theme_color,
  };
}

function stripRole(m: EmuMessage): MessageBase {
  const { role: _role, ...rest } = m;
  return rest;
}

function placeholderMessage(c: Customer): MessageBase {
  return textMessage({
    id: '',
    content: '',
    media: [],
    receiver_id: c.bot_id,
    bot_id: c.bot_id,
    sender_id: null,
    session_id: null,
    data: null,
    at: c.created_at,
  });
}

/** A text message with the API's fields, the ones that vary given. */
function textMessage(m: {
  id: string;
  content: string;
  media: Media[];
  receiver_id: string;
  bot_id: string;
  sender_id: string | null;
  session_id: string | null;
  data: unknown;
  at: string;
}): MessageBase {
  return {
    id: m.id,
    content: m.content,
    external_id: null,
    rating: 0,
    reaction: null,
    started_ticket_id: null,
    media: m.media,
    receiver_id: m.receiver_id,
    bot_id: m.bot_id,
    sender_id: m.sender_id,
    session_id: m.session_id,
    block_id: null,
    type: 'TEXT',
    unsent: false,
    meta_tags: [],
    data: m.data,
    variables: null,
    quoted_id: null,
    disabled_submit_form: null,
    notification_data: null,
    count_message_notes: null,
    language_using: 'en',
    total_qa_feedback: 0,
    receiver_read_at: null,
    created_at: m.at,
    updated_at: m.at,
    deleted_at: null,
  };
}

function slug(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '');
}

function uuidFrom(rand: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(rand() * 16).toString(16));
  hex[12] = '4';
  hex[16] = ((parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
