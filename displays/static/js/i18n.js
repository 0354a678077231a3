// Interface texts and per-language contest texts.
//
// The page embeds its configuration (displays.pages.ClientConfig) as JSON in #page-config: the
// interface texts of the page's language come from the same catalogue the template used
// (displays/messages), so live updates read exactly like the first render.

const configElement = document.getElementById("page-config");

/** The page configuration: {page, contest_id, lang, languages, messages, plurals, static_url}. */
export const config = JSON.parse(configElement ? configElement.textContent : "{}");

/** The page's interface language (lv, lt or en). */
export const lang = config.lang || "lv";

const LOCALES = { lv: "lv-LV", lt: "lt-LT", en: "en-GB" };

/**
 * An interface text with its {placeholders} filled in.
 * @param {string} key a key of the catalogue
 * @param {Record<string, string|number>} [params]
 */
export function t(key, params = {}) {
  const text = config.messages && key in config.messages ? config.messages[key] : key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/** Whether the catalogue has a text for `key`. */
export function has(key) {
  return Boolean(config.messages && key in config.messages);
}

/**
 * The text of a per-language map ({"lv": …, "lt": …, "en": …}) in the page's language, falling
 * back to English, then Latvian, Lithuanian, then any language the map has.
 */
export function pick(map, language = lang) {
  if (map === null || map === undefined) return "";
  if (typeof map === "string") return map;
  for (const code of [language, "en", "lv", "lt"]) {
    if (map[code]) return map[code];
  }
  const first = Object.values(map).find(Boolean);
  return first ? String(first) : "";
}

/** A number in the page's locale (decimal comma in Latvian and Lithuanian). */
export function formatNumber(value) {
  if (typeof value !== "number" || !Number.isFinite(value)) return String(value);
  return new Intl.NumberFormat(LOCALES[lang] || "en-GB", { maximumFractionDigits: 6 }).format(value);
}

/** Parse a number typed by a person: "3,5", "3.5", " 1 000 " and "−2" all work; NaN otherwise. */
export function parseNumber(text) {
  const cleaned = String(text)
    .trim()
    .replace(/[\s\u00a0\u202f]/g, "")
    .replace(/\u2212/g, "-")
    .replace(",", ".");
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(cleaned)) return NaN;
  return Number(cleaned);
}

/** The message shown for a stable error code (docs/protocol.md §4), in the page's language. */
export function errorText(code, serverMessage) {
  if (code && has(`error_${code}`)) return t(`error_${code}`);
  return serverMessage ? `${t("error_unknown", { code })} ${serverMessage}` : t("error_unknown", { code });
}

// --- plural forms -----------------------------------------------------------------------------
//
// A text that counts comes in config.plurals: its forms by CLDR plural category, from the
// language's gettext catalog (displays/messages/catalogue.py): English one/other; Latvian
// zero/one/other ("10 jautājumu", "1 jautājums", "2 jautājumi"); Lithuanian one/few/many/other
// ("1 klausimas", "2 klausimai", "1,5 klausimo", "10 klausimų"). The browser's Intl.PluralRules
// names the category of a number by the same CLDR rules, fractions included.

const pluralRules = new Intl.PluralRules(LOCALES[lang] || "en-GB");

/**
 * The CLDR plural category of `count` in the page's language (zero, one, few, many or other).
 * @param {number} count
 */
export function pluralCategory(count) {
  return pluralRules.select(Math.abs(Number(count)));
}

/**
 * A counting text in the right plural form, {n} and the other placeholders filled in.
 * @param {string} key a key of the catalog's counting texts (config.plurals)
 * @param {number} count
 * @param {Record<string, string|number>} [params]
 */
export function tn(key, count, params = {}) {
  const forms = (config.plurals && config.plurals[key]) || {};
  const form = forms[pluralCategory(count)] ?? forms.other ?? Object.values(forms)[0] ?? key;
  const values = { n: formatNumber(count), ...params };
  return form.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}
