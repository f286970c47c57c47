// flowlink console: the little interaction the pages need, hand-written, no dependencies.
// - Call simulator: step through the transcript forwards and backwards; the step's picture
//   (the flow, or the module the step is in) is shown and the step's node highlighted, with
//   the nodes already passed in that picture marked as the path taken.
// - Link form: a progress bar while the server links the module into the checked flows.
"use strict";

function setupStepper() {
  const steps = Array.from(document.querySelectorAll("#steps li.step"));
  const pics = Array.from(document.querySelectorAll(".pictures .pic"));
  if (steps.length === 0 || pics.length === 0) return;
  const at = document.getElementById("step-at");
  let current = -1; // -1: before the first step

  function pictureFor(step) {
    return pics.find(function (p) {
      return p.dataset.flow === step.dataset.flow && p.dataset.version === step.dataset.version;
    });
  }

  function nodeIn(pic, id) {
    return Array.from(pic.querySelectorAll("g.node")).find(function (g) {
      return g.getAttribute("data-node") === id;
    });
  }

  function show(index) {
    current = Math.max(-1, Math.min(steps.length - 1, index));
    pics.forEach(function (p) {
      p.querySelectorAll("g.node").forEach(function (g) {
        g.classList.remove("current", "visited");
      });
    });
    steps.forEach(function (s, i) {
      s.classList.toggle("current", i === current);
      s.classList.toggle("done", i < current);
    });
    const step = current >= 0 ? steps[current] : null;
    const pic = step ? pictureFor(step) : pics[0];
    pics.forEach(function (p) { p.hidden = p !== pic; });
    if (step && pic) {
      // The path so far in this picture: every earlier step of the same flow and version.
      for (let i = 0; i <= current; i++) {
        const s = steps[i];
        if (s.dataset.flow === step.dataset.flow && s.dataset.version === step.dataset.version) {
          const g = nodeIn(pic, s.dataset.node);
          if (g) g.classList.add(i === current ? "current" : "visited");
        }
      }
      const g = nodeIn(pic, step.dataset.node);
      if (g && g.scrollIntoView) g.scrollIntoView({ block: "nearest", inline: "center" });
      step.scrollIntoView({ block: "nearest" });
    }
    if (at) at.textContent = "step " + (current + 1) + " of " + steps.length;
  }

  document.getElementById("step-next").addEventListener("click", function () { show(current + 1); });
  document.getElementById("step-back").addEventListener("click", function () { show(current - 1); });
  document.getElementById("step-all").addEventListener("click", function () { show(steps.length - 1); });
  steps.forEach(function (s, i) { s.addEventListener("click", function () { show(i); }); });
  document.addEventListener("keydown", function (e) {
    if (e.target && (e.target.tagName === "INPUT" || e.target.tagName === "TEXTAREA")) return;
    if (e.key === "ArrowRight") show(current + 1);
    if (e.key === "ArrowLeft") show(current - 1);
  });
  show(0);
}

function setupLinkProgress() {
  const form = document.getElementById("link-form");
  if (!form) return;
  form.addEventListener("submit", function () {
    const n = form.querySelectorAll("input[name=flow]:checked").length;
    const bar = document.getElementById("link-progress");
    const button = document.getElementById("link");
    if (bar) bar.hidden = false;
    if (button) { button.disabled = true; button.textContent = "Linking " + n + " flow" + (n === 1 ? "" : "s") + "…"; }
  });
}

document.addEventListener("DOMContentLoaded", function () {
  setupStepper();
  setupLinkProgress();
});
