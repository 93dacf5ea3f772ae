/**
 * The functional builder's scope: which flow `call`/`map`/`bind` register into, which tags new
 * tasks get, and which block (`caseOf`, `resourceManager`) is collecting tasks. Builders are
 * synchronous, so one module-level stack is enough; every frame is popped in `finally`, so the
 * scope ends even when a builder throws.
 * @internal
 * @module
 */
import type { Flow } from "./flow";
import type { Task } from "./task";

/** A block that wants to know which tasks are added inside it (a case or a resource manager). */
export interface TaskCollector {
  collect(task: Task, flow: Flow): void;
}

export interface ScopeFrame {
  readonly flow?: Flow;
  readonly tags?: readonly string[];
  readonly collector?: TaskCollector;
  /** Inside `applyMap`: mapped edges are made by the block, not by the user. */
  readonly mappedContext?: boolean;
}

const stack: ScopeFrame[] = [];

/** Run `body` with `frame` pushed; the frame is popped even if `body` throws. */
export function withScope<T>(frame: ScopeFrame, body: () => T): T {
  stack.push(frame);
  try {
    const out = body();
    if (out && typeof (out as { then?: unknown }).then === "function") {
      throw new TypeError("A flow builder must be synchronous: build the graph, and do async work inside tasks");
    }
    return out;
  } finally {
    stack.pop();
  }
}

/** The innermost flow in scope. */
export function currentFlow(): Flow | undefined {
  for (let i = stack.length - 1; i >= 0; i--) if (stack[i]!.flow) return stack[i]!.flow;
  return undefined;
}

/** Every tag in scope, outermost first. */
export function currentTags(): string[] {
  const out: string[] = [];
  for (const f of stack) if (f.tags) out.push(...f.tags);
  return out;
}

/** Whether any scope frame has tags (a fast check for the hot path of task construction). */
export function hasScopeTags(): boolean {
  for (const f of stack) if (f.tags && f.tags.length) return true;
  return false;
}

/** The collectors in scope for `flow`, innermost first. */
export function currentCollectors(): TaskCollector[] {
  const out: TaskCollector[] = [];
  for (let i = stack.length - 1; i >= 0; i--) if (stack[i]!.collector) out.push(stack[i]!.collector!);
  return out;
}

/** Whether the innermost collector is... anywhere in scope (cheap check). */
export function hasCollectors(): boolean {
  for (const f of stack) if (f.collector) return true;
  return false;
}

export function inMappedContext(): boolean {
  for (const f of stack) if (f.mappedContext) return true;
  return false;
}
