import * as z from 'zod/mini';
import type {
  Endpoint,
  BotData,
  Customer,
  CustomerBot,
  CustomerCategory,
  CustomerDetail,
  Media,
  Message,
  MessageBase,
  MessageBot,
  RepliedBy,
  Session,
  SessionBot,
  SessionCustomer,
  UploadedFile,
} from './types.js';

/**
 * The response of every endpoint, as zod schemas, at two levels:
 *
 * - `NEEDS`: what this version of the client reads from a reply. Checked on every response; a
 *   reply that fails it is a `ShapeError` ("the API answered in a shape this version does not
 *   know", with the field path), never a crash or an `[object Object]`.
 * - `DOCUMENTED`: every field the vendor document lists, strictly (a field it does not list is
 *   reported too). Checked on the first reply of each endpoint (and by `kb-sync doctor`): the
 *   early warning that the real API differs from the document. A difference here is reported,
 *   not fatal.
 *
 * Each documented schema `satisfies` the hand-written type of `types.ts`, so the two cannot drift.
 */

// ------------------------------------------------------------------ what the client needs

const row = z.looseObject({ id: z.string().check(z.minLength(1)) });

export const NEEDS: Record<Endpoint, z.ZodMiniType> = {
  'POST /bot-data': z.looseObject({ data: row }),
  // The bot's reply is printed and scored: it must be text.
  'POST /messages': z.looseObject({ data: z.string() }),
  // `created_at` of the last row is the next cursor. `total` is only a hint: any type is read as "absent".
  'GET /customer-list': z.looseObject({
    data: z.looseObject({
      customers: z.array(z.looseObject({ id: z.string().check(z.minLength(1)), created_at: z.string() })),
    }),
  }),
  'GET /customer-detail/:id': z.looseObject({ data: row }),
  'GET /sessions-by-customer': z.looseObject({ data: z.array(row) }),
  'GET /detail-sessions/:id': z.looseObject({ data: z.array(row) }),
  // The url is what a DOCUMENT item or a chat attachment points at.
  'POST /upload/multiple': z.looseObject({ data: z.array(z.looseObject({ url: z.string().check(z.minLength(1)) })) }),
};

// ------------------------------------------------------------------ what the document lists

/** A key that must be present, of any value (the document's `json`, `jsonb`). */
const present = z.custom<unknown>((v) => v !== undefined, { message: 'missing' });
const str = z.string();
const num = z.number();
const bool = z.boolean();
/** The document's `Date`: an ISO 8601 string in JSON. */
const date = z.string();
const nstr = z.nullable(str);
const ndate = z.nullable(date);

const mediaDoc = z.strictObject({ uid: str, name: str, size: num, url: str, type: str }) satisfies z.ZodMiniType<Media>;

const botDataDoc = z.strictObject({
  id: str,
  bot_id: str,
  content: str,
  content_value: nstr,
  type: z.enum(['TEXT', 'DOCUMENT', 'Q_AND_A', 'URL']),
  title: nstr,
  status_learning: str,
  updated_at: date,
  created_at: date,
  source: str,
  total_relearning: z.nullable(num),
  filename: nstr,
  size: z.nullable(num),
  mimetype: nstr,
  created_by: nstr,
  updated_by: nstr,
  deleted_at: ndate,
}) satisfies z.ZodMiniType<BotData>;

const categoryDoc = z.strictObject({
  id: str,
  name: str,
  workspace_id: str,
  created_at: date,
  updated_at: date,
  deleted_at: ndate,
}) satisfies z.ZodMiniType<CustomerCategory>;

const customerBotDoc = z.strictObject({
  id: str,
  auto_reply: bool,
  auto_suggestion: bool,
  name: str,
  avatar: str,
  is_watermark_shown: bool,
  is_allow_learning_from_conversation: bool,
  member_import_knowledge_from_conversation: z.array(present),
}) satisfies z.ZodMiniType<CustomerBot>;

const messageBaseShape = {
  id: str,
  content: str,
  external_id: nstr,
  rating: num,
  reaction: nstr,
  started_ticket_id: nstr,
  media: z.array(mediaDoc),
  receiver_id: str,
  bot_id: str,
  sender_id: nstr,
  session_id: nstr,
  block_id: nstr,
  type: z.enum(['TEXT', 'IMAGE', 'VIDEO', 'FEEDBACK', 'ICON']),
  unsent: bool,
  meta_tags: z.array(present),
  data: present,
  variables: present,
  quoted_id: nstr,
  disabled_submit_form: z.nullable(bool),
  notification_data: present,
  count_message_notes: z.nullable(num),
  language_using: str,
  total_qa_feedback: num,
  receiver_read_at: ndate,
  created_at: date,
  updated_at: date,
  deleted_at: ndate,
};
const messageBaseDoc = z.strictObject(messageBaseShape) satisfies z.ZodMiniType<MessageBase>;

const customerShape = {
  id: str,
  name: str,
  access_token: z.null(),
  metadata: z.record(z.string(), z.unknown()),
  is_full_history_chat: bool,
  extract_knowledge_status: nstr,
  conversation_status: z.enum(['OPENED', 'CLOSED']),
  last_extract_data_conversation: ndate,
  last_summary: ndate,
  last_recap: ndate,
  total_summary_one_hour: z.nullable(num),
  avatar: nstr,
  email: str,
  phone_number: str,
  country_code: nstr,
  country: nstr,
  country_flag: nstr,
  discord_id: nstr,
  note: nstr,
  bot_id: str,
  auto_reply: bool,
  workspace_id: str,
  is_read: bool,
  external_id: nstr,
  language_using: str,
  vocative: str,
  source: str,
  source_type: str,
  class: nstr,
  last_message_at: date,
  message_id: str,
  last_social_message: present,
  is_testing: bool,
  is_hidden: bool,
  conversation_id: nstr,
  last_session_id: str,
  conversation_state: z.enum(['OPEN', 'CLOSED']),
  is_generating_tag: z.nullable(bool),
  social_account_id: nstr,
  customer_category_id: nstr,
  queued_at: date,
  created_at: date,
  updated_at: date,
  deleted_at: ndate,
  customer_category: z.nullable(categoryDoc),
  bot: customerBotDoc,
};
const customerDoc = z.strictObject({
  ...customerShape,
  contact_tag_ids: z.array(str),
}) satisfies z.ZodMiniType<Customer>;

const repliedByDoc = z.strictObject({
  id: str,
  name: str,
  avatar: str,
  is_bot: bool,
  is_online: bool,
  is_available: bool,
}) satisfies z.ZodMiniType<RepliedBy>;

const customerDetailDoc = z.strictObject({
  ...customerShape,
  replied_by: z.array(repliedByDoc),
  tag_list: z.array(present),
  is_customer_answered: bool,
  agent_reply: bool,
  contact_tags: z.array(present),
  social_account: z.null(),
  last_message: messageBaseDoc,
  last_session: z.strictObject({
    id: str,
    created_at: ndate,
    status: z.enum(['OPEN', 'CLOSED']),
    assignee_id: nstr,
  }),
}) satisfies z.ZodMiniType<CustomerDetail>;

const sessionBotDoc = z.strictObject({
  auto_reply: bool,
  auto_suggestion: bool,
  id: str,
  is_allow_learning_from_conversation: bool,
  is_watermark_shown: bool,
  member_import_knowledge_from_conversation: z.array(present),
  reply_unknown: str,
  name: str,
  avatar: str,
  is_max_conversation_usage: bool,
  theme_color: str,
}) satisfies z.ZodMiniType<SessionBot>;

const sessionCustomerDoc = z.strictObject({
  id: str,
  auto_reply: bool,
  avatar: nstr,
  bot_id: str,
  name: str,
  country_code: nstr,
  country: nstr,
  country_flag: nstr,
  email: str,
  phone_number: str,
  external_id: nstr,
  is_full_history_chat: bool,
  queued_at: date,
  conversation_status: z.enum(['OPENED', 'CLOSED']),
  metadata: present,
}) satisfies z.ZodMiniType<SessionCustomer>;

const sessionDoc = z.strictObject({
  id: str,
  from_user_id: str,
  to_user_id: nstr,
  created_at: date,
  deleted_at: ndate,
  updated_at: date,
  bot_id: str,
  workspace_id: str,
  assignee_id: nstr,
  note: nstr,
  is_read: bool,
  status: z.enum(['OPEN', 'CLOSED']),
  ticket_id: nstr,
  category_id: nstr,
  sub_category_id: nstr,
  team_id: nstr,
  last_message_by: z.enum(['BOT', 'AGENT', 'CUSTOMER', 'SOCIAL_ACCOUNT']),
  last_message_at: date,
  social_account_id: nstr,
  last_message_id: str,
  tag_ids: z.array(str),
  reply_by_ids: z.array(repliedByDoc),
  last_social_message: nstr,
  is_last_session: bool,
  queued_at: date,
  source: str,
  have_message_from_agent: bool,
  auto_reply: bool,
  bot: sessionBotDoc,
  customer: sessionCustomerDoc,
  social_account: present,
  last_message: messageBaseDoc,
}) satisfies z.ZodMiniType<Session>;

const messageBotDoc = z.strictObject({
  id: str,
  name: str,
  avatar: str,
  auto_reply: bool,
  reply_language: nstr,
  reply_unknown: str,
  workspace_id: str,
}) satisfies z.ZodMiniType<MessageBot>;

const messageDoc: z.ZodMiniType<Message> = z.strictObject({
  ...messageBaseShape,
  bot: messageBotDoc,
  reactions: z.record(z.string(), z.unknown()),
  get quoted_from() {
    return z.nullable(messageDoc);
  },
});

const uploadedDoc = z.strictObject({ name: str, url: str, type: str, size: num }) satisfies z.ZodMiniType<UploadedFile>;

const envelope = <T extends z.ZodMiniType>(data: T) => z.strictObject({ success: bool, data });

export const DOCUMENTED: Record<Endpoint, z.ZodMiniType> = {
  'POST /bot-data': envelope(botDataDoc),
  'POST /messages': envelope(str),
  'GET /customer-list': envelope(z.strictObject({ total: num, customers: z.array(customerDoc) })),
  'GET /customer-detail/:id': envelope(customerDetailDoc),
  'GET /sessions-by-customer': z.strictObject({ success: bool, total: num, data: z.array(sessionDoc) }),
  'GET /detail-sessions/:id': envelope(z.array(messageDoc)),
  'POST /upload/multiple': envelope(z.array(uploadedDoc)),
};
