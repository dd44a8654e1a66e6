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

// Glossary search: as-you-type requests replace the URL rather than push entries, so the URL
// always says what the results show. After Back (the page restored from the browser's cache, or
// htmx restoring a snapshot that holds only the box's initial value), make the box and the zone
// say what the URL says, so box, URL and results agree.
function showSearchFromUrl() {
  const box = document.getElementById("q");
  if (!box || !box.closest("form.search")) return;
  const params = new URLSearchParams(window.location.search);
  box.value = params.get("q") ?? "";
  const zone = document.getElementById("zone");
  if (zone) {
    const wanted = params.get("zone") ?? "";
    zone.value = [...zone.options].some((option) => option.value === wanted) ? wanted : "";
  }
}

window.addEventListener("pageshow", (event) => {
  const navigation = performance.getEntriesByType("navigation")[0];
  if (event.persisted || navigation?.type === "back_forward") showSearchFromUrl();
});
document.addEventListener("htmx:historyRestore", showSearchFromUrl);

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
