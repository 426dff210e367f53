/*
 * Convene's dashboard: draws what the server reads, and nothing more.
 *
 * Written for Convene and shipped inside its package (no library, no CDN):
 * the page works without a network. Every name on the page is user text, so
 * the DOM is built with createElement and textContent only, never by parsing
 * markup. The server places the silos (a seeded spring layout), so
 * this file only draws, zooms, pans and answers clicks. Nothing is sent back
 * but GETs: the dashboard changes nothing.
 */
(function () {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";
  var WIDTH = 1000;
  var HEIGHT = 720;
  var MARGIN_X = 90; // room for a label under a silo at either side
  var MARGIN_Y = 44;
  var KIND_COLOURS = 8;

  // -- building the DOM safely ---------------------------------------------------------

  function element(tag, attributes, text) {
    var made = document.createElement(tag);
    setAttributes(made, attributes);
    if (text !== undefined && text !== null) {
      made.textContent = String(text);
    }
    return made;
  }

  function shape(tag, attributes, text) {
    var made = document.createElementNS(SVG_NS, tag);
    setAttributes(made, attributes);
    if (text !== undefined && text !== null) {
      made.textContent = String(text);
    }
    return made;
  }

  function setAttributes(node, attributes) {
    if (!attributes) {
      return;
    }
    Object.keys(attributes).forEach(function (name) {
      node.setAttribute(name, String(attributes[name]));
    });
  }

  function byId(id) {
    return document.getElementById(id);
  }

  function percent(share) {
    return Math.round(share * 100) + "%";
  }

  function plural(count, word, many) {
    return count + " " + (count === 1 ? word : many || word + "s");
  }

  function emptyRow(table, columns, sentence) {
    var row = element("tr");
    row.appendChild(element("td", { colspan: columns, class: "empty" }, sentence));
    table.tBodies[0].appendChild(row);
  }

  // -- reading -------------------------------------------------------------------------

  function Refused(sentence) {
    this.sentence = sentence;
  }

  function read(path) {
    // As the page's preload of the graph asks (same origin, same credentials), so that
    // the browser hands over the answer it already has.
    return fetch(path, { credentials: "same-origin" }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) {
          throw new Refused(body && body.error ? body.error : "The dashboard could not read " + path + ".");
        }
        return body;
      });
    });
  }

  function showProblem(problem) {
    var box = byId("problem");
    box.textContent = problem instanceof Refused
      ? problem.sentence
      : "Something went wrong reading the dashboard; reload the page to try again.";
    box.hidden = false;
  }

  // -- the landscape -------------------------------------------------------------------

  function Graph(svg, data) {
    this.svg = svg;
    this.data = data;
    this.view = { k: 1, x: 0, y: 0 };
    this.selected = null;
    this.nodes = {};
    this.edgesOf = {};
    this.kindIndex = {};
    var graph = this;
    data.kinds.forEach(function (kind, index) {
      graph.kindIndex[kind] = index % KIND_COLOURS;
    });
    this.byId = {};
    data.nodes.forEach(function (node) {
      graph.byId[node.id] = node;
    });
  }

  Graph.prototype.place = function () {
    // The server's places, stretched alike on both axes to fill the drawing.
    var nodes = this.data.nodes;
    if (nodes.length === 0) {
      return;
    }
    var xs = nodes.map(function (node) { return node.x; });
    var ys = nodes.map(function (node) { return node.y; });
    var minX = Math.min.apply(null, xs), minY = Math.min.apply(null, ys);
    var spanX = Math.max.apply(null, xs) - minX || 1;
    var spanY = Math.max.apply(null, ys) - minY || 1;
    var scale = Math.min((WIDTH - 2 * MARGIN_X) / spanX, (HEIGHT - 2 * MARGIN_Y) / spanY);
    var offsetX = (WIDTH - spanX * scale) / 2;
    var offsetY = (HEIGHT - spanY * scale) / 2;
    nodes.forEach(function (node) {
      node.px = nodes.length === 1 ? WIDTH / 2 : offsetX + (node.x - minX) * scale;
      node.py = nodes.length === 1 ? HEIGHT / 2 : offsetY + (node.y - minY) * scale;
      node.r = Math.min(34, 7 + 3.2 * Math.sqrt(node.members));
    });
  };

  Graph.prototype.draw = function () {
    var graph = this;
    var svg = this.svg;
    svg.replaceChildren();
    this.place();
    this.layer = shape("g", { class: "viewport" });
    var edges = shape("g", { class: "edges" });
    var nodes = shape("g", { class: "nodes" });
    this.layer.appendChild(edges);
    this.layer.appendChild(nodes);
    svg.appendChild(this.layer);

    this.data.edges.forEach(function (edge) {
      var a = graph.byId[edge.a];
      var b = graph.byId[edge.b];
      if (!a || !b) {
        return;
      }
      var met = edge.state === "met";
      var line = shape("line", {
        class: "edge " + (met ? "edge-met" : "edge-introduced"),
        "data-state": edge.state,
        "data-a": edge.a,
        "data-b": edge.b,
        x1: a.px.toFixed(1),
        y1: a.py.toFixed(1),
        x2: b.px.toFixed(1),
        y2: b.py.toFixed(1),
        "stroke-width": met ? (1.5 + Math.min(edge.meetings, 8) * 0.6).toFixed(1) : 1.5
      });
      line.appendChild(shape("title", null, a.name + " and " + b.name + ": " + bridgeWords(edge)));
      edges.appendChild(line);
      (graph.edgesOf[edge.a] = graph.edgesOf[edge.a] || []).push({ edge: edge, line: line });
      (graph.edgesOf[edge.b] = graph.edgesOf[edge.b] || []).push({ edge: edge, line: line });
    });

    var labelled = this.data.nodes.length <= 60;
    this.data.nodes.forEach(function (node) {
      var group = shape("g", {
        class: "node",
        tabindex: 0,
        role: "button",
        "data-silo-id": node.id,
        "data-kind": node.kind,
        "aria-label": node.name + ", " + node.kind + ", " + plural(node.members, "member"),
        transform: "translate(" + node.px.toFixed(1) + " " + node.py.toFixed(1) + ")"
      });
      group.appendChild(shape("circle", { r: node.r.toFixed(1), class: "kind-" + graph.kindIndex[node.kind] }));
      group.appendChild(shape("title", null, node.name + " (" + node.kind + "): " + plural(node.members, "member")));
      if (labelled) {
        group.appendChild(shape("text", { y: (node.r + 15).toFixed(1), class: "label" }, node.name));
      }
      group.addEventListener("click", function (event) {
        event.stopPropagation();
        if (graph.justDragged) {
          return;
        }
        graph.select(node.id);
      });
      group.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          graph.select(node.id);
        }
      });
      nodes.appendChild(group);
      graph.nodes[node.id] = group;
    });

    svg.addEventListener("click", function () {
      if (!graph.justDragged) {
        graph.select(null);
      }
    });
    this.listen();
    this.apply();
  };

  Graph.prototype.apply = function () {
    var v = this.view;
    this.layer.setAttribute("transform", "translate(" + v.x.toFixed(2) + " " + v.y.toFixed(2) + ") scale(" + v.k.toFixed(4) + ")");
  };

  Graph.prototype.pointIn = function (clientX, clientY) {
    // Screen coordinates to the drawing's (viewBox) coordinates.
    var box = this.svg.getBoundingClientRect();
    return {
      x: ((clientX - box.left) / box.width) * WIDTH,
      y: ((clientY - box.top) / box.height) * HEIGHT
    };
  };

  Graph.prototype.zoomAt = function (factor, point) {
    var v = this.view;
    var k = Math.max(0.3, Math.min(10, v.k * factor));
    var ratio = k / v.k;
    v.x = point.x - (point.x - v.x) * ratio;
    v.y = point.y - (point.y - v.y) * ratio;
    v.k = k;
    this.apply();
  };

  Graph.prototype.listen = function () {
    var graph = this;
    var svg = this.svg;
    var press = null;

    svg.addEventListener("wheel", function (event) {
      event.preventDefault();
      var step = event.deltaMode === 1 ? event.deltaY * 16 : event.deltaY;
      graph.zoomAt(Math.exp(-step * 0.0015), graph.pointIn(event.clientX, event.clientY));
    }, { passive: false });

    svg.addEventListener("pointerdown", function (event) {
      if (event.button !== 0) {
        return;
      }
      press = { id: event.pointerId, x: event.clientX, y: event.clientY, view: { x: graph.view.x, y: graph.view.y }, moving: false };
      graph.justDragged = false;
    });
    svg.addEventListener("pointermove", function (event) {
      if (!press || event.pointerId !== press.id) {
        return;
      }
      var dx = event.clientX - press.x;
      var dy = event.clientY - press.y;
      if (!press.moving && Math.abs(dx) + Math.abs(dy) < 5) {
        return;
      }
      if (!press.moving) {
        press.moving = true;
        svg.setPointerCapture(event.pointerId);
        svg.classList.add("dragging");
      }
      var box = svg.getBoundingClientRect();
      graph.view.x = press.view.x + dx * (WIDTH / box.width);
      graph.view.y = press.view.y + dy * (HEIGHT / box.height);
      graph.apply();
    });
    function release(event) {
      if (!press || event.pointerId !== press.id) {
        return;
      }
      if (press.moving) {
        graph.justDragged = true;
        svg.classList.remove("dragging");
        // The click that ends a drag is not a choice of silo.
        window.setTimeout(function () { graph.justDragged = false; }, 0);
      }
      press = null;
    }
    svg.addEventListener("pointerup", release);
    svg.addEventListener("pointercancel", release);

    byId("zoom-in").addEventListener("click", function () {
      graph.zoomAt(1.3, { x: WIDTH / 2, y: HEIGHT / 2 });
    });
    byId("zoom-out").addEventListener("click", function () {
      graph.zoomAt(1 / 1.3, { x: WIDTH / 2, y: HEIGHT / 2 });
    });
    byId("zoom-reset").addEventListener("click", function () {
      graph.view = { k: 1, x: 0, y: 0 };
      graph.apply();
    });
  };

  Graph.prototype.select = function (siloId) {
    var graph = this;
    Object.keys(this.nodes).forEach(function (id) {
      graph.nodes[id].classList.remove("selected", "neighbour");
    });
    this.svg.querySelectorAll(".edge.touching").forEach(function (line) {
      line.classList.remove("touching");
    });
    this.selected = siloId;
    if (siloId === null || !this.byId[siloId]) {
      this.svg.classList.remove("has-selection");
      showNoSilo();
      return;
    }
    this.svg.classList.add("has-selection");
    this.nodes[siloId].classList.add("selected");
    var touching = this.edgesOf[siloId] || [];
    touching.forEach(function (entry) {
      entry.line.classList.add("touching");
      var other = entry.edge.a === siloId ? entry.edge.b : entry.edge.a;
      if (graph.nodes[other]) {
        graph.nodes[other].classList.add("neighbour");
      }
    });
    showSilo(this, this.byId[siloId], touching.map(function (entry) { return entry.edge; }));
  };

  function bridgeWords(edge) {
    if (edge.state === "met") {
      return "met (" + plural(edge.meetings, "meeting") + " of " + plural(edge.introductions, "introduction") + ")";
    }
    return "introduced, not met yet (" + plural(edge.introductions, "introduction") + ")";
  }

  function showNoSilo() {
    var panel = byId("silo-panel");
    panel.removeAttribute("data-silo-id");
    panel.replaceChildren(
      element("h3", null, "A silo"),
      element("p", { class: "quiet" }, "Click a silo to see its members and its bridges.")
    );
  }

  function showSilo(graph, node, edges) {
    var panel = byId("silo-panel");
    panel.setAttribute("data-silo-id", node.id);
    var parts = [
      element("h3", { id: "silo-name" }, node.name),
      element("p", { class: "quiet" }, node.kind + ", " + plural(node.members, "member"))
    ];

    parts.push(element("h3", null, "Bridges (" + edges.length + ")"));
    if (edges.length === 0) {
      parts.push(element("p", { class: "empty" }, "No introduction has reached another silo from here yet."));
    } else {
      var bridges = element("ul", { id: "silo-bridges" });
      edges
        .map(function (edge) {
          return { edge: edge, other: graph.byId[edge.a === node.id ? edge.b : edge.a] };
        })
        .sort(function (one, two) {
          return two.edge.meetings - one.edge.meetings || one.other.name.localeCompare(two.other.name);
        })
        .forEach(function (entry) {
          var item = element("li", { class: "bridge-" + entry.edge.state, "data-state": entry.edge.state });
          var go = element("button", { type: "button", class: "link" }, entry.other.name);
          go.addEventListener("click", function () { graph.select(entry.other.id); });
          item.appendChild(go);
          item.appendChild(document.createTextNode(": " + bridgeWords(entry.edge)));
          bridges.appendChild(item);
        });
      parts.push(bridges);
    }

    parts.push(element("h3", null, "Members (" + node.member_names.length + ")"));
    if (node.member_names.length === 0) {
      parts.push(element("p", { class: "empty" }, "Nobody is in this silo yet."));
    } else {
      var members = element("ul", { id: "silo-members" });
      node.member_names.forEach(function (name) {
        members.appendChild(element("li", null, name));
      });
      parts.push(members);
    }
    panel.replaceChildren.apply(panel, parts);
  }

  function drawLegend(data) {
    var legend = byId("legend");
    legend.replaceChildren();
    function key(sample, words) {
      var item = element("span");
      var icon = shape("svg", { width: 30, height: 12, viewBox: "0 0 30 12", "aria-hidden": "true" });
      icon.appendChild(sample);
      item.appendChild(icon);
      item.appendChild(document.createTextNode(words));
      legend.appendChild(item);
    }
    key(shape("line", { x1: 1, y1: 6, x2: 29, y2: 6, class: "edge-met", "stroke-width": 3 }), "met");
    key(shape("line", { x1: 1, y1: 6, x2: 29, y2: 6, class: "edge-introduced", "stroke-width": 2 }), "introduced, not met yet");
    data.kinds.forEach(function (kind, index) {
      key(shape("circle", { cx: 15, cy: 6, r: 5, class: "kind-" + (index % KIND_COLOURS) }), kind);
    });
  }

  function fillList(id, items, none) {
    var list = byId(id);
    list.replaceChildren();
    if (items.length === 0) {
      list.appendChild(element("li", { class: "empty" }, none));
      return;
    }
    items.forEach(function (words) {
      list.appendChild(element("li", null, words));
    });
  }

  function showLandscape(data) {
    byId("landscape-summary").textContent = data.possible
      ? percent(data.met_share) + " of the " + plural(data.possible, "pair") + " of silos that could be bridged have met; "
        + percent(data.introduced_share) + " have been introduced. "
        + plural(data.nodes.length, "silo") + ", " + plural(data.edges.length, "bridge") + "."
      : plural(data.nodes.length, "silo") + "; no pair of them can be bridged yet (silos need members).";
    drawLegend(data);
    var graph = new Graph(byId("graph"), data);
    graph.draw();
    fillList("unmet", data.unmet, "Every silo has met another.");
    fillList("next", data.next.map(function (pair) { return pair[0] + " and " + pair[1]; }), "Nothing left to bridge.");
    document.body.setAttribute("data-graph", "ready");
    if (window.performance && performance.mark) {
      performance.mark("convene:graph-drawn");
    }
  }

  // -- coverage ------------------------------------------------------------------------

  function showCoverage(data) {
    var table = byId("coverage-table");
    table.tBodies[0].replaceChildren();
    var rounds = data.rounds;
    if (rounds.length === 0) {
      emptyRow(table, 6, "No round of introductions has run yet.");
    }
    rounds.slice().reverse().forEach(function (round) {
      var row = element("tr");
      row.appendChild(element("td", null, round.where));
      row.appendChild(element("td", null, round.date));
      row.appendChild(element("td", { class: "num" }, round.groups));
      row.appendChild(element("td", { class: "num" }, round.groups_met));
      row.appendChild(element("td", { class: "num" }, round.introduced_pairs + " (" + percent(round.introduced_share) + ")"));
      row.appendChild(element("td", { class: "num" }, round.met_pairs + " (" + percent(round.met_share) + ")"));
      table.tBodies[0].appendChild(row);
    });
    drawCoverageChart(rounds);
  }

  function drawCoverageChart(rounds) {
    var chart = byId("coverage-chart");
    chart.replaceChildren();
    var left = 48, right = 980, top = 16, bottom = 228;
    chart.appendChild(shape("line", { x1: left, y1: bottom, x2: right, y2: bottom, class: "axis" }));
    [0, 0.5, 1].forEach(function (share) {
      var y = bottom - share * (bottom - top);
      chart.appendChild(shape("line", { x1: left, y1: y, x2: right, y2: y, class: "axis" }));
      chart.appendChild(shape("text", { x: left - 8, y: y + 4, "text-anchor": "end", class: "tick" }, percent(share)));
    });
    if (rounds.length === 0) {
      chart.appendChild(shape("text", { x: (left + right) / 2, y: 120, "text-anchor": "middle", class: "tick" }, "No rounds yet"));
      return;
    }
    var step = rounds.length > 1 ? (right - left) / (rounds.length - 1) : 0;
    function x(index) { return rounds.length > 1 ? left + index * step : (left + right) / 2; }
    function y(share) { return bottom - share * (bottom - top); }
    ["introduced", "met"].forEach(function (series) {
      var points = rounds.map(function (round, index) {
        return x(index).toFixed(1) + "," + y(round[series + "_share"]).toFixed(1);
      });
      chart.appendChild(shape("polyline", { points: points.join(" "), class: "series-" + series }));
      rounds.forEach(function (round, index) {
        var dot = shape("circle", { cx: x(index).toFixed(1), cy: y(round[series + "_share"]).toFixed(1), r: 4, class: "dot-" + series });
        dot.appendChild(shape("title", null, round.where + " (" + round.date + "): " + series + " " + percent(round[series + "_share"])));
        chart.appendChild(dot);
      });
    });
    var every = Math.max(1, Math.ceil(rounds.length / 12));
    rounds.forEach(function (round, index) {
      if (index % every === 0 || index === rounds.length - 1) {
        // The first and last dates lean inwards, so neither is cut at the chart's edge.
        var anchor = rounds.length === 1 ? "middle" : index === 0 ? "start" : index === rounds.length - 1 ? "end" : "middle";
        chart.appendChild(shape("text", { x: x(index).toFixed(1), y: bottom + 20, "text-anchor": anchor, class: "tick" }, round.date));
      }
    });
  }

  // -- check-ins, commitments, stories ------------------------------------------------------

  function showCheckins(data) {
    var table = byId("checkins-table");
    table.tBodies[0].replaceChildren();
    var runs = data.runs;
    var asked = 0, answered = 0;
    runs.forEach(function (run) {
      asked += run.asked;
      answered += run.answered;
      var row = element("tr");
      row.appendChild(element("td", null, run.date + (run.open ? " (open)" : "")));
      row.appendChild(element("td", null, run.checkin + " (#" + run.channel + ")"));
      row.appendChild(element("td", { class: "num" }, run.asked));
      row.appendChild(element("td", { class: "num" }, run.answered));
      var rate = element("td");
      rate.appendChild(element("meter", { min: 0, max: 1, value: run.rate }));
      rate.appendChild(document.createTextNode(run.asked ? percent(run.rate) : "-"));
      row.appendChild(rate);
      row.appendChild(element("td", { class: "num" }, run.skipped));
      table.tBodies[0].appendChild(row);
    });
    if (runs.length === 0) {
      emptyRow(table, 6, "No check-in has run yet.");
    }
    byId("checkins-summary").textContent = runs.length
      ? "Over the " + plural(runs.length, "run") + " shown" + (runs.length === data.most ? " (the newest " + data.most + ")" : "")
        + ": " + answered + " of " + asked + " answered (" + percent(asked ? answered / asked : 0) + ")."
      : "";
  }

  function showCommitments(data) {
    var tiles = byId("commitment-tiles");
    tiles.replaceChildren();
    function tile(figure, label, warn) {
      var box = element("div", { class: "tile" + (warn ? " warn" : "") });
      box.appendChild(element("div", { class: "figure" }, figure));
      box.appendChild(element("div", { class: "label" }, label));
      tiles.appendChild(box);
    }
    tile(data.made, "made");
    tile(data.done, "done");
    tile(data.on_time, "done on time" + (data.done ? " (" + percent(data.on_time_share) + ")" : ""));
    tile(data.open, "open" + (data.blocked ? ", " + data.blocked + " blocked" : ""));
    tile(data.overdue, "overdue", data.overdue > 0);
    tile(data.dropped, "dropped");
  }

  function showStories(data) {
    var list = byId("story-list");
    list.replaceChildren();
    if (data.stories.length === 0) {
      list.appendChild(element("li", { class: "empty" }, "No member has shared a story yet."));
      return;
    }
    data.stories.forEach(function (story) {
      var item = element("li");
      item.appendChild(element("blockquote", null, story.text));
      var where = story.where + ", " + story.date;
      item.appendChild(element("div", { class: "by" }, (story.author ? story.author : "Shared without a name") + " · " + where));
      list.appendChild(item);
    });
  }

  function showMe(data) {
    byId("workspace").textContent = data.workspace;
    var ends = new Date(data.session_ends);
    byId("signed-in").textContent = "Signed in as " + data.convener + " until "
      + ends.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) + ".";
    document.title = data.workspace + ": Convene dashboard";
  }

  function start() {
    var parts = [
      read("/api/me").then(showMe),
      read("/api/landscape").then(showLandscape),
      read("/api/coverage").then(showCoverage),
      read("/api/checkins").then(showCheckins),
      read("/api/commitments").then(showCommitments),
      read("/api/stories").then(showStories)
    ];
    Promise.all(parts).then(function () {
      document.body.setAttribute("data-ready", "all");
    }, showProblem);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
