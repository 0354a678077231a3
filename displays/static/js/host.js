// The host console: runs the contest with host commands (docs/protocol.md §3.4) and shows what only
// the host sees — the correct answer, every team's answer with the engine's suggested verdict, the
// photo finish of every buzz — plus connections, join codes and score adjustments.
//
// The host secret comes from the URL fragment (#secret=…, removed from the address bar at once) or
// the sign-in field, lives in sessionStorage for this tab only, and is sent only in the WebSocket
// hello and the Authorization header of the teams request — never in a URL.
//
// The run of the show (issue 16): one next-step button says and does what comes next (nextStep),
// and while a team answers, Correct / Wrong and the answer clock take its place at the top of the
// main column. Every action has a keyboard shortcut (docs/displays.md, "Keyboard shortcuts"), and
// destructive ones wait for the in-page confirmation of host_confirm.js.

import { ContestClient, getJson } from "./client.js";
import * as playersPanel from "./host_players.js"; // registered players, teams' time modes
import * as agentsPanel from "./host_agents.js"; // agents and the buzzer check (_host_agents.html)
import { rebuildActivity } from "./host_activity.js"; // the activity log from the event log
import { confirmAction, confirming } from "./host_confirm.js"; // destructive actions ask first
import { config, errorText, formatNumber, has, pick, t, tn } from "./i18n.js";
import {
  $,
  $$,
  clockNow,
  cloneTemplate,
  formatAnswer,
  h,
  playerLabels,
  renderCountdown,
  renderHeader,
  renderQuestion,
  renderScoreboard,
  roundTitle,
  setText,
  show,
  statusReporter,
  teamDirectory,
  teamName,
  toast,
  toastError,
  verdictText,
} from "./render.js";

const SECRET_KEY = `quiz.host.${config.contest_id}`;
const ACTIVITY_LIMIT = 40;
let activityLoaded = false;

let client = null;
let view = null;
let joinCodes = new Map();
let teamsFetchedFor = "";
let calibration = {}; // touch latencies measured at the buzzer check, by player (docs/game-rules.md)
let judgedBy = new Set(); // "round.question.team" this console judged (not the answer clock)

// --- secret -----------------------------------------------------------------------------------

function secretFromFragment() {
  const params = new URLSearchParams(location.hash.replace(/^#/, ""));
  const secret = params.get("secret");
  if (location.hash) history.replaceState(null, "", location.pathname + location.search);
  return secret;
}

function storedSecret() {
  return sessionStorage.getItem(SECRET_KEY);
}

function askForSecret(message) {
  show($("[data-secret-card]"), true);
  show($("[data-console]"), false);
  const error = $("[data-secret-error]");
  show(error, Boolean(message));
  setText(error, message || "");
  setText($("[data-conn-status]"), "");
  $("[data-secret-input]").focus();
}

function signIn(event) {
  event.preventDefault();
  const input = $("[data-secret-input]");
  const secret = input.value.trim();
  if (!secret) return input.focus();
  input.value = "";
  sessionStorage.setItem(SECRET_KEY, secret);
  connect();
}

function signOut() {
  if (client) client.stop();
  client = null;
  sessionStorage.removeItem(SECRET_KEY);
  view = null;
  askForSecret();
}

// --- connection -------------------------------------------------------------------------------

function connect() {
  show($("[data-secret-card]"), false);
  show($("[data-console]"), true);
  if (client) client.stop();
  teamsFetchedFor = "";
  client = new ContestClient({
    contestId: config.contest_id,
    hello: () => ({ type: "hello", role: "host", secret: storedSecret() }),
    syncTime: true,
    onView: (message) => {
      noticeTimeUp(view, message.view);
      view = message.view;
      draw(message.events || []);
      agentsPanel.view(view);
      playersPanel.view(view);
      if (!activityLoaded) {
        activityLoaded = true;
        rebuildActivity($("[data-activity]"), view, message.seq, storedSecret(), ACTIVITY_LIMIT).catch(() => {
          activityLoaded = false; // asked again with the next view
        });
      }
    },
    onMessage: (message) => {
      if (message.type === "calibration") {
        calibration = message.players || {};
        if (view) drawTeams();
      } else agentsPanel.message(message);
    },
    onStatus: statusReporter((status) => {
      if (status.code === 4001) {
        sessionStorage.removeItem(SECRET_KEY);
        askForSecret(t("conn_auth_failed"));
      }
    }),
    onError: (error) => {
      toastError(error);
      log(errorText(error.code, error.message), true);
    },
  });
  agentsPanel.attach(client);
  client.connect();
}

/** Send a host command; report the outcome in the activity log and, when refused, as a toast. */
async function send(command) {
  if (!client) return false;
  if (command.type === "judge" && view && view.question) judgedBy.add(judgedKey(view.question, command.team_id));
  try {
    await client.command(command);
    log(`${t("log_by_host")} — ${commandLabel(command)}`); // as the lines rebuilt from the log
    return true;
  } catch (error) {
    toastError(error);
    log(`${commandLabel(command)}: ${errorText(error.code, error.message)}`, true);
    return false;
  }
}

/** A command as the activity log names it, in the console's language. */
function commandLabel(command) {
  const teams = view ? teamDirectory(view) : new Map();
  switch (command.type) {
    case "judge":
      return `${teamName(teams, command.team_id)}: ${t(command.correct ? "judge_correct" : "judge_wrong")}`;
    case "adjust_score":
      return `${t("cmd_adjust_score")}: ${teamName(teams, command.team_id)} ${command.delta > 0 ? "+" : ""}${command.delta} (${command.reason})`;
    case "remove_player":
      return t("remove_player");
    case "forgive_false_start":
      return `${t("cmd_forgive_false_start")}: ${teamName(teams, command.team_id)}`;
    case "start_round":
      return command.round_index === undefined ? t("cmd_start_round") : `${t("cmd_start_round")} ${command.round_index + 1}`;
    default:
      return has(`cmd_${command.type}`) ? t(`cmd_${command.type}`) : command.type;
  }
}

function log(text, isError = false) {
  const list = $("[data-activity]");
  const time = new Date().toLocaleTimeString(config.lang, { hour12: false });
  list.prepend(h("li", { class: isError ? "error" : null, text: `${time} ${text}` }));
  while (list.children.length > ACTIVITY_LIMIT) list.lastElementChild.remove();
}

// --- drawing ----------------------------------------------------------------------------------

function draw(events) {
  const teams = teamDirectory(view);
  renderHeader(view);
  renderScoreboard(view);
  renderQuestion(view, { teams, events });
  setText($("[data-round-kind]"), view.round ? roundTitle(view.round) : "");
  drawCommands();
  drawStep();
  drawRounds();
  drawAnswering(teams);
  drawFalseStarts(teams);
  drawAnswers(teams);
  drawPhotoFinishes(teams);
  drawAdjustTeams();
  drawConnections();
  drawTeams();
  tick();
}

const FINAL = ["revealed", "skipped", "closed"];

/** Which commands make sense now. */
function commandStates() {
  const contest = view.contest || {};
  const running = contest.status === "running";
  const paused = Boolean(contest.paused);
  const round = view.round;
  const q = view.question;
  const phase = q ? q.phase : null;
  const unstarted = (view.rounds || []).some((r) => !r.started);
  const settled = !q || FINAL.includes(phase);
  const moreQuestions = round ? round.questions_shown < round.question_count : false;
  return {
    start_contest: contest.status === "setup" || contest.status === "new",
    pause: running && !paused,
    resume: paused,
    start_tiebreak: running && !round && !paused,
    end_contest: contest.status === "setup" || running,
    start_round: running && !round && unstarted && !paused,
    end_round: running && Boolean(round),
    show_question: running && Boolean(round) && settled && moreQuestions && !paused,
    open_buzzers: phase === "shown" && !paused,
    lock_answers: phase === "answers_open" && !paused,
    reveal: Boolean(q) && !["revealed", "skipped", "collecting", "answering", "judging"].includes(phase),
    next_question: running && Boolean(round) && settled && !paused,
    undo_judgement: Boolean(q && q.can_undo),
    skip_question: Boolean(q) && !["revealed", "skipped"].includes(phase),
  };
}

/**
 * The one step the host most likely wants now, for the big button: {label, command} (a command
 * type, "judge" to go to the open answers, "results" to open the results page), {label, wait}
 * while the contest waits for the teams, or {answering} while a team answers (Correct / Wrong).
 */
export function nextStep(hostView) {
  const contest = hostView.contest || {};
  const round = hostView.round;
  const q = hostView.question;
  const phase = q ? q.phase : null;
  const step = (command, label = t(`cmd_${command}`)) => ({ command, label });
  if (contest.status === "finished") return step("results", t("next_results"));
  if (contest.status !== "running") return step("start_contest");
  if (contest.paused) return step("resume");
  if (!round) {
    const next = (hostView.rounds || []).find((r) => !r.started);
    if (!next) return step("end_contest");
    const title = pick(next.title);
    return step("start_round", title ? `${t("cmd_start_round")}: ${title}` : t("cmd_start_round"));
  }
  const pending = Boolean(q && (q.pending || []).length);
  const moreQuestions = round.questions_shown < round.question_count;
  if (!q) return moreQuestions ? step("show_question") : step("end_round");
  switch (phase) {
    case "shown":
      return step("open_buzzers");
    case "armed":
    case "open":
      return { wait: true, label: t("next_waiting_buzz") };
    case "collecting":
      return { wait: true, label: t("next_waiting_photo") };
    case "answering":
      return { answering: q.answering_team };
    case "answers_open":
      return step("lock_answers");
    case "locked":
    case "closed":
      return pending ? step("judge", t("next_judge_answers")) : step("reveal");
    default: // revealed, skipped: the next question, or the end of the round after its last one
      if (pending) return step("judge", t("next_judge_answers"));
      return moreQuestions ? step("next_question") : step("next_question", t("cmd_end_round"));
  }
}

function drawCommands() {
  const enabled = commandStates();
  for (const button of $$("[data-command]")) {
    const type = button.dataset.command;
    button.disabled = !enabled[type];
    button.hidden = !enabled[type]; // only what applies now: no wall of disabled buttons
    if (type === "undo_judgement") {
      const q = view.question;
      const label = q && q.undo_team ? t("undo_for", { team: teamName(teamDirectory(view), q.undo_team) }) : t("cmd_undo_judgement");
      setText($("[data-command-label]", button), label);
    }
  }
  for (const group of $$("[data-command-group]")) show(group, [...group.children].some((button) => !button.hidden));
}

/** The next-step button, or Correct / Wrong with the answer clock while a team answers. */
function drawStep() {
  const step = nextStep(view);
  const button = $("[data-next-step]");
  show(button, !step.answering);
  button.disabled = Boolean(step.wait);
  button.dataset.step = step.command || "";
  setText($("[data-next-label]", button), step.label || "");
}

/** Carry out the next step (the big button, Space or Enter). */
function runNextStep() {
  if (!view) return;
  const step = nextStep(view);
  if (step.wait || step.answering) return;
  if (step.command === "results") {
    window.open(`/results/${encodeURIComponent(config.contest_id)}?lang=${encodeURIComponent(config.lang)}`, "_blank", "noopener");
  } else if (step.command === "judge") {
    const first = $("[data-answers] tr.pending [data-a-correct]:not(:disabled)");
    if (first) {
      first.scrollIntoView({ block: "center" });
      first.focus();
    }
  } else {
    const button = $(`[data-command="${step.command}"]`);
    runCommand(step.command, button ? button.dataset.confirm : "");
  }
}

/** Send a parameterless command, after the host confirms when it is destructive. */
async function runCommand(type, confirmText) {
  let question = confirmText || "";
  if (type === "undo_judgement" && view && view.question) {
    const q = view.question;
    question = t("confirm_undo_judgement", { team: q.undo_team ? teamName(teamDirectory(view), q.undo_team) : "—" });
  }
  if (question && !(await confirmAction(question, commandLabel({ type })))) return;
  send({ type });
}

function drawRounds() {
  const list = $("[data-rounds]");
  const running = view.contest && view.contest.status === "running";
  list.replaceChildren(
    ...(view.rounds || []).map((round) => {
      const item = cloneTemplate(".tpl-round");
      item.classList.toggle("active", Boolean(round.active));
      const title = [pick(round.title), round.tiebreak ? t("kind_tiebreak") : t(`kind_${round.kind}`)].filter(Boolean).join(" · ");
      setText($("[data-round-name]", item), title);
      const state = [tn("questions_count", round.question_count)];
      if (round.active) state.push(t("round_now"));
      else if (round.started) state.push(t("round_played"));
      setText($("[data-round-state]", item), `(${state.join(", ")})`);
      const start = $("[data-start-round]", item);
      start.disabled = !running || Boolean(view.round) || round.started;
      start.hidden = start.disabled; // only a round that can start now offers its button
      start.dataset.roundIndex = String(round.index);
      start.addEventListener("click", () => send({ type: "start_round", round_index: round.index }));
      return item;
    }),
  );
}

function drawAnswering(teams) {
  const q = view.question;
  const box = $("[data-answering]");
  const answering = q && q.answering_team && ["answering", "judging"].includes(q.phase);
  // Judged with the mouse: the focus leaves the vanishing buttons for the next step, so that the
  // next Enter reveals and never judges again from a button that is no longer on screen.
  if (!answering && box.contains(document.activeElement)) $("[data-next-step]").focus();
  show(box, Boolean(answering));
  if (!answering) return;
  setText($("[data-answering-team]", box), teamName(teams, q.answering_team));
  const given = q.answers && q.answers[q.answering_team];
  setText($("[data-answering-answer]", box), given ? `— ${formatAnswer(given.answer, q.question)}` : "");
  for (const button of $$("[data-judge-answering]", box)) button.dataset.teamId = q.answering_team;
  const penalty = view.round && view.round.rules ? view.round.rules.wrong_penalty || 0 : 0;
  const team = teamName(teams, q.answering_team);
  setText(
    $("[data-answer-clock-then]", box),
    penalty ? t("time_up_penalty", { points: formatNumber(penalty), team }) : t("time_up_no_penalty", { team }),
  );
  drawAnswerClock();
}

function judgedKey(q, teamId) {
  return `${q.round_index}.${q.index}.${teamId}`;
}

/** The answering team's clock, in whole seconds; it stands still while the contest is paused. */
function drawAnswerClock() {
  const q = view && view.question;
  const value = $("[data-answer-clock-value]");
  if (!q || q.phase !== "answering" || !q.answer_deadline || !client) return setText(value, "");
  const now = clockNow(view, client.serverNow());
  if (now === null) return setText(value, "");
  const seconds = Math.ceil(Math.max(0, q.answer_deadline / 1000 - now) / 1000);
  setText(value, `${formatNumber(seconds)} s`);
  $("[data-answer-clock]").classList.toggle("urgent", seconds <= 3);
}

/**
 * When the answer clock ran out (the team was judged wrong and not by this console), say so: the
 * penalty is no longer a surprise found in the scoreboard.
 */
function noticeTimeUp(before, after) {
  const was = before && before.question;
  const now = after && after.question;
  if (now && now.phase === "answering") judgedBy.delete(judgedKey(now, now.answering_team)); // undone: judged afresh
  if (!was || !now || was.phase !== "answering" || !was.answering_team) return;
  if (was.round_index !== now.round_index || was.index !== now.index) return;
  const teamId = was.answering_team;
  if (now.phase === "answering" && now.answering_team === teamId) return;
  if ((now.verdicts || {})[teamId] !== "wrong" || judgedBy.has(judgedKey(was, teamId))) return;
  const serverNow = client ? client.serverNow() : null;
  if (serverNow !== null && was.answer_deadline && serverNow < was.answer_deadline / 1000 - 1000) return; // another console judged
  const text = `${teamName(teamDirectory(after), teamId)}: ${t("log_out_of_time")}`;
  toast(text);
  log(text);
}

/** A "forgive" button beside each team locked out by a false start while the question is live. */
function drawFalseStarts(teams) {
  const q = view.question;
  const live = q && ["shown", "armed", "open", "collecting", "answering"].includes(q.phase);
  const teamIds = live ? q.false_started || [] : [];
  const list = $("[data-false-starts]");
  show(list, teamIds.length > 0);
  list.replaceChildren(
    ...teamIds.map((teamId) =>
      h(
        "li",
        { class: "false-start-item" },
        h("span", { text: t("false_started_team", { team: teamName(teams, teamId) }) }),
        " ",
        h("button", {
          type: "button",
          class: "command small",
          data: { forgive: teamId },
          text: t("cmd_forgive_false_start"),
          onclick: () => send({ type: "forgive_false_start", team_id: teamId }),
        }),
      ),
    ),
  );
}

function drawAnswers(teams) {
  const q = view.question;
  const body = $("[data-answers]");
  if (!q) {
    body.replaceChildren();
    show($("[data-source]"), false);
    return;
  }
  const buzzer = view.round && view.round.kind === "buzzer";
  const answers = q.answers || {};
  const verdicts = q.verdicts || {};
  const suggestions = q.suggested_verdicts || {};
  const awarded = q.awarded || {};
  const ids = (view.scoreboard || []).map((row) => row.team_id).filter((id) => !buzzer || id in answers || id in verdicts);
  const judgeable = !buzzer && ["locked", "revealed"].includes(q.phase);
  $("[data-answers-table]").classList.toggle("buzzer", buzzer);
  body.replaceChildren(
    ...ids.map((id) => {
      const row = cloneTemplate(".tpl-answer-row");
      const given = answers[id];
      const verdict = verdicts[id];
      row.dataset.teamId = id;
      row.className = verdict || "";
      setText($("[data-a-team]", row), teamName(teams, id));
      setText($("[data-a-answer]", row), given ? formatAnswer(given.answer, q.question) : "—");
      setText($("[data-a-player]", row), given && given.player_name ? given.player_name : "");
      setText($("[data-a-suggested]", row), suggestions[id] ? t(`verdict_${suggestions[id]}`) : "—");
      setText($("[data-a-verdict]", row), verdict ? verdictText(verdict, q, view.round) : "—");
      const points = awarded[id];
      setText($("[data-a-points]", row), points ? (points > 0 ? `+${points}` : String(points)) : "");
      const correct = $("[data-a-correct]", row);
      const wrong = $("[data-a-wrong]", row);
      correct.disabled = !judgeable || !given;
      wrong.disabled = !judgeable || !given;
      correct.classList.toggle("chosen", verdict === "correct");
      wrong.classList.toggle("chosen", verdict === "wrong");
      correct.addEventListener("click", () => send({ type: "judge", team_id: id, correct: true }));
      wrong.addEventListener("click", () => send({ type: "judge", team_id: id, correct: false }));
      if (buzzer) $(".judge-cell", row).replaceChildren();
      return row;
    }),
  );
  const source = $("[data-source]");
  show(source, Boolean(q.source));
  setText($("[data-source-text]", source), q.source || "");
}

function ms(us) {
  return formatNumber(Math.round(us / 100) / 10);
}

function drawPhotoFinishes(teams) {
  const q = view.question;
  const finishes = (q && q.photo_finishes) || [];
  const panel = $("[data-photo-finish]");
  show(panel, finishes.length > 0);
  const box = $("[data-photo-finishes]");
  box.replaceChildren(...finishes.slice().reverse().map((finish) => photoFinishBlock(finish, teams)));
  drawBuzzHistory(teams);
}

/** The list of every photo finish of the contest, newest first, each opened on demand. */
function drawBuzzHistory(teams) {
  const decisions = view.buzz_decisions || [];
  const panel = $("[data-pf-history]");
  if (!panel) return;
  show(panel, decisions.length > 0);
  setText($("[data-pf-history-count]", panel), `(${formatNumber(decisions.length)})`);
  const list = $("[data-pf-history-list]", panel);
  if (list.dataset.count === String(decisions.length)) return; // only a new decision adds one
  const open = new Set([...list.querySelectorAll("details[open]")].map((d) => d.dataset.key));
  list.dataset.count = String(decisions.length);
  list.replaceChildren(
    ...decisions
      .map((decision, index) => {
        const key = String(index);
        const round = t("round_n", { n: decision.round_index + 1 });
        const item = h(
          "details",
          { class: "pf-history-item", data: { key } },
          h("summary", { text: `${round} · #${decision.question_index + 1} — ${outcomeText(decision.photo, teams)}` }),
        );
        // the table is built when the item is opened: a long contest keeps a light page
        item.addEventListener("toggle", () => {
          if (!item.open || item.querySelector(".pf")) return;
          const block = photoFinishBlock(decision.photo, teams);
          $("[data-pf-outcome]", block).remove(); // the summary says it
          item.append(block);
        });
        if (open.has(key)) item.open = true;
        return item;
      })
      .reverse(),
  );
}

function outcomeText(finish, teams) {
  const tied = finish.tied || [];
  return tied.length > 1
    ? t("pf_tie", { teams: tied.map((id) => teamName(teams, id)).join(", "), draw: finish.draw, team: teamName(teams, finish.winner) })
    : t("pf_winner", { team: teamName(teams, finish.winner) });
}

function photoFinishBlock(finish, teams) {
  const block = cloneTemplate(".tpl-photo-finish");
  const origin = finish.window_opened_at;
  const tied = finish.tied || [];
  setText($("[data-pf-outcome]", block), outcomeText(finish, teams));
  $("[data-pf-rows]", block).replaceChildren(
    ...finish.presses.map((press, index) =>
      h(
        "tr",
        { class: [press.team_id === finish.winner ? "winner" : "", tied.length > 1 && tied.includes(press.team_id) ? "tied" : ""].join(" ").trim() || null },
        h("td", { class: "num", text: String(index + 1) }),
        h("td", { text: teamName(teams, press.team_id) }),
        h("td", { class: "num", text: ms(press.pressed_at - origin) }),
        h(
          "td",
          { class: "num" },
          ms(press.effective_at - origin),
          press.clamped ? h("span", { class: "clamped-mark", text: ` ${t("pf_clamped")}` }) : null,
        ),
        h("td", { class: "num", text: ms(press.bound_us) }),
        h("td", { class: "num", text: ms(press.arrived_at - origin) }),
        h("td", { class: "num", text: ms(press.allowed_path_us) }),
        h("td", { text: press.channel != null ? `${press.source} #${press.channel}` : press.source }),
      ),
    ),
  );
  return block;
}

function drawAdjustTeams() {
  const select = $("[data-adjust-team]");
  const teams = (view.teams || []).map((team) => [team.id, team.name]);
  const signature = JSON.stringify(teams);
  if (select.dataset.signature === signature) return;
  select.dataset.signature = signature;
  const chosen = select.value;
  select.replaceChildren(...teams.map(([id, name]) => h("option", { value: id, text: name })));
  if (teams.some(([id]) => id === chosen)) select.value = chosen;
}

function adjust(event) {
  event.preventDefault();
  const teamId = $("[data-adjust-team]").value;
  const delta = Number($("[data-adjust-delta]").value);
  const reason = $("[data-adjust-reason]").value.trim();
  if (!teamId || !Number.isInteger(delta) || delta === 0 || !reason) {
    toast(t("adjust_reason_needed"));
    return;
  }
  const team = teamName(teamDirectory(view), teamId);
  const question = t("confirm_adjust_score", { team, delta: `${delta > 0 ? "+" : ""}${formatNumber(delta)}`, reason });
  confirmAction(question, t("cmd_adjust_score")).then((confirmed) => {
    if (!confirmed) return;
    send({ type: "adjust_score", team_id: teamId, delta, reason }).then((done) => {
      if (!done) return;
      $("[data-adjust-delta]").value = "";
      $("[data-adjust-reason]").value = "";
    });
  });
}

function drawConnections() {
  const connections = view.connections;
  for (const cell of $$("[data-conn-count]")) {
    const key = cell.dataset.connCount;
    let value = "—";
    if (connections) {
      const raw = connections[key];
      value = Array.isArray(raw) ? String(raw.length) : raw === undefined ? "0" : String(raw);
    }
    setText(cell, value);
  }
}

function drawTeams() {
  const body = $("[data-teams]");
  const online = (view.connections && view.connections.players) || {};
  const players = view.players || [];
  const teamIds = (view.teams || []).map((team) => team.id).join(",");
  if (teamIds !== teamsFetchedFor) fetchJoinCodes(teamIds);
  body.replaceChildren(
    ...(view.teams || []).map((team) => {
      const row = cloneTemplate(".tpl-team-row");
      $("[data-t-swatch]", row).style.background = team.colour;
      setText($("[data-t-name]", row), team.name);
      setText($("[data-t-venue]", row), team.venue || "");
      const code = joinCodes.get(team.id) || "";
      setText($("[data-t-code]", row), code || "…");
      const link = $("[data-t-link]", row);
      show(link, Boolean(code));
      if (code) link.href = `/play/${encodeURIComponent(config.contest_id)}?lang=${config.lang}#code=${encodeURIComponent(code)}`;
      const connected = online[team.id] || [];
      const labels = playerLabels(players); // namesakes told apart: "Anna K. (2)"
      $("[data-t-players]", row).replaceChildren(
        ...players
          .filter((player) => player.team_id === team.id)
          .map((player) =>
            h(
              "li",
              { class: connected.includes(player.display_name) ? "online" : null },
              h("span", { text: labels.get(player.id) }),
              " ",
              touchLatencyButton(player, labels.get(player.id)),
              " ",
              h("button", {
                type: "button",
                class: "remove-player",
                title: t("remove_player"),
                "aria-label": `${t("remove_player")}: ${labels.get(player.id)}`,
                text: "×",
                onclick: async () => {
                  const question = t("confirm_remove_player", { name: labels.get(player.id) });
                  if (await confirmAction(question, t("remove_player"))) send({ type: "remove_player", player_id: player.id });
                },
              }),
            ),
          ),
      );
      return row;
    }),
  );
}

/** The player's tablet touch latency (docs/game-rules.md, "Tablet latency"): shown, and set on a
 * click with `set_touch_latency` (0–60 ms; the server refuses anything else). */
function touchLatencyButton(player, label) {
  const latency = Math.round((player.touch_latency_us || 0) / 1000);
  const measured = calibration[player.id];
  const suggested = measured && measured.suggested_ms !== null ? measured.suggested_ms : null;
  const measuredText =
    suggested === null ? "" : tn("touch_latency_measured", measured.samples, { ms: formatNumber(suggested) });
  const button = h("button", {
    type: "button",
    class: "touch-latency",
    title: measuredText ? `${t("touch_latency")}\n${measuredText}` : t("touch_latency"),
    "aria-label": `${t("touch_latency")}: ${label}`,
    data: { touchLatency: player.id, measured: suggested === null ? "" : String(suggested) },
    text: `${latency ? `${formatNumber(latency)} ms` : "–"}${suggested !== null && suggested !== latency ? ` → ${formatNumber(suggested)}?` : ""}`,
    onclick: () => {
      const question = [t("touch_latency_prompt", { name: label }), measuredText].filter(Boolean).join("\n");
      const answer = prompt(question, String(suggested !== null ? suggested : latency));
      if (answer === null || answer.trim() === "") return;
      send({ type: "set_touch_latency", player_id: player.id, latency_ms: Math.round(Number(answer.replace(",", "."))) });
    },
  });
  button.prepend(clockIcon(), " ");
  return button;
}

/** A small stopwatch drawn inline: the stopwatch emoji is an empty box without an emoji font. */
function clockIcon() {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("class", "icon");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  for (const [tag, attributes] of [
    ["circle", { cx: 12, cy: 13, r: 8 }],
    ["path", { d: "M12 9v4l3 2M9 2h6M12 2v3" }],
  ]) {
    const shape = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [name, value] of Object.entries(attributes)) shape.setAttribute(name, String(value));
    shape.setAttribute("fill", "none");
    shape.setAttribute("stroke", "currentColor");
    shape.setAttribute("stroke-width", "2");
    shape.setAttribute("stroke-linecap", "round");
    svg.append(shape);
  }
  return svg;
}

async function fetchJoinCodes(teamIds) {
  teamsFetchedFor = teamIds;
  try {
    const answer = await getJson(`/api/contests/${encodeURIComponent(config.contest_id)}/teams`, {
      Authorization: `Bearer ${storedSecret()}`,
    });
    joinCodes = new Map((answer.teams || []).map((team) => [team.team_id, team.join_code]));
    if (view) drawTeams();
  } catch (error) {
    teamsFetchedFor = "";
    log(`teams: ${error.code}`, true);
  }
}

function tick() {
  if (!view || !client) return;
  renderCountdown(view, client.serverNow());
  drawAnswerClock();
}

// --- keyboard shortcuts (docs/displays.md, "Keyboard shortcuts") ---------------------------------

const TYPING = "input, textarea, select, [contenteditable]:not([contenteditable='false'])";
const ACTIVATES = "button, a[href], summary, label";

/** The shortcut letter of a key press (A–Z whatever the keyboard layout writes), or "". */
function letterOf(event) {
  if (/^[a-z]$/i.test(event.key)) return event.key.toUpperCase();
  const code = /^Key([A-Z])$/.exec(event.code || "");
  return code ? code[1] : "";
}

function shortcut(event) {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
  if (!view || $("[data-console]").hidden) return;
  const target = event.target instanceof Element ? event.target : document.body;
  if (target.closest(TYPING)) return; // typing a reason or a name: letters are letters
  const help = $("[data-shortcuts-dialog]");
  if (confirming()) return; // the confirmation answers Enter and Escape itself
  if (event.key === "?") {
    event.preventDefault();
    toggleShortcuts();
    return;
  }
  if (help.open || event.repeat) return;
  if (event.key === " " || event.key === "Enter") {
    if (target.closest(ACTIVATES)) return; // Space and Enter press the focused button
    event.preventDefault();
    runNextStep();
    return;
  }
  const letter = event.shiftKey ? "" : letterOf(event);
  if (!letter) return;
  if (letter === "C" || letter === "W") {
    const judge = $(`[data-judge-answering="${letter === "C"}"]`);
    if (judge && !$("[data-answering]").hidden) {
      event.preventDefault();
      judge.click();
    }
    return;
  }
  const button = $$("[data-command]").find((candidate) => candidate.dataset.key === letter && !candidate.disabled);
  if (!button) return;
  event.preventDefault();
  button.click();
}

let shortcutsReturnTo = null;

function toggleShortcuts() {
  const help = $("[data-shortcuts-dialog]");
  if (help.open) return help.close();
  shortcutsReturnTo = document.activeElement;
  help.showModal();
  $("[data-shortcuts-close]", help).focus();
}

// --- start ------------------------------------------------------------------------------------

for (const button of $$("[data-command]")) {
  button.addEventListener("click", () => runCommand(button.dataset.command, button.dataset.confirm));
}
$("[data-next-step]").addEventListener("click", runNextStep);
$("[data-shortcuts-open]").addEventListener("click", toggleShortcuts);
$("[data-shortcuts-close]").addEventListener("click", toggleShortcuts);
$("[data-shortcuts-dialog]").addEventListener("close", () => {
  if (shortcutsReturnTo && shortcutsReturnTo.isConnected) shortcutsReturnTo.focus();
  shortcutsReturnTo = null;
});
document.addEventListener("keydown", shortcut);
for (const button of $$("[data-judge-answering]")) {
  button.addEventListener("click", () => {
    if (button.dataset.teamId) send({ type: "judge", team_id: button.dataset.teamId, correct: button.dataset.judgeAnswering === "true" });
  });
}
$("[data-secret-form]").addEventListener("submit", signIn);
$("[data-sign-out]").addEventListener("click", signOut);
$("[data-adjust-form]").addEventListener("submit", adjust);
setInterval(tick, 200);

const fragmentSecret = secretFromFragment();
if (fragmentSecret) sessionStorage.setItem(SECRET_KEY, fragmentSecret);
if (storedSecret()) connect();
else askForSecret();
