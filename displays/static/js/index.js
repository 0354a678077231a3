// The start page: type a contest id and open one of its pages in the chosen language.

import { lang } from "./i18n.js";
import { $, $$ } from "./render.js";

const form = $("[data-index-form]");
const input = $("[data-contest-input]");
let chosen = null;

for (const button of $$("button[data-path]", form)) {
  button.addEventListener("click", () => {
    chosen = button;
  });
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const id = input.value.trim();
  if (!id || !input.checkValidity()) {
    input.reportValidity();
    return;
  }
  const button = chosen || $("button[data-path]", form);
  const path = button.dataset.path.replace("{}", encodeURIComponent(id));
  location.assign(`${path}?lang=${lang}`);
});
