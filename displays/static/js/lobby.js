// The big screen's lobby before the start: the contest's title and start time, each team's join
// QR code and code, and the players who joined — then a clear "let's begin" when the host starts.
//
// The lobby comes from GET /api/contests/{id}/lobby with the screen's token (docs/api.md), asked
// again every few seconds while the contest waits, so new players appear as they join. The start
// time comes from the server (the contest's starts_at, set when it was created); a screen link's
// ?starts=2026-05-14T18:00 (local time) overrides it, e.g. for a venue that starts later.

import { config, lang, t } from "./i18n.js";
import { $, h, setText, show } from "./render.js";

const POLL_MS = 3000;
const GO_MS = 4000;
let timer = null;
let shown = false;

function startsAt(fromServer) {
  const raw = new URLSearchParams(location.search).get("starts") || fromServer;
  if (!raw) return "";
  const when = new Date(raw);
  if (Number.isNaN(when.getTime())) return "";
  const sameDay = when.toDateString() === new Date().toDateString();
  const time = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
  const options = sameDay ? time : { year: "numeric", month: "long", day: "numeric", ...time };
  return when.toLocaleString(lang, options);
}

// The server's QR code (segno's inline SVG, without an xmlns: parsed as HTML it is SVG).
function svgFrom(text) {
  const holder = document.createElement("template");
  holder.innerHTML = text;
  holder.content.querySelectorAll("script, foreignObject").forEach((node) => node.remove());
  const svg = holder.content.querySelector("svg");
  if (svg) svg.setAttribute("role", "img");
  return svg;
}

function teamCard(team) {
  const qr = team.qr_svg ? svgFrom(team.qr_svg) : null;
  if (qr) qr.setAttribute("aria-label", team.join_url);
  const players = team.players.length
    ? h("ul", { class: "lobby-players" }, ...team.players.map((name) => h("li", { text: name })))
    : h("p", { class: "lobby-none", text: t("lobby_waiting_players") });
  return h(
    "article",
    { class: "lobby-team", style: `--team:${team.colour}`, data: { teamId: team.team_id, joinUrl: team.join_url || "" } },
    h("h2", { class: "lobby-team-name", text: team.name }),
    h("p", { class: "lobby-venue", text: team.venue }),
    qr ? h("div", { class: "lobby-qr", data: { qr: team.team_id } }, qr) : null,
    team.join_code ? h("p", { class: "lobby-code", text: team.join_code, data: { joinCode: team.team_id } }) : null,
    h("p", { class: "lobby-count", text: t("lobby_players_n", { n: team.players.length }) }),
    players,
  );
}

async function refresh(token) {
  const response = await fetch(`/api/contests/${encodeURIComponent(config.contest_id)}/lobby`, {
    headers: token ? { Authorization: `Bearer ${token}` } : {},
    cache: "no-store",
  }).catch(() => null);
  if (!response || !response.ok) return;
  const lobby = await response.json();
  if (lobby.status !== "new" && lobby.status !== "setup") return;
  setText($("[data-lobby-title]"), lobby.title);
  drawStart(lobby.starts_at);
  $("[data-lobby-teams]").replaceChildren(...lobby.teams.map(teamCard));
}

function drawStart(fromServer) {
  const when = startsAt(fromServer);
  setText($("[data-lobby-starts]"), when ? t("lobby_starts_at", { time: when }) : "");
  show($("[data-lobby-starts]"), Boolean(when));
}

/**
 * Show the lobby while the contest waits for its start; on the start, leave it with a short
 * "let's begin" banner. Call with every view.
 * @returns {boolean} whether the lobby is on the screen
 */
export function drawLobby(view, token) {
  const status = view.contest ? view.contest.status : "setup";
  const waiting = status === "new" || status === "setup";
  if (waiting && !shown) {
    shown = true;
    drawStart(null);
    refresh(token);
    timer = setInterval(() => refresh(token), POLL_MS);
  } else if (!waiting && shown) {
    shown = false;
    clearInterval(timer);
    const go = $("[data-lobby-go]");
    show(go, status === "running");
    setTimeout(() => show(go, false), GO_MS);
  }
  show($("[data-lobby]"), waiting);
  document.body.classList.toggle("in-lobby", waiting);
  return waiting;
}

/**
 * After the end: the podium — the first three places of the final scoreboard — above it.
 * @returns {boolean} whether the podium is on the screen
 */
export function drawPodium(view) {
  const finished = Boolean(view.contest && view.contest.status === "finished");
  const podium = $("[data-screen-podium]");
  if (finished) {
    const rows = view.scoreboard || [];
    const places = [rows[1], rows[0], rows[2]].filter(Boolean);
    $("[data-screen-podium-places]").replaceChildren(
      ...places.map((row) =>
        h(
          "div",
          { class: `podium-place place-${row.rank}`, data: { rank: row.rank, team: row.team_id } },
          h("div", { class: "podium-name", text: row.name }),
          h("div", { class: "podium-score", text: String(row.score) }),
          h("div", { class: "podium-step", style: `border-top-color:${row.colour}`, text: String(row.rank) }),
        ),
      ),
    );
  }
  if (finished) show($("[data-lobby-go]"), false);
  show(podium, finished);
  return finished;
}
