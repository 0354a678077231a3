// The host console's registered players (issues 13 and 15): every player of the contest with their
// team, generation, library and how they registered — a library card at a kiosk, the librarian's
// fallback (flagged: no card was checked) or the team's join code — and, per player, "delete
// personal data" on their request (POST …/players/{id}/erase: the player leaves the contest and
// their name, card hash and codes are erased; counts stay). Also the link to the results page.
//
// Below them, each team's senior and accessible mode (issue 16, docs/game-rules.md): standard time,
// extended time (twice the answering time in all-play and estimation rounds) or no time limit (the
// team answers until the host locks the answers); neither earns a speed bonus. A change is sent as
// POST …/teams/{id}/time_mode and applies at once, also to a question taking answers; the list
// follows the teams' modes in the host view (host.js hands each view to `view`).
//
// A module of its own beside host.js (which only imports it): it reads the host secret host.js
// keeps in this tab's sessionStorage, and asks GET …/players again every few seconds while the
// console is shown and the tab visible (registrations happen at the kiosks, not on this page's
// WebSocket), and at once after an erasure or a click on "Refresh".

import { getJson, postJson } from "./client.js";
import { confirmAction } from "./host_confirm.js";
import { config, formatNumber, t } from "./i18n.js";
import { $, h, setText, show, toast, toastError } from "./render.js";

const cid = encodeURIComponent(config.contest_id);
const SECRET_KEY = `quiz.host.${config.contest_id}`;
const REFRESH_MS = 5000;
const VIA = ["card", "librarian", "code"];
const TIME_MODES = ["standard", "extended", "untimed"];

let teamNames = new Map();
let teamModes = [];
let drawnModes = "";
let busy = false;

function secret() {
  return sessionStorage.getItem(SECRET_KEY);
}

function auth() {
  return { Authorization: `Bearer ${secret()}` };
}

function consoleShown() {
  const shown = $("[data-console]");
  return Boolean(shown && !shown.hidden && secret());
}

async function loadTeams() {
  const answer = await getJson(`/api/contests/${cid}/teams`, auth());
  teamNames = new Map(answer.teams.map((team) => [team.team_id, team.name]));
}

/** Each host view (from host.js): the teams' time modes, in the order of their names. */
export function view(hostView) {
  if (!$("[data-players-panel]")) return;
  teamModes = (hostView.scoreboard || [])
    .map((row) => ({ id: row.team_id, name: row.name, mode: row.time_mode || "standard" }))
    .sort((a, b) => a.name.localeCompare(b.name, config.lang));
  drawTimeModes();
}

function timeModesBlock() {
  let block = $("[data-time-modes]");
  if (!block) {
    block = h(
      "div",
      { class: "time-modes", data: { timeModes: "" } },
      h("h3", { id: "time-modes-heading", text: t("time_modes_heading") }),
      h("p", {}, h("small", { text: t("time_modes_hint") })),
      h("ul", { class: "time-mode-list", data: { timeModeList: "" } }),
    );
    $("[data-players-panel]").append(block);
  }
  return block;
}

function drawTimeModes() {
  const block = timeModesBlock();
  if (block.contains(document.activeElement)) return; // the host is choosing: redraw later
  const shown = JSON.stringify(teamModes);
  if (shown === drawnModes) return;
  drawnModes = shown;
  $("[data-time-mode-list]", block).replaceChildren(
    ...teamModes.map((team) =>
      h(
        "li",
        { data: { timeModeTeam: team.id, mode: team.mode } },
        h("label", { for: `time-mode-${team.id}`, text: team.name }),
        h(
          "select",
          { id: `time-mode-${team.id}`, data: { timeMode: team.id }, onchange: (event) => setTimeMode(team, event.target.value) },
          ...TIME_MODES.map((mode) =>
            h("option", { value: mode, text: t(`time_mode_${mode}`), selected: mode === team.mode }),
          ),
        ),
      ),
    ),
  );
}

async function setTimeMode(team, mode) {
  try {
    await postJson(`/api/contests/${cid}/teams/${encodeURIComponent(team.id)}/time_mode`, { time_mode: mode }, auth());
    toast(t("time_mode_changed", { team: team.name, mode: t(`time_mode_${mode}`) }), "info");
  } catch (error) {
    toastError(error);
    drawnModes = ""; // refused: the list shows the modes as they are again
  }
  document.activeElement?.blur();
  drawTimeModes(); // a view that came while the host was choosing was not drawn
}

async function refresh() {
  if (busy || !consoleShown() || document.hidden) return;
  busy = true;
  try {
    const answer = await getJson(`/api/contests/${cid}/players`, auth());
    if (answer.players.some((p) => !teamNames.has(p.team_id))) await loadTeams();
    draw(answer.players);
  } catch (error) {
    // The console's own connection reports a refused secret; a passing failure waits for the next turn.
  } finally {
    busy = false;
  }
}

const generation = (g) => (g ? t(`gen_${g}`) : t("gen_none"));

function viaText(via) {
  return t(via === "card" ? "via_card" : via === "librarian" ? "via_librarian" : "via_code");
}

function draw(players) {
  const counts = Object.fromEntries(VIA.map((via) => [via, 0]));
  for (const p of players) if (!p.erased) counts[p.registered_via in counts ? p.registered_via : "code"] += 1;
  const active = players.filter((p) => !p.erased).length;
  setText(
    $("[data-players-summary]"),
    t("players_summary", {
      n: formatNumber(active),
      card: formatNumber(counts.card),
      librarian: formatNumber(counts.librarian),
      code: formatNumber(counts.code),
    }),
  );
  show($("[data-players-none]"), players.length === 0);
  show($("[data-registrations-table]"), players.length > 0);
  $("[data-registrations]").replaceChildren(
    ...players.map((p) =>
      h(
        "tr",
        { data: { registration: p.player_id, via: p.registered_via, erased: p.erased ? "true" : "false" } },
        h("td", { text: p.display_name }),
        h("td", { text: teamNames.get(p.team_id) || p.team_id }),
        h("td", { text: generation(p.generation) }),
        h("td", { text: p.library || "—" }),
        p.registered_via === "librarian"
          ? h("td", {}, h("strong", { class: "librarian-flag", text: viaText(p.registered_via) }))
          : h("td", { text: viaText(p.registered_via) }),
        h(
          "td",
          {},
          p.erased
            ? h("small", { text: t("players_erased") })
            : h("button", {
                type: "button",
                class: "link-button",
                text: t("players_erase"),
                data: { erase: p.player_id },
                onclick: () => erase(p),
              }),
        ),
      ),
    ),
  );
}

async function erase(player) {
  if (!(await confirmAction(t("players_confirm_erase", { name: player.display_name }), t("players_erase")))) return;
  try {
    await postJson(`/api/contests/${cid}/players/${encodeURIComponent(player.player_id)}/erase`, {}, auth());
    toast(t("players_erased"), "info");
  } catch (error) {
    toastError(error);
  }
  await refresh();
}

function start() {
  if (!$("[data-players-panel]")) return;
  $("[data-results-link]").href = `/results/${cid}?lang=${encodeURIComponent(config.lang)}`;
  $("[data-players-refresh]").addEventListener("click", () => refresh());
  document.addEventListener("visibilitychange", () => refresh());
  setInterval(refresh, REFRESH_MS);
  setTimeout(refresh, 300); // after host.js has taken the secret from the link
}

start();
