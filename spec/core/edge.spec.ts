import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Edge, FlowValidationError, NoOpTask } from "../../lib/index";

const a = new NoOpTask({ name: "a" });
const b = new NoOpTask({ name: "b" });

describe("Edge", () => {
  it("has its tasks, and defaults to a state-only, unmapped, unflattened edge", () => {
    const e = new Edge(a, b);
    assert.equal(e.upstreamTask, a);
    assert.equal(e.downstreamTask, b);
    assert.equal(e.key, undefined);
    assert.equal(e.mapped, false);
    assert.equal(e.flattened, false);
    assert.deepEqual(e.tasks, new Set([a, b]));
  });

  it("keeps the key and flags it is given", () => {
    const e = new Edge(a, b, { key: "x", mapped: true, flattened: true });
    assert.equal(e.key, "x");
    assert.equal(e.mapped, true);
    assert.equal(e.flattened, true);
  });

  it("refuses to connect a task to itself", () => {
    assert.throws(
      () => new Edge(a, a),
      (err: unknown) => {
        assert.ok(err instanceof FlowValidationError);
        assert.equal(err.message, "Edges can not connect a task to itself: <Task: a>");
        return true;
      },
    );
  });

  it("refuses an empty or non-string key", () => {
    assert.throws(() => new Edge(a, b, { key: "" }), {
      name: "FlowValidationError",
      message: `Edge key must be a non-empty string (received "") on the edge to <Task: b>`,
    });
    assert.throws(() => new Edge(a, b, { key: 3 as never }), {
      message: "Edge key must be a non-empty string (received 3) on the edge to <Task: b>",
    });
  });

  it("equals another edge with the same tasks, key and flags", () => {
    const e = new Edge(a, b, { key: "x" });
    assert.ok(e.equals(new Edge(a, b, { key: "x" })));
    assert.ok(e.equals(new Edge(a, b, { key: "x", mapped: false, flattened: false })));
    assert.ok(!e.equals(new Edge(a, b, { key: "y" })));
    assert.ok(!e.equals(new Edge(a, b, { key: "x", mapped: true })));
    assert.ok(!e.equals(new Edge(a, b, { key: "x", flattened: true })));
    assert.ok(!e.equals(new Edge(b, a, { key: "x" })));
    assert.ok(!e.equals(new Edge(a, b)));
  });

  it("prints its key, flags and task names", () => {
    assert.equal(String(new Edge(a, b, { key: "x", mapped: true })), "<Edge(key=x, mapped=true, flattened=false): a to b>");
    assert.equal(String(new Edge(a, b)), "<Edge(key=none, mapped=false, flattened=false): a to b>");
  });
});
