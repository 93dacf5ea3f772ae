/**
 * `printRunReport(flow, state)`: a plain-text table of every task of a finished flow run (mapped
 * children listed one per row as `name[i]`), then the flow's final state. Used by every sample.
 *
 * ```
 * task           | state   | message                | result
 * ---------------+---------+------------------------+------------------
 * sum            | Success | Task run succeeded.    | 14
 * Flow state: Success ("All reference tasks succeeded.")  in 12 ms
 * ```
 * @module
 */
import { inspect } from "node:util";
import { Flow, Mapped, State, Task } from "../lib/index";

/** Options of {@link printRunReport} / {@link formatRunReport}. */
export interface RunReportOptions {
  /** A line printed above the table. @default none */
  title?: string;
  /** How long the run took, printed on the final line. @default not printed */
  elapsedMs?: number;
  /** Widest result shown (longer ones are cut with "…"). @default 42 */
  maxResult?: number;
  /** Widest message shown. @default 44 */
  maxMessage?: number;
  /** Extra lines printed between the table and the final state line. */
  notes?: string[];
}

type Row = [task: string, state: string, message: string, result: string];

/** Cuts `text` to `max` characters, ending with "…" when it was longer. */
export function truncate(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1)}…`;
}

/** A short, single-line rendering of a task result (errors as `Name: message`). */
export function formatValue(value: unknown): string {
  if (value === undefined) return "";
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (typeof value === "string") return value;
  const counted = Array.isArray(value) && value.length > 3 ? `(${value.length}) ` : "";
  return counted + inspect(value, { depth: 3, breakLength: Infinity, compact: true, maxArrayLength: 20 });
}

/** The table rows: tasks in topological order, each mapped task followed by its children. */
function rowsOf(flow: Flow, state: State, maxMessage: number, maxResult: number): Row[] {
  const states = state.result instanceof Map ? (state.result as Map<Task<any, any>, State>) : new Map<Task<any, any>, State>();
  const rows: Row[] = [];
  const row = (name: string, s: State | undefined, result: string) =>
    rows.push([name, s?.type ?? "(no state)", truncate(s?.message ?? "", maxMessage), truncate(result, maxResult)]);
  for (const t of flow.sortedTasks()) {
    const s = states.get(t);
    if (s instanceof Mapped) {
      row(t.name, s, `(${s.mapStates.length} mapped ${s.mapStates.length === 1 ? "child" : "children"})`);
      s.mapStates.forEach((child, i) => row(`  ${t.name}[${i}]`, child, formatValue(child?.result)));
    } else {
      row(t.name, s, formatValue(s?.result));
    }
  }
  return rows;
}

/** The report as lines of text (what {@link printRunReport} prints). */
export function formatRunReport(flow: Flow, state: State, opts: RunReportOptions = {}): string[] {
  const rows = rowsOf(flow, state, opts.maxMessage ?? 44, opts.maxResult ?? 42);
  const header: Row = ["task", "state", "message", "result"];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (r: readonly string[]) => r.map((cell, c) => cell.padEnd(widths[c]!)).join(" | ").trimEnd();
  const out: string[] = [];
  if (opts.title) out.push(opts.title);
  out.push(line(header));
  out.push(widths.map((w) => "-".repeat(w)).join("-+-"));
  for (const r of rows) out.push(line(r));
  out.push(...(opts.notes ?? []));
  const elapsed = opts.elapsedMs === undefined ? "" : `  in ${Math.round(opts.elapsedMs)} ms`;
  const message = state.message === undefined ? "" : ` (${JSON.stringify(state.message)})`;
  out.push(`Flow state: ${state.type}${message}${elapsed}`);
  return out;
}

/** Prints the table of every task of a finished run of `flow`, then the flow's final state. */
export function printRunReport(flow: Flow, state: State, opts: RunReportOptions = {}): void {
  for (const l of formatRunReport(flow, state, opts)) console.log(l);
}

/** Runs `flow` with `opts` and prints its report; returns the final state. */
export async function runAndReport(flow: Flow, opts: Parameters<Flow["run"]>[0] = {}, title?: string): Promise<State> {
  const start = performance.now();
  const state = await flow.run(opts);
  printRunReport(flow, state, { title: title ?? `== ${flow.name} ==`, elapsedMs: performance.now() - start });
  return state;
}
