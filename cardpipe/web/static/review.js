// Outline the OCR lines of the field being edited; keys j / k: next / previous card.
document.addEventListener("focusin", (e) => {
  const field = e.target.dataset && e.target.dataset.field;
  if (!field) return;
  const card = e.target.closest(".card");
  document.querySelectorAll(".ocr span").forEach((s) => s.classList.remove("evidence"));
  card.querySelectorAll(".ocr span").forEach((s) => {
    if (s.dataset.fields.split(" ").includes(field)) s.classList.add("evidence");
  });
});
let current = -1;
document.addEventListener("keydown", (e) => {
  if (e.target.tagName === "INPUT" || !["j", "k"].includes(e.key)) return;
  const cards = document.querySelectorAll(".card");
  current = Math.max(0, Math.min(cards.length - 1, current + (e.key === "j" ? 1 : -1)));
  if (cards[current]) cards[current].scrollIntoView();
});
