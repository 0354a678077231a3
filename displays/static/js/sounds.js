// The big screen's optional sounds (issue 16, docs/displays.md "Sounds"): a short cue when a team
// wins the buzz, when an answer clock or a question's timer runs out, and at the reveal.
//
// The cues are synthesized with the Web Audio API (no audio files). They are off by default; the
// screen's sound button turns them on (and is the user gesture a browser wants before it plays
// anything), a `?sound=on` link shows a one-tap "turn the sound on" prompt instead, and the
// choice and the volume are kept in this browser. A browser without Web Audio hides the control.
//
// Each cue plays once per event, keyed on the question (and, for a buzz, its buzz window; for a
// time-up, the deadline): views the screen only catches up with — the snapshot after a (re)load,
// the backlog after a reconnect, whose seq is at most the welcome's — play nothing, and neither
// does a view sent again. Nothing plays while the contest is paused (its clocks stand still).
// Every cue played is recorded in `window.__quizSounds` and as a `screen:sound` event (tests and
// kiosk tooling), so what plays can be checked without listening.

import { t } from "./i18n.js";
import { $, countdownTarget, setText, show } from "./render.js";

const SETTINGS_KEY = "bsq.screen.sound"; // per browser, for every contest
const DEFAULT_VOLUME = 0.7;
// A timer the server fired a little before this screen's clock reached it (clock sync is good
// to some tens of ms; a busy screen draws late) still counts as running out.
const GRACE_MS = 1500;
const STALE_MS = 10_000; // a deadline this long gone is not news any more
const TIME_UP_COUNTDOWNS = new Set(["countdown_buzz", "countdown_answer", "countdown_deadline", "countdown_extended"]);
const TIME_UP_EVENTS = ["judged", "answers_locked", "question_closed"];

// The cues as notes: [frequency in Hz, start in s, length in s, waveform, loudness 0–1].
const CUES = {
  // two quick rising notes: someone pressed first
  buzz: [
    [880, 0, 0.12, "square", 0.35],
    [1318.5, 0.1, 0.25, "square", 0.35],
  ],
  // a low, falling buzzer: the time is up
  timeup: [
    [233, 0, 0.32, "sawtooth", 0.4],
    [185, 0.3, 0.5, "sawtooth", 0.4],
  ],
  // a rising major chord, ringing out: the answer
  reveal: [
    [523.25, 0, 0.7, "triangle", 0.6],
    [659.25, 0.09, 0.7, "triangle", 0.6],
    [783.99, 0.18, 0.9, "triangle", 0.6],
    [1046.5, 0.27, 1.1, "triangle", 0.5],
  ],
};

const AudioContextClass = window.AudioContext || window.webkitAudioContext;

let settings = readSettings();
let audio = null; // {context, master} once the sound has been turned on in this page
let lastView = null;
let watching = null; // the time-up countdown seen running: {key, dueMs}
const played = new Set();

window.__quizSounds = [];

function readSettings() {
  try {
    const stored = JSON.parse(localStorage.getItem(SETTINGS_KEY) || "{}");
    const volume = Number(stored.volume);
    return { on: stored.on === true, volume: Number.isFinite(volume) ? clamp(volume) : DEFAULT_VOLUME };
  } catch (error) {
    return { on: false, volume: DEFAULT_VOLUME };
  }
}

function saveSettings() {
  localStorage.setItem(SETTINGS_KEY, JSON.stringify(settings));
}

function clamp(volume) {
  return Math.min(1, Math.max(0, volume));
}

// --- the control ------------------------------------------------------------------------------

/** Set up the sound button, the volume and the `?sound=` prompt (once, at page load). */
export function init() {
  const control = $("[data-sound-control]");
  if (!control || !AudioContextClass) return; // no Web Audio: no control, no prompt
  show(control, true);
  const asked = new URLSearchParams(location.search).get("sound");
  if (asked === "off" && settings.on) {
    settings.on = false;
    saveSettings();
  }
  $("[data-sound-toggle]", control).addEventListener("click", () => setOn(!settings.on));
  const volume = $("[data-sound-volume]", control);
  volume.value = String(Math.round(settings.volume * 100));
  volume.addEventListener("input", () => {
    settings.volume = clamp(Number(volume.value) / 100);
    saveSettings();
    if (audio) audio.master.gain.value = settings.volume;
  });
  $("[data-sound-enable]").addEventListener("click", () => setOn(true));
  if (settings.on) start(); // a kiosk browser may allow it without a gesture; else the prompt
  drawControl(asked === "on");
  // any tap or key on the screen is a gesture that lets a waiting sound start
  for (const type of ["pointerdown", "keydown"]) {
    document.addEventListener(type, () => {
      if (settings.on) start().then(() => drawControl(false));
    });
  }
}

function setOn(on) {
  settings.on = on;
  saveSettings();
  if (on) start().then(() => drawControl(false));
  drawControl(false);
}

/** Create or wake the audio context (inside a user gesture, so the browser lets it run). */
function start() {
  if (!audio) {
    const context = new AudioContextClass();
    const master = context.createGain();
    master.gain.value = settings.volume;
    master.connect(context.destination);
    audio = { context, master };
    context.addEventListener("statechange", () => drawControl(false));
  }
  return audio.context.state === "running" ? Promise.resolve() : audio.context.resume().catch(() => {});
}

function running() {
  return Boolean(audio) && audio.context.state === "running";
}

function drawControl(asked) {
  const control = $("[data-sound-control]");
  if (!control || !AudioContextClass) return;
  const toggle = $("[data-sound-toggle]", control);
  toggle.setAttribute("aria-pressed", String(settings.on));
  toggle.classList.toggle("on", settings.on);
  setText($("[data-sound-label]", control), settings.on ? t("sound_on") : t("sound_off"));
  show($("[data-sound-volume]", control), settings.on);
  // the prompt: asked for by the link, or on but the browser is still waiting for a gesture
  const prompt = $("[data-sound-prompt]");
  const waiting = settings.on && !running();
  show(prompt, (asked && !running()) || waiting || (!prompt.hidden && !running()));
}

// --- cues -------------------------------------------------------------------------------------

/**
 * Each view message of the screen: the cues of the events it brings.
 * @param {object} message the view message ({seq, snapshot, events, view})
 * @param {{now: number|null, welcomeSeq: number}} clock server time in ms; the welcome's seq
 */
export function view(message, { now, welcomeSeq }) {
  const current = message.view;
  const q = current.question;
  const live = !message.snapshot && typeof message.seq === "number" && message.seq > welcomeSeq;
  const paused = Boolean(current.contest && current.contest.paused);
  const events = message.events || [];
  const cues = [];
  if (q && q.answering_team && events.includes("buzz_awarded")) cues.push(["buzz", buzzKey(q)]);
  if (q && q.phase === "revealed" && events.includes("answer_revealed")) cues.push(["reveal", revealKey(q)]);
  // the server ran a clock out before this screen's own tick saw it reach zero
  const before = timeUpTarget(lastView, now);
  if (before && now !== null && TIME_UP_EVENTS.some((type) => events.includes(type))) {
    if (before.dueMs <= now + GRACE_MS && before.dueMs >= now - STALE_MS) cues.push(["timeup", before.key]);
  }
  lastView = current;
  for (const [cue, key] of cues) {
    if (live && !paused) play(cue, key);
    else played.add(key); // caught up with, not news: never played later either
  }
  // a state the screen starts from (or catches up with) has had its cues
  if (!live && q && q.answering_team) played.add(buzzKey(q));
  if (!live && q && q.phase === "revealed") played.add(revealKey(q));
  tick(current, now);
}

/** Every clock tick of the screen (and after each view): a countdown reaching zero. */
export function tick(current, now) {
  const paused = Boolean(current && current.contest && current.contest.paused);
  const target = paused || now === null ? null : timeUpTarget(current, now);
  if (!target) {
    watching = null; // a pause or a change of phase: watch again once it runs
    return;
  }
  if (now < target.dueMs) {
    watching = target;
  } else if (watching && watching.key === target.key) {
    watching = null;
    play("timeup", target.key);
  }
}

/** A buzz is one team winning one buzz window of one question. */
function buzzKey(q) {
  return `buzz:${q.round_index}:${q.index}:${q.buzz ? q.buzz.window_opened_at : ""}:${q.answering_team}`;
}

function revealKey(q) {
  return `reveal:${q.round_index}:${q.index}`;
}

/** The countdown whose end is a time-up ({key, dueMs}), or null. */
function timeUpTarget(current, now) {
  const q = current && current.question;
  if (!q) return null;
  const target = countdownTarget(q, now);
  if (!target || !TIME_UP_COUNTDOWNS.has(target.key)) return null;
  return { key: `timeup:${q.round_index}:${q.index}:${target.key}:${target.due}`, dueMs: target.due / 1000 };
}

function play(cue, key) {
  if (played.has(key)) return;
  played.add(key);
  if (!settings.on || !running()) return;
  const { context, master } = audio;
  const at = context.currentTime + 0.02;
  for (const [frequency, start, length, wave, loudness] of CUES[cue]) {
    const oscillator = context.createOscillator();
    const envelope = context.createGain();
    oscillator.type = wave;
    oscillator.frequency.value = frequency;
    // a soft attack and an exponential fade, so no note clicks
    envelope.gain.setValueAtTime(0.0001, at + start);
    envelope.gain.exponentialRampToValueAtTime(loudness, at + start + 0.015);
    envelope.gain.exponentialRampToValueAtTime(0.0001, at + start + length);
    oscillator.connect(envelope).connect(master);
    oscillator.start(at + start);
    oscillator.stop(at + start + length + 0.05);
  }
  window.__quizSounds.push({ cue, key });
  document.dispatchEvent(new CustomEvent("screen:sound", { detail: { cue, key } }));
}
