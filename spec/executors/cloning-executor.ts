/**
 * A test executor that sends every task run across a boundary without leaving the process: the
 * request and the reply are `structuredClone`d and must survive JSON (value bytes aside), and the
 * run is answered by `executeRequest`, exactly as a worker would.
 * @internal
 * @module
 */
import assert from "node:assert/strict";
import { executeRequest, type Executor, type State, type TaskRun } from "../../lib/index";

/** JSON text of a request or reply, with value bytes as base64 (what a queue would carry). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (v instanceof Uint8Array ? { $bytes: Buffer.from(v).toString("base64") } : v));
}

/** The inverse of {@link toJson}. */
export function fromJson<T>(text: string): T {
  return JSON.parse(text, (_k, v) => (v && typeof v === "object" && typeof v.$bytes === "string" ? new Uint8Array(Buffer.from(v.$bytes, "base64")) : v)) as T;
}

/** `value` without its `undefined` object keys (JSON leaves them out; they mean the same). */
function withoutUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUndefined);
  if (!value || typeof value !== "object" || value instanceof Uint8Array) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = withoutUndefined(v);
  return out;
}

export class CloningExecutor implements Executor {
  readonly name = "cloning";
  readonly maxConcurrency = Infinity;
  /** How many requests crossed. */
  sent = 0;

  async submit(run: TaskRun): Promise<State> {
    const request = structuredClone(run.request());
    const wire = toJson(request);
    assert.deepEqual(fromJson(wire), withoutUndefined(request), "a request survives JSON (value bytes as base64)");
    this.sent++;
    const reply = await executeRequest(fromJson(wire));
    return run.accept(fromJson(toJson(structuredClone(reply))));
  }
}
