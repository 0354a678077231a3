// The venue's big screen: the question in the screen's language, its image, the countdown, who
// buzzed, the reveal with its explanation, and the scoreboard — full screen between questions.
// Role `display` (docs/protocol.md §3.1); countdowns follow the server's clock via `time`.

import { ContestClient } from "./client.js";
import { config, lang } from "./i18n.js";
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

const client = new ContestClient({
  contestId: config.contest_id,
  hello: () => ({ type: "hello", role: "display", lang }),
  syncTime: true,
  onView: (message) => {
    view = message.view;
    draw(message.events || []);
  },
  onStatus: statusReporter(),
  onError: toastError,
});

function draw(events) {
  renderHeader(view);
  renderScoreboard(view);
  renderQuestion(view, { events });
  const betweenQuestions = !view.question || (view.contest && view.contest.status === "finished");
  $(".screen-layout").classList.toggle("scores-only", betweenQuestions);
  renderCountdown(view, client.serverNow());
}

setInterval(() => {
  if (view) renderCountdown(view, client.serverNow());
}, 200);

client.connect();
