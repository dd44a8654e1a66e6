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
