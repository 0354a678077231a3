// Fit a box's content into the box by scaling its text down.
//
// A box that must never scroll (the big screen's question stage, its scoreboard) sizes its text in
// em of `calc(var(--fit) * …)`. fitToBox sets --fit to 1 and, while the content overflows the box
// (scrollHeight/scrollWidth beyond clientHeight/clientWidth), searches the largest --fit between
// `min` and 1 that fits: a first guess from the share that fits, then a few halvings — at most seven
// layouts per call, one when the content fits as it is. Images in such a box take the room left
// over (object-fit), so only the text decides.

/** Whether nothing of `box` overflows it (one pixel of rounding allowed); `heightOnly` ignores
 * the width (a table that cuts its long names with an ellipsis). */
export function fits(box, heightOnly = false) {
  return box.scrollHeight <= box.clientHeight + 1 && (heightOnly || box.scrollWidth <= box.clientWidth + 1);
}

/**
 * Lower `box`'s --fit until its content fits; returns the factor used.
 * @param {HTMLElement} box
 * @param {{min?: number, steps?: number, heightOnly?: boolean}} [options]
 */
export function fitToBox(box, { min = 0.4, steps = 4, heightOnly = false } = {}) {
  if (!box || box.hidden || box.offsetParent === null) return 1;
  const overflow = () => box.scrollHeight / Math.max(1, box.clientHeight);
  return fitUntil(box, "--fit", () => fits(box, heightOnly), { min, steps, overflow });
}

/**
 * Lower the custom property `name` on `element` (1 at most, `min` at least) until `fitsNow()`
 * holds; returns the factor used. `overflow()` (content over room, > 1 when too big) gives the
 * first guess; without it the search starts halfway.
 */
export function fitUntil(element, name, fitsNow, { min = 0.4, steps = 4, overflow = null } = {}) {
  // Changing the property restyles the whole element: only when it is not 1 (the style sheet's).
  if (element.style.getPropertyValue(name)) element.style.removeProperty(name);
  if (fitsNow()) return 1;
  // First guess: shrink by the share that fits (text wraps onto fewer lines as it shrinks, so
  // this is on the small side), then halve the interval on the side where the answer lies.
  let low = min;
  let high = 1;
  const ratio = overflow ? 0.98 / overflow() : (1 + min) / 2;
  const guess = Math.max(min, Math.min(0.98, ratio));
  element.style.setProperty(name, guess.toFixed(4));
  if (fitsNow()) low = guess;
  else high = guess;
  for (let step = 0; step < steps && high - low > 0.02; step += 1) {
    const middle = (low + high) / 2;
    element.style.setProperty(name, middle.toFixed(4));
    if (fitsNow()) low = middle;
    else high = middle;
  }
  element.style.setProperty(name, low.toFixed(4));
  return low;
}
