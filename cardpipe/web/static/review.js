// Outline the field being edited: its OCR lines, and the boxes it was read from on the
// card's image; keys j / k: next / previous card.
function fitBoxes(img) {  // the boxes are in the image's own pixels
  const svg = img.parentElement.querySelector("svg.boxes");
  if (svg && img.naturalWidth) svg.setAttribute("viewBox", `0 0 ${img.naturalWidth} ${img.naturalHeight}`);
}
document.querySelectorAll(".shot img").forEach((img) => {
  if (img.complete) fitBoxes(img);
  img.addEventListener("load", () => fitBoxes(img));
});
document.addEventListener("focusin", (e) => {
  const field = e.target.dataset && e.target.dataset.field;
  if (!field) return;
  const card = e.target.closest(".card");
  document.querySelectorAll(".ocr span").forEach((s) => s.classList.remove("evidence"));
  document.querySelectorAll(".boxes rect").forEach((r) => r.classList.remove("on"));
  card.querySelectorAll(".ocr span").forEach((s) => {
    if (s.dataset.fields.split(" ").includes(field)) s.classList.add("evidence");
  });
  card.querySelectorAll(".boxes rect").forEach((r) => {
    if (r.dataset.field === field) r.classList.add("on");
  });
});
let current = -1;
document.addEventListener("keydown", (e) => {
  // plain keys only: Ctrl-A / Cmd-A select the page's text, they accept nothing
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (["INPUT", "TEXTAREA", "SELECT"].includes(e.target.tagName) || !["j", "k", "a"].includes(e.key)) return;
  const cards = document.querySelectorAll(".card");
  if (e.key === "a") {  // accept all of the current card
    const card = cards[Math.max(0, current)];
    const accept = card && card.querySelector("form.accept");
    if (accept) accept.submit();
    return;
  }
  current = Math.max(0, Math.min(cards.length - 1, current + (e.key === "j" ? 1 : -1)));
  cards.forEach((c, i) => c.classList.toggle("current", i === current));
  if (cards[current]) cards[current].scrollIntoView();
});
