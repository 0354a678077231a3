// A team tablet: join with the team's code, then buzz and answer for the team.
//
// Joining posts {join_code, display_name, generation, join_key} to /api/contests/{id}/join and keeps the
// player token in localStorage (per contest), so a reload or a dropped network resumes play. The
// code may come in the URL fragment (#code=JEL-4821), which never reaches the server's logs. A
// player registered at the kiosk types its one-time code instead, or scans its QR code (#pass=…).
// The buzz button sends the pointerdown's own time on this device's clock
// (performance.timeOrigin + event.timeStamp); the server maps it to its clock with the ping/pong
// samples this client answers (client.js). Countdowns use the server's `clock` offset.

import { setUpReadAloud, setUpViewOptions } from "./a11y.js";
import { ContestClient, postJson } from "./client.js";
import { fitUntil } from "./fit.js";
import { config, errorText, parseNumber, pick, t, tn } from "./i18n.js";
import {
  $,
  closestWins,
  formatAnswer,
  h,
  letter,
  playerLabels,
  renderCountdown,
  renderHeader,
  renderQuestion,
  renderScoreboard,
  setText,
  show,
  statusReporter,
  teamDirectory,
  teamName,
  toast,
  toastError,
} from "./render.js";

const STORAGE_KEY = `quiz.player.${config.contest_id}`;
const MAX_TEXT = 200;

let client = null;
let view = null;
let player = loadPlayer();
let formKey = null;
let buzzPressed = false;
let lastPhaseKey = null;
let lastTurnKey = null;
let seniorMode = null; // whether the team played in senior mode (extended or untimed time) at the last view

function loadPlayer() {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) || "null");
    return saved && saved.player_token ? saved : null;
  } catch (error) {
    return null;
  }
}

function forgetPlayer() {
  localStorage.removeItem(STORAGE_KEY);
  player = null;
}

// --- joining ----------------------------------------------------------------------------------

let fragmentPass = null; // a tablet code from the kiosk's QR code (#pass=12345678)

function codeFromFragment() {
  const params = new URLSearchParams(location.hash.replace(/^#/, ""));
  const code = params.get("code");
  fragmentPass = params.get("pass");
  if (location.hash) history.replaceState(null, "", location.pathname + location.search);
  return code;
}

function showJoin(message) {
  show($("[data-join]"), true);
  show($("[data-play]"), false);
  const error = $("[data-join-error]");
  show(error, Boolean(message));
  setText(error, message || "");
  setText($("[data-conn-status]"), "");
  const code = $("[data-join-code]");
  (code.value ? $("[data-join-name]") : code).focus();
}

// A join whose answer is lost (the Wi-Fi dropped) is retried with the same key, so the server
// hands back the player it already made instead of a second one (docs/api.md, "Joining").
const JOIN_ATTEMPT_KEY = `quiz-join-attempt:${config.contest_id}`;

function joinKey(code, name) {
  let attempt = null;
  try {
    attempt = JSON.parse(sessionStorage.getItem(JOIN_ATTEMPT_KEY) || "null");
  } catch {
    attempt = null;
  }
  if (!attempt || attempt.code !== code || attempt.name !== name) {
    const random = new Uint8Array(16);
    crypto.getRandomValues(random);
    const key = Array.from(random, (b) => b.toString(16).padStart(2, "0")).join("");
    attempt = { code, name, key };
    sessionStorage.setItem(JOIN_ATTEMPT_KEY, JSON.stringify(attempt));
  }
  return attempt.key;
}

async function join(event) {
  event.preventDefault();
  const code = $("[data-join-code]").value.trim();
  const name = $("[data-join-name]").value.trim();
  const generation = $("[data-join-generation]").value;
  const error = $("[data-join-error]");
  if (!code || !name) {
    // Say what is missing, in the player's language, and mark that field.
    const missing = !code && !name ? "both" : !code ? "code" : "name";
    show(error, true);
    setText(error, t(`join_error_${missing}_empty`));
    $("[data-join-code]").setAttribute("aria-invalid", String(!code));
    $("[data-join-name]").setAttribute("aria-invalid", String(!name));
    (!code ? $("[data-join-code]") : $("[data-join-name]")).focus();
    return;
  }
  $("[data-join-code]").removeAttribute("aria-invalid");
  $("[data-join-name]").removeAttribute("aria-invalid");
  const button = $("[data-join-button]");
  button.disabled = true;
  setText(button, t("joining"));
  try {
    const body = { join_code: code, display_name: name, join_key: joinKey(code, name) };
    if (generation) body.generation = generation;
    const answer = await postJson(`/api/contests/${encodeURIComponent(config.contest_id)}/join`, body);
    player = { ...answer, display_name: name, join_code: code };
    localStorage.setItem(STORAGE_KEY, JSON.stringify(player));
    sessionStorage.removeItem(JOIN_ATTEMPT_KEY);
    startPlaying();
  } catch (problem) {
    show(error, true);
    setText(error, errorText(problem.code, problem.message));
  } finally {
    button.disabled = false;
    setText(button, t("join_button"));
  }
}

// A player registered at the kiosk joins with the one-time code it showed (typed, or the QR
// code's link): no team code and no name to type (docs/displays.md, "Onto a tablet").
async function claim(event) {
  if (event) event.preventDefault();
  const input = $("[data-pass-code]");
  const code = input.value.replace(/\D/g, "");
  const error = $("[data-join-error]");
  if (code.length !== 8) {
    show(error, true);
    setText(error, t("join_tablet_code"));
    input.focus();
    return;
  }
  const button = $("[data-pass-button]");
  button.disabled = true;
  try {
    const path = `/api/contests/${encodeURIComponent(config.contest_id)}/claim`;
    const answer = await postJson(path, { tablet_code: code });
    player = { ...answer, join_code: null };
    localStorage.setItem(STORAGE_KEY, JSON.stringify(player));
    input.value = "";
    startPlaying();
  } catch (problem) {
    show(error, true);
    setText(error, errorText(problem.code, problem.message));
  } finally {
    button.disabled = false;
  }
}

function leave() {
  if (!confirm(t("confirm_leave"))) return;
  if (client) client.stop();
  client = null;
  forgetPlayer();
  view = null;
  showJoin();
}

// --- playing ----------------------------------------------------------------------------------

function startPlaying() {
  show($("[data-join]"), false);
  show($("[data-play]"), true);
  setText($("[data-team-line]"), player.display_name);
  if (client) client.stop();
  client = new ContestClient({
    contestId: config.contest_id,
    hello: () => ({ type: "hello", role: "player", token: player.player_token }),
    onView: (message) => {
      view = message.view;
      draw(message.events || []);
    },
    onStatus: statusReporter((status) => {
      if (status.code === 4001) {
        forgetPlayer();
        showJoin(t("conn_auth_failed"));
      }
    }),
    onError: toastError,
  });
  client.connect();
}

function myTeamId() {
  return (view && view.team && view.team.id) || (player && player.team_id);
}

// A team the host puts in senior and accessible mode (docs/game-rules.md) gets larger text at
// once, as if a player had pressed A+ (kept in this browser; a player may turn it off again).
function followSeniorMode(team) {
  const senior = Boolean(team.time_mode) && team.time_mode !== "standard";
  const large = $('[data-view-option="large"]');
  if (senior && seniorMode !== true && large && large.getAttribute("aria-pressed") !== "true") large.click();
  seniorMode = senior;
}

function draw(events) {
  const teams = teamDirectory(view);
  const teamId = myTeamId();
  const team = view.team || {};
  renderHeader(view);
  renderScoreboard(view, { mine: teamId });
  renderQuestion(view, { teams, events });
  $("[data-team-swatch]").style.background = team.colour || "#888";
  followSeniorMode(team);
  const labels = playerLabels(view.members);
  const myName = labels.get(player.player_id) || player.display_name;
  setText($("[data-team-line]"), t("joined_as", { name: myName, team: team.name || teamId }));
  $("[data-members]").replaceChildren(...(view.members || []).map((m) => h("li", { text: labels.get(m.id) })));

  const q = view.question;
  const round = view.round;
  const phaseKey = q ? `${q.round_index}:${q.index}:${q.phase}` : "";
  if (q && phaseKey !== lastPhaseKey && ["shown", "armed"].includes(q.phase)) buzzPressed = false;
  if (!q) buzzPressed = false;
  const turnKey = q ? `${q.round_index}:${q.index}:${Boolean(q.my_turn)}` : "";
  const newTurn = turnKey !== lastTurnKey;
  lastPhaseKey = phaseKey;
  lastTurnKey = turnKey;

  drawTurn(q, round, teams, teamId);
  drawAnswerArea(q, round);
  $("[data-play]").classList.toggle("my-turn", Boolean(q && q.my_turn));
  $("[data-play]").classList.toggle("answering", canAnswer(q, round));
  drawMyAnswer(q);
  drawResult(q, teamId);
  tick();
  // A new question or the team's turn: back to the top, where the question and the answer are.
  if (newTurn && q) window.scrollTo(0, 0);
  fitAnswer();
  document.dispatchEvent(new CustomEvent("tablet:drawn", { detail: { seq: client ? client.lastSeq : 0 } }));
}

/**
 * On a phone, shrink the question (text, image, choice heights: --tfit in quiz.css) until the
 * answer form with its button is on screen without scrolling.
 */
function fitAnswer() {
  const form = $("[data-answer-form]");
  const play = $("[data-play]");
  if (!form || form.offsetParent === null || window.scrollY > 0) {
    if (play.style.getPropertyValue("--tfit")) play.style.removeProperty("--tfit");
    return;
  }
  const onScreen = () => form.getBoundingClientRect().bottom <= window.innerHeight;
  const overflow = () => form.getBoundingClientRect().bottom / window.innerHeight;
  fitUntil(play, "--tfit", onScreen, { min: 0.3, overflow });
}

function drawTurn(q, round, teams, teamId) {
  const banner = $("[data-turn]");
  let text = "";
  let kind = "";
  if (q && q.can_play === false) {
    text = t("not_in_round");
  } else if (q && (q.locked_out || []).includes(teamId) && q.phase !== "revealed") {
    // Locked out without a verdict: the team pressed before the buzzers opened (a false start).
    const falseStart = round && round.kind === "buzzer" && !(q.judged && teamId in q.judged);
    text = falseStart ? t("you_false_started") : t("you_are_locked_out");
    kind = "locked";
  } else if (q && q.my_turn) {
    text = t("your_turn");
    kind = "mine";
  } else if (q && q.answering_team && ["answering", "judging"].includes(q.phase)) {
    text = t("other_turn", { team: teamName(teams, q.answering_team) });
  } else if (q && round && round.kind !== "buzzer" && q.phase === "answers_open") {
    text = t("phase_answers_open");
    kind = "mine";
  }
  show(banner, Boolean(text));
  setText(banner, text);
  banner.className = `turn-banner ${kind}`.trim();
}

// --- buzzing ----------------------------------------------------------------------------------

function buzzState(q, nowMs) {
  const teamId = myTeamId();
  if ((q.locked_out || []).includes(teamId)) return "locked";
  if (buzzPressed) return "pressed";
  if (q.phase === "open") return "go";
  if (q.phase === "armed") return nowMs !== null && q.opens_at && nowMs * 1000 >= q.opens_at ? "go" : "wait";
  if (q.phase === "shown") return "wait";
  return "closed";
}

const BUZZ_LABELS = { go: "buzz", wait: "buzz_wait", pressed: "buzz_pressed", locked: "buzz_locked", closed: "buzz_closed" };

function drawBuzz() {
  const q = view && view.question;
  const round = view && view.round;
  const area = $("[data-buzz-area]");
  const visible = Boolean(
    q && round && round.kind === "buzzer" && q.can_play !== false && !q.my_turn && !["revealed", "skipped"].includes(q.phase),
  );
  show(area, visible);
  if (!visible) return;
  const paused = view.contest && view.contest.paused;
  const state = paused ? "closed" : buzzState(q, client ? client.serverNow() : null);
  const button = $("[data-buzz-button]");
  if (button.dataset.state !== state) {
    button.dataset.state = state;
    setText(button, t(BUZZ_LABELS[state]));
  }
  button.disabled = !["go", "wait"].includes(state);
}

function buzz(event) {
  const button = event.currentTarget;
  if (button.disabled || !client) return;
  event.preventDefault();
  // The press time on this device's clock, from the input event itself (docs/protocol.md §3.4).
  const pressedAt = performance.timeOrigin + event.timeStamp;
  buzzPressed = true;
  drawBuzz();
  if (navigator.vibrate) navigator.vibrate(40);
  client.request({ type: "buzz", pressed_at: pressedAt }).catch((error) => {
    if (error.code !== "team_locked_out") buzzPressed = false;
    toastError(error);
    drawBuzz();
  });
}

// --- answering --------------------------------------------------------------------------------

function canAnswer(q, round) {
  if (!q || !round || q.can_play === false) return false;
  if (round.kind === "buzzer") return Boolean(q.my_turn);
  return q.phase === "answers_open";
}

function sendAnswer(answer) {
  if (!client) return;
  client
    .request({ type: "answer", answer })
    .then(() => toast(t("answer_sent"), "info", 1800))
    .catch(toastError);
}

function drawAnswerArea(q, round) {
  const area = $("[data-answer-area]");
  const open = canAnswer(q, round);
  show(area, open);
  const key = open ? `${q.round_index}:${q.index}:${q.question.answer_kind}:${round.kind === "buzzer" ? q.phase : "open"}` : null;
  if (key !== formKey) {
    formKey = key;
    const form = $("[data-answer-form]");
    form.replaceChildren();
    if (open) buildAnswerForm(form, q.question, q.my_answer ? q.my_answer.answer : null);
  }
  if (open) markSelection(q);
}

function buildAnswerForm(form, question, current) {
  const hint = $("[data-answer-hint]");
  const kind = question.answer_kind;
  if (kind === "choice") {
    setText(hint, t("choose_one"));
    (question.options || []).forEach((option, index) => {
      form.append(
        h(
          "button",
          { type: "button", class: "answer-choice", data: { option: option.id }, onclick: () => sendAnswer({ kind: "choice", option: option.id }) },
          h("span", { class: "letter", text: letter(index) }),
          h("span", { text: pick(option.text) }),
        ),
      );
    });
  } else if (kind === "choices") {
    setText(hint, t("choose_many"));
    const chosen = new Set(current && current.kind === "choices" ? current.options : []);
    (question.options || []).forEach((option, index) => {
      const button = h(
        "button",
        { type: "button", class: "answer-choice toggle", "aria-pressed": String(chosen.has(option.id)), data: { option: option.id } },
        h("span", { class: "letter", text: letter(index) }),
        h("span", { text: pick(option.text) }),
      );
      button.classList.toggle("selected", chosen.has(option.id));
      button.addEventListener("click", () => {
        const on = button.getAttribute("aria-pressed") !== "true";
        button.setAttribute("aria-pressed", String(on));
        button.classList.toggle("selected", on);
      });
      form.append(button);
    });
    form.append(
      h("button", {
        type: "button",
        class: "big-button primary",
        "data-send": "",
        text: t("send_answer"),
        onclick: () => {
          const options = [...form.querySelectorAll(".toggle[aria-pressed='true']")].map((b) => b.dataset.option);
          if (!options.length) return toast(t("empty_answer"));
          sendAnswer({ kind: "choices", options });
        },
      }),
    );
  } else if (kind === "bool") {
    setText(hint, t("choose_one"));
    form.append(
      h(
        "div",
        { class: "bool-row" },
        h("button", { type: "button", class: "answer-choice", data: { value: "true" }, text: t("value_true"), onclick: () => sendAnswer({ kind: "bool", value: true }) }),
        h("button", { type: "button", class: "answer-choice", data: { value: "false" }, text: t("value_false"), onclick: () => sendAnswer({ kind: "bool", value: false }) }),
      ),
    );
  } else if (kind === "number") {
    setText(hint, pick(question.unit || {}) ? `${t("number_placeholder")} (${pick(question.unit)})` : t("number_placeholder"));
    const input = h("input", { class: "answer-input", inputmode: "decimal", autocomplete: "off", placeholder: t("number_placeholder"), "aria-label": t("col_answer"), "data-number-input": "" });
    // Phone number pads often lack a minus key: ± puts a minus sign in front or takes it away.
    const sign = h("button", {
      type: "button",
      class: "sign-toggle",
      text: "±",
      title: t("sign_toggle"),
      "aria-label": t("sign_toggle"),
      "data-sign-toggle": "",
      onclick: () => {
        const value = input.value.trim();
        input.value = /^[-\u2212]/.test(value) ? value.replace(/^[-\u2212]\s*/, "") : `-${value}`;
        input.focus();
      },
    });
    const send = () => {
      const value = parseNumber(input.value);
      if (!Number.isFinite(value)) {
        toast(t("invalid_number"));
        input.focus();
        return;
      }
      sendAnswer({ kind: "number", value });
    };
    input.addEventListener("keydown", (e) => e.key === "Enter" && send());
    form.append(h("div", { class: "number-row" }, sign, input), h("button", { type: "button", class: "big-button primary", "data-send": "", text: t("send_answer"), onclick: send }));
  } else if (kind === "order") {
    setText(hint, t("order_hint"));
    const items = question.items || [];
    const startOrder = current && current.kind === "order" ? current.order : items.map((item) => item.id);
    const list = h("ol", { class: "order-list", "data-order-list": "" });
    for (const id of startOrder) {
      const item = items.find((entry) => entry.id === id);
      if (item) list.append(orderItem(list, item));
    }
    renumber(list);
    form.append(
      list,
      h("button", {
        type: "button",
        class: "big-button primary",
        "data-send": "",
        text: t("send_answer"),
        onclick: () => sendAnswer({ kind: "order", order: [...list.children].map((li) => li.dataset.item) }),
      }),
    );
  } else {
    setText(hint, t("text_placeholder"));
    const input = h("input", { class: "answer-input", maxlength: String(MAX_TEXT), autocomplete: "off", placeholder: t("text_placeholder"), "aria-label": t("col_answer"), "data-text-input": "" });
    const send = () => {
      const text = input.value.trim();
      if (!text) {
        toast(t("empty_answer"));
        input.focus();
        return;
      }
      sendAnswer({ kind: "text", text });
    };
    input.addEventListener("keydown", (e) => e.key === "Enter" && send());
    form.append(input, h("button", { type: "button", class: "big-button primary", "data-send": "", text: t("send_answer"), onclick: send }));
  }
}

function orderItem(list, item) {
  const li = h(
    "li",
    { draggable: "true", data: { item: item.id } },
    h("span", { class: "pos" }),
    h("span", { class: "item-text", text: pick(item.text) }),
    h("button", { type: "button", class: "small", "aria-label": t("move_up"), title: t("move_up"), text: "▲", "data-up": "" }),
    h("button", { type: "button", class: "small", "aria-label": t("move_down"), title: t("move_down"), text: "▼", "data-down": "" }),
  );
  $("[data-up]", li).addEventListener("click", () => {
    if (li.previousElementSibling) list.insertBefore(li, li.previousElementSibling);
    renumber(list);
  });
  $("[data-down]", li).addEventListener("click", () => {
    if (li.nextElementSibling) list.insertBefore(li.nextElementSibling, li);
    renumber(list);
  });
  // Mouse dragging (touch uses the arrows).
  li.addEventListener("dragstart", (event) => {
    li.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.id);
  });
  li.addEventListener("dragend", () => {
    li.classList.remove("dragging");
    renumber(list);
  });
  li.addEventListener("dragover", (event) => {
    event.preventDefault();
    const dragging = list.querySelector(".dragging");
    if (!dragging || dragging === li) return;
    const box = li.getBoundingClientRect();
    list.insertBefore(dragging, event.clientY < box.top + box.height / 2 ? li : li.nextElementSibling);
  });
  return li;
}

function renumber(list) {
  [...list.children].forEach((li, index) => setText($(".pos", li), `${index + 1}.`));
}

function markSelection(q) {
  const answer = q.my_answer ? q.my_answer.answer : null;
  for (const button of document.querySelectorAll("[data-answer-form] .answer-choice:not(.toggle)")) {
    let selected = false;
    if (answer && answer.kind === "choice") selected = button.dataset.option === answer.option;
    if (answer && answer.kind === "bool") selected = button.dataset.value === String(answer.value);
    button.classList.toggle("selected", selected);
    button.setAttribute("aria-pressed", String(selected));
  }
}

function drawMyAnswer(q) {
  const box = $("[data-my-answer]");
  const mine = q && q.my_answer;
  show(box, Boolean(q) && q.can_play !== false && (Boolean(mine) || (view.round && view.round.kind !== "buzzer")));
  setText($("[data-my-answer-text]", box), mine ? formatAnswer(mine.answer, q.question) : t("no_team_answer"));
  setText($("[data-my-answer-by]", box), mine && mine.player_name ? t("answer_by", { name: mine.player_name }) : "");
}

function drawResult(q, teamId) {
  const box = $("[data-my-result]");
  const result = q && q.phase === "revealed" && q.results ? q.results[teamId] : null;
  show(box, Boolean(result));
  if (!result) return;
  let text;
  let kind = "";
  const closest = closestWins(q, view.round);
  if (result.verdict === "correct") {
    text = t(closest ? "result_closest" : "result_correct", { points: result.points });
    kind = "correct";
  } else if (result.verdict === "wrong" && closest && result.points > 0) {
    text = tn("result_points", result.points); // a graded band's points
    kind = "correct";
  } else if (result.verdict === "wrong") {
    text = t(closest ? "result_not_closest" : "result_wrong");
    kind = "wrong";
  } else if (result.verdict === "pending") {
    text = t("verdict_pending");
  } else if (result.points > 0) {
    text = tn("result_points", result.points);
    kind = "correct";
  } else {
    text = result.answer ? t("result_wrong") : t("no_answer");
  }
  setText(box, text);
  box.className = `my-result ${kind}`.trim();
}

function tick() {
  if (!view) return;
  renderCountdown(view, client ? client.serverNow() : null);
  drawBuzz();
}

// --- start ------------------------------------------------------------------------------------

const buzzButton = $("[data-buzz-button]");
buzzButton.addEventListener("pointerdown", buzz);
buzzButton.addEventListener("keydown", (event) => {
  if ((event.key === " " || event.key === "Enter") && !event.repeat) buzz(event);
});
buzzButton.addEventListener("contextmenu", (event) => event.preventDefault());
$("[data-join-form]").addEventListener("submit", join);
$("[data-pass-form]").addEventListener("submit", claim);
$("[data-leave]").addEventListener("click", leave);
setUpViewOptions(); // larger text and high contrast, kept in this browser (a11y.js)
setUpReadAloud($("[data-read-aloud]"), () => (view ? view.question : null));
document.addEventListener("view-option", () => {
  if (view) fitAnswer();
});
setInterval(tick, 100);

const fragmentCode = codeFromFragment();
if (fragmentCode) $("[data-join-code]").value = fragmentCode;
const sameCode = (a, b) => String(a || "").toUpperCase() === String(b || "").toUpperCase();
if (fragmentPass) {
  $("[data-pass-code]").value = fragmentPass;
  showJoin();
  claim();
} else if (player && (!fragmentCode || sameCode(fragmentCode, player.join_code))) startPlaying();
else showJoin();
