// The side panels (presets, settings, curves, explore, draw, save and share): the tabs above them
// bring one into view, and what a button does elsewhere is brought into view where it happens (a
// step opens the step view, a picked sample shows its neighbours). On a wide screen the panels
// scroll in their own column beside the grid, so the grid and the plots stay where they are.

import { $ } from "./page.js";

/**
 * Scrolls the element with this id into view (only as far as needed) and marks it briefly.
 * @param {string} id
 */
export function showPanel(id) {
  const el = $(id);
  if (!el || el.hidden || el.classList.contains("hidden-by-link")) return;
  if (el instanceof HTMLDetailsElement) el.open = true;
  el.scrollIntoView({ block: "nearest", behavior: "smooth" });
  if (!el.classList.contains("side-section")) return;
  el.classList.add("flash");
  setTimeout(() => el.classList.remove("flash"), 900);
}

for (const tab of document.querySelectorAll(".tabs [data-goto]")) {
  tab.addEventListener("click", () => {
    const id = tab.getAttribute("data-goto");
    showPanel(id);
    // The keyboard follows: the panel's heading (or the panel) takes the focus.
    const target = $(id).querySelector("h2, summary") || $(id);
    if (target instanceof HTMLElement) {
      if (!target.hasAttribute("tabindex") && target.tagName !== "SUMMARY") target.setAttribute("tabindex", "-1");
      target.focus({ preventScroll: true });
    }
  });
}
