// The Sockerless browser view: a small page over the admin API's JSON. Every value from the
// server is written with textContent (through el() and text()), never as HTML; links are built
// from encodeURIComponent'd parts only. No library, nothing fetched from elsewhere.
"use strict";

const CSRF = document.querySelector('meta[name="csrf-token"]').content;
const TOKEN_REQUIRED = document.querySelector('meta[name="token-required"]').content === "1";
const main = document.getElementById("main");
let cleanup = [];

// el("tag", {id, class, href, ...}, child, ...): children are nodes or strings (as text).
function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "onclick") node.addEventListener("click", value);
    else if (name === "onsubmit") node.addEventListener("submit", value);
    else if (name === "class") node.className = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function show(...nodes) {
  for (const stop of cleanup) stop();
  cleanup = [];
  main.replaceChildren(...nodes);
}

function time(ms) {
  if (ms === null || ms === undefined) return "";
  return new Date(ms).toISOString().replace("T", " ").replace("Z", "");
}

function hashLink(path, params) {
  const query = new URLSearchParams(params || {}).toString();
  return "#" + path + (query ? "?" + query : "");
}

class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error && body.error.message) || "HTTP " + status);
    this.status = status;
    this.code = body && body.error && body.error.code;
  }
}

async function api(path, options) {
  options = options || {};
  const headers = { Accept: "application/json" };
  const method = options.method || "GET";
  if (method !== "GET" && CSRF) headers["X-CSRF-Token"] = CSRF;
  if (options.json !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: options.json !== undefined ? JSON.stringify(options.json) : undefined,
  });
  if (response.status === 401) {
    window.location.assign("/_sockerless/login");
    throw new ApiError(401, null);
  }
  const text = await response.text();
  const body = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

function failure(error) {
  return el("p", { class: "error", id: "error" }, String(error.message || error));
}

function table(headings, rows) {
  return el("table", {},
    el("thead", {}, el("tr", {}, headings.map((h) => el("th", {}, h)))),
    el("tbody", {}, rows));
}

// Overview ------------------------------------------------------------------------------------

async function overview() {
  const data = await api("/_sockerless/overview");
  const services = data.services.map((service) =>
    el("tr", {},
      el("td", {}, el("a", { href: hashLink("/resources", { service: service.name }) }, service.name)),
      el("td", {}, String(service.count))));
  show(
    el("h2", {}, "Overview"),
    el("p", {}, "Server ", el("strong", { id: "overview-server" }, data.server), " ", data.version,
      ", up ", Math.round(data.uptimeMs / 1000) + " s", data.durable ? ", durable" : ", in memory"),
    el("p", {}, "Requests per second (last 10 s): ",
      el("strong", { id: "overview-rate" }, data.requests.perSecond.toFixed(1)),
      "; inspector holds ", String(data.requests.held), " of ", String(data.requests.capacity),
      "; faults: ", String(data.faults)),
    el("h3", {}, "Services"),
    data.services.length ? table(["service", "records"], services) : el("p", { class: "muted" }, "No records yet."),
    el("h3", {}, "Workloads (", String(data.workloads.running), " running)"),
    workloadTable(data.workloads.recent));
}

// Resources -----------------------------------------------------------------------------------

async function resources(params) {
  const data = await api("/_sockerless/resources");
  const wanted = params.get("service");
  const lists = data.services
    .filter((service) => !wanted || service.name === wanted)
    .map((service) => el("section", { class: "collection-list" },
      el("h3", {}, service.name),
      service.collections.map((collection) =>
        el("a", { href: hashLink("/collection", { c: collection.name }) },
          collection.name + " (" + collection.count + ")"))));
  show(el("h2", {}, "Resources"),
    lists.length ? el("div", { class: "columns" }, lists) : el("p", { class: "muted" }, "No records yet."));
}

async function collection(params) {
  const name = params.get("c") || "";
  const filter = params.get("filter") || "";
  const data = await api("/_sockerless/resources/" + encodeURIComponent(name) +
    "?" + new URLSearchParams({ filter, limit: "500" }));
  const input = el("input", { id: "resource-filter", type: "search", value: filter, placeholder: "filter by key or name" });
  const form = el("form", {
    onsubmit: (event) => {
      event.preventDefault();
      window.location.hash = hashLink("/collection", { c: name, filter: input.value });
    },
  }, input, el("button", { type: "submit" }, "Filter"));
  const rows = data.items.map((item) =>
    el("tr", {},
      el("td", {}, el("a", { class: "resource-link", href: hashLink("/resource", { c: name, k: item.key }) }, item.name)),
      el("td", { class: "muted" }, item.key)));
  show(el("h2", {}, name),
    el("p", {}, el("a", { href: hashLink("/resources", { service: data.service }) }, "← " + data.service),
      " · ", String(data.matched), " of ", String(data.total), " records"),
    form, table(["name", "key"], rows));
}

function linkList(links) {
  if (!links.length) return el("p", { class: "muted" }, "None.");
  return el("ul", {}, links.map((link) =>
    el("li", {}, link.rel ? link.rel + ": " : "",
      el("a", { class: "related", href: hashLink("/resource", { c: link.collection, k: link.key }) },
        link.name || link.id || link.key),
      el("span", { class: "muted" }, " (" + link.collection + ")"))));
}

async function resource(params) {
  const data = await api("/_sockerless/resource?" +
    new URLSearchParams({ collection: params.get("c") || "", key: params.get("k") || "" }));
  show(el("h2", { id: "resource-name" }, data.name),
    el("p", {}, el("a", { href: hashLink("/collection", { c: data.collection }) }, "← " + data.collection),
      " · key ", el("code", {}, data.key)),
    el("h3", {}, "Links"), el("div", { id: "resource-links" }, linkList(data.links)),
    el("h3", {}, "Referenced by"), linkList(data.referencedBy),
    el("h3", {}, "Workloads"), workloadTable(data.workloads),
    el("h3", {}, "Record"), el("pre", { id: "resource-record" }, JSON.stringify(data.record, null, 2)));
}

// Workloads -----------------------------------------------------------------------------------

function workloadTable(workloads) {
  if (!workloads.length) return el("p", { class: "muted" }, "None.");
  return table(["id", "name", "status", "runner", "started", "exit code"], workloads.map((w) =>
    el("tr", {},
      el("td", {}, el("a", { class: "workload-link", href: hashLink("/workload/" + w.id) }, String(w.id))),
      el("td", {}, w.name), el("td", {}, w.status), el("td", {}, w.runner),
      el("td", {}, time(w.startedAtMs)),
      el("td", {}, w.exitCode === null ? "" : String(w.exitCode)))));
}

async function workloads() {
  const data = await api("/_sockerless/workloads");
  show(el("h2", {}, "Workloads"), workloadTable(data.workloads));
}

function workloadFacts(w) {
  const rows = [
    ["id", w.id], ["name", w.name], ["status", w.status], ["runner", w.runner], ["pid", w.pid],
    ["started", time(w.startedAtMs)], ["finished", time(w.finishedAtMs)],
    ["exit code", w.exitCode], ["reason", w.reason], ["message", w.message],
  ];
  return el("table", { id: "workload-facts" }, el("tbody", {}, rows.map(([name, value]) =>
    el("tr", {}, el("th", {}, name),
      el("td", { id: "workload-" + name.replace(" ", "-") }, value === null || value === undefined ? "" : String(value))))));
}

async function workload(id) {
  const data = await api("/_sockerless/workloads/" + encodeURIComponent(id));
  const facts = el("div", {}, workloadFacts(data));
  const logs = el("pre", { class: "logs", id: "workload-logs" });
  const message = el("p", { id: "workload-message" });
  // The exit event can arrive before the answer to stop or kill: what it says wins.
  let ended = data.status === "exited";
  const act = (action) => async () => {
    try {
      const after = await api("/_sockerless/workloads/" + encodeURIComponent(id) + "/" + action, { method: "POST" });
      if (!ended) {
        message.textContent = action === "stop" ? "Stopping (SIGTERM)…" : "Killing (SIGKILL)…";
        facts.replaceChildren(workloadFacts(after));
      }
    } catch (error) {
      message.textContent = error.message;
    }
  };
  show(el("h2", {}, "Workload ", data.name), facts,
    el("p", {},
      el("button", { type: "button", id: "stop", onclick: act("stop") }, "Stop"),
      el("button", { type: "button", id: "kill", class: "danger", onclick: act("kill") }, "Kill")),
    message, el("h3", {}, "Output (live)"), logs);
  const source = new EventSource("/_sockerless/workloads/" + encodeURIComponent(id) + "/logs/stream");
  cleanup.push(() => source.close());
  source.addEventListener("line", (event) => {
    const line = JSON.parse(event.data);
    const follow = logs.scrollTop + logs.clientHeight >= logs.scrollHeight - 4;
    logs.append(el("span", { class: line.stream + " log-line" }, line.text), "\n");
    if (follow) logs.scrollTop = logs.scrollHeight;
  });
  source.addEventListener("gap", (event) => {
    logs.append(el("span", { class: "muted" }, "… " + JSON.parse(event.data).missed + " lines missed …"), "\n");
  });
  source.addEventListener("exit", (event) => {
    ended = true;
    facts.replaceChildren(workloadFacts(JSON.parse(event.data)));
    message.textContent = "Ended.";
    source.close();
  });
}

// Requests ------------------------------------------------------------------------------------

async function requests(params) {
  const status = params.get("status") || "";
  const operation = params.get("operation") || "";
  const data = await api("/_sockerless/requests?" + new URLSearchParams({ status, operation, limit: "200" }));
  const statusInput = el("input", { id: "filter-status", value: status, placeholder: "404, 4xx, error", size: 10 });
  const operationInput = el("input", { id: "filter-operation", value: operation, placeholder: "operation", size: 24 });
  const form = el("form", {
    id: "request-filters",
    onsubmit: (event) => {
      event.preventDefault();
      window.location.hash = hashLink("/requests", { status: statusInput.value, operation: operationInput.value });
    },
  }, el("label", { for: "filter-status" }, "Status"), statusInput,
  el("label", { for: "filter-operation" }, "Operation"), operationInput,
  el("button", { type: "submit", id: "filter-apply" }, "Filter"));
  const rows = data.requests.map((r) => el("tr", {
    class: "clickable request-row",
    "data-id": r.id,
    onclick: () => { window.location.hash = hashLink("/request/" + r.id); },
  },
  el("td", {}, time(r.timeMs)), el("td", {}, r.client || ""),
  el("td", { class: "request-operation" }, r.operation),
  el("td", { class: r.status >= 400 ? "status-error request-status" : "status-ok request-status" }, String(r.status)),
  el("td", { class: "request-error-code" }, r.errorCode || ""),
  el("td", {}, r.latencyMs.toFixed(2) + " ms")));
  // Pausing keeps what the ring holds from being pushed out by the traffic that follows.
  const pause = data.capacity ? el("button", {
    type: "button",
    id: "inspector-recording",
    "data-recording": data.recording ? "1" : "0",
    onclick: async () => {
      try {
        await api("/_sockerless/inspector", { method: "PUT", json: { recording: !data.recording } });
        await route();
      } catch (error) { main.append(failure(error)); }
    },
  }, data.recording ? "Pause recording" : "Resume recording") : null;
  show(el("h2", {}, "Requests"),
    el("p", { class: "muted" }, "The last ", String(data.capacity), " requests are kept (now ", String(data.held),
      "); bodies up to ", String(data.bodyCap / 1024), " KiB each; secrets redacted.",
      data.capacity && !data.recording ? " Recording is paused." : ""),
    pause, form, table(["time", "client", "operation", "status", "error code", "latency"], rows));
}

function headerTable(headers) {
  return table(["header", "value"], headers.map(([name, value]) => el("tr", {}, el("td", {}, name), el("td", {}, value))));
}

function bodyView(body, id) {
  if (!body.size) return el("p", { class: "muted" }, "No body.");
  const note = body.truncated ? " (first " + (body.text || body.base64 || "").length + " shown)" : "";
  return el("div", {}, el("p", { class: "muted" }, body.size + " bytes" + note),
    el("pre", { id }, body.text !== undefined ? body.text : "base64: " + body.base64));
}

async function request(id) {
  const r = await api("/_sockerless/requests/" + encodeURIComponent(id));
  show(el("h2", {}, "Request ", String(r.id)),
    el("p", {}, el("a", { href: hashLink("/requests") }, "← requests")),
    table(["", ""], [
      ["time", time(r.timeMs)], ["request ID", r.requestId], ["client", r.client || ""],
      ["method", r.method], ["target", r.uri], ["operation", r.operation],
      ["status", String(r.status)], ["error code", r.errorCode || ""],
      ["latency", r.latencyMs.toFixed(3) + " ms"],
    ].map(([name, value]) => el("tr", {}, el("th", {}, name),
      el("td", { id: "detail-" + name.replace(" ", "-") }, value)))),
    el("h3", {}, "Request headers"), headerTable(r.requestHeaders),
    el("h3", {}, "Request body"), bodyView(r.requestBody, "request-body"),
    el("h3", {}, "Response headers"), headerTable(r.responseHeaders),
    el("h3", {}, "Response body"), bodyView(r.responseBody, "response-body"));
}

// Faults --------------------------------------------------------------------------------------

async function faults() {
  const data = await api("/_sockerless/faults");
  const rows = data.faults.map((fault) => el("tr", {},
    el("td", {}, fault.id), el("td", {}, fault.service || "any"), el("td", {}, fault.operation || "any"),
    el("td", {}, fault.kind + (fault.kind === "error" ? " " + fault.status + " " + fault.code : "") +
      (fault.kind === "latency" ? " " + fault.millis + " ms" : "")),
    el("td", {}, fault.count === null || fault.count === undefined ? "∞" : String(fault.count)),
    el("td", {}, el("button", {
      type: "button", class: "remove-fault",
      onclick: async () => {
        await api("/_sockerless/faults/" + encodeURIComponent(fault.id), { method: "DELETE" });
        route();
      },
    }, "Remove"))));
  const field = (id, attributes) => el("input", Object.assign({ id }, attributes));
  const service = field("fault-service", { placeholder: "service (any)", size: 10 });
  const operation = field("fault-operation", { placeholder: "operation (any)", size: 16 });
  const kind = el("select", { id: "fault-kind" },
    ["error", "throttle", "unavailable", "latency"].map((k) => el("option", { value: k }, k)));
  const status = field("fault-status", { placeholder: "status", size: 4, value: "500" });
  const code = field("fault-code", { placeholder: "code", size: 16 });
  const millis = field("fault-millis", { placeholder: "ms", size: 6 });
  const count = field("fault-count", { placeholder: "count (∞)", size: 6 });
  const message = el("p", { class: "error", id: "fault-message" });
  const form = el("form", {
    id: "fault-form",
    onsubmit: async (event) => {
      event.preventDefault();
      const rule = { kind: kind.value };
      if (service.value) rule.service = service.value;
      if (operation.value) rule.operation = operation.value;
      if (count.value) rule.count = Number(count.value);
      if (kind.value === "error") { rule.status = Number(status.value); rule.code = code.value; }
      if (kind.value === "latency") rule.millis = Number(millis.value);
      try {
        await api("/_sockerless/faults", { method: "POST", json: rule });
        route();
      } catch (error) {
        message.textContent = error.message;
      }
    },
  }, service, operation, kind, status, code, millis, count, el("button", { type: "submit", id: "fault-add" }, "Add fault"));
  show(el("h2", {}, "Faults"),
    rows.length ? table(["id", "service", "operation", "does", "count", ""], rows) : el("p", { class: "muted" }, "No faults."),
    el("h3", {}, "Add a fault"), form, message);
}

// Reset ---------------------------------------------------------------------------------------

function reset() {
  const message = el("p", { id: "reset-message" });
  const confirmation = el("p", { hidden: true, id: "reset-confirmation" },
    "This stops every workload and deletes every record and fault. Sure? ",
    el("button", {
      type: "button", id: "reset-confirm", class: "danger",
      onclick: async () => {
        try {
          await api("/_sockerless/reset", { method: "POST" });
          message.textContent = "Reset done.";
        } catch (error) {
          message.textContent = error.message;
        }
        confirmation.hidden = true;
      },
    }, "Yes, reset"),
    el("button", { type: "button", id: "reset-cancel", onclick: () => { confirmation.hidden = true; } }, "Cancel"));
  show(el("h2", {}, "Reset"),
    el("button", { type: "button", id: "reset", onclick: () => { confirmation.hidden = false; } }, "Reset this server…"),
    confirmation, message);
}

// Routing -------------------------------------------------------------------------------------

async function route() {
  const hash = window.location.hash.slice(1) || "/overview";
  const [path, query] = hash.split("?");
  const params = new URLSearchParams(query || "");
  const parts = path.split("/").filter(Boolean);
  for (const link of document.querySelectorAll("header nav a")) {
    link.classList.toggle("active", link.getAttribute("href") === "#/" + parts[0]);
  }
  try {
    switch (parts[0]) {
      case "resources": return await resources(params);
      case "collection": return await collection(params);
      case "resource": return await resource(params);
      case "workloads": return await workloads();
      case "workload": return await workload(parts[1]);
      case "requests": return await requests(params);
      case "request": return await request(parts[1]);
      case "faults": return await faults();
      case "reset": return reset();
      default: return await overview();
    }
  } catch (error) {
    show(failure(error));
  }
}

const logout = document.getElementById("logout");
if (TOKEN_REQUIRED && CSRF) {
  logout.hidden = false;
  logout.addEventListener("click", async () => {
    await fetch("/_sockerless/logout", { method: "POST", headers: { "X-CSRF-Token": CSRF }, credentials: "same-origin" });
    window.location.assign("/_sockerless/login");
  });
}
window.addEventListener("hashchange", route);
route();
