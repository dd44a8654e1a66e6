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

// Review page: keyboard-first. Space/Enter shows the answer, 1-4 rate it, U undoes.
document.addEventListener("keydown", (event) => {
  const study = document.getElementById("study");
  if (!study || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.target.closest("input, textarea, select, [contenteditable]")) return;
  const back = study.querySelector("details.back");
  if ((event.key === " " || event.key === "Enter") && back && !back.open) {
    event.preventDefault();
    back.open = true;
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
    if (undo) {
      event.preventDefault();
      undo.click();
    }
  }
});

document.addEventListener("htmx:afterSwap", (event) => {
  // Keep keyboard focus on the card after it is swapped in.
  if (event.target.id === "study" || event.detail.target?.id === "study") {
    const summary = document.querySelector("#study summary");
    if (summary) summary.focus();
  }
});

// Sign-up: send the browser's time zone, so the study day starts at night where the learner is.
// Without JavaScript the field stays empty and the server asks for the zone after sign-up.
for (const field of document.querySelectorAll("input[data-browser-timezone]")) {
  if (!field.value) {
    try {
      field.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch {
      // An old browser without Intl time zones: the server falls back to UTC and asks.
    }
  }
}

// A form that came back with errors: focus the first field in error, whose description reads
// the error and then the field's help.
const firstInvalid = document.querySelector('main [aria-invalid="true"]');
if (firstInvalid) firstInvalid.focus();

// A review card restored from the back-forward cache or from htmx's history may already be
// answered: fetch the current one instead of letting it be rated.
window.addEventListener("pageshow", (event) => {
  if (event.persisted && document.getElementById("study")) window.location.reload();
});
document.addEventListener("htmx:historyRestore", () => {
  if (document.getElementById("study")) window.location.reload();
});
