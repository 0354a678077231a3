// Interface texts and per-language contest texts.
//
// The page embeds its configuration (displays.pages.ClientConfig) as JSON in #page-config: the
// interface texts of the page's language come from the same catalogue the template used
// (displays/messages), so live updates read exactly like the first render.

const configElement = document.getElementById("page-config");

/** The page configuration: {page, contest_id, lang, languages, messages, static_url}. */
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
// A text that counts something holds one form per CLDR plural category of its language, joined
// with "|", in the order PLURAL_CATEGORIES gives (CLDR's language plural rules, integers and
// decimals): English one|other; Latvian zero|one|other ("10 jautājumu", "1 jautājums",
// "2 jautājumi"); Lithuanian one|few|many|other ("1 klausimas", "2 klausimai", "1,5 klausimo",
// "10 klausimų"). Until the catalogues move to gettext (Babel), tn() picks the form here.

export const PLURAL_CATEGORIES = {
  en: ["one", "other"],
  lv: ["zero", "one", "other"],
  lt: ["one", "few", "many", "other"],
};

/**
 * The CLDR plural category of `count` in `language` (one, few, many, zero or other).
 * @param {number} count
 * @param {string} [language]
 */
export function pluralCategory(count, language = lang) {
  const n = Math.abs(Number(count));
  const text = String(n);
  const fraction = text.includes(".") ? text.split(".")[1] : "";
  const f = fraction ? Number(fraction) : 0; // the visible fraction digits, as a number
  const v = fraction.length;
  const i = Math.floor(n);
  if (language === "lv") {
    // zero: n % 10 = 0 or n % 100 = 11..19 or v = 2 and f % 100 = 11..19
    // one: n % 10 = 1 and n % 100 != 11 or v = 2 and f % 10 = 1 and f % 100 != 11
    //      or v != 2 and f % 10 = 1
    const teen = (x) => x % 100 >= 11 && x % 100 <= 19;
    if ((Number.isInteger(n) && (n % 10 === 0 || teen(n))) || (v === 2 && teen(f))) return "zero";
    if ((Number.isInteger(n) && n % 10 === 1 && n % 100 !== 11) || (v === 2 && f % 10 === 1 && f % 100 !== 11) || (v !== 2 && v > 0 && f % 10 === 1)) return "one";
    return "other";
  }
  if (language === "lt") {
    // one: n % 10 = 1 and n % 100 != 11..19; few: n % 10 = 2..9 and n % 100 != 11..19;
    // many: f != 0; other: everything else (0, 10, 11–19, 20 …)
    if (f !== 0) return "many";
    const teen = i % 100 >= 11 && i % 100 <= 19;
    if (i % 10 === 1 && !teen) return "one";
    if (i % 10 >= 2 && i % 10 <= 9 && !teen) return "few";
    return "other";
  }
  return i === 1 && v === 0 ? "one" : "other";
}

/**
 * A counting text in the right plural form, {n} and the other placeholders filled in.
 * @param {string} key a catalogue key whose text holds the forms joined with "|"
 * @param {number} count
 * @param {Record<string, string|number>} [params]
 */
export function tn(key, count, params = {}) {
  const forms = (config.messages && key in config.messages ? config.messages[key] : key).split("|");
  const categories = PLURAL_CATEGORIES[lang] || PLURAL_CATEGORIES.en;
  const index = Math.max(0, categories.indexOf(pluralCategory(count)));
  const form = forms[Math.min(index, forms.length - 1)];
  const values = { n: formatNumber(count), ...params };
  return form.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}
