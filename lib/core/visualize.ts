/**
 * STUB: text renderings of a flow's DAG (DOT and Mermaid).
 * @module
 */
import type { Flow } from "./flow";
import type { State } from "../engine/state";

/** Options of `flow.visualize`. */
export interface VisualizeOptions {
  /** Colour tasks by their state in this finished flow state, and expand mapped tasks into children. */
  flowState?: State;
  /** The output format. @default "dot" */
  format?: "dot" | "mermaid" | "svg";
  /** Lay the graph out left to right. @default false */
  horizontal?: boolean;
}

/** Renders `flow` as DOT or Mermaid text. */
export function renderFlow(flow: Flow, opts: VisualizeOptions = {}): string {
  return `digraph "${flow.name}" {}` + (opts.format ?? "");
}
