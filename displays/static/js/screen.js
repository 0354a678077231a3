// The venue's big screen: the question in the screen's language, its image, the countdown, who
// buzzed, the reveal with its explanation, and the scoreboard — full screen between questions.
// Role `display` with its screen token (docs/protocol.md §3.1); countdowns follow the server's
// clock via `time`.

import { ContestClient } from "./client.js";
import { fitToBox } from "./fit.js";
import { config, lang } from "./i18n.js";
import { drawLobby, drawPodium } from "./lobby.js";
import * as buzzerCheck from "./screen_check.js"; // the host's buzzer check overlay
import * as photoFinish from "./screen_photo.js"; // the animated photo finish of each buzz
import * as sounds from "./sounds.js"; // the optional cues for a buzz, a time-up and the reveal
import {
  $,
  renderCountdown,
  renderHeader,
  renderQuestion,
  renderScoreboard,
  statusReporter,
  toastError,
} from "./render.js";

let view = null;

// The screen token comes in the link's fragment (#token=…, never sent to a server or a log); it is
// kept in this browser for the contest, so a reload or a restarted screen computer goes on.
const TOKEN_KEY = `bsq.screen.${config.contest_id}`;

function screenToken() {
  const params = new URLSearchParams(location.hash.replace(/^#/, ""));
  const fresh = params.get("token");
  if (location.hash) history.replaceState(null, "", location.pathname + location.search);
  if (fresh) localStorage.setItem(TOKEN_KEY, fresh);
  return localStorage.getItem(TOKEN_KEY);
}

const token = screenToken();

const client = new ContestClient({
  contestId: config.contest_id,
  hello: () => ({ type: "hello", role: "display", token, lang }),
  closeKeys: { 4001: "conn_screen_link" },
  syncTime: true,
  onView: (message) => {
    view = message.view;
    buzzerCheck.view(view);
    draw(message.events || []);
    sounds.view(message, { now: client.serverNow(), welcomeSeq: client.welcome ? client.welcome.seq : 0 });
  },
  onMessage: (message) => buzzerCheck.message(message),
  onStatus: statusReporter(),
  // a missing or wrong screen token is said once, by the close (4001 → conn_screen_link), not
  // also by the generic "unauthorized" error the server sends before it
  onError: (error) => {
    if (error.code !== "unauthorized") toastError(error);
  },
});

function draw(events) {
  renderHeader(view);
  drawLobby(view, token); // before the start: join codes and who joined (lobby.js)
  drawPodium(view); // after the end: the first three places
  renderScoreboard(view);
  renderQuestion(view, { events });
  photoFinish.draw(view, events);
  const betweenQuestions = !view.question || (view.contest && view.contest.status === "finished");
  $(".screen-layout").classList.toggle("scores-only", betweenQuestions);
  renderCountdown(view, client.serverNow());
  fitScreen();
}

let scoreboardShape = "";

/** Scale the question and the scoreboard down until nothing overflows the screen (fit.js). */
function fitScreen() {
  fitToBox($(".screen-stage [data-question]"));
  // The scoreboard changes its size only with its teams, the layout or the screen (the scores
  // have a fixed column), and measuring its table is slow: fitted again only then.
  const board = $(".screen-side [data-scoreboard]");
  const shape = [
    ...(view.scoreboard || []).map((row) => `${row.name} ${row.venue}`),
    view.contest && view.contest.status,
    $(".screen-layout").className,
    window.innerWidth,
    window.innerHeight,
  ].join("|");
  if (shape !== scoreboardShape) {
    scoreboardShape = shape;
    fitToBox(board, { heightOnly: true });
  }
  // for tests and kiosk tooling: the view is on screen and fitted
  document.dispatchEvent(new CustomEvent("screen:drawn", { detail: { seq: client.lastSeq } }));
}

window.addEventListener("resize", () => {
  if (view) fitScreen();
});

setInterval(() => {
  if (!view) return;
  renderCountdown(view, client.serverNow());
  sounds.tick(view, client.serverNow());
}, 200);

sounds.init();
client.connect();
