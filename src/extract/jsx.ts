/**
 * What happens to each MDX (JSX) element in what is sent: a documented, configurable mapping
 * (`markdown.jsx` in sync.config.json; docs/content.md lists the defaults).
 *
 * - "content": the element becomes its content (its tags go; the content keeps its Markdown);
 * - "remove": the element and its content go;
 * - "keep": the element is sent as written;
 * - { "label": "{attr}" }: like "content", with a line (or, inline, a word) made from the
 *   element's attributes first: `<TabItem label="npm">` → "npm". A template whose attributes are
 *   all missing gives no label.
 */

export type JsxAction = 'content' | 'remove' | 'keep';
export type JsxRule = JsxAction | { label: string };

export interface JsxSettings {
  /** Elements with content that no rule names. */
  default: JsxRule;
  /** Elements without content (`<Since v="4" />`) that no rule names. */
  selfClosing: JsxRule;
  /** Rules by element name (`TabItem`, `Aside`, `details`); they win over the built-in ones. */
  elements: Record<string, JsxRule>;
}

/**
 * Built-in rules for the components of Docusaurus (`@theme/Tabs`, `TabItem`, `Admonition`,
 * `details`) and Astro Starlight (`Tabs`, `TabItem`, `Aside`, `Card`, `LinkCard`, `Steps`,
 * `FileTree`, `Badge`, `Fragment slot=…` in package-manager tabs).
 */
export const BUILTIN_JSX: Readonly<Record<string, JsxRule>> = {
  TabItem: { label: '{label}' },
  Fragment: { label: '{slot}' },
  Aside: { label: '{title}' },
  Admonition: { label: '{title}' },
  Card: { label: '{title}' },
  LinkCard: { label: '{title}' },
  Badge: { label: '{text}' },
  summary: 'content',
};

export const DEFAULT_JSX_SETTINGS: JsxSettings = { default: 'content', selfClosing: 'remove', elements: {} };

export interface JsxAttribute {
  type: string;
  name?: string;
  value?: unknown;
}

export function jsxRule(name: string | null, hasContent: boolean, s: JsxSettings | undefined): JsxRule {
  const settings = s ?? DEFAULT_JSX_SETTINGS;
  if (name !== null) {
    const own = Object.prototype.hasOwnProperty.call(settings.elements, name) ? settings.elements[name] : undefined;
    if (own !== undefined) return own;
    const builtin = Object.prototype.hasOwnProperty.call(BUILTIN_JSX, name) ? BUILTIN_JSX[name] : undefined;
    if (builtin !== undefined) return builtin;
  }
  return hasContent ? settings.default : settings.selfClosing;
}

/** The label a rule makes from an element's attributes, or '' (string attributes only). */
export function jsxLabel(rule: JsxRule, attributes: readonly JsxAttribute[]): string {
  if (typeof rule === 'string') return '';
  let found = false;
  const text = rule.label.replace(/\{([^{}]+)\}/g, (_, key: string) => {
    const attr = attributes.find((a) => a.type === 'mdxJsxAttribute' && a.name === key.trim());
    if (attr && typeof attr.value === 'string' && attr.value.trim() !== '') {
      found = true;
      return attr.value;
    }
    return '';
  });
  return found ? text.replace(/\s+/g, ' ').trim() : '';
}

/** A label as Markdown text: bold when it stands on its own line, escaped either way. */
export function labelMarkdown(label: string, block: boolean): string {
  const escaped = label.replace(/[\\`*_[\]<>|]/g, '\\$&');
  return block ? `**${escaped}**` : escaped;
}
