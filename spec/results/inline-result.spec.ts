import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SerializationError } from "../../lib/errors";
import { ConstantResult, InlineResult, JSONSerializer, type SerializerName } from "../../lib/results";

describe("InlineResult", () => {
  it("writes the value's JSON text as the location and reads it back", async () => {
    const result = new InlineResult();
    const written = await result.write({ a: [1, "b"] });
    assert.equal(written.location, '{"a":[1,"b"]}');
    assert.deepEqual(written.value, { a: [1, "b"] });
    assert.ok(written instanceof InlineResult);
    const read = await result.read(written.location!);
    assert.deepEqual(read.value, { a: [1, "b"] });
  });

  it("keeps undefined as the empty string", async () => {
    const written = await new InlineResult().write(undefined);
    assert.equal(written.location, "");
    assert.equal((await new InlineResult().read("")).value, undefined);
  });

  it("refuses values that are not JSON data, naming the serializer", async () => {
    await assert.rejects(new InlineResult().write({ at: new Date(0), f: () => 1 }), (err: unknown) => {
      assert.ok(err instanceof SerializationError);
      assert.match(err.message, /^json serializer cannot serialize the value: a function at \$\.f /);
      return true;
    });
  });

  it("tells whether a location is valid JSON", async () => {
    const result = new InlineResult();
    assert.equal(await result.exists("[1,2]"), true);
    assert.equal(await result.exists("null"), true);
    assert.equal(await result.exists("{oops"), false);
    await assert.rejects(result.read("{oops"), { name: "ResultError", message: /^The inline result "\{oops" is not valid JSON: / });
  });

  it("takes only the json serializer", () => {
    assert.equal(new InlineResult({ serializer: new JSONSerializer() }).serializer.type, "json");
    assert.throws(() => new InlineResult({ serializer: "v8" as SerializerName }), {
      name: "ResultError",
      message: 'InlineResult keeps its value in the state as JSON: it takes only the "json" serializer (got "v8")',
    });
  });
});

describe("ConstantResult", () => {
  it("reads itself with its value and always exists", async () => {
    const c = new ConstantResult({ value: { k: 1 } });
    assert.equal(await c.read("anything"), c);
    assert.deepEqual((await c.read("x")).value, { k: 1 });
    assert.equal(await c.exists("x"), true);
    assert.equal(c.describe(), 'ConstantResult(value={"k":1})');
  });

  it("cannot be written", async () => {
    await assert.rejects(new ConstantResult({ value: 1 }).write(2), { name: "ResultError", message: "ConstantResult cannot be written: its value is fixed when it is created" });
  });

  it("refuses a serializer", () => {
    assert.throws(() => new ConstantResult({ value: 1, serializer: "json" } as never), {
      name: "ResultError",
      message: "ConstantResult does not take a serializer: its value is never serialized",
    });
  });
});
