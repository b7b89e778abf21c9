/**
 * Request and response types of CX Genie Public API V2, field for field from the vendor's
 * "Public API V2 Endpoint Document" (Mar 28 2025). Dates travel as ISO strings in JSON.
 * `jsonb`/`json` fields are `unknown`: the document does not describe them.
 */

/** An ISO 8601 date-time string as the API sends it. */
export type IsoDate = string;

export type BotDataType = 'TEXT' | 'DOCUMENT' | 'Q_AND_A' | 'URL';
export const BOT_DATA_TYPES: readonly BotDataType[] = ['TEXT', 'DOCUMENT', 'Q_AND_A', 'URL'];

// ---------------------------------------------------------------- 1. create training data

export interface CreateBotDataInput {
  content: string;
  /** Used by `Q_AND_A` (the answer). */
  content_value?: string;
  type: BotDataType;
  /** Used by `TEXT` (the article's title) and `DOCUMENT` (the file name). */
  title?: string;
}

/** The request body, as sent: the input plus `bot_id` and `workspace_token`. */
export interface CreateBotDataRequest extends CreateBotDataInput {
  bot_id: string;
  workspace_token: string;
}

export interface BotData {
  id: string;
  bot_id: string;
  content: string;
  content_value: string | null;
  type: BotDataType;
  title: string | null;
  /** `WAITING` on create (the contract's only value); typed open, so any other string is kept. */
  status_learning: 'WAITING' | (string & {});
  updated_at: IsoDate;
  created_at: IsoDate;
  /** `USER` in the contract; typed open, so any other string is kept. */
  source: 'USER' | (string & {});
  total_relearning: number | null;
  filename: string | null;
  size: number | null;
  mimetype: string | null;
  created_by: string | null;
  updated_by: string | null;
  deleted_at: IsoDate | null;
}

// ---------------------------------------------------------------- 2. chat with bot

export interface Media {
  uid: string;
  name: string;
  size: number;
  url: string;
  /** A MIME type such as `image/jpeg`. */
  type: string;
}

export interface CustomerInfo {
  name?: string;
  email?: string;
  phone_number?: string;
  external_id?: string;
}

export interface SendMessageInput {
  content: string;
  media?: Media[];
  metadata?: Record<string, unknown>;
  /** Without it the chat counts as an anonymous session. */
  customer_info?: CustomerInfo;
}

export interface SendMessageRequest extends SendMessageInput {
  workspace_token: string;
  bot_id: string;
}

// ---------------------------------------------------------------- shared shapes

export type ConversationStatus = 'OPENED' | 'CLOSED';
export type SessionStatus = 'OPEN' | 'CLOSED';
export type MessageType = 'TEXT' | 'IMAGE' | 'VIDEO' | 'FEEDBACK' | 'ICON';

export interface CustomerCategory {
  id: string;
  name: string;
  workspace_id: string;
  created_at: IsoDate;
  updated_at: IsoDate;
  deleted_at: IsoDate | null;
}

export interface CustomerBot {
  id: string;
  auto_reply: boolean;
  auto_suggestion: boolean;
  name: string;
  avatar: string;
  is_watermark_shown: boolean;
  is_allow_learning_from_conversation: boolean;
  member_import_knowledge_from_conversation: unknown[];
}

/** A message as the API returns it (the document's `last_message` and message rows). */
export interface MessageBase {
  id: string;
  content: string;
  external_id: string | null;
  rating: number;
  reaction: string | null;
  started_ticket_id: string | null;
  media: Media[];
  receiver_id: string;
  bot_id: string;
  sender_id: string | null;
  session_id: string | null;
  block_id: string | null;
  type: MessageType;
  unsent: boolean;
  meta_tags: unknown[];
  data: unknown /* may be null */;
  variables: unknown /* may be null */;
  quoted_id: string | null;
  disabled_submit_form: boolean | null;
  notification_data: unknown /* may be null */;
  count_message_notes: number | null;
  language_using: string;
  total_qa_feedback: number;
  receiver_read_at: IsoDate | null;
  created_at: IsoDate;
  updated_at: IsoDate;
  deleted_at: IsoDate | null;
}

// ---------------------------------------------------------------- 3. list customers

export type CustomerType = 'lead' | 'users';

export interface ListCustomersQuery {
  search?: string;
  bot_ids?: string[];
  types?: CustomerType[];
  is_testing?: boolean;
  /** `created_at` of the last row already seen. */
  cursor?: IsoDate;
}

export interface Customer {
  id: string;
  name: string;
  access_token: null;
  metadata: Record<string, unknown>;
  is_full_history_chat: boolean;
  extract_knowledge_status: string | null;
  conversation_status: ConversationStatus;
  last_extract_data_conversation: IsoDate | null;
  last_summary: IsoDate | null;
  last_recap: IsoDate | null;
  total_summary_one_hour: number | null;
  avatar: string | null;
  email: string;
  phone_number: string;
  country_code: string | null;
  country: string | null;
  country_flag: string | null;
  discord_id: string | null;
  note: string | null;
  bot_id: string;
  auto_reply: boolean;
  workspace_id: string;
  is_read: boolean;
  external_id: string | null;
  language_using: string;
  vocative: string;
  source: string;
  source_type: string;
  class: string | null;
  last_message_at: IsoDate;
  message_id: string;
  last_social_message: unknown /* may be null */;
  is_testing: boolean;
  is_hidden: boolean;
  conversation_id: string | null;
  last_session_id: string;
  conversation_state: SessionStatus;
  is_generating_tag: boolean | null;
  social_account_id: string | null;
  customer_category_id: string | null;
  queued_at: IsoDate;
  created_at: IsoDate;
  updated_at: IsoDate;
  deleted_at: IsoDate | null;
  customer_category: CustomerCategory | null;
  bot: CustomerBot;
  contact_tag_ids: string[];
}

export interface CustomerList {
  /** The server's `total`, when it sent a number (the document does not say of what: only a hint). */
  total?: number;
  customers: Customer[];
}

// ---------------------------------------------------------------- 4. customer detail

export interface RepliedBy {
  id: string;
  name: string;
  avatar: string;
  is_bot: boolean;
  is_online: boolean;
  is_available: boolean;
}

export interface CustomerDetail extends Omit<Customer, 'contact_tag_ids'> {
  replied_by: RepliedBy[];
  tag_list: unknown[];
  is_customer_answered: boolean;
  agent_reply: boolean;
  contact_tags: unknown[];
  social_account: null;
  last_message: MessageBase;
  last_session: {
    id: string;
    created_at: IsoDate | null;
    status: SessionStatus;
    assignee_id: string | null;
  };
}

// ---------------------------------------------------------------- 5. conversations of a customer

export type ReplyStatus = 'UNREAD_ONLY' | 'READ_ONLY' | 'REPLIED_ONLY';

export interface ListSessionsQuery {
  customer_id: string;
  limit?: number;
  offset?: number;
  bot_ids?: string[];
  status?: SessionStatus[];
  reply_status?: ReplyStatus[];
  /**
   * `[start, end]`, "timestamp strings" in the document: give ISO text (or epoch ms); the client
   * sends them in its `dateRangeFormat`.
   */
  date_range?: [string, string];
}

export interface SessionBot {
  auto_reply: boolean;
  auto_suggestion: boolean;
  id: string;
  is_allow_learning_from_conversation: boolean;
  is_watermark_shown: boolean;
  member_import_knowledge_from_conversation: unknown[];
  /** The bot's reply when it does not know the answer. */
  reply_unknown: string;
  name: string;
  avatar: string;
  is_max_conversation_usage: boolean;
  theme_color: string;
}

export interface SessionCustomer {
  id: string;
  auto_reply: boolean;
  avatar: string | null;
  bot_id: string;
  name: string;
  country_code: string | null;
  country: string | null;
  country_flag: string | null;
  email: string;
  phone_number: string;
  external_id: string | null;
  is_full_history_chat: boolean;
  queued_at: IsoDate;
  conversation_status: ConversationStatus;
  metadata: unknown;
}

export type LastMessageBy = 'BOT' | 'AGENT' | 'CUSTOMER' | 'SOCIAL_ACCOUNT';

export interface Session {
  id: string;
  from_user_id: string;
  to_user_id: string | null;
  created_at: IsoDate;
  deleted_at: IsoDate | null;
  updated_at: IsoDate;
  bot_id: string;
  workspace_id: string;
  assignee_id: string | null;
  note: string | null;
  is_read: boolean;
  status: SessionStatus;
  ticket_id: string | null;
  category_id: string | null;
  sub_category_id: string | null;
  team_id: string | null;
  last_message_by: LastMessageBy;
  last_message_at: IsoDate;
  social_account_id: string | null;
  last_message_id: string;
  tag_ids: string[];
  /** The document names the element type `ReplyBy` without defining it; it matches `RepliedBy`. */
  reply_by_ids: RepliedBy[];
  last_social_message: string | null;
  is_last_session: boolean;
  queued_at: IsoDate;
  source: string;
  have_message_from_agent: boolean;
  auto_reply: boolean;
  bot: SessionBot;
  customer: SessionCustomer;
  social_account: unknown /* may be null */;
  last_message: MessageBase;
}

export interface SessionList {
  /** The server's top-level `total`, when it sent a number (only a hint). */
  total?: number;
  sessions: Session[];
}

// ---------------------------------------------------------------- 6. conversation detail

export interface ListMessagesQuery {
  customer_id: string;
  limit?: number;
  offset?: number;
  order?: 'asc' | 'desc';
  remove_system_message?: boolean;
}

export interface MessageBot {
  id: string;
  name: string;
  avatar: string;
  auto_reply: boolean;
  reply_language: string | null;
  reply_unknown: string;
  workspace_id: string;
}

export interface Message extends MessageBase {
  bot: MessageBot;
  reactions: Record<string, unknown>;
  /** The quoted message, when `quoted_id` is set. */
  quoted_from: Message | null;
}

// ---------------------------------------------------------------- 7. upload files

export interface UploadedFile {
  name: string;
  url: string;
  /** MIME type. */
  type: string;
  size: number;
}

/** A file to upload: its bytes (a Blob, e.g. from `fs.openAsBlob`) and the name to give it. */
export interface UploadInput {
  name: string;
  data: Blob;
}

/** The endpoint names, as the client and the emulator name them. */
export type Endpoint =
  | 'POST /bot-data'
  | 'POST /messages'
  | 'GET /customer-list'
  | 'GET /customer-detail/:id'
  | 'GET /sessions-by-customer'
  | 'GET /detail-sessions/:id'
  | 'POST /upload/multiple';

export const ENDPOINTS: readonly Endpoint[] = [
  'POST /bot-data',
  'POST /messages',
  'GET /customer-list',
  'GET /customer-detail/:id',
  'GET /sessions-by-customer',
  'GET /detail-sessions/:id',
  'POST /upload/multiple',
];
