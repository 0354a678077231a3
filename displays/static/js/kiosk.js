// The registration kiosk at a venue's entrance (docs/displays.md, "The registration kiosk").
//
// A keyboard-wedge barcode scanner "types" the card number and Enter into the focused card field
// (typing by hand works the same). Where the library asks for a PIN, an on-screen PIN pad (the
// keyboard's digits work too). The server checks the card with the library (POST …/kiosk/lookup)
// and answers the library's short name, or why not in plain words; then the player taps their
// team and generation and confirms (…/kiosk/register), and the kiosk shows a one-time tablet code
// with its QR code. The card number and PIN live only in this page's memory until the check is
// sent; nothing is stored. The kiosk token comes in the link's fragment (#token=…) and is kept
// in this browser. After IDLE_MS without a touch or key the kiosk starts again.

import { getJson, postJson } from "./client.js";
import { config, errorText, t } from "./i18n.js";
import { $, $$, h, setText, show } from "./render.js";

const IDLE_MS = 60_000;
const MAX_PIN = 12;
const TOKEN_KEY = `bsq.kiosk.${config.contest_id}`;
const base = `/api/contests/${encodeURIComponent(config.contest_id)}`;

let kiosk = null; // GET …/kiosk: venue, library, pin_required, librarian_fallback, teams
let card = "";
let pin = "";
let registration = null; // the signed answer of a valid card check
let librarianName = null; // the fallback: a name typed by the librarian, with their PIN
let librarianPin = null;
let team = null;
let generation = null;
let idleTimer = null;

function kioskToken() {
  const params = new URLSearchParams(location.hash.replace(/^#/, ""));
  const fresh = params.get("token");
  if (location.hash) history.replaceState(null, "", location.pathname + location.search);
  if (fresh) localStorage.setItem(TOKEN_KEY, fresh);
  return localStorage.getItem(TOKEN_KEY);
}

const token = kioskToken();
const auth = () => ({ Authorization: `Bearer ${token || ""}` });

function step(name) {
  for (const section of $$("[data-step]")) show(section, section.dataset.step === name);
  document.body.dataset.kioskStep = name;
  if (name === "scan") $("[data-card]").focus();
}

function startOver() {
  card = "";
  pin = "";
  registration = null;
  librarianName = null;
  librarianPin = null;
  team = null;
  generation = null;
  $("[data-card]").value = "";
  $("[data-fallback-name]").value = "";
  $("[data-fallback-pin]").value = "";
  drawPin();
  step(kiosk ? "scan" : "outcome");
}

function touched() {
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    if (document.body.dataset.kioskStep !== "scan") startOver();
  }, IDLE_MS);
}

function outcome(text, { fallback = false, again = true } = {}) {
  setText($("[data-outcome]"), text);
  const offer = fallback && kiosk && kiosk.librarian_fallback;
  show($("[data-fallback-offer]"), Boolean(offer));
  show($("[data-fallback-open]"), Boolean(offer));
  show($("[data-step='outcome'] [data-start-over]"), again);
  step("outcome");
}

function problemText(problem) {
  if (problem.code === "too_many_attempts") return t("kiosk_too_many");
  return errorText(problem.code, problem.message);
}

// --- the card and the PIN ----------------------------------------------------------------------

function cardEntered(event) {
  event.preventDefault();
  card = $("[data-card]").value.trim();
  $("[data-card]").value = "";
  if (!card) return;
  if (kiosk.pin_required) {
    pin = "";
    drawPin();
    step("pin");
  } else {
    lookup();
  }
}

function drawPin() {
  setText($("[data-pin-dots]"), "●".repeat(pin.length));
}

function pinKey(key) {
  if (key === "<") pin = pin.slice(0, -1);
  else if (key === "ok") {
    if (pin) lookup();
    return;
  } else if (/^\d$/.test(key) && pin.length < MAX_PIN) pin += key;
  drawPin();
}

async function lookup() {
  step("checking");
  const body = { card, pin: pin || null };
  card = "";
  pin = "";
  drawPin();
  try {
    const answer = await postJson(`${base}/kiosk/lookup`, body, auth());
    if (answer.outcome === "ok") {
      registration = answer.registration;
      choose(answer.display_name, answer.team_id);
    } else {
      outcome(t(`kiosk_outcome_${answer.outcome}`), { fallback: answer.outcome === "library_unavailable" });
    }
  } catch (problem) {
    outcome(problemText(problem));
  }
}

// --- team and generation ------------------------------------------------------------------------

function choose(name, knownTeam) {
  setText($("[data-hello]"), t("kiosk_hello", { name }));
  team = knownTeam || (kiosk.teams.length === 1 ? kiosk.teams[0].team_id : null);
  generation = null;
  drawChoices();
  show($("[data-choose-error]"), false);
  step("choose");
}

function drawChoices() {
  $("[data-teams]").replaceChildren(
    ...kiosk.teams.map((item) => {
      const button = h("button", {
        type: "button",
        class: "choice team-choice",
        role: "radio",
        "aria-checked": String(item.team_id === team),
        "data-team": item.team_id,
        text: item.name,
      });
      button.style.setProperty("--team-colour", item.colour || "#888");
      button.addEventListener("click", () => {
        team = item.team_id;
        drawChoices();
      });
      return button;
    }),
  );
  show($("[data-no-teams]"), kiosk.teams.length === 0);
  for (const button of $$("[data-generation]")) {
    button.setAttribute("aria-checked", String(button.dataset.generation === generation));
  }
  $("[data-confirm]").disabled = !team;
}

async function confirmChoice() {
  const button = $("[data-confirm]");
  button.disabled = true;
  const body = { team_id: team };
  if (generation) body.generation = generation;
  try {
    const answer = librarianName
      ? await postJson(
          `${base}/kiosk/librarian`,
          { ...body, name: librarianName, librarian_pin: librarianPin },
          auth(),
        )
      : await postJson(`${base}/kiosk/register`, { ...body, registration }, auth());
    done(answer);
  } catch (problem) {
    if (problem.code === "registration_expired" || problem.code === "wrong_librarian_pin") {
      outcome(problemText(problem));
    } else {
      const error = $("[data-choose-error]");
      setText(error, problemText(problem));
      show(error, true);
      button.disabled = false;
    }
  }
}

function done(answer) {
  registration = null;
  librarianPin = null;
  const key = answer.again ? "kiosk_done_again" : "kiosk_done_title";
  setText($("[data-done-title]"), t(key, { name: answer.display_name }));
  setText($("[data-done-team]"), t("kiosk_done_team", { team: answer.team_name }));
  const code = answer.tablet_code;
  setText($("[data-done-code]"), `${code.slice(0, 4)} ${code.slice(4)}`);
  $("[data-done-qr]").src = answer.tablet_qr;
  step("done");
}

// --- the librarian's fallback -------------------------------------------------------------------

function fallbackEntered(event) {
  event.preventDefault();
  const name = $("[data-fallback-name]").value.trim();
  const code = $("[data-fallback-pin]").value.trim();
  const error = $("[data-fallback-error]");
  if (!name || !code) {
    setText(error, `${t("kiosk_fallback_name")} / ${t("kiosk_fallback_pin")}`);
    show(error, true);
    return;
  }
  show(error, false);
  librarianName = name;
  librarianPin = code;
  $("[data-fallback-pin]").value = "";
  choose(name, null);
}

// --- start --------------------------------------------------------------------------------------

function wire() {
  $("[data-card-form]").addEventListener("submit", cardEntered);
  for (const button of $$("[data-pin-key]")) {
    button.addEventListener("click", () => pinKey(button.dataset.pinKey));
  }
  document.addEventListener("keydown", (event) => {
    touched();
    if (document.body.dataset.kioskStep !== "pin") return;
    if (/^\d$/.test(event.key)) pinKey(event.key);
    else if (event.key === "Backspace") pinKey("<");
    else if (event.key === "Enter") pinKey("ok");
    else return;
    event.preventDefault();
  });
  document.addEventListener("pointerdown", touched);
  for (const button of $$("[data-start-over]")) button.addEventListener("click", startOver);
  for (const button of $$("[data-generation]")) {
    button.addEventListener("click", () => {
      generation = button.dataset.generation;
      drawChoices();
    });
  }
  $("[data-confirm]").addEventListener("click", confirmChoice);
  $("[data-fallback-open]").addEventListener("click", () => {
    step("fallback");
    $("[data-fallback-name]").focus();
  });
  $("[data-fallback-form]").addEventListener("submit", fallbackEntered);
  // a scanner types into the card field: keep it focused while the kiosk waits for a card
  $("[data-card]").addEventListener("blur", () => {
    if (document.body.dataset.kioskStep === "scan") setTimeout(() => $("[data-card]").focus(), 0);
  });
}

async function start() {
  wire();
  setText($("[data-conn-status]"), "");
  try {
    kiosk = await getJson(`${base}/kiosk`, auth());
  } catch (problem) {
    outcome(problem.code === "unauthorized" ? t("kiosk_no_token") : problemText(problem), { again: false });
    return;
  }
  setText($("[data-kiosk-venue]"), `${kiosk.venue} · ${kiosk.library}`);
  step("scan");
  touched();
}

start();
