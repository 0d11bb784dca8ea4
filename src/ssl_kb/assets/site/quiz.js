/* ssl-kb quiz pages: render the questions embedded in the page and check answers in the browser.
 * Questions come from <script type="application/json" id="sslkb-quiz-data">. Every string from the
 * knowledge base is inserted with textContent, never as HTML. No network requests. */
(function () {
  "use strict";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function render(root, data) {
    var questions = data.questions || [];
    var records = data.records || {};
    var answered = 0;
    var correct = 0;
    root.textContent = "";
    var score = el("p", "sslkb-score", "Score: 0 / " + questions.length);
    root.appendChild(score);

    questions.forEach(function (q, index) {
      var box = el("div", "sslkb-question");
      box.setAttribute("data-question", q.id);
      box.appendChild(el("div", "sslkb-meta", "Question " + (index + 1) + " · " + (q.kind || "") +
        (q.difficulty ? " · " + q.difficulty : "")));
      box.appendChild(el("p", "sslkb-prompt", q.prompt));
      var feedback = el("div", "sslkb-feedback");
      var buttons = [];
      (q.options || []).forEach(function (option, k) {
        var button = el("button", "sslkb-option", option);
        button.type = "button";
        button.setAttribute("data-option", String(k));
        button.addEventListener("click", function () {
          buttons.forEach(function (b) { b.disabled = true; });
          var right = k === q.answer;
          answered += 1;
          if (right) correct += 1;
          button.classList.add(right ? "sslkb-right" : "sslkb-wrong");
          if (buttons[q.answer]) buttons[q.answer].classList.add("sslkb-right");
          feedback.appendChild(el("p", "sslkb-verdict", right ? "Right." : "Not quite: the answer is " + q.options[q.answer] + "."));
          if (q.explanation) feedback.appendChild(el("p", "sslkb-explanation", q.explanation));
          var seen = {};
          var links = el("p", "sslkb-links");
          (q.provenance || []).forEach(function (p) {
            var rec = records[p.record];
            if (!rec || seen[p.record]) return;
            seen[p.record] = true;
            if (links.childNodes.length) links.appendChild(document.createTextNode(", "));
            var a = el("a", "", rec.name);
            a.href = rec.url;
            links.appendChild(a);
          });
          if (links.childNodes.length) {
            links.insertBefore(document.createTextNode("Read more: "), links.firstChild);
            feedback.appendChild(links);
          }
          score.textContent = "Score: " + correct + " / " + questions.length +
            (answered === questions.length ? " (done)" : "");
        });
        buttons.push(button);
        box.appendChild(button);
      });
      box.appendChild(feedback);
      root.appendChild(box);
    });
  }

  function start() {
    var root = document.getElementById("sslkb-quiz");
    var source = document.getElementById("sslkb-quiz-data");
    if (!root || !source || root.getAttribute("data-ready")) return;
    root.setAttribute("data-ready", "1");
    render(root, JSON.parse(source.textContent));
  }

  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(start);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
