// The host console's in-page confirmation (issue 16): a destructive action — ending the contest or a
// round, skipping a question, undoing a judgement, adjusting a score, removing a player, revoking
// an agent — waits for the host to confirm in a modal <dialog> (host.html) that says what will
// happen. Never window.confirm: it blocks the page's clocks and looks different in every browser.
//
// The modal dialog keeps focus inside it (the rest of the page is inert while it is open); Enter
// confirms (the confirm button has the focus), Escape cancels, and focus returns to where it was.

import { $ } from "./render.js";

let settle = null; // resolves the open question's promise

/** Whether a confirmation is open (keyboard shortcuts wait while it is). */
export function confirming() {
  return Boolean(settle);
}

/**
 * Ask the host to confirm `text`; resolves true when confirmed with `okLabel`'s button.
 * @param {string} text what will happen
 * @param {string} okLabel the confirm button's text (the action's name)
 * @returns {Promise<boolean>}
 */
export function confirmAction(text, okLabel) {
  const dialog = $("[data-confirm-dialog]");
  if (settle) settle(false); // a newer question replaces an unanswered one
  const returnTo = document.activeElement;
  $("[data-confirm-text]", dialog).textContent = text;
  $("[data-confirm-ok]", dialog).textContent = okLabel;
  return new Promise((resolve) => {
    settle = (answer) => {
      settle = null;
      if (dialog.open) dialog.close();
      if (returnTo && returnTo.isConnected && typeof returnTo.focus === "function") returnTo.focus();
      resolve(answer);
    };
    if (!dialog.open) dialog.showModal();
    $("[data-confirm-ok]", dialog).focus();
  });
}

function answer(value) {
  if (settle) settle(value);
}

const dialog = $("[data-confirm-dialog]");
if (dialog) {
  $("[data-confirm-ok]", dialog).addEventListener("click", () => answer(true));
  $("[data-confirm-cancel]", dialog).addEventListener("click", () => answer(false));
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault(); // Escape: answered here, so the focus goes back too
    answer(false);
  });
  dialog.addEventListener("close", () => answer(false));
}
