// Docket's only script: the citation copy button and scrolling to the cited page.
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
  const current = document.querySelector(".page.current");
  if (current && !location.hash && current.previousElementSibling?.classList.contains("page")) {
    current.scrollIntoView();
  }
  const hit = document.querySelector(".page.current mark");
  if (hit) hit.scrollIntoView({block: "center"});
});
