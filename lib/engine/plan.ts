/**
 * The execution plan: a flow compiled once (per flow revision) into arrays the FlowRunner walks by
 * index, so a run never sorts, reflects or searches the graph per task.
 * @internal
 * @module
 */
import type { Edge } from "../core/edge";
import type { Flow } from "../core/flow";
import type { AnyTask } from "../core/task";

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
  readonly constants: Readonly<Record<string, unknown>> | undefined;
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
  flow.validate();
  const order = flow.sortedTasks();
  const indexOf = new Map<AnyTask, number>();
  order.forEach((t, i) => indexOf.set(t, i));
  const mapped = order.map((t) => flow.edgesTo(t, true).some((e) => e.mapped));
  const ins: PlanEdge[][] = order.map(() => []);
  const outs: PlanEdge[][] = order.map(() => []);
  for (let i = 0; i < order.length; i++) {
    for (const edge of flow.edgesTo(order[i]!, true)) {
      const up = indexOf.get(edge.upstreamTask)!;
      const pe: PlanEdge = { edge, up, down: i, childToChild: edge.mapped && !edge.flattened && mapped[up]! };
      ins[i]!.push(pe);
      outs[up]!.push(pe);
    }
  }
  const nodes: PlanNode[] = order.map((task, i) => ({
    index: i,
    task,
    slug: flow.slugOf(task),
    inEdges: ins[i]!,
    outEdges: outs[i]!,
    constants: flow.constants.get(task),
    mapped: mapped[i]!,
  }));
  return {
    revision: flow.revision,
    nodes,
    indexOf,
    terminal: [...flow.terminalTasks()].map((t) => indexOf.get(t)!),
    reference: [...flow.referenceTasks()].map((t) => indexOf.get(t)!),
  };
}
