// The host console: runs the contest with host commands (docs/protocol.md §3.4) and shows what only
// the host sees — the correct answer, every team's answer with the engine's suggested verdict, the
// photo finish of every buzz — plus connections, join codes and score adjustments.
//
// The host secret comes from the URL fragment (#secret=…, removed from the address bar at once) or
// the sign-in field, lives in sessionStorage for this tab only, and is sent only in the WebSocket
// hello and the Authorization header of the teams request — never in a URL.

import { ContestClient, getJson } from "./client.js";
import "./host_players.js"; // the registered players panel (_host_players.html)
import * as agentsPanel from "./host_agents.js"; // agents and the buzzer check (_host_agents.html)
import { rebuildActivity } from "./host_activity.js"; // the activity log from the event log
import { config, errorText, formatNumber, has, pick, t, tn } from "./i18n.js";
import {
  $,
  $$,
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
      view = message.view;
      draw(message.events || []);
      agentsPanel.view(view);
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
  try {
    await client.command(command);
    log(`${commandLabel(command)} ✓`);
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

/** Which commands make sense now, and the one the host most likely wants next. */
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
  const enabled = {
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
  let suggested = null;
  if (enabled.start_contest) suggested = "start_contest";
  else if (paused) suggested = "resume";
  else if (running && !round) suggested = unstarted ? "start_round" : "end_contest";
  else if (round && !q) suggested = "show_question";
  else if (phase === "shown" && round && round.kind === "buzzer") suggested = "open_buzzers";
  else if (phase === "answers_open") suggested = "lock_answers";
  else if (phase === "locked" || phase === "closed") suggested = "reveal";
  else if (phase === "revealed" || phase === "skipped") suggested = "next_question";
  return { enabled, suggested };
}

function drawCommands() {
  const { enabled, suggested } = commandStates();
  for (const button of $$("[data-command]")) {
    const type = button.dataset.command;
    button.disabled = !enabled[type];
    button.classList.toggle("suggested", type === suggested);
    if (type === "undo_judgement") {
      const q = view.question;
      setText(button, q && q.undo_team ? t("undo_for", { team: teamName(teamDirectory(view), q.undo_team) }) : t("cmd_undo_judgement"));
    }
  }
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
  show(box, Boolean(answering));
  if (!answering) return;
  setText($("[data-answering-team]", box), teamName(teams, q.answering_team));
  const given = q.answers && q.answers[q.answering_team];
  setText($("[data-answering-answer]", box), given ? `— ${formatAnswer(given.answer, q.question)}` : "");
  for (const button of $$("[data-judge-answering]", box)) button.dataset.teamId = q.answering_team;
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
  send({ type: "adjust_score", team_id: teamId, delta, reason }).then((done) => {
    if (!done) return;
    $("[data-adjust-delta]").value = "";
    $("[data-adjust-reason]").value = "";
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
                onclick: () => {
                  if (confirm(t("confirm_remove_player", { name: labels.get(player.id) }))) {
                    send({ type: "remove_player", player_id: player.id });
                  }
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
    suggested === null ? "" : t("touch_latency_measured", { ms: formatNumber(suggested), n: measured.samples });
  return h("button", {
    type: "button",
    class: "touch-latency",
    title: measuredText ? `${t("touch_latency")}\n${measuredText}` : t("touch_latency"),
    "aria-label": `${t("touch_latency")}: ${label}`,
    data: { touchLatency: player.id, measured: suggested === null ? "" : String(suggested) },
    text: `⏱ ${latency ? `${formatNumber(latency)} ms` : "–"}${suggested !== null && suggested !== latency ? ` → ${formatNumber(suggested)}?` : ""}`,
    onclick: () => {
      const question = [t("touch_latency_prompt", { name: label }), measuredText].filter(Boolean).join("\n");
      const answer = prompt(question, String(suggested !== null ? suggested : latency));
      if (answer === null || answer.trim() === "") return;
      send({ type: "set_touch_latency", player_id: player.id, latency_ms: Math.round(Number(answer.replace(",", "."))) });
    },
  });
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
}

// --- start ------------------------------------------------------------------------------------

for (const button of $$("[data-command]")) {
  button.addEventListener("click", () => {
    if (button.dataset.confirm && !confirm(button.dataset.confirm)) return;
    send({ type: button.dataset.command });
  });
}
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
