// Small progressive enhancements; every page works without this file.
document.addEventListener("htmx:configRequest", (event) => {
  // CSRF stays on for htmx requests: send the token as a header.
  const token = document.querySelector('meta[name="csrf-token"]');
  if (token) event.detail.headers["X-CSRFToken"] = token.content;
});

document.addEventListener("keydown", (event) => {
  // "/" focuses the glossary search, as on most search-heavy sites.
  const search = document.getElementById("q");
  const typing = event.target.closest("input, textarea, select, [contenteditable]");
  if (event.key === "/" && search && !typing) {
    event.preventDefault();
    search.focus();
    search.select();
  }
});

// Review page: keyboard-first. Space/Enter shows the answer, 1-4 rate it, U undoes. Typing in a
// fill-in-the-blank card's answer box triggers none of these; Enter there checks the answer.
// A second Space or Enter within REVEAL_GUARD_MS of the reveal is ignored, so a double press
// cannot rate the card Good before the answer was read.
const REVEAL_GUARD_MS = 300;
let revealedAt = 0;

function guardRepeat(event) {
  if ((event.key === " " || event.key === "Enter") && event.target.closest?.(".rating")
      && performance.now() - revealedAt < REVEAL_GUARD_MS) {
    event.preventDefault();
    event.stopPropagation();
    return true;
  }
  return false;
}
document.addEventListener("keyup", guardRepeat, true);

document.addEventListener("keydown", (event) => {
  const study = document.getElementById("study");
  if (!study || event.ctrlKey || event.metaKey || event.altKey) return;
  if (guardRepeat(event)) return;
  if (event.target.closest("input, textarea, select, [contenteditable]")) return;
  const back = study.querySelector("details.back");
  if ((event.key === " " || event.key === "Enter") && back && !back.open && !event.target.closest("button, a")) {
    event.preventDefault();
    back.open = true;
    revealedAt = performance.now();
    const good = back.querySelector('[data-rating="3"]');
    if (good) good.focus();
    return;
  }
  if (back && back.open && ["1", "2", "3", "4"].includes(event.key)) {
    const button = back.querySelector(`[data-rating="${event.key}"]`);
    if (button && !button.disabled) {
      event.preventDefault();
      button.click();
    }
    return;
  }
  if (event.key === "u" || event.key === "U") {
    const undo = document.getElementById("undo");
    if (undo && !undo.disabled) {
      event.preventDefault();
      undo.click();
    }
  }
});

document.addEventListener("toggle", (event) => {
  if (event.target.matches?.("details.back") && event.target.open) revealedAt = performance.now();
}, true);

document.addEventListener("htmx:afterSwap", (event) => {
  // A typed answer was checked: its back came open in place. Focus the suggested rating (Good
  // when there was nothing to grade); the reveal guard keeps a held Enter from rating at once.
  if (event.detail.target?.id !== "back") return;
  revealedAt = performance.now();
  const back = document.getElementById("back");
  const button = back && (back.querySelector("[data-suggested]") || back.querySelector('[data-rating="3"]'));
  if (button) button.focus();
});

document.addEventListener("htmx:afterSwap", (event) => {
  // A new card: move focus to its prompt and announce it (the page keeps one live region).
  if (event.target.id !== "study" && event.detail.target?.id !== "study") return;
  const front = document.getElementById("card-front");
  const announcer = document.getElementById("card-announcer");
  const heading = document.querySelector("#study h2");
  if (front) front.focus();
  else if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
  if (announcer) {
    const kind = document.querySelector("#study .card-kind");
    announcer.textContent = front ? `${kind ? kind.firstChild.textContent.trim() + ": " : ""}${front.textContent.trim()}`
      : (heading ? heading.textContent.trim() : "");
  }
});
