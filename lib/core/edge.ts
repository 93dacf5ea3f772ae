/**
 * An edge of a flow: `upstreamTask` feeds `downstreamTask`, under input `key` (undefined for a
 * state-only dependency), optionally mapped or flattened.
 * @module
 */
import { FlowValidationError } from "../errors";
import { messages } from "../messages";
import type { Task } from "./task";

/** Options of a new edge. */
export interface EdgeOptions {
  /** The input of the downstream task this edge feeds; undefined for a state-only dependency. */
  key?: string;
  /** Map the downstream task over this edge's value. @default false */
  mapped?: boolean;
  /** Remove one level of nesting from the value. @default false */
  flattened?: boolean;
}

/** A dependency between two tasks. */
export class Edge {
  /** The input of the downstream task this edge feeds; undefined for a state-only dependency. */
  readonly key: string | undefined;
  /** Whether the downstream task is mapped over this edge's value. @default false */
  readonly mapped: boolean;
  /** Whether one level of nesting is removed from the value. @default false */
  readonly flattened: boolean;

  constructor(
    /** The task whose result (or state) flows along the edge. */
    readonly upstreamTask: Task,
    /** The task that waits for the upstream task (and receives its result under `key`). */
    readonly downstreamTask: Task,
    opts: EdgeOptions = {},
  ) {
    if (upstreamTask === downstreamTask) throw new FlowValidationError(messages.selfEdge(String(upstreamTask)));
    if (opts.key !== undefined && (typeof opts.key !== "string" || opts.key.length === 0)) {
      throw new FlowValidationError(`Edge key must be a non-empty string (received ${JSON.stringify(opts.key)}) on the edge to ${downstreamTask}`);
    }
    this.key = opts.key;
    this.mapped = opts.mapped ?? false;
    this.flattened = opts.flattened ?? false;
  }

  /** Both tasks. */
  get tasks(): Set<Task> {
    return new Set([this.upstreamTask, this.downstreamTask]);
  }

  /** Same endpoints, key and flags. */
  equals(other: Edge): boolean {
    return (
      this.upstreamTask === other.upstreamTask &&
      this.downstreamTask === other.downstreamTask &&
      this.key === other.key &&
      this.mapped === other.mapped &&
      this.flattened === other.flattened
    );
  }

  /** `<Edge(key=x, mapped=false, flattened=false): up to down>` */
  toString(): string {
    return `<Edge(key=${this.key ?? "none"}, mapped=${this.mapped}, flattened=${this.flattened}): ${this.upstreamTask.name} to ${this.downstreamTask.name}>`;
  }
}
