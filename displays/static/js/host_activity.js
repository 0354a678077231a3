// The host console's activity log, rebuilt from the contest's event log when the console opens.
//
// The console logs what its own commands did while it is open; a reload used to lose that. On the
// first view after the console connects, it asks for the newest events of the log
// (GET /api/contests/{id}/events?after=…, with the host secret, docs/api.md) and writes one line
// per event a host cares about, naming who did it: the host (commands), a team or a player (joins,
// buzzes, false starts, answers), or the clock (an answer that ran out of time). Events that only
// carry bookkeeping (accepted presses, timers, latencies, setup) are left out.

import { getJson } from "./client.js";
import { config, has, t } from "./i18n.js";
import { h, playerLabels, teamDirectory, teamName } from "./render.js";

/** How many of the newest events are read back. */
const BACKLOG = 300;

/** The event types a host command causes, and the command's name in the log. */
const HOST_EVENTS = {
  contest_started: "cmd_start_contest",
  round_started: "cmd_start_round",
  question_shown: "cmd_show_question",
  buzzers_armed: "cmd_open_buzzers",
  answers_locked: "cmd_lock_answers",
  answer_revealed: "cmd_reveal",
  question_skipped: "cmd_skip_question",
  round_finished: "cmd_end_round",
  contest_paused: "cmd_pause",
  contest_resumed: "cmd_resume",
  judgement_undone: "cmd_undo_judgement",
  tiebreak_started: "cmd_start_tiebreak",
  contest_finished: "cmd_end_contest",
};

/**
 * One line of the log for an event row ({seq, type, at, event}) — {who, what} — or null when the
 * host need not see it.
 */
export function describeEvent(row, view, names) {
  const teams = teamDirectory(view);
  const event = row.event || {};
  const host = t("log_by_host");
  const team = (id) => teamName(teams, id);
  const player = (id) => (id && names.get(id)) || "";
  switch (row.type) {
    case "round_started":
      return { who: host, what: `${t("cmd_start_round")} ${event.round_index + 1}` };
    case "question_shown":
      return { who: host, what: `${t("cmd_show_question")} ${event.round_index + 1}.${event.question_index + 1}` };
    case "judged":
      if (event.by === "timeout") return { who: team(event.team_id), what: t("log_out_of_time") };
      return { who: host, what: `${team(event.team_id)}: ${t(event.correct ? "judge_correct" : "judge_wrong")}` };
    case "score_changed":
      if (event.reason !== "adjustment") return null;
      return {
        who: host,
        what: `${t("cmd_adjust_score")}: ${team(event.team_id)} ${event.delta > 0 ? "+" : ""}${event.delta}${event.note ? ` (${event.note})` : ""}`,
      };
    case "player_joined":
      return { who: event.player.display_name, what: t("log_player_joined", { team: team(event.player.team_id) }) };
    case "player_removed":
      return { who: host, what: `${t("remove_player")}: ${player(event.player_id)}` };
    case "false_start":
      return { who: player(event.player_id) || team(event.team_id), what: t("log_false_start", { team: team(event.team_id) }) };
    case "false_start_forgiven":
      return { who: host, what: t("log_false_start_forgiven", { team: team(event.team_id) }) };
    case "buzz_awarded":
      return { who: team(event.photo.winner), what: t("buzzed_first", { team: team(event.photo.winner) }) };
    case "answer_submitted":
      return { who: player(event.player_id), what: t("log_answered", { team: team(event.team_id) }) };
    default:
      if (row.type in HOST_EVENTS && has(HOST_EVENTS[row.type])) return { who: host, what: t(HOST_EVENTS[row.type]) };
      return null;
  }
}

/**
 * Replace the activity list with the newest events of the log (newest first, at most `limit`).
 * @param {HTMLElement} list the console's activity <ol>
 * @param {object} view the host view (team and player names)
 * @param {number} seq the sequence number of that view
 * @param {string} secret the host secret
 * @param {number} limit
 */
export async function rebuildActivity(list, view, seq, secret, limit) {
  const after = Math.max(0, seq - BACKLOG);
  const path = `/api/contests/${encodeURIComponent(config.contest_id)}/events?after=${after}`;
  const answer = await getJson(path, { Authorization: `Bearer ${secret}` });
  const names = playerLabels(view.players || []);
  for (const row of answer.events || []) {
    if (row.type === "player_joined") names.set(row.event.player.id, names.get(row.event.player.id) || row.event.player.display_name);
  }
  const lines = [];
  for (const row of answer.events || []) {
    const line = describeEvent(row, view, names);
    if (!line) continue;
    const time = new Date(row.at / 1000).toLocaleTimeString(config.lang, { hour12: false });
    lines.push(h("li", { class: "from-log", data: { seq: row.seq }, text: `${time} ${line.who} — ${line.what}` }));
  }
  const live = [...list.children].filter((item) => !item.classList.contains("from-log"));
  list.replaceChildren(...live, ...lines.reverse().slice(0, Math.max(0, limit - live.length)));
}
