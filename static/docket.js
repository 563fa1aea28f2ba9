// Docket's only script: the citation copy button, scrolling to the current hit, and the
// keyboard shortcuts. Every shortcut is also a link or a form on the page; the sheet that
// lists them is /help#shortcuts, shown here in a dialog.
const SHORTCUTS = {
  j: "next-hit", n: "next-hit", k: "prev-hit", p: "prev-hit",
  "]": "next-result", "[": "prev-result", u: "back",
};

function isTyping(element) {
  return element && (element.isContentEditable ||
                     ["INPUT", "TEXTAREA", "SELECT"].includes(element.tagName));
}

function showShortcuts() {
  const sheet = document.getElementById("shortcut-sheet");
  if (sheet && sheet.showModal) {
    if (!sheet.open) sheet.showModal();
    return;
  }
  const help = document.querySelector("a[data-shortcut='help'], .top-nav a[href$='/help']");
  location.href = (help ? help.href.split("#")[0] : "/help") + "#shortcuts";
}

function onKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
  if (isTyping(event.target)) {
    if (event.key === "Escape") event.target.blur();
    return;
  }
  if (event.key === "?") {
    event.preventDefault();
    showShortcuts();
    return;
  }
  if (document.querySelector("dialog[open]")) return;
  if (event.key === "/") {
    const box = document.getElementById("find-q") || document.getElementById("q");
    if (box) {
      event.preventDefault();
      box.focus();
      box.select();
    }
    return;
  }
  const link = SHORTCUTS[event.key] &&
    document.querySelector(`a[data-shortcut="${SHORTCUTS[event.key]}"]`);
  if (link) {
    event.preventDefault();
    link.click();
  }
}

document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button.copy")) {
    button.addEventListener("click", async () => {
      const text = document.getElementById(button.dataset.copy).textContent.trim();
      const status = button.parentElement.querySelector(".copied");
      try {
        await navigator.clipboard.writeText(text);
        status.textContent = "Copied.";
      } catch (err) {
        const range = document.createRange();
        range.selectNodeContents(document.getElementById(button.dataset.copy));
        getSelection().removeAllRanges();
        getSelection().addRange(range);
        status.textContent = "Selected: press Ctrl+C to copy.";
      }
      button.dataset.copied = "true";
    });
  }
  const sheetLink = document.querySelector("a[data-shortcut='help']");
  if (sheetLink && document.getElementById("shortcut-sheet")) {
    sheetLink.addEventListener("click", (event) => {
      event.preventDefault();
      showShortcuts();
    });
  }
  document.addEventListener("keydown", onKey);
  const current = document.querySelector(".page.current");
  if (current && !location.hash && current.previousElementSibling?.classList.contains("page")) {
    current.scrollIntoView();
  }
  const hit = document.querySelector("mark.current-hit") ||
    document.querySelector(".page.current mark");
  if (hit) hit.scrollIntoView({block: "center"});
});
