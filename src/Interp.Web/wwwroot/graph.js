// The attribution graph page's drawing: one SVG of the graph that the server computed, laid out by layer (rows: embeddings
// at the bottom, logits at the top) and token position (columns). Everything after the draw is client-side: hover shows a
// node's details, shift-click pins nodes (only their edges stay highlighted), the threshold sliders hide the weakest nodes
// and edges. Text from the model or the corpus (tokens, explanations, top activations) is only ever set as textContent.

const SVG = "http://www.w3.org/2000/svg";
const states = new WeakMap();

/** Draws `data` ({ tokens, layers, nodes, edges }) into `container`; returns the draw time in milliseconds. */
export function draw(container, data) {
    const started = performance.now();
    const previous = states.get(container);
    if (previous) previous.dispose();
    container.replaceChildren();

    const layout = place(data, Math.max(container.clientWidth, 640));
    const svg = element("svg", { width: layout.width, height: layout.height, class: "graph-svg", role: "img" });
    const edgeLayer = element("g", { class: "graph-edges" });
    const nodeLayer = element("g", { class: "graph-nodes" });
    svg.append(labels(data, layout), edgeLayer, nodeLayer);

    const maxWeight = data.edges.reduce((m, e) => Math.max(m, Math.abs(e.w)), 0) || 1;
    const edgeElements = data.edges.map(e => {
        const [a, b] = [layout.points[e.s], layout.points[e.t]];
        return element("line", {
            x1: a.x, y1: a.y, x2: b.x, y2: b.y,
            class: e.w >= 0 ? "graph-edge positive" : "graph-edge negative",
            "stroke-width": (0.4 + 3.6 * Math.sqrt(Math.abs(e.w) / maxWeight)).toFixed(2),
        });
    });
    edgeLayer.append(...edgeElements);
    const nodeElements = data.nodes.map((n, i) => {
        const p = layout.points[i];
        const shape = n.kind === "feature"
            ? element("circle", { cx: p.x, cy: p.y, r: 5 })
            : element("rect", { x: p.x - 5, y: p.y - 5, width: 10, height: 10 });
        shape.setAttribute("class", `graph-node ${n.kind}`);
        shape.dataset.index = i;
        if (n.url) shape.dataset.url = n.url;
        return shape;
    });
    nodeLayer.append(...nodeElements);

    const tooltip = document.createElement("div");
    tooltip.className = "graph-tooltip";
    tooltip.hidden = true;
    const stats = document.createElement("p");
    stats.className = "graph-stats muted";
    container.append(stats, svg, tooltip);

    const state = { container, data, svg, edgeElements, nodeElements, stats, tooltip, pinned: new Set(), nodeShown: [], edgeShown: [] };
    state.nodeRank = nodeRanks(data);
    state.edgeRank = edgeRanks(data);
    const controls = ["graph-node-threshold", "graph-edge-threshold"].map(id => document.getElementById(id));
    const onSlide = () => filter(state, controls);
    const onClear = () => { state.pinned.clear(); highlight(state); };
    controls.forEach(c => c?.addEventListener("input", onSlide));
    const clear = document.getElementById("graph-clear-pins");
    clear?.addEventListener("click", onClear);
    nodeLayer.addEventListener("mouseover", e => hover(state, e));
    nodeLayer.addEventListener("mouseout", () => { tooltip.hidden = true; });
    nodeLayer.addEventListener("click", e => click(state, e));
    state.dispose = () => {
        controls.forEach(c => c?.removeEventListener("input", onSlide));
        clear?.removeEventListener("click", onClear);
    };
    states.set(container, state);
    filter(state, controls);

    const elapsed = performance.now() - started;
    container.dataset.renderMs = elapsed.toFixed(1);
    // Until the frame after the draw (style, layout and paint included): the time a person waits for the picture.
    requestAnimationFrame(() => setTimeout(() => { container.dataset.paintMs = (performance.now() - started).toFixed(1); }, 0));
    return elapsed;
}

// Rows bottom to top: embeddings, layer 0 … layers-1 (features, errors and biases), logits (and the output's bias).
// Columns are token positions, each as wide as its most crowded cell needs (at least an even share of the width), so
// the last position, where most features sit, is not squeezed; a cell's nodes are spread in lines of up to ten.
function place(data, minWidth) {
    const columns = Math.max(1, data.tokens.length);
    const rows = data.layers + 2;
    const rowHeight = 110;
    const rowOf = n => n.kind === "embedding" ? 0 : n.kind === "logit" ? rows - 1 : Math.min(n.layer + 1, rows - 1);
    const cells = new Map();
    data.nodes.forEach((n, i) => {
        const key = `${rowOf(n)}:${n.position}`;
        if (!cells.has(key)) cells.set(key, []);
        cells.get(key).push(i);
    });
    const perLine = 10, step = 12;
    const crowd = new Array(columns).fill(1);
    for (const [key, members] of cells) {
        const column = Number(key.split(":")[1]);
        if (column >= 0 && column < columns) crowd[column] = Math.max(crowd[column], Math.min(perLine, members.length));
    }
    const even = Math.max(70, Math.floor((minWidth - 60) / columns));
    const widths = crowd.map(c => Math.max(even, c * step + 16));
    const starts = widths.reduce((acc, w, i) => { acc.push(i === 0 ? 60 : acc[i - 1] + widths[i - 1]); return acc; }, []);
    const width = starts[columns - 1] + widths[columns - 1];
    const height = 40 + rows * rowHeight;
    const layout = { width, height, rowHeight, rows, columnCentre: c => starts[c] + widths[c] / 2 };
    const points = new Array(data.nodes.length);
    for (const [key, members] of cells) {
        const [row, column] = key.split(":").map(Number);
        members.forEach((index, k) => {
            const line = Math.floor(k / perLine), at = k % perLine;
            const inLine = Math.min(perLine, members.length - line * perLine);
            points[index] = { x: layout.columnCentre(column) + (at - (inLine - 1) / 2) * step, y: rowY(layout, row) + (line % 6) * step };
        });
    }
    layout.points = points;
    return layout;
}

// The y of a row's first line of nodes (later lines of a crowded cell go below it).
function rowY(layout, row) { return layout.height - 60 - row * layout.rowHeight - layout.rowHeight / 2; }

function labels(data, layout) {
    const group = element("g", { class: "graph-labels" });
    data.tokens.forEach((token, column) => {
        const text = element("text", { x: layout.columnCentre(column), y: layout.height - 8, class: "graph-token" });
        text.textContent = token;
        group.append(text);
    });
    for (let row = 0; row < layout.rows; row++) {
        const name = row === 0 ? "emb" : row === layout.rows - 1 ? "logits" : `L${row - 1}`;
        const text = element("text", { x: 4, y: rowY(layout, row) + 4, class: "graph-row" });
        text.textContent = name;
        group.append(text);
    }
    return group;
}

// A threshold t keeps the smallest set of the strongest items whose share of the total reaches t, as the paper's
// cumulative pruning does: rank[i] is the share of everything stronger than item i.
function cumulativeRanks(scores) {
    const order = scores.map((s, i) => i).sort((a, b) => scores[b] - scores[a]);
    const total = scores.reduce((sum, s) => sum + s, 0) || 1;
    const ranks = new Array(scores.length);
    let before = 0;
    for (const i of order) {
        ranks[i] = before / total;
        before += scores[i];
    }
    return ranks;
}

function edgeRanks(data) { return cumulativeRanks(data.edges.map(e => Math.abs(e.w))); }

// A node's strength is the weight of the edges that touch it; embeddings and logits always stay.
function nodeRanks(data) {
    const strength = new Array(data.nodes.length).fill(0);
    for (const e of data.edges) {
        strength[e.s] += Math.abs(e.w);
        strength[e.t] += Math.abs(e.w);
    }
    const ranks = cumulativeRanks(strength);
    return data.nodes.map((n, i) => n.kind === "embedding" || n.kind === "logit" ? -1 : ranks[i]);
}

function filter(state, controls) {
    const [nodeThreshold, edgeThreshold] = controls.map(c => c ? Number(c.value) : 1);
    state.nodeShown = state.nodeRank.map(r => r < nodeThreshold);
    state.edgeShown = state.data.edges.map((e, i) => state.edgeRank[i] < edgeThreshold && state.nodeShown[e.s] && state.nodeShown[e.t]);
    state.nodeElements.forEach((el, i) => el.style.display = state.nodeShown[i] ? "" : "none");
    state.edgeElements.forEach((el, i) => el.style.display = state.edgeShown[i] ? "" : "none");
    const nodes = state.nodeShown.filter(Boolean).length, edges = state.edgeShown.filter(Boolean).length;
    state.stats.textContent = `${nodes} of ${state.data.nodes.length} nodes, ${edges} of ${state.data.edges.length} edges shown`;
    state.stats.dataset.nodes = nodes;
    state.stats.dataset.edges = edges;
    highlight(state);
}

// With pins, only the pinned nodes' own edges (incoming and outgoing) and their ends are drawn at full strength.
function highlight(state) {
    const pinned = state.pinned;
    state.svg.classList.toggle("has-pins", pinned.size > 0);
    const lit = new Set(pinned);
    state.data.edges.forEach((e, i) => {
        const on = pinned.size > 0 && state.edgeShown[i] && (pinned.has(e.s) || pinned.has(e.t));
        state.edgeElements[i].classList.toggle("lit", on);
        if (on) { lit.add(e.s); lit.add(e.t); }
    });
    state.nodeElements.forEach((el, i) => {
        el.classList.toggle("lit", lit.has(i));
        el.classList.toggle("pinned", pinned.has(i));
    });
    const pins = document.getElementById("graph-pins");
    if (pins) pins.textContent = pinned.size === 0 ? "" : `${pinned.size} pinned: ` + [...pinned].map(i => title(state.data.nodes[i])).join(", ");
}

function hover(state, event) {
    const index = event.target?.dataset?.index;
    if (index === undefined) return;
    const n = state.data.nodes[Number(index)];
    const tip = state.tooltip;
    const lines = [title(n), `value ${n.value.toFixed(3)}${n.activation == null ? "" : ` · activation ${n.activation.toFixed(3)}`}`];
    tip.replaceChildren(...lines.map(l => paragraph(l, "")));
    if (n.explanation) tip.append(paragraph(n.explanation, "graph-explanation"));
    for (const snippet of n.top ?? []) tip.append(paragraph(snippet, "graph-snippet"));
    if (n.url) tip.append(paragraph("click: unit page · shift-click: pin", "muted"));
    else tip.append(paragraph("shift-click: pin", "muted"));
    tip.hidden = false;
    // Beside the node, on its left when the right side has no room.
    const box = state.container.getBoundingClientRect(), target = event.target.getBoundingClientRect();
    const right = target.right - box.left + 12;
    const left = right + tip.offsetWidth > box.width ? target.left - box.left - tip.offsetWidth - 12 : right;
    tip.style.left = `${Math.max(0, left) + state.container.scrollLeft}px`;
    tip.style.top = `${target.top - box.top}px`;
}

function click(state, event) {
    const index = event.target?.dataset?.index;
    if (index === undefined) return;
    const i = Number(index);
    if (event.shiftKey || event.altKey) {
        if (state.pinned.has(i)) state.pinned.delete(i); else state.pinned.add(i);
        highlight(state);
        return;
    }
    const url = event.target.dataset.url;
    if (url) window.location.assign(new URL(url, document.baseURI).toString());
}

function title(n) {
    switch (n.kind) {
        case "feature": return `feature ${n.feature} · layer ${n.layer} · position ${n.position} · “${n.token}”`;
        case "error": return `error · layer ${n.layer} · position ${n.position}`;
        case "embedding": return `embedding · position ${n.position} · “${n.token}”`;
        case "bias": return `bias · layer ${n.layer} · position ${n.position}`;
        default: return `logit “${n.token}” · position ${n.position}`;
    }
}

function paragraph(text, className) {
    const p = document.createElement("p");
    p.textContent = text;
    if (className) p.className = className;
    return p;
}

function element(name, attributes) {
    const el = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes)) el.setAttribute(key, value);
    return el;
}
