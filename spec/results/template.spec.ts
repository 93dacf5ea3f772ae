import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ResultError } from "../../lib/errors";
import { formatTemplate, resolveLocation } from "../../lib/results";

describe("formatTemplate", () => {
  it("fills {key} holes", () => {
    assert.equal(formatTemplate("{flowName}/{taskName}-{mapIndex}.json", { flowName: "etl", taskName: "load", mapIndex: 3 }), "etl/load-3.json");
  });

  it("fills dotted {a.b} lookups, preferring an exact key that contains a dot", () => {
    assert.equal(formatTemplate("{params.region}/{user.name.first}", { params: { region: "eu" }, user: { name: { first: "ada" } } }), "eu/ada");
    assert.equal(formatTemplate("{a.b}", { "a.b": "exact", a: { b: "nested" } }), "exact");
  });

  it("reads getters on a class prototype (a context view)", () => {
    class Ctx { get today() { return "2024-01-01"; } }
    assert.equal(formatTemplate("{ctx.today}", { ctx: new Ctx() }), "2024-01-01");
  });

  it("renders Dates as ISO 8601, plain objects as JSON, others with String()", () => {
    assert.equal(formatTemplate("{d}|{o}|{n}|{b}|{z}", { d: new Date(0), o: { a: [1] }, n: 1.5, b: false, z: null }), '1970-01-01T00:00:00.000Z|{"a":[1]}|1.5|false|null');
  });

  it("turns {{ and }} into literal braces", () => {
    assert.equal(formatTemplate("{{x}}-{x}", { x: 1 }), "{x}-1");
  });

  it("names the missing key and the template", () => {
    assert.throws(() => formatTemplate("{taskName}/{today}.json", { taskName: "t" }), {
      name: "ResultError",
      message: 'Cannot format the location template "{taskName}/{today}.json": no value for {today}',
    });
    assert.throws(() => formatTemplate("{a.b.c}", { a: { b: {} } }), { message: 'Cannot format the location template "{a.b.c}": no value for {a.b.c}' });
    assert.throws(() => formatTemplate("{x}", { x: undefined }), { message: 'Cannot format the location template "{x}": no value for {x}' });
    // Object.prototype members are not format arguments
    assert.throws(() => formatTemplate("{constructor}", {}), { message: 'Cannot format the location template "{constructor}": no value for {constructor}' });
  });

  it("reports malformed templates", () => {
    assert.throws(() => formatTemplate("a{b", {}), { name: "ResultError", message: 'Invalid location template "a{b": the "{" at position 1 is never closed' });
    assert.throws(() => formatTemplate("a}b", {}), { message: 'Invalid location template "a}b": a single "}" at position 1 (write "}}" for a literal brace)' });
    assert.throws(() => formatTemplate("a{}b", {}), { message: 'Invalid location template "a{}b": "{}" at position 1 is not a {key} hole' });
  });
});

describe("resolveLocation", () => {
  it("formats a string and calls a function", () => {
    assert.equal(resolveLocation("{x}.json", { x: "a" }), "a.json");
    assert.equal(resolveLocation((args) => `${String(args.x)}/fn.json`, { x: "b" }), "b/fn.json");
  });

  it("refuses a function that does not return a non-empty string", () => {
    assert.throws(() => resolveLocation(() => "" as string, {}), (err: unknown) => err instanceof ResultError && err.message === 'A location function must return a non-empty string (it returned the string "")');
    assert.throws(() => resolveLocation((() => 42) as unknown as () => string, {}), { message: "A location function must return a non-empty string (it returned number 42)" });
  });
});
