// flowlink console: the little interaction the pages need, hand-written, no dependencies.
// - Call simulator: step through the transcript forwards and backwards; the step's picture
//   (the flow, or the module the step is in) is shown and the step's node highlighted, with
//   the nodes already passed in that picture marked as the path taken.
// - Link form: a progress bar while the server links the module into the checked flows.
"use strict";

// Scrolls `frame` (not the page) so that the SVG element `g` is in its middle.
function centreIn(frame, g) {
  if (!frame || !g.getBBox) return;
  const svg = g.ownerSVGElement;
  const box = g.getBBox();
  const scale = svg && svg.viewBox && svg.viewBox.baseVal && svg.viewBox.baseVal.width
    ? svg.width.baseVal.value / svg.viewBox.baseVal.width : 1;
  frame.scrollLeft = Math.max(0, (box.x + box.width / 2) * scale - frame.clientWidth / 2);
  frame.scrollTop = Math.max(0, (box.y + box.height / 2) * scale - frame.clientHeight / 2);
}

// Scrolls the list `list` (not the page) so that its item `item` shows.
function keepVisible(list, item) {
  if (!list) return;
  const top = item.offsetTop - list.offsetTop;
  if (top < list.scrollTop) list.scrollTop = top;
  else if (top + item.offsetHeight > list.scrollTop + list.clientHeight)
    list.scrollTop = top + item.offsetHeight - list.clientHeight;
}

// Zoom for every picture: smaller to see a big flow whole, back to 100% to read it. The
// SVG's width and height attributes change (no inline style: the CSP forbids it).
function setupZoom() {
  document.querySelectorAll(".picture-frame").forEach(function (frame) {
    const svg = frame.querySelector("svg.picture");
    if (!svg || !svg.viewBox || !svg.viewBox.baseVal) return;
    const w = svg.viewBox.baseVal.width, h = svg.viewBox.baseVal.height;
    let scale = 1;
    const bar = document.createElement("div");
    bar.className = "zoom";
    function set(s) {
      scale = Math.max(0.2, Math.min(2, s));
      svg.setAttribute("width", String(Math.round(w * scale)));
      svg.setAttribute("height", String(Math.round(h * scale)));
      label.textContent = Math.round(scale * 100) + "%";
    }
    function button(text, title, f) {
      const b = document.createElement("button");
      b.type = "button"; b.textContent = text; b.title = title;
      b.addEventListener("click", f);
      bar.appendChild(b);
    }
    button("−", "Zoom out", function () { set(scale / 1.25); });
    const label = document.createElement("span");
    label.textContent = "100%";
    bar.appendChild(label);
    button("+", "Zoom in", function () { set(scale * 1.25); });
    button("Fit", "Fit the frame's width", function () { set(Math.min(1, (frame.clientWidth - 4) / w)); });
    button("100%", "Actual size", function () { set(1); });
    frame.parentNode.insertBefore(bar, frame);
  });
}

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
      if (g) centreIn(pic.querySelector(".picture-frame"), g);
      keepVisible(document.getElementById("steps"), step);
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
  setupZoom();
  setupStepper();
  setupLinkProgress();
});
