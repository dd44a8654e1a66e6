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

// Quiz: 1-4 choose an option, T/F answer true/false, Enter answers (natively) and then moves on.
document.addEventListener("keydown", (event) => {
  const quiz = document.getElementById("quiz");
  if (!quiz || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.target.closest("input[type=text], textarea, select")) return;
  const key = event.key.toLowerCase();
  const option = quiz.querySelector(`input[type=radio][data-key="${key}"]`);
  if (option) {
    event.preventDefault();
    option.checked = true;
    option.focus();
    return;
  }
  if (key !== "enter" || event.target.closest("button, a")) return;
  const next = document.getElementById("next");
  const form = quiz.querySelector("form.quiz-question");
  if (next) {
    event.preventDefault();
    next.click();
  } else if (form && form.querySelector("input[type=radio]:checked")) {
    event.preventDefault();
    form.requestSubmit();
  }
});

document.addEventListener("htmx:afterSwap", (event) => {
  if (event.detail.target?.id !== "quiz" && event.target.id !== "quiz") return;
  const focus = document.getElementById("next") || document.getElementById("response")
    || document.querySelector("#quiz input[type=radio], #quiz select") || document.getElementById("quiz-prompt");
  if (focus) focus.focus();
  const announcer = document.getElementById("quiz-announcer");
  const heading = document.getElementById("feedback-heading") || document.getElementById("quiz-prompt");
  if (announcer && heading) announcer.textContent = heading.textContent.trim();
});
