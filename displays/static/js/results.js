// A contest's results page: podium, ranking with points per round, the score-progression chart,
// per-question statistics and players by library and generation, ready to print.
//
// The host secret (kept by the host console in this tab) or the admin token (kept by the admin
// area) reads the full results and the exports (docs/api.md, "Results"); without either, or when
// they are refused, the page shows the public results — once the contest has finished. The chart
// is an SVG the server draws (pygal) and the page puts inline.

import { getJson } from "./client.js";
import { config, formatNumber, pick, t } from "./i18n.js";
import { $, $$, h, setText, show } from "./render.js";

const cid = encodeURIComponent(config.contest_id);
const HOST_KEY = `quiz.host.${config.contest_id}`;
const ADMIN_KEY = "quiz.admin";

function credentials() {
  return [sessionStorage.getItem(HOST_KEY), sessionStorage.getItem(ADMIN_KEY)].filter(Boolean);
}

async function fetchAuthorized(path) {
  for (const secret of credentials()) {
    const response = await fetch(path, { headers: { Authorization: `Bearer ${secret}` }, cache: "no-store" });
    if (response.ok) return { response, secret };
  }
  return null;
}

async function load() {
  const full = await fetchAuthorized(`/api/contests/${cid}/results`);
  if (full) return { results: await full.response.json(), secret: full.secret };
  return { results: await getJson(`/api/public/contests/${cid}/results`), secret: null };
}

async function chartSvg(secret) {
  const path = secret ? `/api/contests/${cid}/results/chart.svg` : `/api/public/contests/${cid}/results/chart.svg`;
  const response = await fetch(`${path}?lang=${config.lang}`, {
    headers: secret ? { Authorization: `Bearer ${secret}` } : {},
    cache: "no-store",
  });
  if (!response.ok) return null;
  const doc = new DOMParser().parseFromString(await response.text(), "image/svg+xml");
  const svg = doc.documentElement;
  if (svg.nodeName !== "svg") return null;
  svg.querySelectorAll("script").forEach((node) => node.remove());
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", t("results_progression"));
  return document.importNode(svg, true);
}

const percent = (share) => (share === null || share === undefined ? "—" : `${formatNumber(Math.round(share * 100))} %`);
const generation = (g) => (g === "unknown" ? t("gen_none") : t(`gen_${g}`));

function table(element, header, rows) {
  element.replaceChildren(
    h("thead", {}, h("tr", {}, ...header.map((cell) => h("th", { scope: "col", text: String(cell) })))),
    h("tbody", {}, ...rows.map((row) => h("tr", {}, ...row.map((cell) => (cell instanceof Node ? h("td", {}, cell) : h("td", { text: String(cell) })))))),
  );
}

function teamCell(team) {
  return h("span", { class: "team-cell" }, h("span", { class: "swatch", style: `background:${team.colour}` }), team.name);
}

function drawPodium(ranking) {
  const podium = $("[data-podium]");
  const places = [ranking[1], ranking[0], ranking[2]].filter(Boolean);
  podium.replaceChildren(
    ...places.map((team) =>
      h(
        "div",
        { class: `podium-place place-${team.rank}`, data: { rank: team.rank, team: team.team_id } },
        h("div", { class: "podium-name", text: team.name }),
        h("div", { class: "podium-score", text: formatNumber(team.score) }),
        h("div", { class: "podium-step", style: `border-top-color:${team.colour}`, text: String(team.rank) }),
      ),
    ),
  );
}

function draw(results, secret) {
  const title = (r) => {
    const text = pick(r.title);
    return text && text !== r.round_id ? text : t(r.tiebreak ? "kind_tiebreak" : `kind_${r.kind}`);
  };
  const rounds = results.rounds.map((r) => `${r.index + 1}. ${title(r)}`);
  const date = results.finished_at || results.started_at;
  setText($("[data-results-date]"), date ? new Date(date / 1000).toLocaleDateString(config.lang) : "");
  drawPodium(results.ranking);
  table(
    $("[data-ranking]"),
    [t("col_rank"), t("col_team"), t("col_venue"), ...rounds, t("results_adjustments"), t("results_total")],
    results.ranking.map((team) => [team.rank, teamCell(team), team.venue, ...team.per_round, team.other, team.score]),
  );
  const names = Object.fromEntries(results.ranking.map((team) => [team.team_id, team.name]));
  table(
    $("[data-questions]"),
    ["#", t("results_question"), t("results_topic"), t("results_correct_share"), t("results_fastest"), t("results_photo_finish")],
    results.questions.map((q) => [
      `${q.round_index + 1}.${q.question_index + 1}`,
      pick(q.text) + (q.skipped ? ` (${t("results_skipped")})` : ""),
      q.topic || "",
      percent(q.correct_share) +
        (Object.keys(q.correct_by_city).length ? ` — ${Object.entries(q.correct_by_city).map(([city, share]) => `${city} ${percent(share)}`).join(", ")}` : ""),
      q.fastest_team ? `${names[q.fastest_team] || q.fastest_team} · ${formatNumber(Math.round(q.fastest_ms))} ms` : "",
      q.photo_finish_seq.length
        ? secret
          ? h("a", { href: `/api/contests/${cid}/events?after=${q.photo_finish_seq[0] - 1}`, text: `#${q.photo_finish_seq.join(", #")}`, data: { photoFinish: "" } })
          : `#${q.photo_finish_seq.join(", #")}`
        : "",
    ]),
  );
  const shares = (lines) => lines.map((line) => [line.name, `${line.correct} / ${line.answered}`, percent(line.share)]);
  table($("[data-by-team]"), [t("col_team"), t("results_correct_share"), "%"], shares(results.by_team));
  table($("[data-by-city]"), [t("col_venue"), t("results_correct_share"), "%"], shares(results.by_city));
  const players = [];
  for (const [library, generations] of Object.entries(results.players_by_library)) {
    for (const [g, count] of Object.entries(generations)) players.push([library, generation(g), count]);
  }
  table($("[data-players]"), [t("results_library"), t("results_generation"), t("results_players_n")], players);
  drawRegistrations(results, names);
  show($("[data-results]"), true);
  show($("[data-exports]"), Boolean(secret));
  show($("[data-public-note]"), !secret);
}

// How players registered: the counts (also on the public page) and, for the host or the admin, each
// player with team, library, generation and way — the librarian's fallback (card not checked)
// flagged. The public results carry no player lines (docs/api.md), so no names reach that page.
const via = (way) => t(way === "card" ? "via_card" : way === "librarian" ? "via_librarian" : "via_code");

function viaCell(way) {
  return way === "librarian" ? h("strong", { class: "librarian-flag", text: via(way) }) : via(way);
}

function drawRegistrations(results, names) {
  const counts = results.players_by_registration || {};
  const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
  setText(
    $("[data-registration-summary]"),
    t("players_summary", { n: total, card: counts.card || 0, librarian: counts.librarian || 0, code: counts.code || 0 }),
  );
  table(
    $("[data-by-registration]"),
    [t("players_col_via"), t("results_players_n")],
    Object.entries(counts).map(([way, n]) => [viaCell(way), n]),
  );
  for (const [index, way] of Object.keys(counts).entries()) $$("[data-by-registration] tbody tr")[index].dataset.via = way;
  const lines = results.players || [];
  table(
    $("[data-player-list]"),
    [t("results_player"), t("col_team"), t("results_library"), t("results_generation"), t("players_col_via")],
    lines.map((p) => [p.display_name, names[p.team_id] || p.team_id, p.library, generation(p.generation), viaCell(p.registered_via)]),
  );
  for (const [index, p] of lines.entries()) $$("[data-player-list] tbody tr")[index].dataset.via = p.registered_via;
  show($("[data-player-list-section]"), lines.length > 0);
}

async function download(kind, secret) {
  const path = kind === "xlsx" ? `/api/contests/${cid}/results.xlsx?lang=${config.lang}` : `/api/contests/${cid}/results.csv?table=${kind}&lang=${config.lang}`;
  const response = await fetch(path, { headers: { Authorization: `Bearer ${secret}` }, cache: "no-store" });
  if (!response.ok) return;
  const url = URL.createObjectURL(await response.blob());
  const link = h("a", { href: url, download: kind === "xlsx" ? `${config.contest_id}-results.xlsx` : `${config.contest_id}-${kind}.csv` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

async function main() {
  setText($("[data-conn-status]"), "");
  show($("[data-conn-status]"), false);
  $("[data-print]").addEventListener("click", () => window.print());
  let loaded;
  try {
    loaded = await load();
  } catch (error) {
    const error_ = $("[data-results-error]");
    setText(error_, error.code === "not_finished" ? t("results_not_finished") : t(`error_${error.code}`) || error.code);
    show(error_, true);
    return;
  }
  const { results, secret } = loaded;
  setText($("[data-contest-title]"), results.title);
  draw(results, secret);
  for (const button of document.querySelectorAll("[data-export]")) {
    button.addEventListener("click", () => download(button.dataset.export, secret));
  }
  const svg = await chartSvg(secret);
  if (svg) $("[data-chart]").replaceChildren(svg);
  document.body.dataset.ready = "true";
}

main();
