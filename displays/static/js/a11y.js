// Larger text, high contrast and read-aloud for the team tablet (docs/displays.md, "Accessible
// and senior mode").
//
// The two display options are classes on <html> (a11y-large, a11y-contrast in quiz.css), switched
// by toggle buttons (aria-pressed) and kept in this browser (localStorage, for every contest), so
// a tablet handed to a senior stays large after a reload; a senior team's tablet link can carry
// `?view=large,contrast` to turn them on from the start. Read-aloud speaks the question and its
// options with the browser's speech synthesis in the page's language — only with a voice for that
// language: without one the button stays, disabled, and says why; without speech synthesis at all
// it is hidden.

import { lang, pick, t } from "./i18n.js";
import { letter } from "./render.js";

const OPTIONS_KEY = "quiz.view-options";
const CLASSES = { large: "a11y-large", contrast: "a11y-contrast" };
const SPEECH_LANGS = { lv: "lv-LV", lt: "lt-LT", en: "en-GB" };

function saved() {
  try {
    return JSON.parse(localStorage.getItem(OPTIONS_KEY) || "{}") || {};
  } catch {
    return {};
  }
}

/**
 * Apply the saved display options and wire the toggle buttons ([data-view-option="large"] …).
 * A link may turn options on for a team's tablets: `?view=large,contrast` (kept like a click).
 */
export function setUpViewOptions(root = document) {
  const options = saved();
  const asked = new URLSearchParams(location.search).get("view");
  if (asked) {
    for (const name of asked.split(",")) if (name in CLASSES) options[name] = true;
    localStorage.setItem(OPTIONS_KEY, JSON.stringify(options));
  }
  for (const [name, cls] of Object.entries(CLASSES)) document.documentElement.classList.toggle(cls, Boolean(options[name]));
  for (const button of root.querySelectorAll("[data-view-option]")) {
    const name = button.dataset.viewOption;
    button.setAttribute("aria-pressed", String(Boolean(options[name])));
    button.addEventListener("click", () => {
      const now = saved();
      now[name] = !now[name];
      localStorage.setItem(OPTIONS_KEY, JSON.stringify(now));
      document.documentElement.classList.toggle(CLASSES[name], now[name]);
      button.setAttribute("aria-pressed", String(now[name]));
      button.dispatchEvent(new CustomEvent("view-option", { bubbles: true, detail: { name, on: now[name] } }));
    });
  }
}

/** A voice of the browser for the page's language, or null. */
export function voiceForLanguage() {
  if (!("speechSynthesis" in window)) return null;
  const wanted = lang.toLowerCase();
  return window.speechSynthesis.getVoices().find((voice) => String(voice.lang).toLowerCase().replace("_", "-").split("-")[0] === wanted) || null;
}

/** What read-aloud says for a question view: the question, then each option or item. */
export function spokenText(q) {
  const question = (q && q.question) || {};
  const parts = [pick(question.text)];
  const list = question.options || question.items || [];
  list.forEach((option, index) => parts.push(`${question.options ? `${letter(index)}. ` : ""}${pick(option.text)}.`));
  const unit = pick(question.unit || {});
  if (unit) parts.push(`(${unit})`);
  return parts.filter(Boolean).join(" ");
}

/**
 * Wire the read-aloud button: `current()` gives the question view to read (or null).
 * @param {HTMLButtonElement} button
 * @param {() => object|null} current
 */
export function setUpReadAloud(button, current) {
  if (!button) return;
  if (!("speechSynthesis" in window) || typeof window.SpeechSynthesisUtterance !== "function") {
    button.hidden = true;
    return;
  }
  const update = () => {
    const voice = voiceForLanguage();
    button.disabled = !voice;
    button.title = voice ? t("read_aloud") : t("read_aloud_no_voice");
    button.setAttribute("aria-label", button.title);
  };
  update();
  window.speechSynthesis.addEventListener("voiceschanged", update);
  button.addEventListener("click", () => {
    const voice = voiceForLanguage();
    const q = current();
    if (!voice || !q) return;
    window.speechSynthesis.cancel();
    const utterance = new window.SpeechSynthesisUtterance(spokenText(q));
    utterance.voice = voice;
    utterance.lang = SPEECH_LANGS[lang] || voice.lang;
    utterance.rate = 0.9; // a little slower than the default, for everyone in the room
    window.speechSynthesis.speak(utterance);
  });
}
