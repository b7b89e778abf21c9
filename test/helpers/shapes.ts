import type {
  BotData,
  Customer,
  CustomerBot,
  CustomerCategory,
  CustomerDetail,
  Media,
  MessageBase,
  Message,
  MessageBot,
  RepliedBy,
  Session,
  SessionBot,
  SessionCustomer,
  UploadedFile,
} from '../../src/api/types.js';

/**
 * Runtime shape checks of API responses, one per type of `src/api/types.ts`. Each spec is typed
 * `{ [K in keyof T]-?: Check }`, so the compiler refuses a spec that misses or invents a field:
 * the runtime check therefore covers the type field for field, and exactly those fields.
 *
 * A check returns the problems it found (path: what was wrong), never throws; assert with
 * `expect(problems(value, check)).toEqual([])` to see every mismatch at once.
 */
export type Check = (value: unknown, path: string, out: string[]) => void;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

const prim =
  (want: 'string' | 'number' | 'boolean'): Check =>
  (v, p, out) => {
    if (typeof v !== want || (want === 'number' && !Number.isFinite(v)))
      out.push(`${p}: expected ${want}, got ${typeName(v)}`);
  };

export const str = prim('string');
export const num = prim('number');
export const bool = prim('boolean');
export const nul: Check = (v, p, out) => {
  if (v !== null) out.push(`${p}: expected null, got ${typeName(v)}`);
};
export const anything: Check = (v, p, out) => {
  if (v === undefined) out.push(`${p}: missing`);
};
export const uuid: Check = (v, p, out) => {
  if (typeof v !== 'string' || !UUID.test(v)) out.push(`${p}: expected a UUID, got ${JSON.stringify(v)}`);
};
/** An ISO 8601 UTC date-time that survives a round trip through `Date`. */
export const iso: Check = (v, p, out) => {
  if (
    typeof v !== 'string' ||
    !ISO.test(v) ||
    Number.isNaN(Date.parse(v)) ||
    new Date(v).toISOString().slice(0, 19) !== v.slice(0, 19)
  ) {
    out.push(`${p}: expected an ISO date-time, got ${JSON.stringify(v)}`);
  }
};
export const literal =
  (...allowed: readonly unknown[]): Check =>
  (v, p, out) => {
    if (!allowed.includes(v))
      out.push(`${p}: expected one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${JSON.stringify(v)}`);
  };
export const nullable =
  (c: Check): Check =>
  (v, p, out) => {
    if (v !== null) c(v, p, out);
  };
export const arrayOf =
  (c: Check): Check =>
  (v, p, out) => {
    if (!Array.isArray(v)) {
      out.push(`${p}: expected an array, got ${typeName(v)}`);
      return;
    }
    v.forEach((x, i) => c(x, `${p}[${i}]`, out));
  };
export const plainObject: Check = (v, p, out) => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) out.push(`${p}: expected an object, got ${typeName(v)}`);
};
/** An object with exactly the spec's keys, each checked. */
export function shape<T>(spec: { [K in keyof T]-?: Check }): Check {
  return (v, p, out) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      out.push(`${p}: expected an object, got ${typeName(v)}`);
      return;
    }
    const rec = v as Record<string, unknown>;
    const keys = Object.keys(spec) as (keyof T & string)[];
    for (const k of keys) {
      if (!(k in rec)) out.push(`${p}.${k}: missing`);
      else spec[k](rec[k], `${p}.${k}`, out);
    }
    for (const k of Object.keys(rec)) if (!keys.includes(k as keyof T & string)) out.push(`${p}.${k}: not in the type`);
  };
}

/** Every problem `check` finds in `value`. */
export function problems(value: unknown, check: Check, root = '$'): string[] {
  const out: string[] = [];
  check(value, root, out);
  return out;
}

// ------------------------------------------------------------------ the API's types

const BOT_DATA_TYPE = literal('TEXT', 'DOCUMENT', 'Q_AND_A', 'URL');
const MESSAGE_TYPE = literal('TEXT', 'IMAGE', 'VIDEO', 'FEEDBACK', 'ICON');

export const botDataShape = shape<BotData>({
  id: uuid,
  bot_id: str,
  content: str,
  content_value: nullable(str),
  type: BOT_DATA_TYPE,
  title: nullable(str),
  status_learning: literal('WAITING'),
  updated_at: iso,
  created_at: iso,
  source: literal('USER'),
  total_relearning: nullable(num),
  filename: nullable(str),
  size: nullable(num),
  mimetype: nullable(str),
  created_by: nullable(str),
  updated_by: nullable(str),
  deleted_at: nullable(iso),
});

export const mediaShape = shape<Media>({ uid: str, name: str, size: num, url: str, type: str });

const customerCategoryShape = shape<CustomerCategory>({
  id: uuid,
  name: str,
  workspace_id: str,
  created_at: iso,
  updated_at: iso,
  deleted_at: nullable(iso),
});

export const customerBotShape = shape<CustomerBot>({
  id: str,
  auto_reply: bool,
  auto_suggestion: bool,
  name: str,
  avatar: str,
  is_watermark_shown: bool,
  is_allow_learning_from_conversation: bool,
  member_import_knowledge_from_conversation: arrayOf(anything),
});

const messageBaseSpec: { [K in keyof MessageBase]-?: Check } = {
  id: uuid,
  content: str,
  external_id: nullable(str),
  rating: num,
  reaction: nullable(str),
  started_ticket_id: nullable(uuid),
  media: arrayOf(mediaShape),
  receiver_id: str,
  bot_id: str,
  sender_id: nullable(str),
  session_id: nullable(uuid),
  block_id: nullable(uuid),
  type: MESSAGE_TYPE,
  unsent: bool,
  meta_tags: arrayOf(anything),
  data: anything,
  variables: anything,
  quoted_id: nullable(uuid),
  disabled_submit_form: nullable(bool),
  notification_data: anything,
  count_message_notes: nullable(num),
  language_using: str,
  total_qa_feedback: num,
  receiver_read_at: nullable(iso),
  created_at: iso,
  updated_at: iso,
  deleted_at: nullable(iso),
};
export const messageBaseShape = shape<MessageBase>(messageBaseSpec);

const customerCommon = {
  id: uuid,
  name: str,
  access_token: nul,
  metadata: plainObject,
  is_full_history_chat: bool,
  extract_knowledge_status: nullable(str),
  conversation_status: literal('OPENED', 'CLOSED'),
  last_extract_data_conversation: nullable(iso),
  last_summary: nullable(iso),
  last_recap: nullable(iso),
  total_summary_one_hour: nullable(num),
  avatar: nullable(str),
  email: str,
  phone_number: str,
  country_code: nullable(str),
  country: nullable(str),
  country_flag: nullable(str),
  discord_id: nullable(str),
  note: nullable(str),
  bot_id: str,
  auto_reply: bool,
  workspace_id: str,
  is_read: bool,
  external_id: nullable(str),
  language_using: str,
  vocative: str,
  source: str,
  source_type: str,
  class: nullable(str),
  last_message_at: iso,
  message_id: uuid,
  last_social_message: anything,
  is_testing: bool,
  is_hidden: bool,
  conversation_id: nullable(uuid),
  last_session_id: uuid,
  conversation_state: literal('OPEN', 'CLOSED'),
  is_generating_tag: nullable(bool),
  social_account_id: nullable(uuid),
  customer_category_id: nullable(uuid),
  queued_at: iso,
  created_at: iso,
  updated_at: iso,
  deleted_at: nullable(iso),
  customer_category: nullable(customerCategoryShape),
  bot: customerBotShape,
} satisfies { [K in keyof Omit<Customer, 'contact_tag_ids'>]-?: Check };

export const customerShape = shape<Customer>({ ...customerCommon, contact_tag_ids: arrayOf(str) });

export const repliedByShape = shape<RepliedBy>({
  id: str,
  name: str,
  avatar: str,
  is_bot: bool,
  is_online: bool,
  is_available: bool,
});

export const customerDetailShape = shape<CustomerDetail>({
  ...customerCommon,
  replied_by: arrayOf(repliedByShape),
  tag_list: arrayOf(anything),
  is_customer_answered: bool,
  agent_reply: bool,
  contact_tags: arrayOf(anything),
  social_account: nul,
  last_message: messageBaseShape,
  last_session: shape<CustomerDetail['last_session']>({
    id: uuid,
    created_at: nullable(iso),
    status: literal('OPEN', 'CLOSED'),
    assignee_id: nullable(uuid),
  }),
});

const sessionBotShape = shape<SessionBot>({
  auto_reply: bool,
  auto_suggestion: bool,
  id: str,
  is_allow_learning_from_conversation: bool,
  is_watermark_shown: bool,
  member_import_knowledge_from_conversation: arrayOf(anything),
  reply_unknown: str,
  name: str,
  avatar: str,
  is_max_conversation_usage: bool,
  theme_color: str,
});

const sessionCustomerShape = shape<SessionCustomer>({
  id: uuid,
  auto_reply: bool,
  avatar: nullable(str),
  bot_id: str,
  name: str,
  country_code: nullable(str),
  country: nullable(str),
  country_flag: nullable(str),
  email: str,
  phone_number: str,
  external_id: nullable(str),
  is_full_history_chat: bool,
  queued_at: iso,
  conversation_status: literal('OPENED', 'CLOSED'),
  metadata: anything,
});

export const sessionShape = shape<Session>({
  id: uuid,
  from_user_id: uuid,
  to_user_id: nullable(str),
  created_at: iso,
  deleted_at: nullable(iso),
  updated_at: iso,
  bot_id: str,
  workspace_id: str,
  assignee_id: nullable(uuid),
  note: nullable(str),
  is_read: bool,
  status: literal('OPEN', 'CLOSED'),
  ticket_id: nullable(uuid),
  category_id: nullable(uuid),
  sub_category_id: nullable(uuid),
  team_id: nullable(uuid),
  last_message_by: literal('BOT', 'AGENT', 'CUSTOMER', 'SOCIAL_ACCOUNT'),
  last_message_at: iso,
  social_account_id: nullable(uuid),
  last_message_id: uuid,
  tag_ids: arrayOf(uuid),
  reply_by_ids: arrayOf(repliedByShape),
  last_social_message: nullable(str),
  is_last_session: bool,
  queued_at: iso,
  source: str,
  have_message_from_agent: bool,
  auto_reply: bool,
  bot: sessionBotShape,
  customer: sessionCustomerShape,
  social_account: anything,
  last_message: messageBaseShape,
});

const messageBotShape = shape<MessageBot>({
  id: str,
  name: str,
  avatar: str,
  auto_reply: bool,
  reply_language: nullable(str),
  reply_unknown: str,
  workspace_id: str,
});

export const messageShape: Check = shape<Message>({
  ...messageBaseSpec,
  bot: messageBotShape,
  reactions: plainObject,
  quoted_from: nullable((v, p, out) => messageShape(v, p, out)),
});

export const uploadedFileShape = shape<UploadedFile>({ name: str, url: str, type: str, size: num });

/** True when `s` is a UUID (any version). */
export function isUuid(s: unknown): boolean {
  return typeof s === 'string' && UUID.test(s);
}
