/**
 * The execution plan: a flow compiled once (per flow revision) into arrays the FlowRunner walks by
 * index, so a run never sorts, reflects or searches the graph per task.
 * @internal
 * @module
 */
import type { Flow } from "../core/flow";
import type { AnyTask } from "../core/task";
import { Constant } from "../core/constants";
import { Edge } from "../core/edge";
import { State, Success } from "./state";

/** One edge, by node index. */
export interface PlanEdge {
  readonly edge: Edge;
  readonly up: number;
  readonly down: number;
  /**
   * A mapped (not flattened) edge from a mapped task to a mapped task: the downstream parent only
   * needs the upstream's parent (how many children), and child i only needs upstream child i.
   * This is what makes mapped pipelines depth-first.
   */
  readonly childToChild: boolean;
}

/** One task, by index. */
export interface PlanNode {
  readonly index: number;
  readonly task: AnyTask;
  readonly slug: string;
  readonly inEdges: readonly PlanEdge[];
  readonly outEdges: readonly PlanEdge[];
  /**
   * The task's constant inputs as upstream edges with a Success state each (Prefect's "Auto-generated
   * constant value"): they count in triggers and skip checks like any upstream task.
   */
  readonly constantEdges: ReadonlyArray<readonly [Edge, State]>;
  /** Whether the task is mapped (any incoming edge is mapped). */
  readonly mapped: boolean;
}

/** A compiled flow. */
export interface Plan {
  readonly revision: number;
  readonly nodes: readonly PlanNode[];
  readonly indexOf: ReadonlyMap<AnyTask, number>;
  readonly terminal: readonly number[];
  readonly reference: readonly number[];
}

const plans = new WeakMap<Flow, Plan>();

/** The plan of `flow`, compiled once per revision. Throws the flow's validation error (a cycle, ...). */
export function planOf(flow: Flow): Plan {
  const cached = plans.get(flow);
  if (cached && cached.revision === flow.revision) return cached;
  const plan = compile(flow);
  plans.set(flow, plan);
  return plan;
}

function compile(flow: Flow): Plan {
  // Edges can only be made between tasks of the flow, and reference tasks are checked when set,
  // so sorting (which names any cycle) is all the validation a run needs. One pass builds the
  // rest: in topological order every upstream index is known before its downstream tasks.
  const order = flow.sortedTasks();
  const n = order.length;
  const indexOf = new Map<AnyTask, number>();
  for (let i = 0; i < n; i++) indexOf.set(order[i]!, i);
  const mapped: boolean[] = new Array(n);
  const outs: PlanEdge[][] = new Array(n);
  const nodes: PlanNode[] = new Array(n);
  const constants = flow.constants;
  for (let i = 0; i < n; i++) {
    const task = order[i]!;
    const edges = flow.edgesTo(task, true);
    let isMapped = false;
    for (const e of edges) if (e.mapped) isMapped = true;
    mapped[i] = isMapped;
    const inEdges: PlanEdge[] = edges.length ? new Array<PlanEdge>(edges.length) : (NO_EDGES as PlanEdge[]);
    for (let k = 0; k < edges.length; k++) {
      const edge = edges[k]!;
      const up = indexOf.get(edge.upstreamTask)!;
      const pe: PlanEdge = { edge, up, down: i, childToChild: edge.mapped && !edge.flattened && mapped[up]! };
      inEdges[k] = pe;
      (outs[up] ??= []).push(pe);
    }
    const consts = constants.get(task);
    nodes[i] = { index: i, task, slug: flow.slugOf(task), inEdges, outEdges: NO_EDGES, constantEdges: consts ? constantEdges(task, consts) : NO_CONSTANTS, mapped: isMapped };
  }
  const terminal: number[] = [];
  for (let i = 0; i < n; i++) {
    const out = outs[i];
    if (out) (nodes[i] as { outEdges: readonly PlanEdge[] }).outEdges = out;
    else terminal.push(i);
  }
  return {
    revision: flow.revision,
    nodes,
    indexOf,
    terminal,
    reference: [...flow.referenceTasks()].map((t) => indexOf.get(t)!),
  };
}

const NO_EDGES: readonly PlanEdge[] = Object.freeze([]) as readonly PlanEdge[];
const NO_CONSTANTS: ReadonlyArray<readonly [Edge, State]> = Object.freeze([]);

function constantEdges(task: AnyTask, values: Readonly<Record<string, unknown>>): Array<readonly [Edge, State]> {
  const out: Array<readonly [Edge, State]> = [];
  for (const key of Object.keys(values)) {
    const value = values[key];
    out.push([new Edge(new Constant(value), task, { key }), new Success({ message: "Auto-generated constant value", result: value })]);
  }
  return out;
}
