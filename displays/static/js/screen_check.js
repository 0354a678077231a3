// The big screen during the host's buzzer check (issue 12, docs/protocol.md §3.7): while the check
// is on, a large "Buzzer check" overlay covers the screen; every `check_press` flashes the team's
// name in its colour for a moment, so the venue sees which buzzer was pressed. screen.js hands
// this module every WebSocket message (`message`) and each view (`view`, for the teams' names and
// colours).

import { t } from "./i18n.js";
import { $, setText, show, teamDirectory } from "./render.js";

const LIGHT_MS = 1500; // as long as the box lamp stays steady

let teams = new Map();
let timer = null;

/** Each view: the teams to name and colour. */
export function view(screenView) {
  teams = teamDirectory(screenView);
}

/** Every WebSocket message of the screen's connection. */
export function message(msg) {
  const overlay = $("[data-check-overlay]");
  if (!overlay) return;
  if (msg.type === "check") {
    show(overlay, Boolean(msg.on));
    if (!msg.on) clear(overlay);
  } else if (msg.type === "check_press") {
    show(overlay, true);
    const team = teams.get(msg.team_id);
    const flash = $("[data-check-team]", overlay);
    setText(flash, team ? team.name : msg.team_id);
    flash.style.setProperty("--team-colour", (team && team.colour) || "#888");
    overlay.classList.remove("lit");
    void overlay.offsetWidth; // restart the flash for a second press
    overlay.classList.add("lit");
    clearTimeout(timer);
    timer = setTimeout(() => clear(overlay), LIGHT_MS);
  }
}

function clear(overlay) {
  overlay.classList.remove("lit");
  setText($("[data-check-team]", overlay), t("check_screen_hint"));
  $("[data-check-team]", overlay).style.removeProperty("--team-colour");
}
