// Live progress of the start-up sync: poll the JSON endpoint until the run is done.
(function () {
  var panel = document.getElementById("progress");
  if (!panel || !panel.dataset.live) return;
  var url = panel.dataset.url;
  function text(el, value) { if (el) el.textContent = value; }
  function render(p) {
    panel.hidden = false;
    document.getElementById("overall-bar").value = p.percent || 0;
    text(document.getElementById("overall-percent"), (p.percent || 0) + " %");
    var status = document.getElementById("overall-status");
    text(status, p.status);
    status.className = "pill" + (p.status === "succeeded" ? " ok" : (["failed", "crashed", "refused"].indexOf(p.status) >= 0 ? " bad" : ""));
    text(document.getElementById("progress-message"), p.message || "");
    var body = document.querySelector("#entity-progress tbody");
    body.innerHTML = "";
    (p.entities || []).forEach(function (e) {
      var row = document.createElement("tr");
      var counts = Object.keys(e.counts || {}).filter(function (k) { return e.counts[k]; }).map(function (k) { return k + " " + e.counts[k]; }).join(" ");
      [e.title, null, e.done + " / " + e.total, counts].forEach(function (value, i) {
        var cell = document.createElement("td");
        if (i === 1) { var bar = document.createElement("progress"); bar.max = 100; bar.value = e.percent; cell.appendChild(bar); }
        else { cell.textContent = value; }
        if (i === 2) cell.className = "num";
        row.appendChild(cell);
      });
      body.appendChild(row);
    });
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (p) {
        render(p);
        if (p.done) {
          var button = document.querySelector("#startup-run button");
          if (button) button.disabled = false;
          panel.dataset.live = "";
          panel.dataset.finished = "1";
        } else {
          setTimeout(poll, 400);
        }
      })
      .catch(function () { setTimeout(poll, 1500); });
  }
  poll();
})();
