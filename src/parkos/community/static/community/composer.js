// The folded composer: opening it puts the cursor in the text, so one tap on "发帖" is enough to start typing.
document.addEventListener("toggle", (event) => {
  const box = event.target;
  if (!(box instanceof HTMLDetailsElement) || !box.matches(".composer") || !box.open) return;
  box.querySelector("textarea")?.focus();
}, true);
