"use strict";
// Scenario table. The rows travel as gzip-compressed JSON in base64 (a data island that cannot contain
// markup) and are rendered with textContent only, so nothing from model output is ever parsed as HTML.
// Rows are rendered a page at a time to keep large runs fast.
(function () {
const island = document.getElementById("scenario-data");
if (island && document.getElementById("scenarios")) {
  decodeRows(island.textContent).then(start, (error) => {
    document.getElementById("shown-count").textContent = "Could not read the scenario data: " + error;
  });
}

async function decodeRows(base64) {
  const text = atob(base64.trim());
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return JSON.parse(await new Response(stream).text());
}

function start(rows) {
  const table = document.getElementById("scenarios");
  const tbody = table.querySelector("tbody");
  const filterBox = document.getElementById("filter");
  const suiteBox = document.getElementById("suite-filter");
  const statusBox = document.getElementById("status-filter");
  const moreButton = document.getElementById("more");
  const countLabel = document.getElementById("shown-count");
  const PAGE = 50;
  let view = rows;
  let shown = 0;
  let sortKey = null;
  let sortDirection = 1;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function badge(status) {
    return el("span", "badge " + (status === "n/a" ? "na" : status), status);
  }

  function haystack(row) {
    if (row._hay === undefined) {
      row._hay = [row.id, row.input, row.expected, row.chosen, row.tags.join(" ")].join("\n").toLowerCase();
    }
    return row._hay;
  }

  function cell(row, key) {
    if (key === "judge") return row.judge === null ? "" : row.judge.toFixed(2);
    if (key === "cost") return "$" + row.cost.toFixed(4);
    if (key === "latency") return row.latency.toFixed(2) + " s";
    const value = row[key];
    return value === null || value === undefined ? "" : String(value);
  }

  function renderRow(row) {
    const tr = el("tr", "scenario");
    tr.tabIndex = 0;
    tr.dataset.id = row.id;
    const statusCell = el("td");
    statusCell.appendChild(badge(row.status));
    tr.append(el("td", "mono", row.id), el("td", null, row.suite), el("td", "num", row.epoch), statusCell,
      el("td", null, cell(row, "expected")), el("td", null, cell(row, "chosen")),
      el("td", "num", cell(row, "judge")), el("td", "num", cell(row, "cost")),
      el("td", "num", cell(row, "latency")));
    tr.addEventListener("click", () => toggleDetail(tr, row));
    tr.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); toggleDetail(tr, row); }
    });
    return tr;
  }

  function toggleDetail(tr, row) {
    const next = tr.nextElementSibling;
    if (next && next.classList.contains("detail")) { next.remove(); tr.setAttribute("aria-expanded", "false"); return; }
    const detailRow = el("tr", "detail");
    const td = el("td");
    td.colSpan = 9;
    td.appendChild(renderDetail(row));
    detailRow.appendChild(td);
    tr.after(detailRow);
    tr.setAttribute("aria-expanded", "true");
  }

  function renderDetail(row) {
    const box = el("div", "transcript");
    if (row.tags.length) box.appendChild(el("p", "muted", "Tags: " + row.tags.join(", ")));
    if (row.error) { box.appendChild(el("h3", null, "Error")); box.appendChild(el("pre", null, row.error)); }
    box.appendChild(el("h3", null, "Transcript"));
    for (const [role, content] of row.context) {
      const turn = el("div", "turn");
      turn.append(el("div", "role", role), el("pre", null, content));
      box.appendChild(turn);
    }
    const message = el("div", "turn");
    message.append(el("div", "role", "user (message under test)"), el("pre", null, row.input));
    box.appendChild(message);
    if (row.suite === "agentic") {
      renderSession(box, row);
    } else {
      const output = el("div", "turn");
      output.append(el("div", "role", row.suite === "routing" ? "decision" : "response"),
        el("pre", null, row.output || "(empty)"));
      box.appendChild(output);
    }
    if (row.suite === "routing") {
      box.appendChild(el("p", null, "Expected " + cell(row, "expected") + ", chose " + cell(row, "chosen") + "."));
    }
    if (row.checks.length) {
      box.appendChild(el("h3", null, row.suite === "agentic" ? "Rule-based checks (on the changed files)" : "Rule-based checks"));
      box.appendChild(verdictList(row.checks));
    }
    if (row.executed.length) {
      box.appendChild(el("h3", null, "Executed graders (what the agent left, run)"));
      box.appendChild(verdictList(row.executed));
    }
    if (row.rlsDisagree) {
      box.appendChild(el("p", "warning", "Parsed rls-enabled and executed rls-probe disagree: both verdicts are shown above."));
    }
    if (row.judgeDetail) {
      const judge = row.judgeDetail;
      box.appendChild(el("h3", null, "Judge (" + judge.model + ")"));
      if (judge.error) box.appendChild(el("p", null, "The judge gave no verdict: " + judge.error));
      const list = el("ul", "verdicts");
      for (const [criterion, section, score, rationale] of judge.scores) {
        const item = el("li");
        item.append(el("strong", "mono", criterion), document.createTextNode(" (" + section + "): " + score + "/5"));
        item.appendChild(el("div", "muted", rationale));
        list.appendChild(item);
      }
      box.appendChild(list);
    }
    return box;
  }

  // An agentic task: how the session went (time, cost, why it stopped), its steps, and the diff it left.
  function renderSession(box, row) {
    const session = row.transcript.find((step) => step.type === "session");
    if (session) {
      box.appendChild(el("p", "muted", "Stopped: " + session.stop + " · " + session.turns + " model turns (" +
        session.calls + " called, the rest cached) · set-up " + session.setup_s.toFixed(1) + " s, agent " +
        session.agent_s.toFixed(1) + " s · " + cell(row, "cost") + " · Claude Code " + session.cli));
    }
    box.appendChild(el("h3", null, "Tool calls"));
    const steps = el("ol", "steps");
    for (const step of row.transcript) {
      if (step.type === "text") {
        steps.appendChild(el("li", "step-text", step.text));
      } else if (step.type === "tool_use") {
        const item = el("li");
        item.append(el("strong", "mono", step.name), document.createTextNode(" "));
        if (step.refused) item.append(badge("refused"), document.createTextNode(" " + step.refused));
        item.appendChild(el("pre", "mono", JSON.stringify(step.input, null, 2)));
        if (step.result) item.appendChild(el("pre", "muted", step.result));
        steps.appendChild(item);
      }
    }
    box.appendChild(steps);
    box.appendChild(el("h3", null, "Diff"));
    if (!row.output) { box.appendChild(el("p", "muted", "No file changed.")); return; }
    const diff = el("pre", "diff mono");
    for (const line of row.output.split("\n")) {
      const kind = line.startsWith("+++") || line.startsWith("---") ? "file" : line.startsWith("@@") ? "hunk" :
        line.startsWith("+") ? "add" : line.startsWith("-") ? "del" : null;
      diff.appendChild(el("span", kind ? "diff-" + kind : null, line + "\n"));
    }
    box.appendChild(diff);
  }

  function verdictList(verdicts) {
    const list = el("ul", "verdicts");
    for (const [check, status, reason, evidence] of verdicts) {
      const item = el("li");
      item.append(badge(status), document.createTextNode(" "), el("strong", "mono", check));
      if (reason) item.append(document.createTextNode(" — " + reason));
      if (evidence.length) {
        const lines = el("ul", "evidence");
        for (const [line, text, note] of evidence) {
          const entry = el("li");
          entry.append(el("span", "mono", "line " + line + ": " + text));
          if (note) entry.append(document.createTextNode(" (" + note + ")"));
          lines.appendChild(entry);
        }
        item.appendChild(lines);
      }
      list.appendChild(item);
    }
    return list;
  }

  function compare(a, b) {
    const x = a[sortKey];
    const y = b[sortKey];
    if (x === y) return 0;
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    return (x < y ? -1 : 1) * sortDirection;
  }

  function apply() {
    const needle = filterBox.value.trim().toLowerCase();
    const suite = suiteBox.value;
    const status = statusBox.value;
    view = rows.filter((row) => (!suite || row.suite === suite) && (!status || row.status === status) &&
      (!needle || haystack(row).includes(needle)));
    if (sortKey) view = view.slice().sort(compare);
    tbody.replaceChildren();
    shown = 0;
    showMore();
  }

  function showMore() {
    const fragment = document.createDocumentFragment();
    for (const row of view.slice(shown, shown + PAGE)) fragment.appendChild(renderRow(row));
    tbody.appendChild(fragment);
    shown = Math.min(view.length, shown + PAGE);
    countLabel.textContent = "Showing " + shown + " of " + view.length + " (" + rows.length + " in the run)";
    moreButton.hidden = shown >= view.length;
  }

  for (const th of table.querySelectorAll("th[data-sort]")) {
    th.addEventListener("click", () => {
      const key = th.dataset.sort;
      sortDirection = sortKey === key ? -sortDirection : 1;
      sortKey = key;
      for (const other of table.querySelectorAll("th[data-sort]")) other.removeAttribute("aria-sort");
      th.setAttribute("aria-sort", sortDirection === 1 ? "ascending" : "descending");
      apply();
    });
  }
  filterBox.addEventListener("input", apply);
  suiteBox.addEventListener("change", apply);
  statusBox.addEventListener("change", apply);
  moreButton.addEventListener("click", showMore);

  // Links elsewhere in the page (misrouted scenarios, disagreements) open that scenario in the table.
  for (const link of document.querySelectorAll("[data-scenario]")) {
    link.addEventListener("click", () => {
      const id = link.dataset.scenario;
      const epoch = Number(link.dataset.epoch || "1");
      filterBox.value = id;
      suiteBox.value = "";
      statusBox.value = "";
      apply();
      const index = view.findIndex((row) => row.id === id && row.epoch === epoch);
      const target = tbody.querySelectorAll("tr.scenario")[index];
      if (target) { toggleDetail(target, view[index]); target.scrollIntoView({ block: "start" }); }
    });
  }
  apply();
}
})();
