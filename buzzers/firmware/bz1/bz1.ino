// bz1 reference firmware: a buzzer box for the Baltic Science Quiz.
//
// Theory of operation
// -------------------
// Speaks the bz1 line protocol (docs/buzzer-protocol.md) over the board's serial port: USB CDC on
// native-USB boards (Leonardo, Micro: preferred, no reset when the host opens the port), or the
// UART at 115200 8N1 on an Uno (whose USB bridge resets the board each time the port is opened;
// that is harmless, the box just says HELLO with a new boot id and the host resynchronises).
//
// Every pass of loop() reads ALL channels. A channel's first edge is stamped with micros() at
// once; the press is reported only after the contact has stayed closed for DEBOUNCE_US ("debounce
// before reporting, not before stamping"), so the stamp is the first contact and contact bounce
// never produces extra presses. A closed-then-open flicker shorter than DEBOUNCE_US is noise and
// is not reported. Releases are handled the same way.
//
// Output lines go through a ring buffer that is drained only as fast as the port accepts bytes,
// so a slow or absent host never stalls the scan. If the buffer is full a P/R line is dropped;
// the host sees the gap in the sequence numbers.
//
// Wiring (change the tables below for another board): buttons between BUTTON_PINS and GND
// (internal pull-ups, closed = LOW); lamps (LED + resistor, or a transistor for bigger lamps) on
// LAMP_PINS, HIGH = lit.

#ifndef BOX_ID
#define BOX_ID "bz1-0001"  // set per box: make BOX_ID=jelgava-1
#endif
#define FW_VERSION "1.0.0"

const uint8_t BUTTON_PINS[] = {2, 3, 4, 5, 6, 7, 8, 9};
const uint8_t LAMP_PINS[] = {10, 11, 12, 13, A0, A1, A2, A3};
const uint8_t CHANNELS = sizeof(BUTTON_PINS) / sizeof(BUTTON_PINS[0]);

const uint32_t DEBOUNCE_US = 5000;        // contact must be stable this long before a report
const uint32_t HEARTBEAT_MS = 1000;       // protocol: HB once a second
const uint16_t BLINK_HALF_PERIOD_MS = 250;
const uint8_t MAX_LINE = 64;              // protocol: bytes per line including "\n"

// --- per-channel debounce state ---------------------------------------------------------------

enum ChannelState : uint8_t { OPEN, CLOSING, CLOSED, OPENING };

struct Channel {
  ChannelState state;
  bool lastRaw;          // true = contact closed, as last read
  uint32_t edgeUs;       // micros() at the first edge of the current change
  uint32_t lastChangeUs; // micros() of the latest raw change (bounce)
};

enum LampMode : uint8_t { LAMP_OFF, LAMP_ON, LAMP_BLINK };

Channel channels[CHANNELS];
LampMode lamps[CHANNELS];
bool autoLit[CHANNELS];  // lit by the box itself while armed
bool armed = false;
uint16_t seq = 0;        // counts P and R lines, wraps at 65536
char bootId[9];
uint32_t lastHeartbeatMs = 0;
bool hostWasThere = false;

// --- output ring buffer -----------------------------------------------------------------------

const uint16_t OUT_SIZE = 512;
char outBuf[OUT_SIZE];
uint16_t outHead = 0, outTail = 0;

uint16_t outFree() { return (uint16_t)(OUT_SIZE - 1 - ((outHead - outTail + OUT_SIZE) % OUT_SIZE)); }

bool sendLine(const char *line) {  // line without "\n"; false if it did not fit
  uint16_t len = strlen(line);
  if (len + 1 > outFree()) return false;
  for (uint16_t i = 0; i < len; i++) { outBuf[outHead] = line[i]; outHead = (outHead + 1) % OUT_SIZE; }
  outBuf[outHead] = '\n';
  outHead = (outHead + 1) % OUT_SIZE;
  return true;
}

void drainOutput() {
  int room = Serial.availableForWrite();
  while (room-- > 0 && outTail != outHead) {
    Serial.write(outBuf[outTail]);
    outTail = (outTail + 1) % OUT_SIZE;
  }
}

// --- messages ---------------------------------------------------------------------------------

void sendHello() {
  char line[MAX_LINE];
  snprintf(line, sizeof line, "HELLO proto=1 fw=" FW_VERSION " id=" BOX_ID " boot=%s ch=%u",
           bootId, CHANNELS);
  sendLine(line);
}

void report(char kind, uint8_t ch, uint32_t stampUs) {
  char line[MAX_LINE];
  snprintf(line, sizeof line, "%c %u %u %lu", kind, seq, ch + 1, (unsigned long)stampUs);
  sendLine(line);  // on overflow the line is lost and the sequence gap tells the host
  seq++;
}

void sendHeartbeat() {
  uint32_t mask = 0;
  for (uint8_t ch = 0; ch < CHANNELS; ch++)
    if (channels[ch].state == CLOSED || channels[ch].state == OPENING) mask |= 1UL << ch;
  char line[MAX_LINE];
  snprintf(line, sizeof line, "HB %lu %lx", (unsigned long)micros(), (unsigned long)mask);
  sendLine(line);
}

void sendError(const char *code, const char *text) {
  char line[MAX_LINE];
  snprintf(line, sizeof line, "ERR %s %s", code, text);
  sendLine(line);
}

// --- host commands ----------------------------------------------------------------------------

char inBuf[MAX_LINE];
uint8_t inLen = 0;
bool inOverlong = false;

bool isToken(const char *s) {
  uint8_t n = 0;
  for (; s[n]; n++)
    if (n >= 16 || !isalnum((unsigned char)s[n])) return false;
  return n > 0;
}

void setLamp(uint8_t ch, LampMode mode) {
  lamps[ch] = mode;
  autoLit[ch] = false;
}

void handleCommand(char *line, uint32_t rxUs) {
  char *kind = strtok(line, " ");
  if (kind == NULL) return;  // empty line
  char *a = strtok(NULL, " ");
  char *b = strtok(NULL, " ");
  if (strcmp(kind, "?") == 0) {
    sendHello();
  } else if (strcmp(kind, "T") == 0) {
    if (a == NULL || !isToken(a)) { sendError("bad_args", "T needs one token"); return; }
    char reply[MAX_LINE];
    snprintf(reply, sizeof reply, "T %s %lu %lu", a, (unsigned long)rxUs, (unsigned long)micros());
    sendLine(reply);
  } else if (strcmp(kind, "L") == 0) {
    if (a == NULL || b == NULL || b[1] != '\0') { sendError("bad_args", "L needs a channel and a mode"); return; }
    LampMode mode;
    if (b[0] == '0') mode = LAMP_OFF;
    else if (b[0] == '1') mode = LAMP_ON;
    else if (b[0] == 'B') mode = LAMP_BLINK;
    else { sendError("bad_args", "mode must be 0, 1 or B"); return; }
    if (strcmp(a, "*") == 0) {
      for (uint8_t ch = 0; ch < CHANNELS; ch++) setLamp(ch, mode);
    } else {
      long ch = atol(a);
      if (ch < 1 || ch > CHANNELS) { sendError("bad_channel", "no such channel"); return; }
      setLamp(ch - 1, mode);
    }
    sendLine("OK L");
  } else if (strcmp(kind, "ARM") == 0) {
    armed = true;
    sendLine("OK ARM");
  } else if (strcmp(kind, "DISARM") == 0) {
    armed = false;
    for (uint8_t ch = 0; ch < CHANNELS; ch++)
      if (autoLit[ch]) setLamp(ch, LAMP_OFF);
    sendLine("OK DISARM");
  } else {
    sendError("unknown", kind);
  }
}

void readHost() {
  while (Serial.available() > 0) {
    char c = Serial.read();
    if (c == '\n') {
      uint32_t rxUs = micros();  // the command is complete now
      if (inOverlong) sendError("too_long", "line over 64 bytes");
      else {
        if (inLen > 0 && inBuf[inLen - 1] == '\r') inLen--;
        inBuf[inLen] = '\0';
        handleCommand(inBuf, rxUs);
      }
      inLen = 0;
      inOverlong = false;
    } else if (inLen + 2 > MAX_LINE) {
      inOverlong = true;
    } else if (!inOverlong) {
      inBuf[inLen++] = c;
    }
  }
}

// --- scanning ---------------------------------------------------------------------------------

void scanChannel(uint8_t ch, uint32_t now) {
  Channel &c = channels[ch];
  bool raw = digitalRead(BUTTON_PINS[ch]) == LOW;  // closed contact pulls the pin low
  if (raw != c.lastRaw) { c.lastRaw = raw; c.lastChangeUs = now; }
  bool stable = (uint32_t)(now - c.lastChangeUs) >= DEBOUNCE_US;
  switch (c.state) {
    case OPEN:
      if (raw) { c.state = CLOSING; c.edgeUs = now; }  // stamp the first edge, at once
      break;
    case CLOSING:
      if (stable && raw) {
        c.state = CLOSED;
        report('P', ch, c.edgeUs);
        if (armed && lamps[ch] == LAMP_OFF) { lamps[ch] = LAMP_ON; autoLit[ch] = true; }
      } else if (stable && !raw) {
        c.state = OPEN;  // a flicker shorter than the debounce time: noise
      }
      break;
    case CLOSED:
      if (!raw) { c.state = OPENING; c.edgeUs = now; }
      break;
    case OPENING:
      if (stable && !raw) { c.state = OPEN; report('R', ch, c.edgeUs); }
      else if (stable && raw) c.state = CLOSED;
      break;
  }
}

void showLamps() {
  bool blinkOn = (millis() / BLINK_HALF_PERIOD_MS) % 2 == 0;
  for (uint8_t ch = 0; ch < CHANNELS; ch++) {
    bool lit = lamps[ch] == LAMP_ON || (lamps[ch] == LAMP_BLINK && blinkOn);
    digitalWrite(LAMP_PINS[ch], lit ? HIGH : LOW);
  }
}

void makeBootId() {
  // Floating analog input noise and start-up timing; a box only needs ids that differ per boot.
  uint32_t seed = micros();
  for (uint8_t i = 0; i < 32; i++) seed = (seed << 1) ^ (seed >> 31) ^ analogRead(A5) ^ micros();
  randomSeed(seed);
  snprintf(bootId, sizeof bootId, "%04x%04x", (unsigned)random(0x10000), (unsigned)random(0x10000));
}

void setup() {
  for (uint8_t ch = 0; ch < CHANNELS; ch++) {
    pinMode(BUTTON_PINS[ch], INPUT_PULLUP);
    pinMode(LAMP_PINS[ch], OUTPUT);
    channels[ch] = {OPEN, false, 0, 0};
    lamps[ch] = LAMP_OFF;
    autoLit[ch] = false;
  }
  Serial.begin(115200);
  makeBootId();
  sendHello();  // at boot (dropped by a native USB port nobody has opened yet)
}

void loop() {
  uint32_t now = micros();
  for (uint8_t ch = 0; ch < CHANNELS; ch++) scanChannel(ch, now);

  bool hostThere = (bool)Serial;  // native USB: the host opened the port (DTR); Uno: always
  if (hostThere && !hostWasThere) sendHello();
  hostWasThere = hostThere;

  readHost();
  if (millis() - lastHeartbeatMs >= HEARTBEAT_MS) {
    lastHeartbeatMs += HEARTBEAT_MS;
    sendHeartbeat();
  }
  showLamps();
  drainOutput();
}
