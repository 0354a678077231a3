// The public audience page: the live scoreboard and the question as it is shown, optionally
// running `?delay=` seconds behind (hello `delay`, docs/protocol.md §3.1).

import { ContestClient } from "./client.js";
import { config, lang } from "./i18n.js";
import {
  keepQueryInLanguageLinks,
  renderCountdown,
  renderHeader,
  renderQuestion,
  renderScoreboard,
  statusReporter,
  toastError,
} from "./render.js";

/** The requested delay in whole seconds, 0–600 (the server may hold the stream back longer). */
function requestedDelay() {
  const raw = new URLSearchParams(location.search).get("delay");
  const seconds = Number.parseInt(raw || "0", 10);
  return Number.isFinite(seconds) ? Math.min(600, Math.max(0, seconds)) : 0;
}

const requested = requestedDelay();
let delay = requested; // seconds the stream runs behind; the welcome may say the server's choice
let view = null;

const client = new ContestClient({
  contestId: config.contest_id,
  hello: () => {
    const hello = { type: "hello", role: "audience", lang };
    if (requested > 0) hello.delay = requested;
    return hello;
  },
  onWelcome: (welcome) => {
    // The server never goes below its own minimum delay; it echoes the delay it applies.
    if (typeof welcome.delay === "number") delay = welcome.delay;
  },
  syncTime: true,
  onView: (message) => {
    view = message.view;
    renderHeader(view);
    renderScoreboard(view);
    renderQuestion(view, { events: message.events || [] });
    tick();
  },
  onStatus: statusReporter(),
  onError: toastError,
});

/** The views run `delay` seconds behind, so their countdowns do too. */
function tick() {
  if (!view) return;
  const now = client.serverNow();
  renderCountdown(view, now === null ? null : now - delay * 1000);
}

keepQueryInLanguageLinks(["delay"]);
setInterval(tick, 200);
client.connect();
