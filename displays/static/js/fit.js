// Fit a box's content into the box by scaling its text down.
//
// A box that must never scroll (the big screen's question stage, its scoreboard) sizes its text in
// em of `calc(var(--fit) * …)`. fitToBox sets --fit to 1 and, while the content overflows the box
// (scrollHeight/scrollWidth beyond clientHeight/clientWidth), searches the largest --fit between
// `min` and 1 that fits: a first guess from the share that fits, then a few halvings — at most seven
// layouts per call, one when the content fits as it is. Images in such a box take the room left
// over (object-fit), so only the text decides.

/** Whether nothing of `box` overflows it (one pixel of rounding allowed). */
export function fits(box) {
  return box.scrollHeight <= box.clientHeight + 1 && box.scrollWidth <= box.clientWidth + 1;
}

/**
 * Lower `box`'s --fit until its content fits; returns the factor used.
 * @param {HTMLElement} box
 * @param {{min?: number, steps?: number}} [options]
 */
export function fitToBox(box, { min = 0.4, steps = 4 } = {}) {
  if (!box || box.hidden || box.offsetParent === null) return 1;
  // Changing --fit restyles the whole box: only when it is not 1 (the style sheet's) already.
  if (box.style.getPropertyValue("--fit")) box.style.removeProperty("--fit");
  if (fits(box)) return 1;
  // First guess: shrink by the share that fits (text wraps onto fewer lines as it shrinks, so
  // this is on the small side), then halve the interval on the side where the answer lies.
  let low = min;
  let high = 1;
  const guess = Math.max(min, Math.min(0.98, (box.clientHeight / box.scrollHeight) * 0.98));
  box.style.setProperty("--fit", guess.toFixed(4));
  if (fits(box)) low = guess;
  else high = guess;
  for (let step = 0; step < steps && high - low > 0.02; step += 1) {
    const middle = (low + high) / 2;
    box.style.setProperty("--fit", middle.toFixed(4));
    if (fits(box)) low = middle;
    else high = middle;
  }
  box.style.setProperty("--fit", low.toFixed(4));
  return low;
}
