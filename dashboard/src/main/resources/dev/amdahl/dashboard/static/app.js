// The dashboard's page: views drawn from the JSON API, refreshed on each tick of the event stream.
// Everything a broker or a task supplied is untrusted: it reaches the page through textContent only.
"use strict";

const csrf = document.querySelector('meta[name="csrf-token"]').content;
const view = document.getElementById("view");
let current = { name: "overview", arg: null };
let lastOverview = null;
let rendering = false;

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "onclick") e.addEventListener("click", v);
    else if (k === "class") e.className = v;
    else if (v !== null && v !== undefined) e.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    e.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
  return e;
}

async function api(path) {
  const r = await fetch(path, { credentials: "same-origin" });
  if (!r.ok) throw new Error(path + ": HTTP " + r.status);
  return r.json();
}

async function post(path, body) {
  const r = await fetch(path, {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    body: JSON.stringify(body || {})
  });
  const data = await r.json().catch(() => ({}));
  notice(r.ok ? describe(data) : (data.error || "HTTP " + r.status), !r.ok);
  refresh();
  return r.ok ? data : null;
}

function describe(data) {
  return Object.entries(data).map(([k, v]) => k + ": " + v).join(", ");
}

function notice(text, error) {
  const n = document.getElementById("notice");
  n.textContent = text;
  n.className = "notice" + (error ? " error" : "");
  n.hidden = !text;
}

function state(s) {
  return el("span", { class: "state state-" + (s || "UNKNOWN") }, s || "?");
}

function time(t) {
  return t ? new Date(t).toLocaleTimeString() : "";
}

function ago(t) {
  if (!t) return "";
  const s = Math.max(0, (Date.now() - new Date(t).getTime()) / 1000);
  return s < 90 ? s.toFixed(0) + " s" : s < 5400 ? (s / 60).toFixed(0) + " min" : (s / 3600).toFixed(1) + " h";
}

function taskLink(id) {
  return el("a", { href: "#/task/" + encodeURIComponent(id) }, el("code", {}, id));
}

function table(headers, rows) {
  return el("table", {},
    el("thead", {}, el("tr", {}, headers.map(h => el("th", { class: h.endsWith("#") ? "num" : null }, h.replace(/#$/, ""))))),
    el("tbody", {}, rows.length ? rows : [el("tr", {}, el("td", { colspan: headers.length, class: "muted" }, "none"))]));
}

function row(cells) {
  return el("tr", {}, cells.map(c => c instanceof Node ? el("td", {}, c) : el("td", { class: typeof c === "number" ? "num" : null }, c === null || c === undefined ? "" : String(c))));
}

// ---- charts: a small line chart on a canvas

function chart(title, series, unit) {
  const canvas = el("canvas", { width: 640, height: 160 });
  const box = el("div", { class: "chart" }, el("h3", {}, title), canvas);
  requestAnimationFrame(() => draw(canvas, series, unit));
  return box;
}

function draw(canvas, series, unit) {
  const ratio = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 640, h = canvas.clientHeight || 160;
  canvas.width = w * ratio; canvas.height = h * ratio;
  const g = canvas.getContext("2d");
  g.scale(ratio, ratio);
  g.clearRect(0, 0, w, h);
  const left = 44, bottom = 18, top = 6;
  const all = series.flatMap(s => s.points.map(p => p[1]));
  const max = Math.max(1e-9, ...all, 0) * 1.1 || 1;
  const xs = series.flatMap(s => s.points.map(p => p[0]));
  const x0 = Math.min(...xs, Date.now() - 60000), x1 = Math.max(...xs, Date.now());
  g.strokeStyle = "#e2e8f0"; g.fillStyle = "#718096"; g.font = "10px sans-serif"; g.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const y = top + (h - top - bottom) * i / 4;
    g.beginPath(); g.moveTo(left, y); g.lineTo(w, y); g.stroke();
    const v = max * (1 - i / 4);
    g.fillText((v >= 100 ? v.toFixed(0) : v.toFixed(v >= 10 ? 1 : 2)) + (unit || ""), 2, y + 3);
  }
  g.fillText(new Date(x0).toLocaleTimeString(), left, h - 4);
  const end = new Date(x1).toLocaleTimeString();
  g.fillText(end, w - g.measureText(end).width - 2, h - 4);
  for (const s of series) {
    g.strokeStyle = s.color; g.lineWidth = 1.6; g.beginPath();
    s.points.forEach((p, i) => {
      const x = left + (w - left) * (p[0] - x0) / Math.max(1, x1 - x0);
      const y = top + (h - top - bottom) * (1 - p[1] / max);
      if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
    });
    g.stroke();
  }
  let lx = left + 6;
  for (const s of series) {
    g.fillStyle = s.color; g.fillRect(lx, top + 2, 10, 3);
    g.fillStyle = "#4a5568"; g.fillText(s.name, lx + 14, top + 7);
    lx += g.measureText(s.name).width + 30;
  }
}

// ---- views

const views = {
  async overview() {
    const o = lastOverview || await api("/api/overview");
    const samples = o.samples || [];
    const pts = f => samples.map(s => [new Date(s.at).getTime(), f(s)]);
    const interval = (i) => i > 0 ? Math.max(0.001, (new Date(samples[i].at) - new Date(samples[i - 1].at)) / 1000) : 1;
    const rate = (f) => samples.map((s, i) => [new Date(s.at).getTime(), f(s) / interval(i)]);
    return [
      el("div", { class: "charts" },
        chart("Throughput (tasks/s)", [{ name: "processed", color: "#2b6cb0", points: rate(s => s.processed) },
          { name: "failed", color: "#c53030", points: rate(s => s.failed) }]),
        chart("Run time (ms, tasks finished in each poll)", [{ name: "mean", color: "#2f855a", points: pts(s => s.meanMillis) },
          { name: "max", color: "#b7791f", points: pts(s => s.maxMillis) }], ""),
        chart("Failures (tasks/s)", [{ name: "failed", color: "#c53030", points: rate(s => s.failed) }]),
        chart("Running and ready", [{ name: "running", color: "#2b6cb0", points: pts(s => s.running) },
          { name: "ready", color: "#b7791f", points: pts(s => s.ready) }])),
      el("h2", {}, "Recent events"),
      table(["time", "event", "worker", "task", "reason"], (o.events || []).slice().reverse().map(e => row([
        time(e.at), e.type, e.worker, e.taskId ? el("span", {}, e.taskName + " ", taskLink(e.taskId)) : "", e.reason])))
    ];
  },

  async workers() {
    const data = await api("/api/workers");
    const out = [];
    if (data.registryMissing) out.push(el("p", { class: "notice" }, "The result backend keeps no heartbeats: workers cannot be listed. Give workers and the dashboard --backend redis://..."));
    out.push(table(["worker", "host", "pid", "pool", "queues", "running#", "held#", "processed#", "failed#", "load#", "up", "heartbeat"],
      data.workers.map(w => row([w.name, w.host, w.pid, w.pool + " x" + w.concurrency, w.queues.join(", "), w.active.length, w.held,
        w.processed, w.failed, w.loadAverage >= 0 ? w.loadAverage.toFixed(2) : "", ago(w.startedAt), ago(w.sentAt) + " ago"]))));
    out.push(el("h2", {}, "Running now"));
    const active = data.workers.flatMap(w => w.active.map(a => ({ ...a, worker: w.name })));
    out.push(table(["task", "id", "queue", "worker", "for", ""], active.map(a => row([a.taskName, taskLink(a.taskId), a.queue, a.worker, ago(a.startedAt),
      el("span", {}, el("button", { onclick: () => confirm("Revoke " + a.taskId + "?") && post("/api/tasks/" + encodeURIComponent(a.taskId) + "/revoke") }, "revoke"), " ",
        el("button", { class: "danger", onclick: () => confirm("Terminate " + a.taskId + " where it runs?") && post("/api/tasks/" + encodeURIComponent(a.taskId) + "/terminate") }, "terminate"))]))));
    out.push(el("h2", {}, "Registered tasks and schedules"));
    out.push(table(["worker", "tasks", "periodic"], data.workers.map(w => row([w.name, w.tasks.join(", "), w.schedules.join(", ")]))));
    return out;
  },

  async queues(arg) {
    const data = await api("/api/queues");
    const out = [table(["queue", "ready#", "change/s#", "finished here#", "consumers#", "dead letters#", ""], data.queues.map(q => row([
      q.name, q.ready, q.readyPerSecond.toFixed(1), q.processed, q.consumers,
      el("a", { href: "#/queues/" + encodeURIComponent(q.name), class: "dead-count", "data-queue": q.name }, String(q.deadLetters)),
      el("button", { class: "danger purge", "data-queue": q.name, onclick: () => purge(q.name, q.ready) }, "purge")])))];
    const queue = arg || (data.queues.find(q => q.deadLetters > 0) || {}).name;
    if (queue) {
      const dl = await api("/api/queues/" + encodeURIComponent(queue) + "/dead-letters");
      out.push(el("h2", {}, "Dead letters of " + queue));
      out.push(table(["id", "reason", "rejected", "message", ""], dl.deadLetters.map(d => el("tr", { class: "dead-letter", "data-id": d.id },
        el("td", {}, el("code", {}, d.id)), el("td", {}, d.reason || ""), el("td", {}, time(d.rejectedAt)),
        el("td", {}, el("pre", {}, d.body)),
        el("td", {}, el("button", { class: "requeue", "data-id": d.id, onclick: () => post("/api/dead-letters/requeue", { queue: d.queue, id: d.id }) }, "requeue"), " ",
          el("button", { class: "danger drop", onclick: () => confirm("Drop dead letter " + d.id + "?") && post("/api/dead-letters/drop", { queue: d.queue, id: d.id }) }, "drop"))))));
    }
    return out;
  },

  async tasks(arg) {
    const params = new URLSearchParams(arg || "");
    const box = el("div", {});
    const q = el("input", { id: "task-search", placeholder: "task id or name", value: params.get("q") || "" });
    const s = el("select", { id: "task-state" }, ["", "STARTED", "SUCCESS", "FAILURE", "RETRY", "REVOKED", "REQUEUED"].map(v =>
      el("option", { value: v }, v || "any state")));
    s.value = params.get("state") || "";
    const go = () => {
      const text = q.value.trim();
      if (/^[0-9a-f-]{36}$/i.test(text)) location.hash = "#/task/" + encodeURIComponent(text);
      else location.hash = "#/tasks/" + new URLSearchParams({ q: text, state: s.value }).toString();
    };
    q.addEventListener("keydown", e => { if (e.key === "Enter") go(); });
    const data = await api("/api/tasks?" + new URLSearchParams({ q: params.get("q") || "", state: params.get("state") || "" }));
    box.append(el("div", { class: "row" }, q, s, el("button", { id: "task-go", onclick: go }, "search"),
      el("span", { class: "muted" }, "tasks seen finishing or running since this dashboard started; any id is looked up in the result backend")));
    box.append(table(["task", "id", "queue", "state", "retries#", "last seen"], data.tasks.map(t => {
      const last = t.events[t.events.length - 1] || {};
      return row([t.taskName, taskLink(t.taskId), t.queue, state(last.state), t.retries, time(last.at)]);
    })));
    return [box];
  },

  async task(id) {
    const t = await api("/api/tasks/" + encodeURIComponent(id));
    const r = t.record;
    const seen = t.seen || {};
    const out = [el("h2", {}, "Task ", el("code", {}, id))];
    if (!r && !t.seen) out.push(el("p", { class: "muted" }, "PENDING: the backend has no record of this id (not started, never submitted there, or expired) and no worker reported it."));
    const kv = el("dl", { class: "kv" });
    const add = (k, v) => { if (v !== null && v !== undefined && v !== "") kv.append(el("dt", {}, k), el("dd", {}, v)); };
    add("name", (r && r.taskName) || seen.taskName);
    add("state", r ? state(r.state) : state((seen.events || []).slice(-1)[0]?.state));
    add("queue", seen.queue);
    add("worker", r && r.worker);
    add("retries", String(r ? r.retries : seen.retries || 0));
    add("group", seen.groupId);
    add("run time", r && r.runtimeMillis ? r.runtimeMillis.toFixed(1) + " ms" : null);
    add("arguments", seen.args ? el("pre", { id: "task-args" }, seen.args) : el("span", { class: "muted" }, "not seen (carried in heartbeats up to 2 KB)"));
    if (r && r.result !== null) add("result", el("pre", { id: "task-result" }, r.result));
    if (r && r.errorType) add("error", el("span", {}, r.errorType + ": " + (r.errorMessage || "")));
    if (r && r.traceback) add("traceback", el("pre", { id: "task-traceback" }, r.traceback));
    out.push(kv);
    const actions = el("div", { class: "row" });
    if (seen.args && r && (r.state === "FAILURE" || r.state === "REVOKED"))
      actions.append(el("button", { id: "retry", onclick: async () => { const d = await post("/api/tasks/" + encodeURIComponent(id) + "/retry"); if (d) location.hash = "#/task/" + d.retriedAs; } }, "retry (as a new task)"));
    if (!r || !["SUCCESS", "FAILURE", "REVOKED"].includes(r.state)) {
      actions.append(el("button", { id: "revoke", onclick: () => confirm("Revoke " + id + "?") && post("/api/tasks/" + encodeURIComponent(id) + "/revoke") }, "revoke"));
      actions.append(el("button", { id: "terminate", class: "danger", onclick: () => confirm("Terminate " + id + "?") && post("/api/tasks/" + encodeURIComponent(id) + "/terminate") }, "terminate"));
    }
    if (t.inWorkflow) actions.append(el("a", { href: "#/workflow/" + encodeURIComponent(id) }, "its workflow"));
    out.push(actions);
    out.push(el("h2", {}, "Timeline"));
    out.push(table(["time", "state", "worker", "reason", "from"], t.timeline.map(e => row([new Date(e.at).toLocaleTimeString() + "." + String(new Date(e.at).getMilliseconds()).padStart(3, "0"), state(e.state), e.worker, e.reason, e.source]))));
    if (t.deadLetters.length) {
      out.push(el("h2", {}, "Dead letters"));
      out.push(table(["queue", "id", "reason", ""], t.deadLetters.map(d => row([d.queue, d.id, d.reason,
        el("button", { onclick: () => post("/api/dead-letters/requeue", { queue: d.queue, id: d.id }) }, "requeue")]))));
    }
    return out;
  },

  async workflows() {
    const data = await api("/api/workflows");
    return [el("p", { class: "muted" }, "Chains and chords whose first steps finished since this dashboard started, as their messages plan them."),
      table(["first step", "id", "steps#", "seen"], data.workflows.map(w => row([w.taskName,
        el("a", { href: "#/workflow/" + encodeURIComponent(w.taskId) }, el("code", {}, w.taskId)), w.steps.length, time((w.events.slice(-1)[0] || {}).at)])))];
  },

  async workflow(id) {
    const data = await api("/api/workflows/" + encodeURIComponent(id));
    return [el("h2", {}, "Workflow of ", el("code", {}, id)), drawWorkflow(data.steps),
      table(["step", "id", "state", "after"], data.steps.map(s => row([s.taskName, taskLink(s.taskId), state(s.state), s.after.length + " step(s)"])))];
  },

  async scaling() {
    const data = await api("/api/scaling");
    const pct = v => v === null || v === undefined ? "" : (100 * v).toFixed(1) + " %";
    const x = v => v === null || v === undefined ? "" : v.toFixed(2) + "x";
    return [el("p", { class: "muted" }, "Each recent group as it ran: speedup = members' run time / wall time; efficiency = speedup / slots;"
      + " serial fraction = the s for which Amdahl's law predicts that speedup on those slots (Karp-Flatt); ceiling = 1/s."),
      table(["group", "members#", "workers#", "slots#", "wall s#", "work s#", "speedup#", "efficiency#", "serial fraction#", "ceiling#", "at 2x slots#"],
        data.groups.map(g => row([el("code", {}, g.groupId), g.members, g.workers, g.slots, g.wallSeconds.toFixed(2), g.workSeconds.toFixed(2),
          x(g.speedup), pct(g.efficiency), pct(g.serialFraction), g.ceiling === null ? (g.serialFraction === 0 ? "unbounded" : "") : x(g.ceiling), x(g.predicted2x)])))];
  }
};

// A workflow as columns of boxes: each step one column right of the latest step it waits for.
function drawWorkflow(steps) {
  const ns = "http://www.w3.org/2000/svg";
  const byId = Object.fromEntries(steps.map(s => [s.taskId, s]));
  const depth = {};
  const d = (s, guard) => {
    if (depth[s.taskId] !== undefined) return depth[s.taskId];
    if (guard > 200) return 0;
    const before = s.after.map(a => byId[a]).filter(Boolean);
    return depth[s.taskId] = before.length ? 1 + Math.max(...before.map(b => d(b, guard + 1))) : 0;
  };
  steps.forEach(s => d(s, 0));
  const columns = {};
  steps.forEach(s => (columns[depth[s.taskId]] = columns[depth[s.taskId]] || []).push(s));
  const W = 170, H = 46, GX = 50, GY = 14;
  const rows = Math.max(1, ...Object.values(columns).map(c => c.length));
  const cols = Object.keys(columns).length;
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("width", Math.max(300, cols * (W + GX)));
  svg.setAttribute("height", rows * (H + GY) + GY);
  svg.setAttribute("id", "workflow-graph");
  const pos = {};
  Object.entries(columns).forEach(([c, list]) => list.forEach((s, i) => pos[s.taskId] = [10 + c * (W + GX), GY + i * (H + GY)]));
  const colors = { SUCCESS: "#c6f6d5", FAILURE: "#fed7d7", REVOKED: "#fed7d7", STARTED: "#bee3f8", RETRY: "#bee3f8", PENDING: "#fefcbf" };
  for (const s of steps) for (const a of s.after) if (pos[a]) {
    const line = document.createElementNS(ns, "line");
    line.setAttribute("x1", pos[a][0] + W); line.setAttribute("y1", pos[a][1] + H / 2);
    line.setAttribute("x2", pos[s.taskId][0]); line.setAttribute("y2", pos[s.taskId][1] + H / 2);
    line.setAttribute("stroke", "#a0aec0");
    svg.appendChild(line);
  }
  for (const s of steps) {
    const [x, y] = pos[s.taskId];
    const link = document.createElementNS(ns, "a");
    link.setAttribute("href", "#/task/" + encodeURIComponent(s.taskId));
    const rect = document.createElementNS(ns, "rect");
    Object.entries({ x, y, width: W, height: H, rx: 5, fill: colors[s.state] || "#e2e8f0", stroke: "#718096", class: "step" })
      .forEach(([k, v]) => rect.setAttribute(k, v));
    link.appendChild(rect);
    [[s.taskName || "?", 18, "600"], [s.state + "  " + s.taskId.slice(0, 8), 36, "400"]].forEach(([text, dy, weight]) => {
      const t = document.createElementNS(ns, "text");
      t.setAttribute("x", x + 8); t.setAttribute("y", y + dy); t.setAttribute("font-size", "12"); t.setAttribute("font-weight", weight);
      t.textContent = text;
      link.appendChild(t);
    });
    svg.appendChild(link);
  }
  return el("div", { class: "workflow" }, svg);
}

function purge(queue, ready) {
  if (!confirm("Remove the " + ready + " message(s) ready in queue '" + queue + "'? This cannot be undone.")) return;
  post("/api/queues/" + encodeURIComponent(queue) + "/purge", { confirm: queue });
}

// ---- routing and live updates

function route() {
  const parts = (location.hash || "#/overview").slice(2).split("/");
  const name = parts[0] === "queues" ? "queues" : parts[0];
  current = { name: views[name] ? name : "overview", arg: parts.length > 1 ? decodeURIComponent(parts.slice(1).join("/")) : null };
  document.querySelectorAll("#nav a").forEach(a => a.classList.toggle("active",
    a.dataset.view === current.name || (a.dataset.view === "tasks" && current.name === "task") || (a.dataset.view === "workflows" && current.name === "workflow")));
  notice("");
  refresh(true);
}

async function refresh(force) {
  // the task search and a task's page do not redraw under the reader on every tick
  if (!force && (current.name === "tasks" || rendering)) return;
  rendering = true;
  try {
    const nodes = await views[current.name](current.arg);
    view.replaceChildren(...nodes);
  } catch (e) {
    notice(String(e.message || e), true);
  } finally {
    rendering = false;
  }
}

function counters(o) {
  const set = (id, v) => { document.getElementById(id).textContent = String(v); };
  set("count-workers", o.workers); set("count-running", o.running); set("count-processed", o.processed);
  set("count-failed", o.failed); set("count-ready", o.ready); set("count-dead", o.deadLetters);
  if (o.pollError) notice("cannot reach the broker: " + o.pollError, true);
}

function connect() {
  const live = document.getElementById("live");
  const source = new EventSource("/api/events");
  source.addEventListener("open", () => { live.textContent = "live"; live.className = "live"; });
  source.addEventListener("error", () => { live.textContent = "reconnecting"; live.className = "live off"; });
  source.addEventListener("tick", e => {
    lastOverview = JSON.parse(e.data);
    counters(lastOverview);
    refresh(false);
  });
}

window.addEventListener("hashchange", route);
route();
connect();
