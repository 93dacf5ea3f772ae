import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Constant, Flow, NoOpTask, task } from "../../lib/index";

describe("Constant", () => {
  it("returns its value", () => {
    const value = { x: 1, y: [9, 10] };
    assert.equal(new Constant(value).run(), value);
    assert.equal(new Constant(3).value, 3);
  });

  it("is named after a short value, or Constant[Type] (Prefect's rule)", () => {
    assert.equal(new Constant(3).name, "3");
    assert.equal(new Constant(true).name, "true");
    assert.equal(new Constant(null).name, "null");
    assert.equal(new Constant("ab").name, `"ab"`);
    assert.equal(new Constant("a longer string").name, "Constant[string]");
    assert.equal(new Constant(123456789).name, "Constant[number]");
    assert.equal(new Constant([1, 2]).name, "Constant[Array]");
    assert.equal(new Constant({ x: 1 }).name, "Constant[Object]");
    assert.equal(new Constant(new Map()).name, "Constant[Map]");
    assert.equal(new Constant(Object.create(null)).name, "Constant[Object]");
  });

  it("takes a name and other task options", () => {
    const c = new Constant([1, 2, 3], { name: "numbers", tags: ["data"] });
    assert.equal(String(c), "<Task: numbers>");
    assert.deepEqual([...c.tags], ["data"]);
  });

  it("stays one node when passed as an input (no introspection)", () => {
    const doNothing = task(function do_nothing(_: { arg: unknown }) {});
    let d!: typeof doNothing;
    const c = new Constant({ x: 1, y: [9, 10] });
    const f = Flow.build("constants", () => {
      d = doNothing.call({ arg: c });
    });
    assert.deepEqual(new Set(f.tasks), new Set([c, d]));
    const [edge] = [...f.edges];
    assert.equal(edge!.upstreamTask, c);
    assert.equal(edge!.key, "arg");
  });
});

describe("NoOpTask", () => {
  it("does nothing", () => {
    const t = new NoOpTask();
    assert.equal(t.run(), undefined);
    assert.equal(t.name, "NoOpTask");
  });
});
