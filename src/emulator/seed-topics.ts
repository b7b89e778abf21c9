/**
 * Seed data for the local CX Genie API emulator.
 *
 * The emulator uses these lists to invent realistic customer conversations with a bot trained on
 * the bundled sample knowledge in `knowledge/` (the made-up "Parcelly" shipping app). Keep the
 * answerable questions in line with the facts in the articles and FAQ files, and keep the
 * unanswered ones genuinely outside them.
 */

/** Customer questions the bundled knowledge answers (phrased like real customers, not copied from the FAQ). */
export const ANSWERABLE_QUESTIONS: readonly string[] = Object.freeze([
  'how much is the growth plan per month?',
  'Do I have to pay for postage on top of the subscription or is it included?',
  "I've used up my label allowance this month, what happens now?",
  'If I pay yearly instead of monthly, how much do I save?',
  'Is there a free trial, and do I need a card for it?',
  'If I cancel my plan today, do I get a refund for the rest of the month?',
  "What's the smallest amount I can put into the postage wallet?",
  'Can the postage wallet top itself up automatically when it runs low?',
  'I printed a label with the wrong weight, how do I void it?',
  'How long does a USPS refund take after I void a label?',
  'What carriers do you have labels for?',
  'What are your shipping rates for a 4 lb box going to zone 8?',
  'UPS charged me for a heavier weight than my parcel weighs, why?',
  'how do i hook up my shopify store',
  'Can I connect my WooCommerce store? What versions do I need?',
  'My Shopify orders stopped showing up in Parcelly since this morning, help',
  "How many stores can I connect if I'm on Growth?",
  'Can my customers start a return on their own without emailing me first?',
  'Can I charge a restocking fee on returns?',
  'If a customer makes a return label but never actually uses it, do I still pay for it?',
  'Where do I get an API key for the REST API, and is it on the Growth plan?',
  "What's the rate limit on the REST API? I keep getting 429 errors",
  'Can I put my own logo on the page where customers track their orders?',
  'How often do you update tracking statuses? The carrier site shows something newer',
  'My label prints really small in the corner of a letter page, how do I fix that?',
  "Getting the error 'Address could not be verified' on a label, but I know the address is right",
  'How many team members can I add on the Growth plan?',
  'If I downgrade my plan from Growth to Starter, what happens to my teammates?',
]);

/**
 * Questions the bundled knowledge does NOT answer (the bot would say it does not know).
 * Most are near-duplicate phrasings of the same underlying question, so that grouping
 * near-duplicates can be tested:
 *   - shipping to Iceland (3), a mobile app (3), lithium batteries (3), where data is stored (3),
 *     scheduling a carrier pickup (3), an affiliate / referral programme (3),
 *   - plus three one-offs (dashboard language, SOC 2, shipping alcohol).
 * None of them mentions the product name, so a title-overlap matcher does not latch on to
 * "Welcome to Parcelly".
 */
export const UNANSWERED_QUESTIONS: readonly string[] = Object.freeze([
  'Do you ship to Iceland?',
  'Is Iceland a destination you ship to?',
  'do u guys ship to iceland??',
  'Is there a mobile app?',
  'Do you have a mobile app for iPhone?',
  'Do you have a mobile app for Android phones?',
  'Can I ship lithium batteries?',
  'Is it OK to send lithium batteries?',
  'Can I ship products with lithium-ion batteries in them?',
  'Where is my data stored?',
  'Is my data stored in the EU or in the US?',
  'Which country is my data stored in?',
  'Can I schedule a carrier pickup?',
  'How do I schedule a UPS pickup?',
  'Can a carrier pickup be scheduled at my warehouse?',
  'Do you have an affiliate program?',
  'How do I join your affiliate program?',
  'Is there a referral or affiliate program?',
  'Can I change the dashboard language to German?',
  'Are you SOC 2 certified?',
  'Are alcohol shipments like wine allowed?',
]);

/**
 * Bot replies that answer something else than what was asked (a wrong match in the help centre):
 * not the "unknown" reply, so only the agent who steps in afterwards shows the question went
 * unanswered.
 */
export const OFF_TOPIC_REPLIES: readonly string[] = Object.freeze([
  'Here is what I found in our help centre: Parcelly works with USPS, UPS and FedEx. Let me know if that helps!',
  'You can find this at https://help.parcelly.example/getting-started',
  'Here is what I found in our help centre: every Parcelly plan gets the same discounted carrier rates.',
]);

/** What a customer says when the bot's answer does not help. */
export const HANDOFF_REQUEST = "That doesn't answer my question. Can I talk to a person, please?";

/** Short things a human support agent says when taking over a conversation. */
export const AGENT_REPLIES: readonly string[] = Object.freeze([
  "Hi, a human here! I've read through your chat with the bot, let me take it from here.",
  "Thanks for your patience. I'm checking your account now, it'll just take a minute.",
  "Good question. That isn't in our help centre yet, so let me confirm with the team.",
  'I can see the shipment on my side. Could you send me the tracking number so I can dig in?',
  "Sorry about the trouble! I've passed this to our shipping specialists and will email you today.",
  'Just to make sure I understand: is this for your Shopify store or your WooCommerce store?',
  'All sorted now. Could you refresh the page and try again?',
  'Is there anything else I can help you with today?',
]);

/** Customer first and last names from many cultures, ASCII and non-ASCII. */
export const FIRST_NAMES: readonly string[] = Object.freeze([
  'Amara',
  'Chidi',
  'Mei',
  'Yuki',
  'Hiroshi',
  'Priya',
  'Arjun',
  'Fatima',
  'Omar',
  'Björn',
  'Zoë',
  'José',
  'Ana',
  'Łukasz',
  'Søren',
  'Chloé',
  'Kwame',
  'Leilani',
  'Dmitri',
  'Ngozi',
  'Siobhán',
  'Oğuz',
  'Thảo',
  'Jae-won',
  'Aroha',
  'Malak',
  'Sean',
  'Emily',
  'Анна',
  '美咲',
]);

export const LAST_NAMES: readonly string[] = Object.freeze([
  'Okafor',
  'Nakamura',
  'Sharma',
  'García',
  'Müller',
  'Nguyễn',
  'Kowalski',
  "O'Brien",
  'Al-Sayed',
  'Andersson',
  'Dubois',
  'Silva',
  'Ivanova',
  'Mensah',
  'Kealoha',
  'Kim',
  'Chen',
  'Haddad',
  'Rossi',
  'Novák',
  'Yılmaz',
  'Pérez',
  'Fitzgerald',
  'Ngata',
  'van der Berg',
  'Brønstad',
  'Papadopoulos',
  'Mwangi',
  'Smith',
  'Петрова',
]);

export const AGENT_NAMES: readonly string[] = Object.freeze([
  'Maya Lindqvist',
  'Tomás Reyes',
  'Priyanka Rao',
  'Ben Carter',
]);

/** Generic greetings / small talk a customer opens with. */
export const OPENERS: readonly string[] = Object.freeze([
  'Hi there!',
  'Hello, is anyone around?',
  'Good morning 👋',
  'hey, quick question',
  'Hi, I need some help please',
  "Hola! Hope you're having a good day",
]);
