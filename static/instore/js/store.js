// Keep the scanner's input focused after every HTMX swap; print buttons print.
document.addEventListener("htmx:afterSwap", () => {
  const input = document.querySelector("[data-scan]");
  if (input) { input.value = ""; input.focus(); }
});
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) { window.print(); }
});
