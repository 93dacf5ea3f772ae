/**
 * Text renderings of a flow's DAG: Graphviz DOT and Mermaid. Both are built from one layout-free
 * model (nodes and links), so the two formats always show the same graph: mapped tasks are boxes
 * labelled `name <map>`, mapped edges are dashed/dotted, edges carry their input keys, and with a
 * finished flow state every node is coloured by its state and mapped tasks fan out into children.
 *
 * Plain values bound as constants (`flow.constants`) have no node: they are not tasks, and Prefect
 * does not draw them either.
 * @module
 */
import { CycleError, InvalidOptionError } from "../errors";
import { Mapped, State } from "../engine/state";
import type { Edge } from "./edge";
import type { Flow } from "./flow";
import type { AnyTask } from "./task";

/** Options of `flow.visualize`. */
export interface VisualizeOptions {
  /**
   * A finished flow state (as returned by `flow.run()`, whose `result` is a `Map<Task, State>`):
   * colours every task by its state and expands each `Mapped` task into one node per child.
   */
  flowState?: State;
  /**
   * The output format: Graphviz `"dot"` or `"mermaid"` flowchart text. `"svg"` is reserved and
   * throws for now: render the DOT text with Graphviz (`dot -Tsvg`).
   * @default "dot"
   */
  format?: "dot" | "mermaid" | "svg";
  /** Lay the graph out left to right (`rankdir=LR` / `flowchart LR`). @default false */
  horizontal?: boolean;
}

const FORMATS = ["dot", "mermaid", "svg"] as const;

/** One drawn node: a task, or one child of an expanded mapped task. */
interface VNode {
  /** DOT id (the task's slug, or `slug[i]` for a child). */
  dotId: string;
  /** Mermaid id (`n<k>`, or `n<k>_<i>` for a child): slugs may hold characters Mermaid rejects. */
  mmdId: string;
  label: string;
  /** Mapped tasks are boxes; every other task an ellipse (Prefect's convention). */
  boxed: boolean;
  /** Fill colour from the state, when a flow state was given and has one for this task. */
  color?: string;
}

/** How one task is drawn: one node, or (expanded) one node per mapped child. */
interface TaskView {
  task: AnyTask;
  nodes: VNode[];
  expanded: boolean;
  state?: State;
}

/** One drawn edge. */
interface VLink {
  from: VNode;
  to: VNode;
  label?: string;
  mapped: boolean;
}

/**
 * Renders `flow` as Graphviz DOT (default) or Mermaid flowchart text. Output is deterministic:
 * tasks appear in topological order (insertion order if the flow has a cycle, so a broken flow can
 * still be drawn and inspected), edges grouped by their downstream task.
 *
 * @throws InvalidOptionError for an unknown format, for `"svg"` (not available yet), or for a
 *   `flowState` whose `result` is not a `Map<Task, State>`.
 */
export function renderFlow(flow: Flow, opts: VisualizeOptions = {}): string {
  const format = opts.format ?? "dot";
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new InvalidOptionError(
      `flow.visualize: invalid option "format": must be one of "dot", "mermaid" (received ${JSON.stringify(format)})`,
    );
  }
  if (format === "svg") {
    // Rendering SVG needs Graphviz itself (a native binary or a WASM build); flowsmith does not
    // ship one, so say how to get the same picture instead of failing somewhere deeper.
    throw new InvalidOptionError(
      'flow.visualize: SVG output is not available yet; use format "dot" or "mermaid" instead, ' +
        "and render the DOT text with Graphviz: dot -Tsvg flow.dot -o flow.svg",
    );
  }
  const states = stateMap(opts.flowState);
  const { views, links } = buildModel(flow, states);
  return format === "mermaid" ? toMermaid(views, links, !!opts.horizontal) : toDot(flow.name, views, links, !!opts.horizontal);
}

/** The task → state map of a finished flow state, or undefined when none was given. */
function stateMap(flowState: State | undefined): ReadonlyMap<AnyTask, State> | undefined {
  if (flowState === undefined) return undefined;
  const result: unknown = flowState instanceof State ? flowState.result : undefined;
  if (!(result instanceof Map)) {
    const what = flowState instanceof State ? `${flowState} with result ${describe(result)}` : describe(flowState);
    throw new InvalidOptionError(
      `flow.visualize: invalid option "flowState": must be a finished flow state whose result is a Map<Task, State>, as returned by flow.run() (received ${what})`,
    );
  }
  return result as ReadonlyMap<AnyTask, State>;
}

function describe(v: unknown): string {
  if (v === null || typeof v !== "object") return typeof v;
  return Object.prototype.toString.call(v);
}

/** The state class's colour (Prefect's palette), falling back to the base State colour. */
function colorOf(state: State | undefined): string | undefined {
  if (!(state instanceof State)) return undefined;
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

function buildModel(flow: Flow, states: ReadonlyMap<AnyTask, State> | undefined): { views: TaskView[]; links: VLink[] } {
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
    // A Mapped state with no children (mapped over an empty list) keeps its single node: expanding
    // it into nothing would also erase its edges from the picture.
    if (children.length > 0) {
      const nodes = children.map((child, i) => ({
        dotId: freshId(`${slug}[${i}]`),
        mmdId: `n${k}_${i}`,
        label: `${task.name}[${i}]`,
        boxed: true,
        color: colorOf(child),
      }));
      views.set(task, { task, nodes, expanded: true, state });
    } else {
      const node: VNode = {
        dotId: slug,
        mmdId: `n${k}`,
        label: isMapped ? `${task.name} <map>` : task.name,
        boxed: isMapped,
        color: colorOf(state),
      };
      views.set(task, { task, nodes: [node], expanded: false, state });
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
  return { views: [...views.values()], links };
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

// ---------------------------------------------------------------------------------------------
// DOT

/**
 * A DOT double-quoted string. Quotes and backslashes are escaped; line breaks become `\n` (DOT's
 * centred line break) so a name cannot end the statement or inject attributes.
 */
function dotString(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\r\n|\r|\n/g, "\\n")}"`;
}

function toDot(name: string, views: TaskView[], links: VLink[], horizontal: boolean): string {
  const lines = [`digraph ${dotString(name)} {`];
  if (horizontal) lines.push("  rankdir=LR;");
  for (const v of views) {
    for (const n of v.nodes) {
      const attrs = [`label=${dotString(n.label)}`, `shape=${n.boxed ? "box" : "ellipse"}`];
      // "80" is the alpha byte: Prefect draws state colours half transparent so labels stay legible.
      if (n.color !== undefined) attrs.push("style=filled", `fillcolor=${dotString(`${n.color}80`)}`);
      lines.push(`  ${dotString(n.dotId)} [${attrs.join(", ")}];`);
    }
  }
  for (const l of links) {
    const attrs: string[] = [];
    if (l.label !== undefined) attrs.push(`label=${dotString(l.label)}`);
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

function toMermaid(views: TaskView[], links: VLink[], horizontal: boolean): string {
  const lines = [`flowchart ${horizontal ? "LR" : "TB"}`];
  const styles: string[] = [];
  for (const v of views) {
    for (const n of v.nodes) {
      const label = mermaidString(n.label);
      // [[...]] (subroutine) is Mermaid's closest to a box that stands out; ([...]) (stadium) its
      // closest to an ellipse.
      lines.push(n.boxed ? `  ${n.mmdId}[[${label}]]` : `  ${n.mmdId}([${label}])`);
      if (n.color !== undefined) styles.push(`  style ${n.mmdId} fill:${n.color}`);
    }
  }
  for (const l of links) {
    const arrow = l.mapped ? "-.->" : "-->";
    const label = l.label !== undefined ? `|${mermaidString(l.label)}|` : "";
    lines.push(`  ${l.from.mmdId} ${arrow}${label} ${l.to.mmdId}`);
  }
  lines.push(...styles);
  return lines.join("\n") + "\n";
}
