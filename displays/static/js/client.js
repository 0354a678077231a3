// The contest WebSocket client every page shares (docs/protocol.md §3).
//
// Theory of operation: one ContestClient per page keeps one socket to /ws/{contest_id}. On open it
// sends `hello` (with the highest `seq` it has seen, so a reconnect resumes instead of starting
// over); each `view` message replaces the page's state; messages with an `id` get a Promise that the
// matching `ack` resolves and the matching `error` rejects with a {code, message} error. Players
// answer `ping` at once with their own clock readings and keep the server's `clock` estimate;
// other roles ask for `time` to align their countdowns. When the socket drops for a reason a retry
// can fix, the client reconnects with exponential back-off (0.5 s doubling to 30 s, with jitter);
// for credentials (4001), unknown contests (4004), refused origins (4003) and client bugs
// (4000, 1009) it stops and tells the page.

/** The device's own high-resolution clock in ms since the epoch — the clock `pressed_at` uses. */
export function deviceNow() {
  return performance.timeOrigin + performance.now();
}

/** A refused or failed request: `code` is a stable error code of docs/protocol.md §4. */
export class ContestError extends Error {
  constructor(code, message) {
    super(message || code);
    this.code = code;
  }
}

const FINAL_CLOSE_CODES = new Map([
  [4000, "conn_client_error"],
  [1009, "conn_client_error"],
  [4001, "conn_auth_failed"],
  [4003, "conn_origin"],
  [4004, "conn_no_contest"],
]);
const ROSTER_KEYS = ["players", "members"];
const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30000;
const TIME_SYNC_INTERVAL_MS = 30000;
const TIME_SAMPLES = 5;

/** A random prefix for this page's message ids (crypto.getRandomValues works on plain http too). */
function randomIdPrefix() {
  const [high, low] = crypto.getRandomValues(new Uint32Array(2));
  return high.toString(36) + low.toString(36);
}

export class ContestClient {
  /**
   * @param {object} options
   * @param {string} options.contestId
   * @param {() => object} options.hello builds the hello message (without last_seq)
   * @param {(message: object) => void} [options.onView] each view message
   * @param {(message: object) => void} [options.onWelcome]
   * @param {(status: {state: string, key?: string, seconds?: number, code?: number}) => void} [options.onStatus]
   * @param {(error: ContestError) => void} [options.onError] errors that answer no request of ours
   * @param {(message: object) => void} [options.onMessage] every message, after handling
   * @param {boolean} [options.syncTime] ask the server for its time (displays, audience, host)
   * @param {string} [options.url] WebSocket URL (default: this page's server)
   * @param {Object<number, string>} [options.closeKeys] message keys for final close codes, where
   *   the page has a better word than the default (a screen's 4001: it needs its link)
   */
  constructor(options) {
    this.options = options;
    this.contestId = options.contestId;
    this.url =
      options.url ||
      `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/${encodeURIComponent(this.contestId)}`;
    this.lastSeq = 0;
    this.lastView = null;
    // Ids are unique per page load ("k3x9q2-7"): the server takes a message with a known id and
    // the same content for a resend and answers it with the first ack (docs/protocol.md §3.4),
    // so a reloaded page or a second console must not count from 1 again.
    this.idPrefix = randomIdPrefix();
    this.nextId = 1;
    this.pending = new Map();
    this.socket = null;
    this.attempt = 0;
    this.stopped = false;
    this.welcome = null;
    // Server time = device time − offset (docs/protocol.md §3.5).
    this.offset = null;
    this.offsetSource = "none";
    this.timeSamples = [];
    this.timeTimer = null;
    this.retryTimer = null;
    window.addEventListener("pagehide", () => this.stop());
  }

  /** Open the connection (again). */
  connect() {
    this.stopped = false;
    clearTimeout(this.retryTimer);
    this.status({ state: "connecting", key: "conn_connecting" });
    let socket;
    try {
      socket = new WebSocket(this.url);
    } catch (error) {
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    socket.addEventListener("open", () => {
      const hello = { ...this.options.hello() };
      if (this.lastSeq > 0) hello.last_seq = this.lastSeq;
      socket.send(JSON.stringify(hello));
    });
    socket.addEventListener("message", (event) => this.receive(event.data, deviceNow()));
    socket.addEventListener("close", (event) => this.closed(socket, event));
  }

  /** Close for good (page left, signed out). */
  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.timeTimer);
    if (this.socket && this.socket.readyState <= WebSocket.OPEN) this.socket.close(1000);
  }

  /** Server time now, in ms (null before any estimate). */
  serverNow() {
    return this.offset === null ? null : deviceNow() - this.offset;
  }

  /**
   * Send a message that has an id; resolves with the ack (or `time` answer), rejects with a
   * ContestError carrying the server's error code.
   */
  request(message) {
    const id = `${this.idPrefix}-${this.nextId++}`;
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN || !this.welcome) {
      return Promise.reject(new ContestError("connection_lost"));
    }
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, sentAt: deviceNow() });
      socket.send(JSON.stringify({ ...message, id }));
    });
  }

  /** A host command (docs/protocol.md §3.4). */
  command(command) {
    return this.request({ type: "command", command });
  }

  // --- incoming --------------------------------------------------------------------------------

  receive(raw, arrivedAt) {
    let message;
    try {
      message = JSON.parse(raw);
    } catch (error) {
      return;
    }
    switch (message.type) {
      case "ping":
        // Answer at once: t1 = arrival on this device's clock, t2 = now (§3.5).
        this.send({ type: "pong", id: message.id, t0: message.t0, t1: arrivedAt, t2: deviceNow() });
        break;
      case "clock":
        if (typeof message.offset === "number") {
          this.offset = message.offset;
          this.offsetSource = "clock";
        }
        break;
      case "welcome":
        this.welcome = message;
        this.attempt = 0;
        if (typeof message.server_time === "number" && this.offsetSource !== "clock") {
          this.offset = arrivedAt - message.server_time;
          this.offsetSource = "welcome";
        }
        this.status({ state: "connected", key: "conn_connected" });
        if (this.options.onWelcome) this.options.onWelcome(message);
        if (this.options.syncTime) this.startTimeSync();
        break;
      case "view":
        if (typeof message.seq === "number") {
          if (message.seq < this.lastSeq && !message.snapshot) break;
          this.lastSeq = Math.max(this.lastSeq, message.seq);
        }
        // The roster (host: players, team: members) is only sent when it changed (§3.3).
        if (message.view && this.lastView) {
          for (const key of ROSTER_KEYS) {
            if (!(key in message.view) && key in this.lastView) message.view[key] = this.lastView[key];
          }
        }
        this.lastView = message.view;
        if (this.options.onView) this.options.onView(message);
        break;
      case "ack":
        this.settle(message.id, (entry) => entry.resolve(message));
        break;
      case "time":
        this.settle(message.id, (entry) => {
          this.timeSample(entry.sentAt, arrivedAt, message.server_time);
          entry.resolve(message);
        });
        break;
      case "error": {
        const error = new ContestError(message.code || "unknown", message.message);
        const answered = message.id !== undefined && message.id !== null && this.pending.has(message.id);
        if (answered) this.settle(message.id, (entry) => entry.reject(error));
        else if (this.options.onError) this.options.onError(error);
        break;
      }
      default:
        break;
    }
    if (this.options.onMessage) this.options.onMessage(message);
  }

  settle(id, action) {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    action(entry);
  }

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  // --- clock for displays ----------------------------------------------------------------------

  startTimeSync() {
    clearInterval(this.timeTimer);
    this.timeSamples = [];
    const ask = () => {
      for (let i = 0; i < 3; i++) this.request({ type: "time" }).catch(() => {});
    };
    ask();
    this.timeTimer = setInterval(ask, TIME_SYNC_INTERVAL_MS);
  }

  timeSample(sentAt, arrivedAt, serverTime) {
    if (typeof serverTime !== "number" || this.offsetSource === "clock") return;
    const delay = arrivedAt - sentAt;
    this.timeSamples.push({ delay, offset: (sentAt + arrivedAt) / 2 - serverTime });
    if (this.timeSamples.length > TIME_SAMPLES * 3) this.timeSamples.shift();
    const best = this.timeSamples.reduce((a, b) => (b.delay < a.delay ? b : a));
    this.offset = best.offset;
    this.offsetSource = "time";
  }

  // --- closing and reconnecting ----------------------------------------------------------------

  closed(socket, event) {
    if (socket !== this.socket) return;
    this.welcome = null;
    clearInterval(this.timeTimer);
    for (const entry of this.pending.values()) entry.reject(new ContestError("connection_lost"));
    this.pending.clear();
    if (this.stopped) return;
    const finalKey = (this.options.closeKeys || {})[event.code] || FINAL_CLOSE_CODES.get(event.code);
    if (finalKey) {
      this.stopped = true;
      this.status({ state: "failed", key: finalKey, code: event.code });
      return;
    }
    this.scheduleRetry(event.code === 4029 ? 10 : 0);
  }

  scheduleRetry(extraAttempts = 0) {
    this.attempt += 1 + extraAttempts;
    const ceiling = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** (this.attempt - 1));
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.status({ state: "reconnecting", key: "conn_reconnecting", seconds: Math.ceil(delay / 1000) });
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  status(status) {
    if (this.options.onStatus) this.options.onStatus(status);
  }
}

/**
 * POST JSON to the HTTP API; resolves with the JSON answer, rejects with a ContestError carrying
 * the API's error code ("network" when the server cannot be reached).
 */
export async function postJson(path, body, headers = {}) {
  return fetchJson(path, { method: "POST", body: JSON.stringify(body), headers });
}

/** GET JSON from the HTTP API (see postJson). */
export async function getJson(path, headers = {}) {
  return fetchJson(path, { method: "GET", headers });
}

async function fetchJson(path, { method, body, headers }) {
  let response;
  try {
    response = await fetch(path, {
      method,
      body,
      headers: { Accept: "application/json", ...(body ? { "Content-Type": "application/json" } : {}), ...headers },
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch (error) {
    throw new ContestError("network");
  }
  let data = null;
  try {
    data = await response.json();
  } catch (error) {
    data = null;
  }
  if (!response.ok) {
    const problem = data && data.error ? data.error : {};
    const fallback = response.status === 401 ? "unauthorized" : response.status === 404 ? "not_found" : `http_${response.status}`;
    throw new ContestError(problem.code || fallback, problem.message);
  }
  return data;
}
