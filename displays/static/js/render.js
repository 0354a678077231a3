// Rendering shared by every page: scoreboard, question, answers, countdowns, status and toasts.
//
// Every function fills the skeleton the templates rendered (the partials _scoreboard.html,
// _question.html …), cloning their <template> elements for repeated rows, so the page has one
// shape from the first render on. Text always goes in with textContent — contest data is never
// parsed as HTML. Views are the shapes of game/views.py (docs/protocol.md §5); their times are
// microseconds of server time, the clocks here are milliseconds.

import { config, errorText, formatNumber, lang, pick, t } from "./i18n.js";

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

/** Create an element: h("li", {class: "x", text: "…", data: {k: v}}, child…). */
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key === "data") for (const [k, v] of Object.entries(value)) node.dataset[k] = v;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

/** Clone the first element of a <template>. */
export function cloneTemplate(selector, root = document) {
  const template = $(selector, root);
  return template.content.firstElementChild.cloneNode(true);
}

export function setText(element, text) {
  if (element && element.textContent !== text) element.textContent = text;
}

export function show(element, visible) {
  if (element) element.hidden = !visible;
}

/** The letter shown before an option: A, B, C … */
export function letter(index) {
  return String.fromCharCode(65 + index);
}

/** team id → {name, colour, venue}, from the scoreboard (and the teams list where a view has one). */
export function teamDirectory(view) {
  const teams = new Map();
  for (const row of view.scoreboard || []) teams.set(row.team_id, { name: row.name, colour: row.colour, venue: row.venue });
  for (const team of view.teams || []) {
    if (!teams.has(team.id)) teams.set(team.id, { name: team.name, colour: team.colour, venue: team.venue });
  }
  return teams;
}

export function teamName(teams, teamId) {
  const team = teams.get(teamId);
  return team ? team.name : teamId;
}

// --- header and status ------------------------------------------------------------------------

/** Contest title and status in the top bar. */
export function renderHeader(view) {
  const contest = view.contest || {};
  if (contest.title) {
    setText($("[data-contest-title]"), contest.title);
    document.title = `${t(`page_${pageKey()}`)} — ${contest.title}`;
  }
  let status = t(`contest_${contest.status === "new" ? "setup" : contest.status}`);
  if (contest.paused) status = `${status} · ${t("contest_paused")}`;
  setText($("[data-contest-status]"), status);
  for (const banner of $$("[data-paused]")) show(banner, Boolean(contest.paused));
}

function pageKey() {
  return config.page === "tablet" ? "tablet" : config.page;
}

/** A ContestClient onStatus callback that shows the connection state in the top bar. */
export function statusReporter(onFinal) {
  let ticker = null;
  return (status) => {
    const element = $("[data-conn-status]");
    clearInterval(ticker);
    if (!element) return;
    element.classList.toggle("ok", status.state === "connected");
    element.classList.toggle("bad", status.state === "failed" || status.state === "reconnecting");
    if (status.state === "reconnecting") {
      let seconds = status.seconds;
      element.textContent = t(status.key, { seconds });
      ticker = setInterval(() => {
        seconds = Math.max(0, seconds - 1);
        element.textContent = t(status.key, { seconds });
      }, 1000);
    } else {
      element.textContent = t(status.key);
    }
    if (status.state === "failed") {
      toast(t(status.key));
      if (onFinal) onFinal(status);
    }
  };
}

/** Show a short message at the bottom of the page (errors by default). */
export function toast(text, kind = "error", ms = 5000) {
  const box = $("#toasts");
  if (!box) return;
  const item = cloneTemplate("#tpl-toast");
  item.classList.add(kind);
  $(".toast-text", item).textContent = text;
  box.append(item);
  setTimeout(() => item.remove(), ms);
}

/** Show a refused request's message in the page's language. */
export function toastError(error) {
  toast(errorText(error.code, error.message));
}

/** Keep extra query parameters (for example ?delay=) when switching language. */
export function keepQueryInLanguageLinks(names) {
  const current = new URLSearchParams(location.search);
  for (const link of $$("[data-lang-link]")) {
    const url = new URL(link.href, location.href);
    for (const name of names) if (current.has(name)) url.searchParams.set(name, current.get(name));
    link.href = url.pathname + url.search;
  }
}

// --- scoreboard -------------------------------------------------------------------------------

/**
 * Fill the scoreboard partial from a view's scoreboard rows.
 * @param {object} view
 * @param {{mine?: string, root?: Element}} [options] mine: the team to highlight
 */
export function renderScoreboard(view, options = {}) {
  const root = options.root || $("[data-scoreboard]");
  if (!root) return;
  const body = $("[data-scoreboard-rows]", root);
  const rows = view.scoreboard || [];
  body.replaceChildren(
    ...rows.map((row) => {
      const tr = cloneTemplate(".tpl-score-row", root);
      tr.dataset.teamId = row.team_id;
      tr.classList.toggle("mine", row.team_id === options.mine);
      tr.classList.toggle("leader", row.rank === 1);
      setText($("[data-rank]", tr), String(row.rank));
      setText($("[data-name]", tr), row.name);
      setText($("[data-venue]", tr), row.venue || "");
      setText($("[data-score]", tr), formatNumber(row.score));
      $("[data-swatch]", tr).style.background = row.colour || "#888";
      return tr;
    }),
  );
  const finished = view.contest && view.contest.status === "finished";
  setText($("[data-scoreboard-heading]", root), finished ? t("final_scores") : t("scoreboard"));
  const winnerLine = $("[data-winner]", root);
  const leaders = rows.filter((row) => row.rank === 1);
  if (winnerLine) {
    show(winnerLine, finished && leaders.length > 0);
    if (leaders.length === 1) setText(winnerLine, t("winner", { team: leaders[0].name }));
    else setText(winnerLine, t("winners_tied", { teams: leaders.map((row) => row.name).join(", ") }));
  }
}

// --- answers ----------------------------------------------------------------------------------

function optionText(question, id) {
  const list = question.options || question.items || [];
  const index = list.findIndex((option) => option.id === id);
  if (index < 0) return id;
  return `${letter(index)} — ${pick(list[index].text)}`;
}

function unitText(question, unit) {
  const text = pick(unit || question.unit || {});
  return text ? ` ${text}` : "";
}

/** A team's answer ({kind, …}) as a person reads it. */
export function formatAnswer(answer, question) {
  if (!answer) return t("no_answer");
  switch (answer.kind) {
    case "choice":
      return optionText(question, answer.option);
    case "choices":
      return orderByOptions(question, answer.options).map((id) => optionText(question, id)).join("; ");
    case "bool":
      return answer.value ? t("value_true") : t("value_false");
    case "number":
      return `${formatNumber(answer.value)}${unitText(question)}`;
    case "order":
      return answer.order
        .map((id) => {
          const item = (question.items || []).find((entry) => entry.id === id);
          return item ? pick(item.text) : id;
        })
        .join(" → ");
    case "text":
      return answer.text;
    default:
      return JSON.stringify(answer);
  }
}

function orderByOptions(question, ids) {
  const order = (question.options || []).map((option) => option.id);
  return [...ids].sort((a, b) => order.indexOf(a) - order.indexOf(b));
}

/** The correct answer of a view (`question.answer`) as a person reads it. */
export function formatCorrectAnswer(answer, question) {
  if (!answer) return "";
  if (answer.kind === "number") {
    const tolerance = answer.tolerance ? ` (${t("tolerance", { value: formatNumber(answer.tolerance) })})` : "";
    return `${formatNumber(answer.value)}${unitText(question, answer.unit)}${tolerance}`;
  }
  if (answer.kind === "text") {
    const accepted = answer.accepted || {};
    const list = accepted[lang] && accepted[lang].length ? accepted[lang] : Object.values(accepted).find((l) => l.length) || [];
    return list[0] || "";
  }
  return formatAnswer(answer, question);
}

/** The option ids a correct answer marks (choice and choices questions). */
function correctOptionIds(answer) {
  if (!answer) return new Set();
  if (answer.kind === "choice") return new Set([answer.option]);
  if (answer.kind === "choices") return new Set(answer.options);
  return new Set();
}

// --- question ---------------------------------------------------------------------------------

/**
 * Whether the closest answer wins this question (docs/game-rules.md, "Estimation round"): an
 * estimation question, or a numeric question in an estimation round.
 */
export function closestWins(q, round) {
  const type = q && q.question ? q.question.type : "";
  return type === "estimation" || (Boolean(round) && round.kind === "estimation" && type === "numeric");
}

/** A verdict as the reveal names it: "Closest" / "Not the closest" where the closest wins. */
export function verdictText(verdict, q, round) {
  if (closestWins(q, round) && (verdict === "correct" || verdict === "wrong")) {
    return t(verdict === "correct" ? "verdict_closest" : "verdict_not_closest");
  }
  return t(`verdict_${verdict}`);
}

/** The line that says what is happening with the question. */
export function phaseText(q, teams) {
  if (!q) return "";
  if (q.phase === "answering" && q.answering_team) {
    return t("phase_answering", { team: teamName(teams, q.answering_team) });
  }
  return t(`phase_${q.phase}`);
}

/** The round's title line ("Round 2 · Fastest finger · Buzzer round"). */
export function roundTitle(round) {
  if (!round) return "";
  const kind = round.tiebreak ? t("kind_tiebreak") : t(`kind_${round.kind}`);
  const title = pick(round.title);
  return [t("round_n", { n: round.index + 1 }), title, kind].filter(Boolean).join(" · ");
}

/**
 * Where a question's image is served from: `/media/{media.path}`. The server gives questions
 * taken from a pack the path `<pack id>/<path in the pack>` (e.g. `baltic-science/media/x.svg`)
 * and serves it at `/media/<pack id>/<path in the pack>`. Absolute paths and URLs are kept.
 */
export function mediaUrl(media) {
  const path = media && media.path ? String(media.path) : "";
  if (!path) return "";
  if (/^(https?:)?\/\//.test(path) || path.startsWith("/")) return path;
  return `/media/${path.split("/").map(encodeURIComponent).join("/")}`;
}

/**
 * Fill the question partial from a view.
 * @param {object} view the role's view
 * @param {{root?: Element, teams?: Map, previous?: object, events?: string[]}} [options]
 */
export function renderQuestion(view, options = {}) {
  const root = options.root || $("[data-question]");
  if (!root) return;
  const teams = options.teams || teamDirectory(view);
  const q = view.question;
  const none = $("[data-no-question]", root.parentElement || document);
  show(root, Boolean(q));
  if (none) {
    show(none, !q);
    const running = view.contest && view.contest.status === "running";
    setText(none, running ? t("no_question") : view.contest && view.contest.status === "finished" ? t("final_scores") : t("waiting_to_start"));
  }
  if (!q) return;
  const question = q.question || {};
  const round = view.round;
  root.dataset.questionPhase = q.phase;
  root.classList.toggle("revealed", q.phase === "revealed");
  setText($("[data-round-title]", root), roundTitle(round));
  setText(
    $("[data-question-number]", root),
    round ? t("question_n_of", { n: q.index + 1, total: round.question_count }) : "",
  );
  setText($("[data-phase]", root), phaseText(q, teams));
  setText($("[data-question-text]", root), pick(question.text));

  // Image
  const figure = $("[data-media]", root);
  const url = mediaUrl(question.media);
  show(figure, Boolean(url));
  if (url) {
    const img = $("[data-media-img]", figure);
    if (img.getAttribute("src") !== url) img.setAttribute("src", url);
    img.alt = pick(question.media.alt || {});
    const credit = question.media.credit ? t("image_credit", { credit: question.media.credit }) : "";
    setText($("[data-media-credit]", figure), credit);
  }

  // Options (choice) or items (ordering)
  const correct = correctOptionIds(q.answer);
  const list = question.options || question.items || [];
  const isOrdering = !question.options && Boolean(question.items);
  $("[data-options]", root).replaceChildren(
    ...list.map((option, index) =>
      h(
        "li",
        {
          class: [correct.has(option.id) ? "correct" : "", correct.size && !correct.has(option.id) && q.phase === "revealed" ? "dimmed" : ""].join(" ").trim() || null,
          data: { optionId: option.id },
        },
        h("span", { class: "letter", text: isOrdering ? "•" : letter(index) }),
        h("span", { class: "option-text", text: pick(option.text) }),
      ),
    ),
  );
  const unit = pick(question.unit || {});
  const unitLine = $("[data-unit]", root);
  show(unitLine, Boolean(unit));
  setText(unitLine, unit ? `[${unit}]` : "");

  // Who buzzed
  const buzz = $("[data-buzz]", root);
  const winner = q.answering_team || (q.buzz && q.buzz.winner);
  const showBuzz = Boolean(winner) && ["collecting", "answering", "judging"].includes(q.phase);
  show(buzz, showBuzz);
  if (showBuzz) {
    setText(buzz, t("buzzed_first", { team: teamName(teams, winner) }));
    if ((options.events || []).includes("buzz_awarded")) {
      buzz.classList.remove("flash");
      void buzz.offsetWidth;
      buzz.classList.add("flash");
    }
  }

  // Which teams have answered (all-play), who is locked out (buzzer)
  const answered = q.answered_teams || [];
  const answeredBox = $("[data-answered]", root);
  const allPlay = round && round.kind !== "buzzer";
  show(answeredBox, Boolean(allPlay) && ["answers_open", "locked"].includes(q.phase));
  $("[data-answered-teams]", root).replaceChildren(
    ...(answered.length
      ? answered.map((id) => h("span", { class: "answered-chip", text: teamName(teams, id) }))
      : [h("span", { text: t("not_answered_yet") })]),
  );
  const locked = $("[data-locked]", root);
  const lockedOut = q.locked_out || [];
  show(locked, lockedOut.length > 0 && q.phase !== "revealed");
  setText(locked, `${t("locked_out_teams")}: ${lockedOut.map((id) => teamName(teams, id)).join(", ")}`);

  // Correct answer (the host has it all along; everyone else after the reveal), explanation, results
  const reveal = $("[data-reveal]", root);
  const hasAnswer = Boolean(q.answer);
  show(reveal, hasAnswer);
  if (hasAnswer) {
    setText($("[data-correct]", reveal), formatCorrectAnswer(q.answer, question));
    const explanation = pick(q.explanation || {});
    show($("[data-explanation-box]", reveal), Boolean(explanation));
    setText($("[data-explanation]", reveal), explanation);
    const results = q.results || null;
    const table = $(".results", reveal);
    show(table, Boolean(results));
    if (results) {
      const order = (view.scoreboard || []).map((row) => row.team_id);
      const ids = Object.keys(results).sort((a, b) => order.indexOf(a) - order.indexOf(b));
      $("[data-results]", reveal).replaceChildren(
        ...ids.map((id) => {
          const result = results[id];
          // A buzzer answer given aloud has a verdict but no tablet answer: show the verdict alone.
          const verdict = result.verdict ? verdictText(result.verdict, q, round) : "";
          const given = result.answer ? formatAnswer(result.answer.answer, question) : "";
          const shown = given && verdict ? `${given} — ${verdict}` : given || verdict || t("no_answer");
          const points = result.points ? (result.points > 0 ? `+${result.points}` : String(result.points)) : "0";
          return h(
            "tr",
            { class: result.verdict || null, data: { teamId: id } },
            h("td", { text: teamName(teams, id) }),
            h("td", { text: shown }),
            h("td", { text: points }),
          );
        }),
      );
    }
  }
}

// --- countdowns -------------------------------------------------------------------------------

/** What the countdown counts to now: {key, due_us} or null. */
export function countdownTarget(q, nowMs) {
  if (!q) return null;
  if (q.phase === "armed" && q.opens_at) {
    if (nowMs !== null && nowMs * 1000 >= q.opens_at && q.closes_at) return { key: "countdown_buzz", due: q.closes_at };
    return { key: "countdown_opens", due: q.opens_at };
  }
  if (q.phase === "open" && q.closes_at) return { key: "countdown_buzz", due: q.closes_at };
  if ((q.phase === "answering") && q.answer_deadline) return { key: "countdown_answer", due: q.answer_deadline };
  // a tablet counts down to its own team's deadline (senior mode: later; untimed: none)
  if ("my_deadline" in q) return q.phase === "answers_open" && q.my_deadline ? { key: "countdown_deadline", due: q.my_deadline } : null;
  if (q.phase !== "answers_open") return null;
  const standardOver = !q.deadline || (nowMs !== null && nowMs * 1000 >= q.deadline);
  if (q.deadline && !standardOver) return { key: "countdown_deadline", due: q.deadline };
  // The host, the screens and the audience: once the standard time is up, teams in senior mode
  // may still be answering — until answers_lock_at, or (untimed) until the host locks.
  const senior = Object.keys(q.team_deadlines || {});
  if (!senior.length) return q.deadline ? { key: "countdown_deadline", due: q.deadline } : null;
  if (q.answers_lock_at) return { key: "countdown_extended", due: q.answers_lock_at };
  return { key: "countdown_untimed", due: null };
}

/** The time a view's clocks show (server ms, or null): the moment of the pause while paused. */
export function clockNow(view, nowMs) {
  const contest = (view && view.contest) || {};
  return contest.paused && contest.paused_at ? contest.paused_at / 1000 : nowMs;
}

/**
 * Update the countdown partial. `nowMs` is server time in ms (null when unknown); while the
 * contest is paused the clock stands at the pause.
 */
export function renderCountdown(view, nowMs, root = document) {
  const box = $("[data-countdown]", root);
  if (!box) return;
  const q = view && view.question;
  const now = clockNow(view, nowMs);
  const target = countdownTarget(q, now);
  show(box, Boolean(target) && now !== null);
  if (!target || now === null) return;
  if (target.due === null) {
    // senior teams without a time limit: no clock, the host locks the answers
    setText($("[data-countdown-label]", box), t(target.key));
    setText($("[data-countdown-value]", box), "");
    box.classList.remove("urgent");
    return;
  }
  const remaining = Math.max(0, target.due / 1000 - now);
  const seconds = Math.ceil(remaining / 1000);
  setText($("[data-countdown-label]", box), t(target.key));
  const clock = seconds >= 60 ? `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}` : String(seconds);
  setText($("[data-countdown-value]", box), clock);
  box.classList.toggle("urgent", seconds <= 5);
}

// --- names ------------------------------------------------------------------------------------

/**
 * Player labels that tell namesakes of one team apart: the first "Anna K." keeps her name, the
 * next one in the list (the order they joined) becomes "Anna K. (2)", and so on.
 * @param {{id: string, display_name: string, team_id?: string}[]} players
 * @returns {Map<string, string>} player id → label
 */
export function playerLabels(players) {
  const labels = new Map();
  const seen = new Map();
  for (const player of players || []) {
    const key = `${player.team_id || ""}\u0000${String(player.display_name).trim().toLocaleLowerCase()}`;
    const count = (seen.get(key) || 0) + 1;
    seen.set(key, count);
    labels.set(player.id, count === 1 ? player.display_name : `${player.display_name} (${count})`);
  }
  return labels;
}
