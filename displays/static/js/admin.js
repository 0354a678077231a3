// The admin area: the contests of this server, a new contest from a question pack, the links of
// its pages and devices, a new host secret to reopen a host console, the participation report.
//
// The admin token is pasted once into the sign-in form and kept in this tab's sessionStorage; it
// is sent only as an Authorization header (never in a URL, so never in a server's log). Creating a
// contest is one request with the whole plan (POST /api/admin/contests, docs/api.md): the server
// checks all of it, then makes the contest with its teams, rounds, screens, agents and kiosks in
// one transaction, or nothing; the page shows the links (and secrets) it answers, once.

import { config, pick, t } from "./i18n.js";
import { $, $$, cloneTemplate, h, setText, show } from "./render.js";

const ADMIN_KEY = "quiz.admin";
const DEFAULT_TEAMS = [
  { name: "Jelgava", city: "Jelgava", library: "", colour: "#c8102e" },
  { name: "Liepāja", city: "Liepāja", library: "", colour: "#0b5cad" },
  { name: "Šiauliai", city: "Šiauliai", library: "", colour: "#17823b" },
];
let packs = [];

class ApiError extends Error {
  constructor(code, message) {
    super(message || code);
    this.code = code;
  }
}

async function call(method, path, { body, secret } = {}) {
  const headers = { Accept: "application/json" };
  if (secret) headers.Authorization = `Bearer ${secret}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store" });
  } catch (error) {
    throw new ApiError("network");
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(data?.error?.code || "unknown", data?.error?.message);
  return data;
}

const adminToken = () => sessionStorage.getItem(ADMIN_KEY) || "";
const admin = (method, path, body) => call(method, path, { body, secret: adminToken() });
const errorText = (error) => {
  const key = `error_${error.code}`;
  const text = t(key);
  return text === key ? t("error_unknown", { code: error.code }) : text;
};

function showError(selector, error) {
  const element = $(selector);
  setText(element, error ? `${errorText(error)}${error.message && error.message !== error.code ? ` (${error.message})` : ""}` : "");
  show(element, Boolean(error));
}

// --- sign in -----------------------------------------------------------------------------------

async function signIn(event) {
  event.preventDefault();
  sessionStorage.setItem(ADMIN_KEY, $("[data-admin-token]").value.trim());
  $("[data-admin-token]").value = "";
  await enter();
}

async function enter() {
  try {
    await loadContests();
  } catch (error) {
    sessionStorage.removeItem(ADMIN_KEY);
    showError("[data-signin-error]", error);
    show($("[data-signin]"), true);
    show($("[data-admin-main]"), false);
    return;
  }
  showError("[data-signin-error]", null);
  show($("[data-signin]"), false);
  show($("[data-admin-main]"), true);
  await loadPacks();
  document.body.dataset.ready = "true";
}

function signOut() {
  sessionStorage.removeItem(ADMIN_KEY);
  show($("[data-admin-main]"), false);
  show($("[data-signin]"), true);
}

// --- contests ----------------------------------------------------------------------------------

async function loadContests() {
  const { contests } = await admin("GET", "/api/admin/contests");
  const lists = { setup: [], running: [], finished: [] };
  for (const contest of contests) (lists[contest.status] || lists.setup).push(contest);
  for (const [status, items] of Object.entries(lists)) {
    const list = $(`[data-list="${status}"]`);
    list.replaceChildren(...(items.length ? items.map(contestItem) : [h("li", { class: "muted", text: t("admin_none") })]));
  }
}

function contestItem(contest) {
  const id = encodeURIComponent(contest.contest_id);
  return h(
    "li",
    { data: { contestId: contest.contest_id } },
    h("span", { class: "contest-name", text: contest.title }),
    h("small", { text: `${contest.contest_id} · ${t("admin_created")} ${new Date(contest.created_at).toLocaleString(config.lang)}` }),
    h(
      "span",
      { class: "button-row" },
      h("button", { type: "button", class: "small", text: t("admin_open_host"), data: { openHost: contest.contest_id }, onclick: () => openHost(contest.contest_id) }),
      h("a", { href: `/results/${id}?lang=${config.lang}`, text: t("admin_results"), data: { resultsLink: "" } }),
    ),
  );
}

async function openHost(contestId) {
  if (!window.confirm(t("admin_confirm_rotate"))) return;
  try {
    const answer = await admin("POST", `/api/admin/contests/${encodeURIComponent(contestId)}/host-secret`, {});
    const [path, fragment] = answer.url.split("#");
    window.open(`${path}?lang=${config.lang}#${fragment}`, "_blank", "noopener");
  } catch (error) {
    window.alert(errorText(error));
  }
}

// --- packs and the new contest's form -----------------------------------------------------------

async function loadPacks() {
  ({ packs } = await admin("GET", "/api/admin/packs"));
  const select = $("[data-c-pack]");
  select.replaceChildren(...packs.map((p) => h("option", { value: p.pack, text: `${pick(p.title) || p.pack} (${p.questions})` })));
  for (const row of $$(".round-row")) fillRoundChoices(row);
}

const currentPack = () => packs.find((p) => p.pack === $("[data-c-pack]").value) || packs[0];

function addTeam(team = { name: "", city: "", library: "", colour: "#3366cc" }) {
  const row = cloneTemplate("#tpl-team-row");
  $("[data-t-name]", row).value = team.name;
  $("[data-t-city]", row).value = team.city;
  $("[data-t-library]", row).value = team.library;
  $("[data-t-colour]", row).value = team.colour;
  $("[data-remove]", row).addEventListener("click", () => row.remove());
  $("[data-team-rows]").append(row);
}

function fillRoundChoices(row) {
  const pack = currentPack();
  if (!pack) return;
  const any = () => h("option", { value: "", text: t("admin_any") });
  $("[data-r-topic]", row).replaceChildren(any(), ...pack.topics.map((topic) => h("option", { value: topic, text: topic })));
  $("[data-r-difficulty]", row).replaceChildren(any(), ...pack.difficulties.map((d) => h("option", { value: String(d), text: String(d) })));
}

function addRound(kind = "buzzer") {
  const row = cloneTemplate("#tpl-round-row");
  $("[data-r-kind]", row).value = kind;
  if (kind !== "buzzer") $("[data-r-penalty]", row).value = "0";
  fillRoundChoices(row);
  $("[data-remove]", row).addEventListener("click", () => row.remove());
  $("[data-r-preview]", row).addEventListener("click", () => preview(row));
  $("[data-r-mode]", row).addEventListener("change", () => {
    show($("[data-r-count-label]", row), $("[data-r-mode]", row).value === "topic");
    preview(row);
  });
  $("[data-round-rows]").append(row);
}

async function preview(row) {
  const pack = currentPack();
  const params = new URLSearchParams();
  if ($("[data-r-topic]", row).value) params.set("topic", $("[data-r-topic]", row).value);
  if ($("[data-r-difficulty]", row).value) params.set("difficulty", $("[data-r-difficulty]", row).value);
  const { questions } = await admin("GET", `/api/admin/packs/${encodeURIComponent(pack.pack)}/questions?${params}`);
  const byHand = $("[data-r-mode]", row).value === "hand";
  const wanted = $("[data-r-kind]", row).value === "estimation";
  const fitting = questions.filter((q) => (q.type === "estimation") === wanted);
  $("[data-r-questions]", row).replaceChildren(
    ...fitting.map((q) => {
      const texts = h(
        "span",
        { class: "preview-text" },
        ...["lv", "lt", "en"].map((code) => h("span", { lang: code, text: q.text[code] || "—" })),
        q.options.length ? h("span", { class: "preview-meta", text: q.options.map((o) => pick(o.text)).join(" · ") }) : null,
        h("span", { class: "preview-meta", text: `${q.id} · ${q.type} · ${q.topic || ""} · ${q.difficulty ?? ""}` }),
      );
      const box = byHand ? h("input", { type: "checkbox", value: q.id, data: { pick: q.id }, onchange: () => countChosen(row) }) : null;
      return h("li", { data: { questionId: q.id } }, h("label", {}, box, texts));
    }),
  );
  countChosen(row);
}

function countChosen(row) {
  const n = $$("[data-pick]:checked", row).length;
  setText($("[data-r-chosen]", row), $("[data-r-mode]", row).value === "hand" ? t("admin_questions_chosen", { n }) : "");
}

function roundRequest(row, pack, index) {
  const kind = $("[data-r-kind]", row).value;
  const points = Number($("[data-r-points]", row).value || 10);
  const time = Number($("[data-r-time]", row).value || 30);
  const rules = { kind, points };
  if (kind === "buzzer") rules.wrong_penalty = Number($("[data-r-penalty]", row).value || 0);
  else rules.time_limit_s = time;
  const title = $("[data-r-title]", row).value.trim();
  const request = { round_id: `r${index + 1}`, rules };
  if (title) request.title = { lv: title, lt: title, en: title };
  if ($("[data-r-mode]", row).value === "hand") {
    request.from_pack = { pack: pack.pack, ids: $$("[data-pick]:checked", row).map((box) => box.value) };
  } else {
    const choice = { pack: pack.pack, count: Number($("[data-r-count]", row).value || 4), seed: Math.floor(Math.random() * 1e9) };
    if ($("[data-r-topic]", row).value) choice.topics = [$("[data-r-topic]", row).value];
    if ($("[data-r-difficulty]", row).value) choice.difficulties = [Number($("[data-r-difficulty]", row).value)];
    if (kind === "estimation") choice.types = ["estimation"];
    request.from_pack = choice;
  }
  return request;
}

async function createContest(event) {
  event.preventDefault();
  const button = $("[data-create]");
  button.disabled = true;
  setText(button, t("admin_creating"));
  showError("[data-create-error]", null);
  try {
    const links = await create();
    showLinks(links);
    await loadContests();
  } catch (error) {
    showError("[data-create-error]", error);
    // The server made nothing (one transaction): say so, so that nobody looks for half a contest.
    if (error.code !== "network") $("[data-create-error]").append(h("br"), t("admin_nothing_created"));
  } finally {
    button.disabled = false;
    setText(button, t("admin_create"));
  }
}

async function create() {
  const pack = currentPack();
  const starts = $("[data-c-starts]").value; // local time of this browser, e.g. 2026-05-14T18:00
  const plan = { title: $("[data-c-title]").value.trim(), languages: ["lv", "lt", "en"], teams: [], rounds: [] };
  if (starts) plan.starts_at = new Date(starts).toISOString(); // stored by the server (0007)
  for (const row of $$(".team-row")) {
    const name = $("[data-t-name]", row).value.trim();
    if (!name) continue;
    const team = { name, venue: $("[data-t-city]", row).value.trim() || name, colour: $("[data-t-colour]", row).value };
    const library = $("[data-t-library]", row).value.trim();
    if (library) team.library = library;
    // Senior and accessible mode (docs/game-rules.md): twice the answering time, no speed bonus;
    // the host can make it untimed from the console.
    if ($("[data-t-senior]", row).checked) team.time_mode = "extended";
    plan.teams.push(team);
  }
  if ($("[data-c-senior]").checked) plan.time_mode = "extended"; // every team of the contest
  plan.rounds = $$(".round-row").map((row, index) => roundRequest(row, pack, index));
  // One request: the server checks the whole plan, then makes the contest, its teams, rounds,
  // screens, agents and kiosks in one transaction — or nothing (docs/api.md).
  const made = await admin("POST", "/api/admin/contests", plan);
  const cid = encodeURIComponent(made.contest_id);
  const [hostPath, hostFragment] = made.urls.host.split("#");
  const links = [{ label: t("admin_link_host"), url: `${hostPath}?lang=${config.lang}#${hostFragment}`, kind: "host" }];
  for (const screen of made.screens) links.push({ label: `${t("admin_link_screen")} — ${screen.venue}`, url: screen.url, kind: "screen" });
  for (const team of made.teams) links.push({ label: `${t("admin_link_tablet")} — ${team.name} (${team.join_code})`, url: team.join_url, kind: "tablet" });
  for (const agent of made.agents) links.push({ label: `${t("admin_link_agent")} — ${agent.venue}: ${agent.agent_id}`, text: agent.agent_token, kind: "agent" });
  for (const kiosk of made.kiosks) {
    const [path, fragment] = kiosk.url.split("#");
    links.push({ label: `${t("admin_link_kiosk")} — ${kiosk.venue} (${kiosk.library})`, url: `${path}?lang=${config.lang}#${fragment}`, kind: "kiosk" });
  }
  links.push({ label: t("admin_link_audience"), url: `/watch/${cid}`, kind: "audience" });
  links.push({ label: t("admin_link_results"), url: `/results/${cid}`, kind: "results" });
  return links;
}

function showLinks(links) {
  $("[data-link-list]").replaceChildren(
    ...links.map((link) =>
      h(
        "li",
        { data: { link: link.kind } },
        `${link.label}: `,
        link.url ? h("a", { href: link.url, target: "_blank", rel: "noopener", text: `${location.origin}${link.url}` }) : h("code", { text: link.text }),
      ),
    ),
  );
  show($("[data-links]"), true);
}

// --- participation -----------------------------------------------------------------------------

const range = () => new URLSearchParams({ from: $("[data-p-from]").value, to: $("[data-p-to]").value });

async function showParticipation(event) {
  event.preventDefault();
  const report = await admin("GET", `/api/admin/participation?${range()}`);
  setText($("[data-p-summary]"), `${t("results_contests")}: ${report.contests.length} · ${t("results_teams")}: ${report.teams} · ${t("results_players_n")}: ${report.players}`);
  const table = (element, header, rows) =>
    element.replaceChildren(
      h("thead", {}, h("tr", {}, ...header.map((cell) => h("th", { text: cell })))),
      h("tbody", {}, ...rows.map((row) => h("tr", {}, ...row.map((cell) => h("td", { text: String(cell) }))))),
    );
  table($("[data-p-contests]"), [t("admin_created"), t("admin_title"), t("results_teams"), t("results_players_n")], report.contests.map((c) => [c.date, c.title, c.teams, c.players]));
  const lines = [];
  for (const [library, generations] of Object.entries(report.by_library)) {
    for (const [g, n] of Object.entries(generations)) lines.push([library, g === "unknown" ? t("gen_none") : t(`gen_${g}`), n]);
  }
  table($("[data-p-libraries]"), [t("results_library"), t("results_generation"), t("results_players_n")], lines);
  show($("[data-participation]"), true);
}

async function downloadParticipation(kind) {
  const path = kind === "xlsx" ? `/api/admin/participation.xlsx?${range()}` : `/api/admin/participation.csv?table=${kind}&${range()}`;
  const response = await fetch(path, { headers: adminToken() ? { Authorization: `Bearer ${adminToken()}` } : {}, cache: "no-store" });
  if (!response.ok) return;
  const url = URL.createObjectURL(await response.blob());
  const link = h("a", { href: url, download: kind === "xlsx" ? "participation.xlsx" : `participation-${kind}.csv` });
  document.body.append(link);
  link.click();
  link.remove();
}

// --- start -------------------------------------------------------------------------------------

function main() {
  show($("[data-conn-status]"), false);
  $("[data-signin-form]").addEventListener("submit", signIn);
  $("[data-sign-out]").addEventListener("click", signOut);
  $("[data-refresh]").addEventListener("click", () => loadContests());
  $("[data-add-team]").addEventListener("click", () => addTeam());
  $("[data-add-round]").addEventListener("click", () => addRound("all_play"));
  $("[data-c-pack]").addEventListener("change", () => $$(".round-row").forEach(fillRoundChoices));
  $("[data-create-form]").addEventListener("submit", createContest);
  $("[data-participation-form]").addEventListener("submit", showParticipation);
  for (const button of $$("[data-p-download]")) button.addEventListener("click", () => downloadParticipation(button.dataset.pDownload));
  const today = new Date().toISOString().slice(0, 10);
  $("[data-p-from]").value = `${today.slice(0, 4)}-01-01`;
  $("[data-p-to]").value = today;
  DEFAULT_TEAMS.forEach(addTeam);
  addRound("buzzer");
  addRound("all_play");
  if (sessionStorage.getItem(ADMIN_KEY) !== null) enter();
  else $("[data-admin-token]").focus();
}

main();
