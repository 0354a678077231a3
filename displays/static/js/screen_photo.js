// The big screen's photo finish (issue 14, docs/displays.md): when a buzz is decided between two
// or more presses, a panel races each team's press to the line — the earliest arrives first —
// then shows by how much each was behind (+ms) and who won, in the screen's language, for a few
// seconds. It uses the public photo finish of the view (`question.buzz`: team, counted press time,
// tablet or box, tie and draw); the anti-cheat details are the host's only (docs/game-rules.md).

import { formatNumber, t } from "./i18n.js";
import { $, h, setText, show, teamDirectory } from "./render.js";

const SHOW_MS = 5500; // on screen after the decision (the race and its result, then the question again)
const RACE_S = 1.2; // the winner's lane takes this long; the others later, by their margin

let timer = null;
let shown = null; // the decision on screen (its window), so a repeated view does not replay it

/** Each view of the screen, with the event types it follows. */
export function draw(view, events) {
  const panel = $("[data-screen-photo]");
  if (!panel) return;
  const q = view.question;
  const photo = q && q.buzz;
  if (!photo || !q || !["answering", "closed", "revealed"].includes(q.phase)) {
    if (!photo || !q) hide(panel);
    return;
  }
  if (!events.includes("buzz_awarded") || photo.presses.length < 2) return;
  const key = `${q.round_index}:${q.index}:${photo.window_opened_at}`;
  if (key === shown) return;
  shown = key;
  race(panel, photo, teamDirectory(view));
}

/** Hide the panel (a new question, or its time is up). */
function hide(panel) {
  clearTimeout(timer);
  show(panel, false);
  panel.classList.remove("racing");
}

function margin(us) {
  return `+${formatNumber(Math.round(us / 100) / 10)} ms`;
}

function race(panel, photo, teams) {
  const first = photo.presses[0].effective_at;
  const last = photo.presses[photo.presses.length - 1].effective_at;
  const spread = Math.max(1, last - first);
  const tied = photo.tied || [];
  $("[data-screen-photo-lanes]", panel).replaceChildren(
    ...photo.presses.map((press) => {
      const team = teams.get(press.team_id);
      const behind = press.effective_at - first;
      const lane = h(
        "li",
        {
          class: [
            "screen-photo-lane",
            press.team_id === photo.winner ? "winner" : "",
            tied.length > 1 && tied.includes(press.team_id) ? "tied" : "",
          ]
            .join(" ")
            .trim(),
          data: { team: press.team_id, source: press.source },
        },
        h("span", { class: "screen-photo-team", text: team ? team.name : press.team_id }),
        h("span", { class: "screen-photo-track" }, h("span", { class: "screen-photo-bar" })),
        h("span", { class: "screen-photo-margin", text: behind ? margin(behind) : "0 ms" }),
      );
      lane.style.setProperty("--team-colour", (team && team.colour) || "#888");
      // the winner's bar takes RACE_S; the slowest twice as long, the others in proportion
      lane.style.setProperty("--race", `${(RACE_S * (1 + behind / spread)).toFixed(3)}s`);
      return lane;
    }),
  );
  const name = (id) => (teams.get(id) ? teams.get(id).name : id);
  setText(
    $("[data-screen-photo-outcome]", panel),
    tied.length > 1
      ? t("pf_tie", { teams: tied.map(name).join(", "), draw: photo.draw, team: name(photo.winner) })
      : t("pf_winner", { team: name(photo.winner) }),
  );
  panel.classList.remove("racing");
  show(panel, true);
  void panel.offsetWidth; // restart the race
  panel.classList.add("racing");
  clearTimeout(timer);
  timer = setTimeout(() => hide(panel), SHOW_MS);
}
