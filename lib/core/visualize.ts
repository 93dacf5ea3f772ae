/**
 * Drawings of a flow's DAG: Graphviz DOT and Mermaid text, and SVG pictures rendered from the DOT
 * by Graphviz compiled to WebAssembly (`@viz-js/viz`: nothing to install, no system binary). All
 * three come from one layout-free model (nodes, links, mapped groups), so they always show the
 * same graph: mapped tasks are boxes labelled `name <map>`, mapped edges are dashed, edges carry
 * their input keys, and with a finished flow state every node is coloured by its state (Prefect's
 * colours), each mapped task fans out into its children, grouped and counted (done, failed,
 * total), and the DOT/SVG carry a legend of the colours used.
 *
 * Plain values bound as constants (`flow.constants`) have no node: they are not tasks, and Prefect
 * does not draw them either.
 * @module
 */
import { CycleError, InvalidOptionError, VisualizeError } from "../errors";
import { messages } from "../messages";
import { Mapped, State, stateClasses } from "../engine/state";
import type { Edge } from "./edge";
import type { Flow } from "./flow";
import type { AnyTask } from "./task";

/** The formats `flow.visualize` draws: DOT and Mermaid text synchronously, SVG asynchronously. */
export type VisualizeFormat = "dot" | "mermaid" | "svg";

/** Options of `flow.visualize`. */
export interface VisualizeOptions {
  /**
   * A finished flow state (as returned by `flow.run()`, whose `result` is a `Map<Task, State>`):
   * colours every task by its state, labels each `Mapped` task with its children's done / failed /
   * total counts, and adds a legend of the colours used. A mapped task with up to 30 children is
   * drawn child by child (grouped in a box); one with more is one node whose bar shows how its
   * children ended (the failed ones are named in its tooltip), so a big map stays readable.
   */
  flowState?: State;
  /**
   * `"dot"` (Graphviz text), `"mermaid"` (flowchart text), or `"svg"`: a picture rendered from the
   * DOT with Graphviz compiled to WebAssembly, returned as a promise of the SVG document. The
   * WebAssembly module is loaded on the first SVG render and kept for the life of the process.
   * @default "dot"
   */
  format?: VisualizeFormat;
  /**
   * Lay the graph out left to right (`rankdir=LR` / `flowchart LR`) instead of top to bottom.
   * Left out, wide flows go left to right on their own: when the widest rank (the most nodes at
   * one depth, mapped children included) holds at least 10 nodes and more than twice as many
   * nodes as the graph has ranks, because such a flow drawn top-down is a thin strip thousands of
   * points wide.
   * @default automatic (see above)
   */
  horizontal?: boolean;
}

const FORMATS: readonly string[] = ["dot", "mermaid", "svg"] satisfies VisualizeFormat[];

/** A mapped task with more children than this is drawn as one node with a bar of their states. */
const MAX_DRAWN_CHILDREN = 30;
/** How many failed children a collapsed mapped task names in its tooltip. */
const MAX_NAMED_FAILURES = 20;
/** The width (points) of a collapsed mapped task's bar of child states. */
const BAR_WIDTH = 120;

/** The widest rank must hold at least this many nodes before a flow is turned left to right. */
const AUTO_HORIZONTAL_MIN_WIDTH = 10;
/** ...and more than this many times as many nodes as there are ranks. */
const AUTO_HORIZONTAL_RATIO = 2;

/** One drawn node: a task, or one child of an expanded mapped task. */
interface VNode {
  /** DOT id (the task's slug, or `slug[i]` for a child). */
  dotId: string;
  /** Mermaid id (`n<k>`, or `n<k>_<i>` for a child): slugs may hold characters Mermaid rejects. */
  mmdId: string;
  label: string;
  /** Mapped tasks are boxes; every other task an ellipse (Prefect's convention). */
  boxed: boolean;
  /** The node's state, when a flow state was given and has one for this task (or child). */
  state?: State;
}

/** How one task is drawn: one node, or (expanded) one node per mapped child. */
interface TaskView {
  task: AnyTask;
  /** Mermaid id of the task (and of its group when expanded). */
  mmdId: string;
  /** DOT id of the task's slug (its group is `cluster_<slug>`). */
  slug: string;
  nodes: VNode[];
  expanded: boolean;
  state?: State;
  /** For a task whose state is `Mapped`: how its children ended, shown with its name. */
  children?: ChildSummary;
}

/** How a mapped task's children ended. */
interface ChildSummary {
  /** Successful children (Cached and Skipped included). */
  done: number;
  /** Failed children (TimedOut, TriggerFailed and ValidationFailed included). */
  failed: number;
  total: number;
  /** How many children ended in each state, in the hierarchy's order (drawn as a bar when collapsed). */
  byState: Array<{ name: string; color: string; count: number }>;
  /** The labels of the first failed children (`name[i]`), for a collapsed task's tooltip. */
  failedLabels: string[];
}

/** One drawn edge. */
interface VLink {
  from: VNode;
  to: VNode;
  label?: string;
  mapped: boolean;
}

/** The drawing, before it is written in any format. */
interface Model {
  views: TaskView[];
  links: VLink[];
  horizontal: boolean;
  /** The flow state drawn, when one was given. */
  flowState?: State;
}

/**
 * Renders `flow` as Graphviz DOT (default) or Mermaid flowchart text. Output is deterministic:
 * tasks appear in topological order (insertion order if the flow has a cycle, so a broken flow can
 * still be drawn and inspected), edges grouped by their downstream task.
 *
 * @throws InvalidOptionError for an unknown format (or `"svg"`: use {@link renderFlowSvg}), a
 *   `horizontal` that is not a boolean, or a `flowState` whose `result` is not a `Map<Task, State>`.
 */
export function renderFlow(flow: Flow, opts: VisualizeOptions = {}): string {
  const format = opts.format ?? "dot";
  if (!FORMATS.includes(format) || format === "svg") throw new InvalidOptionError(messages.visualizeFormat(format));
  const model = buildModel(flow, opts);
  return format === "mermaid" ? toMermaid(model) : toDot(flow.name, model);
}

/**
 * Renders `flow` as an SVG document: its DOT (as {@link renderFlow} writes it) laid out by Graphviz
 * compiled to WebAssembly. The first call in a process loads the module (tens of milliseconds);
 * later calls reuse it.
 *
 * @throws InvalidOptionError (as a rejection) for invalid options, as {@link renderFlow}.
 * @throws VisualizeError (as a rejection) when Graphviz cannot be loaded or fails to lay the graph out.
 */
export async function renderFlowSvg(flow: Flow, opts: VisualizeOptions = {}): Promise<string> {
  const dot = toDot(flow.name, buildModel(flow, opts));
  const viz = await graphviz();
  try {
    return viz.renderString(dot, { format: "svg" });
  } catch (err) {
    throw new VisualizeError(messages.graphvizRender(flow.toString(), (err as Error).message), { cause: err });
  }
}

// ---------------------------------------------------------------------------------------------
// Graphviz (WebAssembly), loaded once per process

/** The part of `@viz-js/viz`'s instance used here. */
interface Graphviz {
  renderString(input: string, options: { format: string }): string;
}

let loading: Promise<Graphviz> | undefined;

/** The process-wide Graphviz instance; a failed load is not cached, so a later call tries again. */
function graphviz(): Promise<Graphviz> {
  loading ??= import("@viz-js/viz").then(
    (mod) => mod.instance(),
    (err: unknown) => {
      loading = undefined;
      throw new VisualizeError(messages.graphvizLoad((err as Error)?.message ?? String(err)), { cause: err });
    },
  );
  return loading;
}

// ---------------------------------------------------------------------------------------------
// The model

/** The task → state map of a finished flow state, or undefined when none was given. */
function stateMap(flowState: State | undefined): ReadonlyMap<AnyTask, State> | undefined {
  if (flowState === undefined) return undefined;
  const result: unknown = flowState instanceof State ? flowState.result : undefined;
  if (!(result instanceof Map)) {
    const what = flowState instanceof State ? `${flowState} with result ${describe(result)}` : describe(flowState);
    throw new InvalidOptionError(messages.visualizeFlowState(what));
  }
  return result as ReadonlyMap<AnyTask, State>;
}

function describe(v: unknown): string {
  if (v === null || typeof v !== "object") return typeof v;
  return Object.prototype.toString.call(v);
}

/** The state class's colour (Prefect's palette), falling back to the base State colour. */
function colorOf(state: State): string {
  const c = (state.constructor as typeof State).color;
  return typeof c === "string" ? c : State.color;
}

/** Tasks in topological order; insertion order when the graph has a cycle. */
function orderedTasks(flow: Flow): AnyTask[] {
  try {
    return flow.sortedTasks();
  } catch (err) {
    // A cyclic flow cannot run, but drawing it is exactly how one finds the cycle.
    if (err instanceof CycleError) return [...flow.tasks];
    throw err;
  }
}

function summarize(name: string, children: readonly State[]): ChildSummary {
  let done = 0;
  let failed = 0;
  const failedLabels: string[] = [];
  const perState = new Map<string, { color: string; count: number }>();
  children.forEach((c, i) => {
    if (!(c instanceof State)) return;
    if (c.isSuccessful()) done++;
    else if (c.isFailed()) {
      failed++;
      if (failedLabels.length < MAX_NAMED_FAILURES) failedLabels.push(`${name}[${i}]`);
    }
    const entry = perState.get(c.type);
    if (entry) entry.count++;
    else perState.set(c.type, { color: colorOf(c), count: 1 });
  });
  const byState = inStateOrder(perState).map(([n, e]) => ({ name: n, color: e.color, count: e.count }));
  return { done, failed, total: children.length, byState, failedLabels };
}

/** Entries keyed by state name, in the hierarchy's order; state classes made outside flowsmith last. */
function inStateOrder<V>(byName: ReadonlyMap<string, V>): Array<[string, V]> {
  const out: Array<[string, V]> = [];
  for (const name of Object.keys(stateClasses)) {
    const v = byName.get(name);
    if (v !== undefined) out.push([name, v]);
  }
  for (const entry of byName) if (!(entry[0] in stateClasses)) out.push(entry);
  return out;
}

function buildModel(flow: Flow, opts: VisualizeOptions): Model {
  if (opts.horizontal !== undefined && typeof opts.horizontal !== "boolean") {
    throw new InvalidOptionError(messages.visualizeHorizontal(opts.horizontal));
  }
  const states = stateMap(opts.flowState);
  const tasks = orderedTasks(flow);
  // Incoming edges per task, in the flow's (deterministic) edge insertion order.
  const incoming = new Map<AnyTask, Edge[]>();
  for (const e of flow.edges) {
    const list = incoming.get(e.downstreamTask);
    if (list) list.push(e);
    else incoming.set(e.downstreamTask, [e]);
  }
  // Child ids are `slug[i]`; a hand-picked slug could spell the same text, so reserve every slug
  // first and nudge the rare clash rather than silently merging two nodes.
  const usedIds = new Set<string>(tasks.map((t) => flow.slugOf(t)));
  const freshId = (base: string): string => {
    let id = base;
    while (usedIds.has(id)) id += "'";
    usedIds.add(id);
    return id;
  };

  const views = new Map<AnyTask, TaskView>();
  tasks.forEach((task, k) => {
    const slug = flow.slugOf(task);
    const isMapped = (incoming.get(task) ?? []).some((e) => e.mapped);
    const state = states?.get(task);
    const children = state instanceof Mapped ? state.mapStates : [];
    const summary = state instanceof Mapped ? summarize(task.name, children) : undefined;
    // A Mapped state with no children (mapped over an empty list) keeps its single node: expanding
    // it into nothing would also erase its edges from the picture. So does a big map: hundreds of
    // child nodes make a picture nobody can read, where one node with a bar of states can be.
    if (children.length > 0 && children.length <= MAX_DRAWN_CHILDREN) {
      const nodes = children.map((child, i) => ({
        dotId: freshId(`${slug}[${i}]`),
        mmdId: `n${k}_${i}`,
        label: `${task.name}[${i}]`,
        boxed: true,
        state: child instanceof State ? child : undefined,
      }));
      views.set(task, { task, mmdId: `n${k}`, slug, nodes, expanded: true, state, children: summary });
    } else {
      const node: VNode = {
        dotId: slug,
        mmdId: `n${k}`,
        label: isMapped || summary ? `${task.name} <map>` : task.name,
        boxed: isMapped || summary !== undefined,
        state: state instanceof State ? state : undefined,
      };
      views.set(task, { task, mmdId: `n${k}`, slug, nodes: [node], expanded: false, state, children: summary });
    }
  });

  const links: VLink[] = [];
  for (const task of tasks) {
    for (const e of incoming.get(task) ?? []) {
      const up = views.get(e.upstreamTask);
      const down = views.get(e.downstreamTask);
      if (!up || !down) continue;
      const label = edgeLabel(e);
      for (const [from, to] of pairs(e, up, down)) links.push({ from, to, label, mapped: e.mapped });
    }
  }
  const all = [...views.values()];
  return {
    views: all,
    links,
    horizontal: opts.horizontal ?? isWide(all, links),
    flowState: states ? opts.flowState : undefined,
  };
}

/**
 * Whether the drawing is much wider than deep. Ranks are longest paths from a root, as Graphviz's
 * `dot` assigns them; links come grouped by downstream task in topological order, so one pass
 * settles every rank (a cyclic flow gets an approximation, which is all a broken flow needs).
 */
function isWide(views: readonly TaskView[], links: readonly VLink[]): boolean {
  const rank = new Map<VNode, number>();
  for (const v of views) for (const n of v.nodes) rank.set(n, 0);
  for (const l of links) {
    const r = rank.get(l.from)! + 1;
    if (r > rank.get(l.to)!) rank.set(l.to, r);
  }
  const perRank: number[] = [];
  for (const r of rank.values()) perRank[r] = (perRank[r] ?? 0) + 1;
  const widest = Math.max(0, ...perRank.map((n) => n ?? 0));
  return widest >= AUTO_HORIZONTAL_MIN_WIDTH && widest > AUTO_HORIZONTAL_RATIO * perRank.length;
}

/** The key, marked when the edge flattens; undefined for an unflattened state-only edge. */
function edgeLabel(e: Edge): string | undefined {
  if (!e.flattened) return e.key;
  return e.key === undefined ? "(flattened)" : `${e.key} (flattened)`;
}

/** Which drawn nodes an edge connects, once mapped tasks may have been expanded into children. */
function pairs(e: Edge, up: TaskView, down: TaskView): Array<[VNode, VNode]> {
  const out: Array<[VNode, VNode]> = [];
  const all = () => {
    for (const u of up.nodes) for (const d of down.nodes) out.push([u, d]);
  };
  if (!up.expanded || !down.expanded) {
    // One side is a single node: fan out to every child (mapped over a plain list, or an unmapped
    // input) or fan in from every child (a reduce).
    all();
    return out;
  }
  if (!e.mapped) {
    // unmapped(x) of a mapped task: every downstream child receives the whole reduced list.
    all();
    return out;
  }
  if (!e.flattened) {
    // Mapped over a mapped task: child i feeds child i (zipping stops at the shorter side).
    const n = Math.min(up.nodes.length, down.nodes.length);
    for (let i = 0; i < n; i++) out.push([up.nodes[i]!, down.nodes[i]!]);
    return out;
  }
  // Flattened: downstream child j takes element j of the concatenated children's lists, so the
  // children's result lengths say who feeds whom. Without them (dropped or not arrays) we cannot
  // know, and linking all pairs is the honest answer.
  const mapStates = (up.state as Mapped).mapStates;
  const lengths = mapStates.map((s) => (s && !s.resultDropped && Array.isArray(s.result) ? s.result.length : -1));
  if (lengths.some((n) => n < 0)) {
    all();
    return out;
  }
  let j = 0;
  lengths.forEach((n, i) => {
    for (let m = 0; m < n && j < down.nodes.length; m++, j++) out.push([up.nodes[i]!, down.nodes[j]!]);
  });
  return out;
}

/** `"9 done, 1 failed, 10 total"`: how a mapped task's children ended. */
function countsText(c: ChildSummary): string {
  return c.total === 0 ? "no children" : `${c.done} done, ${c.failed} failed, ${c.total} total`;
}

/** A node's hover text: its state and message (`Failed: boom`), and a big map's failed children. */
function tooltipOf(state: State, children?: ChildSummary): string {
  const text = state.message === undefined ? state.type : `${state.type}: ${state.message}`;
  if (!children?.failed || children.total <= MAX_DRAWN_CHILDREN) return text;
  const more = children.failed > children.failedLabels.length ? ", ..." : "";
  return `${text}\nfailed: ${children.failedLabels.join(", ")}${more}`;
}

/** The states drawn (nodes and bars), in the hierarchy's order, with their colours (for the legend). */
function legendEntries(views: readonly TaskView[]): Array<{ name: string; color: string }> {
  const used = new Map<string, string>();
  for (const v of views) {
    for (const n of v.nodes) if (n.state) used.set(n.state.type, colorOf(n.state));
    if (!v.expanded) for (const b of v.children?.byState ?? []) used.set(b.name, b.color);
  }
  return inStateOrder(used).map(([name, color]) => ({ name, color }));
}

// ---------------------------------------------------------------------------------------------
// DOT

/** The fonts of every label: Helvetica's metrics are built into Graphviz, so text fits its box. */
const FONT = "Helvetica,Arial,sans-serif";

/**
 * A DOT double-quoted string for an id. Quotes and backslashes are escaped; line breaks become
 * `\n` (DOT's centred line break) so a name cannot end the statement or inject attributes.
 */
function dotString(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\r\n|\r|\n/g, "\\n")}"`;
}

/**
 * A DOT string for a label: as {@link dotString}, and `&` written `&amp;`, because Graphviz reads
 * HTML entities in labels (a task named `a&lt;b` would otherwise be drawn `a<b`).
 */
function dotLabel(s: string): string {
  return dotString(s.replace(/&/g, "&amp;"));
}

/** Text inside a Graphviz HTML-like label. */
function htmlText(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/\r\n|\r|\n/g, "<br/>");
}

/** Node labels' font size (points). */
const NODE_FONT_SIZE = 12;
/** Graphviz's default (and minimum) node width, in inches. */
const DEFAULT_NODE_WIDTH = 0.75;
/** Space (inches) left and right of a node's label. */
const NODE_MARGIN_X = 0.12;
/** The legend title's font size (points). */
const TITLE_SIZE = 13;
/** The legend swatches' font size (points). */
const SWATCH_SIZE = 11;
/** The longest flow message the legend shows; a longer one is cut (the whole text is in the state). */
const MAX_TITLE_MESSAGE = 80;

/** The legend (flow name and state, then one swatch per state drawn), as an HTML-like label. */
function dotLegend(flowName: string, flowState: State, views: readonly TaskView[]): string {
  const entries = legendEntries(views);
  let status = tooltipOf(flowState);
  if (status.length > MAX_TITLE_MESSAGE) status = `${status.slice(0, MAX_TITLE_MESSAGE - 3)}...`;
  const title = `${flowName}  —  ${status}`;
  const titleWidth = fallbackWidth(title, TITLE_SIZE);
  if (!entries.length) {
    return `<<table border="0" cellspacing="3" cellpadding="3"><tr><td align="left" width="${titleWidth}"><font point-size="${TITLE_SIZE}">${htmlText(title)}</font></td></tr></table>>`;
  }
  const widths = entries.map((e) => fallbackWidth(e.name, SWATCH_SIZE) + 6);
  const swatches = entries.map(
    (e, i) => `<td bgcolor="${e.color}80" border="1" color="#8c8c8c" width="${widths[i]}"><font point-size="${SWATCH_SIZE}">${htmlText(e.name)}</font></td>`,
  );
  // Graphviz spreads a row's spare width over its cells; a last, empty cell takes it instead, so
  // the swatches keep their own widths under a title wider than they are.
  const swatchesWidth = widths.reduce((sum, w) => sum + w + 12, 0);
  const filler = `<td width="${Math.max(1, titleWidth - swatchesWidth)}"></td>`;
  return (
    `<<table border="0" cellspacing="3" cellpadding="3">` +
    `<tr><td align="left" colspan="${entries.length + 1}" width="${titleWidth}"><font point-size="${TITLE_SIZE}">${htmlText(title)}</font></td></tr>` +
    `<tr>${swatches.join("")}${filler}</tr></table>>`
  );
}

/**
 * A minimum width (points) for a cell of text. Graphviz sizes text with Helvetica's metrics; the
 * common fallback fonts (DejaVu Sans, Liberation Sans) run up to ~15% wider, and a cell this wide
 * holds them too.
 */
function fallbackWidth(text: string, size: number): number {
  return Math.ceil(text.length * size * 0.58);
}

/**
 * A big mapped task: its name, its counts, and a bar whose segments are as wide as the share of
 * children that ended in each state.
 */
function dotBarLabel(name: string, c: ChildSummary): string {
  // A fixed-size inner table: cells of an outer row would be stretched to the counts' width.
  const cells = c.byState.map((b) => {
    const width = Math.max(2, Math.round((BAR_WIDTH * b.count) / c.total));
    return `<td bgcolor="${b.color}" width="${width}" height="8" fixedsize="true"></td>`;
  });
  const barWidth = c.byState.reduce((sum, b) => sum + Math.max(2, Math.round((BAR_WIDTH * b.count) / c.total)), 0);
  const bar = cells.length
    ? `<tr><td><table border="0" cellborder="0" cellspacing="0" cellpadding="0" fixedsize="true" width="${barWidth}" height="8"><tr>${cells.join("")}</tr></table></td></tr>`
    : "";
  return (
    `<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">` +
    `<tr><td>${htmlText(`${name} <map>`)}</td></tr>` +
    `<tr><td width="${fallbackWidth(countsText(c), 10)}"><font point-size="10">${htmlText(countsText(c))}</font></td></tr>` +
    bar +
    `</table>>`
  );
}

function dotNode(n: VNode, indent: string, view?: TaskView): string {
  const children = view?.children;
  const attrs: string[] = [];
  if (children && children.total > MAX_DRAWN_CHILDREN) {
    attrs.push(`label=${dotBarLabel(view!.task.name, children)}`, "shape=box");
  } else {
    const text = children ? `${n.label}\n${countsText(children)}` : n.label;
    attrs.push(`label=${dotLabel(text)}`, `shape=${n.boxed ? "box" : "ellipse"}`);
    // A box hugs its text, so it gets a minimum width that holds the wider fallback fonts too (an
    // ellipse already leaves that room around its text).
    const width = n.boxed ? boxWidth(text) : 0;
    if (width > DEFAULT_NODE_WIDTH) attrs.push(`width=${width.toFixed(2)}`);
  }
  if (n.state !== undefined) {
    // "80" is the alpha byte: Prefect draws state colours half transparent so labels stay legible.
    attrs.push("style=filled", `fillcolor=${dotString(`${colorOf(n.state)}80`)}`, `tooltip=${dotLabel(tooltipOf(n.state, children))}`);
  }
  return `${indent}${dotString(n.dotId)} [${attrs.join(", ")}];`;
}

/** The minimum width (inches) of a box labelled `text`: its longest line plus the node margins. */
function boxWidth(text: string): number {
  const longest = Math.max(...text.split("\n").map((l) => l.length));
  return (fallbackWidth("x".repeat(longest), NODE_FONT_SIZE) + 2 * NODE_MARGIN_X * 72) / 72;
}

/** A cluster label: lines left-justified (`\l`), so counts line up under the name. */
function dotLeftLabel(lines: string[]): string {
  return `"${lines.map((l) => dotLabel(l).slice(1, -1) + "\\l").join("")}"`;
}

function toDot(name: string, model: Model): string {
  const lines = [`digraph ${dotString(name)} {`];
  if (model.horizontal) lines.push("  rankdir=LR;");
  // pad: room for fonts a little wider than Helvetica's metrics (which Graphviz lays text out with).
  const graphAttrs = [`fontname=${dotString(FONT)}`, "pad=0.2"];
  if (model.horizontal) graphAttrs.push("nodesep=0.15");
  if (model.flowState) graphAttrs.push(`label=${dotLegend(name, model.flowState, model.views)}`, "labelloc=t", "labeljust=l");
  lines.push(`  graph [${graphAttrs.join(", ")}];`);
  lines.push(`  node [fontname=${dotString(FONT)}, fontsize=${NODE_FONT_SIZE}, margin="${NODE_MARGIN_X},0.06", height=0.4];`);
  lines.push(`  edge [fontname=${dotString(FONT)}, fontsize=10, color="#555555", fontcolor="#333333"];`);
  for (const v of model.views) {
    if (!v.expanded) {
      lines.push(dotNode(v.nodes[0]!, "  ", v));
      continue;
    }
    // A mapped task's children, grouped in a box named after the task, with their counts.
    lines.push(`  subgraph ${dotString(`cluster_${v.slug}`)} {`);
    const label = dotLeftLabel([`${v.task.name} <map>`, countsText(v.children!)]);
    lines.push(`    graph [label=${label}, labeljust=l, style="rounded,dashed", color="#8c8c8c", fontsize=11];`);
    for (const n of v.nodes) lines.push(dotNode(n, "    "));
    lines.push("  }");
  }
  for (const l of model.links) {
    const attrs: string[] = [];
    if (l.label !== undefined) attrs.push(`label=${dotLabel(l.label)}`);
    if (l.mapped) attrs.push("style=dashed");
    lines.push(`  ${dotString(l.from.dotId)} -> ${dotString(l.to.dotId)}${attrs.length ? ` [${attrs.join(", ")}]` : ""};`);
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}

// ---------------------------------------------------------------------------------------------
// Mermaid

/**
 * A Mermaid quoted label. Mermaid has no backslash escapes: characters are written as entity
 * codes (`#quot;`, `#lt;`, ...). `<` and `>` must be encoded too, because Mermaid renders labels
 * as HTML and would swallow `<map>` as a tag. Line breaks become `<br>`.
 */
function mermaidString(s: string): string {
  const body = s
    .replace(/#/g, "#35;")
    .replace(/&/g, "#amp;")
    .replace(/"/g, "#quot;")
    .replace(/</g, "#lt;")
    .replace(/>/g, "#gt;")
    .replace(/\|/g, "#124;")
    .replace(/\r\n|\r|\n/g, "<br>");
  return `"${body}"`;
}

function mermaidNode(n: VNode, label: string, indent: string): string {
  // [[...]] (subroutine) is Mermaid's closest to a box that stands out; ([...]) (stadium) its
  // closest to an ellipse.
  const text = mermaidString(label);
  return n.boxed ? `${indent}${n.mmdId}[[${text}]]` : `${indent}${n.mmdId}([${text}])`;
}

function toMermaid(model: Model): string {
  const lines = [`flowchart ${model.horizontal ? "LR" : "TB"}`];
  const styles: string[] = [];
  for (const v of model.views) {
    if (v.expanded) {
      lines.push(`  subgraph ${v.mmdId} [${mermaidString(`${v.task.name} <map>\n${countsText(v.children!)}`)}]`);
      for (const n of v.nodes) lines.push(mermaidNode(n, n.label, "    "));
      lines.push("  end");
    } else {
      const n = v.nodes[0]!;
      lines.push(mermaidNode(n, v.children ? `${n.label}\n${countsText(v.children)}` : n.label, "  "));
    }
    for (const n of v.nodes) if (n.state !== undefined) styles.push(`  style ${n.mmdId} fill:${colorOf(n.state)}`);
  }
  for (const l of model.links) {
    const arrow = l.mapped ? "-.->" : "-->";
    const label = l.label !== undefined ? `|${mermaidString(l.label)}|` : "";
    lines.push(`  ${l.from.mmdId} ${arrow}${label} ${l.to.mmdId}`);
  }
  lines.push(...styles);
  return lines.join("\n") + "\n";
}
