// The host console's venue agents and buzzer check (issue 12, docs/protocol.md §3.6–§3.7).
//
// A module of its own beside host.js, which hands it the console's ContestClient (`attach`), each
// view (`view`, for the teams) and every WebSocket message (`message`). It lists every agent from
// GET /api/contests/{id}/agents (with the host secret host.js keeps in this tab's sessionStorage)
// and lays the live `agents` status over it: connected or not and since when, boxes and channels,
// clock error bound, last heard, presses accepted and refused with the reasons. The host creates
// an agent for a venue (its token is shown once, inside a TOML configuration for `quiz agent`, see
// docs/buzzers.md), renames and revokes agents, and turns the buzzer check on and off; during the
// check every `check_press` lights that team here for a moment.

import { getJson, postJson } from "./client.js";
import { confirmAction } from "./host_confirm.js";
import { config, errorText, formatNumber, t, tn } from "./i18n.js";
import { $, cloneTemplate, h, setText, show, toast, toastError } from "./render.js";

const cid = encodeURIComponent(config.contest_id);
const SECRET_KEY = `quiz.host.${config.contest_id}`;
const LIGHT_MS = 1500; // as long as the box lamp stays steady (docs/protocol.md §3.7)
const STALE_MS = 5000; // last heard longer ago than this: the link looks stuck

let client = null;
let teams = [];
let listed = []; // from the API: every agent, revoked ones too
let live = new Map(); // agent id → its row of the newest `agents` message
let checkOn = false;
let loadedFor = null;

function auth() {
  return { Authorization: `Bearer ${sessionStorage.getItem(SECRET_KEY)}` };
}

/** Hand the module the console's client (a new one after each sign-in). */
export function attach(contestClient) {
  client = contestClient;
  live = new Map();
  setCheck(false);
  loadedFor = null;
}

/** Each view of the host: the teams to choose from and to name. */
export function view(hostView) {
  teams = hostView.teams || [];
  drawTeamChoices();
  if (loadedFor !== client) {
    loadedFor = client;
    load();
  }
  draw();
}

/** Every WebSocket message of the host's connection. */
export function message(msg) {
  if (msg.type === "agents") {
    live = new Map((msg.agents || []).map((row) => [row.agent_id, row]));
    if ([...live.keys()].some((id) => !listed.some((agent) => agent.agent_id === id))) load();
    draw();
  } else if (msg.type === "check") {
    setCheck(Boolean(msg.on));
  } else if (msg.type === "check_press") {
    light(msg.team_id);
  }
}

async function load() {
  try {
    const answer = await getJson(`/api/contests/${cid}/agents`, auth());
    listed = answer.agents || [];
    draw();
  } catch (error) {
    // The console's own connection reports a refused secret; the next view tries again.
    loadedFor = null;
  }
}

// --- the buzzer check -------------------------------------------------------------------------

function setCheck(on) {
  checkOn = on;
  const button = $("[data-check-toggle]");
  button.setAttribute("aria-pressed", String(on));
  button.classList.toggle("suggested", on);
  setText(button, t(on ? "agents_check_stop" : "agents_check_start"));
  setText($("[data-check-note]"), t(on ? "agents_check_on_note" : "agents_check_off_note"));
  $("[data-check-box]").classList.toggle("on", on);
  drawLights();
}

async function toggleCheck() {
  if (!client) return;
  try {
    await client.request({ type: "check", on: !checkOn });
  } catch (error) {
    toastError(error);
  }
}

function drawLights() {
  const list = $("[data-check-lights]");
  show(list, checkOn);
  const signature = JSON.stringify(teams.map((team) => [team.id, team.name, team.colour]));
  if (list.dataset.signature === signature) return;
  list.dataset.signature = signature;
  list.replaceChildren(
    ...teams.map((team) => {
      const item = h("li", { class: "check-light", data: { teamId: team.id } }, h("span", { text: team.name }));
      item.style.setProperty("--team-colour", team.colour || "#888");
      return item;
    }),
  );
}

function light(teamId) {
  const item = [...document.querySelectorAll("[data-check-lights] .check-light")].find((li) => li.dataset.teamId === teamId);
  if (!item) return;
  item.classList.remove("lit");
  void item.offsetWidth; // restart the animation for a second press
  item.classList.add("lit");
  clearTimeout(item.litTimer);
  item.litTimer = setTimeout(() => item.classList.remove("lit"), LIGHT_MS);
}

// --- the list of agents -------------------------------------------------------------------------

function teamName(id) {
  const team = teams.find((candidate) => candidate.id === id);
  return team ? team.name : id;
}

function clock(ms) {
  return ms ? new Date(ms).toLocaleTimeString(config.lang, { hour12: false }) : "";
}

function ago(ms) {
  const now = client ? client.serverNow() : null;
  if (!ms || now === null) return null;
  return Math.max(0, now - ms);
}

function stateText(agent, row) {
  if (agent.revoked) return t("agents_revoked");
  if (!row) return t("agents_never");
  if (!row.connected) return t("agents_gone_since", { time: clock(row.since) });
  const parts = [t("agents_connected", { time: clock(row.since) })];
  const heard = ago(row.last_heard);
  if (heard !== null) parts.push(t("agents_heard", { s: formatNumber(Math.round(heard / 1000)) }));
  if (row.link_bound_ms !== null && row.link_bound_ms !== undefined) {
    parts.push(t("agents_link_bound", { ms: formatNumber(Math.round(row.link_bound_ms * 10) / 10) }));
  }
  if (row.buffered) parts.push(tn("agents_buffered", row.buffered));
  return parts.join(" · ");
}

function boxItem(box) {
  const channels = Object.entries(box.channels || {})
    .sort((a, b) => Number(a[0]) - Number(b[0]))
    .map(([channel, team]) => `${channel} → ${teamName(team)}`)
    .join(", ");
  const bound = box.total_bound_ms ?? box.bound_ms;
  const parts = [
    box.box || box.port,
    t(box.state === "open" ? "agents_box_open" : "agents_box_down"),
    channels,
    bound !== null && bound !== undefined ? `± ${formatNumber(Math.round(bound * 100) / 100)} ms` : "",
    box.error || "",
  ];
  return h("li", { class: box.state === "open" ? "box-open" : "box-down", title: box.port, text: parts.filter(Boolean).join(" · ") });
}

function pressesText(row) {
  if (!row) return "";
  const presses = row.presses || {};
  const text = [t("agents_presses", { accepted: formatNumber(presses.accepted || 0), checked: formatNumber(presses.checked || 0) })];
  const refused = Object.entries(row.refused || {});
  if (refused.length) {
    // why, in the console's language (error_<code>), never the bare code
    const reasons = refused.map(([code, n]) => `${errorText(code)} ×${formatNumber(n)}`).join("; ");
    text.push(t("agents_refused", { list: reasons }));
  }
  return text.join(" · ");
}

function draw() {
  const list = $("[data-agent-list]");
  const known = new Map(listed.map((agent) => [agent.agent_id, agent]));
  for (const [id, row] of live) {
    if (!known.has(id)) known.set(id, { agent_id: id, venue: row.venue, teams: row.teams, revoked: row.revoked });
  }
  const agents = [...known.values()];
  show($("[data-agents-none]"), agents.length === 0);
  list.replaceChildren(
    ...agents.map((agent) => {
      const row = live.get(agent.agent_id);
      const item = cloneTemplate(".tpl-agent");
      item.dataset.agentId = agent.agent_id;
      const connected = Boolean(row && row.connected && !agent.revoked);
      const stale = connected && (ago(row.last_heard) ?? 0) > STALE_MS;
      item.classList.add(agent.revoked ? "revoked" : connected ? (stale ? "stale" : "connected") : "offline");
      setText($("[data-agent-name]", item), (row && row.venue) || agent.venue);
      setText($("[data-agent-teams]", item), (agent.teams || []).map(teamName).join(", "));
      setText($("[data-agent-state]", item), stateText(agent, row));
      $("[data-agent-boxes]", item).replaceChildren(...((row && row.boxes) || []).map(boxItem));
      setText($("[data-agent-presses]", item), pressesText(row));
      const recent = ((row && row.refused_recent) || []).map((r) => `${clock(r.at)} ${teamName(r.team_id)}: ${errorText(r.code)}`);
      if (recent.length) $("[data-agent-presses]", item).title = recent.join("\n");
      const rename = $("[data-agent-rename]", item);
      const revoke = $("[data-agent-revoke]", item);
      rename.addEventListener("click", () => renameAgent(agent));
      revoke.addEventListener("click", () => revokeAgent(agent));
      show(revoke, !agent.revoked);
      return item;
    }),
  );
}

async function renameAgent(agent) {
  const name = prompt(t("agents_rename_prompt", { name: agent.venue }), agent.venue);
  if (!name || !name.trim() || name.trim() === agent.venue) return;
  try {
    await postJson(`/api/contests/${cid}/agents/${encodeURIComponent(agent.agent_id)}/rename`, { venue: name.trim() }, auth());
    await load();
  } catch (error) {
    toastError(error);
  }
}

async function revokeAgent(agent) {
  if (!(await confirmAction(t("agents_confirm_revoke", { name: agent.venue }), t("agents_revoke")))) return;
  try {
    await postJson(`/api/contests/${cid}/agents/${encodeURIComponent(agent.agent_id)}/revoke`, {}, auth());
    await load();
  } catch (error) {
    toastError(error);
  }
}

// --- creating an agent ------------------------------------------------------------------------------

function drawTeamChoices() {
  const box = $("[data-agent-team-choices]");
  const signature = JSON.stringify(teams.map((team) => [team.id, team.name]));
  if (box.dataset.signature === signature) return;
  box.dataset.signature = signature;
  box.replaceChildren(
    ...teams.map((team) =>
      h("label", { class: "agent-team-choice" }, h("input", { type: "checkbox", value: team.id, "data-agent-team": "" }), ` ${team.name}`),
    ),
  );
}

/** The TOML configuration of `quiz agent` for a new agent (docs/buzzers.md, "Configuration"). */
export function agentSnippet(agent, token, server = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}`) {
  const quote = (text) => JSON.stringify(text); // a TOML basic string is a JSON string
  const channels = agent.teams.map((team, index) => `${index + 1} = ${quote(team)}`).join(", ");
  return [
    `# quiz agent — ${agent.venue} (${agent.agent_id})`,
    `# ${t("agents_snippet_start")}`,
    `#   QUIZ_AGENT_TOKEN=${token} quiz agent --config venue.toml`,
    `server = ${quote(server)}`,
    `contest = ${quote(config.contest_id)}`,
    `lang = ${quote(config.lang)}`,
    `state_file = "quiz-agent-state.json"`,
    "",
    "[[box]]",
    `port = "/dev/ttyACM0"  # ${t("agents_snippet_port")}`,
    `channels = { ${channels} }  # ${t("agents_snippet_channels")}`,
    "",
  ].join("\n");
}

async function createAgent(event) {
  event.preventDefault();
  const venue = $("[data-agent-venue]").value.trim();
  const chosen = [...document.querySelectorAll("[data-agent-team]:checked")].map((input) => input.value);
  if (!venue) return $("[data-agent-venue]").focus();
  if (!chosen.length) return toast(t("agents_choose_team"));
  try {
    const made = await postJson(`/api/contests/${cid}/agents`, { venue, teams: chosen }, auth());
    setText($("[data-agent-snippet]"), agentSnippet(made, made.agent_token));
    show($("[data-agent-created]"), true);
    $("[data-agent-new]").open = false;
    $("[data-agent-form]").reset();
    await load();
  } catch (error) {
    toastError(error);
  }
}

async function copySnippet() {
  const text = $("[data-agent-snippet]").textContent;
  try {
    await navigator.clipboard.writeText(text);
    toast(t("agents_copied"));
  } catch (error) {
    // No clipboard (plain http on another machine): select the text for Ctrl+C instead.
    const range = document.createRange();
    range.selectNodeContents($("[data-agent-snippet]"));
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
}

function forgetSnippet() {
  setText($("[data-agent-snippet]"), "");
  show($("[data-agent-created]"), false);
}

$("[data-check-toggle]").addEventListener("click", toggleCheck);
$("[data-agent-form]").addEventListener("submit", createAgent);
$("[data-agent-copy]").addEventListener("click", copySnippet);
$("[data-agent-created-close]").addEventListener("click", forgetSnippet);
setInterval(() => {
  if (live.size) draw(); // "last heard" ages between two messages
}, 2000);
