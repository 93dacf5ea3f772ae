import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ResultError, SerializationError } from "../../lib/errors";
import {
  CompressedSerializer, JSONSerializer, V8Serializer, decodeDocument, encodeDocument, flowsmithVersion,
  resolveSerializer, serializerFromDescription, type CompressionFormat, type Serializer, type SerializerName,
} from "../../lib/results";

const plain = { n: 1, s: "héllo \ud83d\ude00", b: true, nil: null, list: [1, "two", { three: 3 }], nested: { deep: { x: [] } } };

function throwsSerialization(fn: () => unknown, message: string | RegExp) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SerializationError, `expected a SerializationError, got ${String(err)}`);
    if (typeof message === "string") assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

describe("JSONSerializer", () => {
  const json = new JSONSerializer();

  it("round-trips plain data as UTF-8 JSON text", () => {
    const bytes = json.serialize(plain);
    assert.equal(bytes.toString("utf8"), JSON.stringify(plain));
    assert.deepEqual(json.deserialize(bytes), plain);
  });

  it("round-trips a top-level undefined (a task that returns nothing) through an empty payload", () => {
    assert.equal(json.serialize(undefined).length, 0);
    assert.equal(json.deserialize(Buffer.alloc(0)), undefined);
  });

  it("applies toJSON like JSON.stringify (a Date becomes its ISO string) and omits undefined properties", () => {
    const d = new Date("2024-01-02T03:04:05.000Z");
    assert.deepEqual(json.deserialize(json.serialize({ d, gone: undefined })), { d: "2024-01-02T03:04:05.000Z" });
  });

  it("allows a shared (non-cyclic) reference", () => {
    const shared = { x: 1 };
    assert.deepEqual(json.deserialize(json.serialize({ a: shared, b: shared })), { a: { x: 1 }, b: { x: 1 } });
  });

  it("refuses a function, naming the serializer and the path", () => {
    throwsSerialization(
      () => json.serialize({ client: { send: () => 1 } }),
      'json serializer cannot serialize the value: a function at $.client.send (JSON has no functions; use the "v8" serializer, or convert it to plain data without functions)',
    );
  });

  it("refuses a cycle, naming where it points back to", () => {
    const a: Record<string, unknown> = { name: "a" };
    a.self = { again: a };
    throwsSerialization(
      () => json.serialize(a),
      'json serializer cannot serialize the value: a cycle at $.self.again (it refers back to $; use the "v8" serializer, or convert it to plain data)',
    );
  });

  it("refuses a symbol, a bigint, NaN, undefined in an array, a Map and a Set", () => {
    throwsSerialization(() => json.serialize({ s: Symbol("x") }), "json serializer cannot serialize the value: a symbol at $.s (JSON has no symbols)");
    throwsSerialization(() => json.serialize(Symbol("top")), /^json serializer cannot serialize the value: a symbol at \$ /);
    throwsSerialization(() => json.serialize({ n: 10n }), /^json serializer cannot serialize the value: a bigint at \$\.n /);
    throwsSerialization(() => json.serialize([1, NaN]), /^json serializer cannot serialize the value: the number NaN at \$\[1\] /);
    throwsSerialization(() => json.serialize([1, undefined]), "json serializer cannot serialize the value: undefined at $[1] (it would become null)");
    throwsSerialization(() => json.serialize({ m: new Map([[1, 2]]) }), /^json serializer cannot serialize the value: a Map at \$\.m /);
    throwsSerialization(() => json.serialize({ "odd key": new Set() }), /^json serializer cannot serialize the value: a Set at \$\["odd key"\] /);
  });

  it("reports bad bytes as a SerializationError naming the serializer", () => {
    throwsSerialization(() => json.deserialize(Buffer.from("{nope")), /^json serializer cannot deserialize the data: /);
  });
});

describe("V8Serializer", () => {
  const v8s = new V8Serializer();

  it("round-trips Map, Set, Date, BigInt, RegExp, typed arrays and cycles", () => {
    const value: Record<string, unknown> = {
      map: new Map<unknown, unknown>([["a", 1], [2, { b: [3] }]]),
      set: new Set([1, "x"]),
      date: new Date("2020-05-06T07:08:09.000Z"),
      big: 12345678901234567890n,
      re: /ab+c/gi,
      bytes: new Uint8Array([1, 2, 3]),
      undef: undefined,
    };
    value.self = value;
    const back = v8s.deserialize(v8s.serialize(value)) as Record<string, unknown>;
    assert.deepEqual(back.map, value.map);
    assert.deepEqual(back.set, value.set);
    assert.ok(back.date instanceof Date);
    assert.equal((back.date as Date).getTime(), (value.date as Date).getTime());
    assert.equal(back.big, 12345678901234567890n);
    assert.deepEqual(back.re, /ab+c/gi);
    assert.deepEqual(back.bytes, new Uint8Array([1, 2, 3]));
    assert.ok("undef" in back);
    assert.equal(back.self, back);
  });

  it("refuses a function, naming the serializer and the path", () => {
    throwsSerialization(
      () => v8s.serialize({ nested: [1, { fn() { return 1; } }] }),
      "v8 serializer cannot serialize the value: a function at $.nested[1].fn (structured clone cannot copy it)",
    );
    throwsSerialization(() => v8s.serialize({ m: new Map([["k", Symbol("s")]]) }), /^v8 serializer cannot serialize the value: a symbol at \$\.m\.get\(0\)/);
  });

  it("reports bad bytes as a SerializationError naming the serializer", () => {
    throwsSerialization(() => v8s.deserialize(Buffer.from("not v8 at all")), /^v8 serializer cannot deserialize the data: /);
  });
});

describe("CompressedSerializer", () => {
  const formats: CompressionFormat[] = ["gzip", "brotli", "deflate"];
  const inners: Array<Serializer | SerializerName> = ["json", "v8", new JSONSerializer(), new V8Serializer()];
  const big = { rows: Array.from({ length: 500 }, (_, i) => ({ id: i, name: "row" })) };

  for (const format of formats) {
    for (const inner of inners) {
      const label = typeof inner === "string" ? inner : inner.constructor.name;
      it(`round-trips with ${format} over ${label}, and actually compresses`, () => {
        const s = new CompressedSerializer({ serializer: inner, format });
        const bytes = s.serialize(big);
        assert.ok(bytes.length < JSON.stringify(big).length / 4, `${bytes.length} bytes is not compressed`);
        assert.deepEqual(s.deserialize(bytes), big);
        assert.deepEqual(s.describe(), { type: "compressed", format, serializer: { type: typeof inner === "string" ? inner : inner.type } });
      });
    }
  }

  it("defaults to gzip", () => {
    const s = new CompressedSerializer({ serializer: "json" });
    assert.equal(s.format, "gzip");
    assert.deepEqual([...s.serialize({ a: 1 }).subarray(0, 2)], [0x1f, 0x8b]);
  });

  it("keeps the inner serializer's checks", () => {
    throwsSerialization(() => new CompressedSerializer({ serializer: "json" }).serialize({ f: () => 1 }), /^json serializer cannot serialize the value: a function at \$\.f /);
  });

  it("refuses an unknown format and reports bytes it cannot decompress", () => {
    throwsSerialization(
      () => new CompressedSerializer({ serializer: "json", format: "lzma" as CompressionFormat }),
      'Unknown compression format "lzma" for the compressed serializer (use "gzip", "brotli", "deflate")',
    );
    throwsSerialization(
      () => new CompressedSerializer({ serializer: "v8", format: "brotli" }).deserialize(Buffer.from("plain")),
      /^compressed\(brotli, v8\) serializer cannot deserialize the data: cannot decompress: /,
    );
  });
});

describe("resolveSerializer and serializerFromDescription", () => {
  it("accepts every serializer name", () => {
    const value = { when: "now", n: [1, 2] };
    for (const name of ["json", "v8", "compressed/json", "compressed/v8"] as const) {
      const s = resolveSerializer(name);
      assert.deepEqual(s.deserialize(s.serialize(value)), value, name);
    }
    assert.equal(resolveSerializer("compressed/v8").describe().type, "compressed");
    assert.deepEqual(resolveSerializer("compressed/v8").describe(), { type: "compressed", format: "gzip", serializer: { type: "v8" } });
  });

  it("uses the fallback for undefined and returns an instance as is", () => {
    assert.equal(resolveSerializer(undefined).type, "json");
    assert.equal(resolveSerializer(undefined, "v8").type, "v8");
    const s = new V8Serializer();
    assert.equal(resolveSerializer(s), s);
  });

  it("names an unknown serializer name or a non-serializer", () => {
    throwsSerialization(
      () => resolveSerializer("pickle" as SerializerName),
      'Unknown serializer "pickle": use one of "json", "v8", "compressed/json", "compressed/v8" or a Serializer instance',
    );
    throwsSerialization(() => resolveSerializer({ type: "x" } as unknown as Serializer), /^Not a serializer: an object \[object Object\]/);
  });

  it("rebuilds every serializer from its description", () => {
    const all: Serializer[] = [
      new JSONSerializer(), new V8Serializer(),
      new CompressedSerializer({ serializer: "v8", format: "brotli" }),
      new CompressedSerializer({ serializer: new CompressedSerializer({ serializer: "json", format: "deflate" }) }),
    ];
    for (const s of all) {
      const desc = JSON.parse(JSON.stringify(s.describe()));
      const again = serializerFromDescription(desc);
      assert.deepEqual(again.describe(), s.describe());
      const v = { a: [1, 2, 3] };
      assert.deepEqual(again.deserialize(s.serialize(v)), v);
    }
  });

  it("names an unknown serializer type", () => {
    throwsSerialization(
      () => serializerFromDescription({ type: "pickle" }),
      'Unknown serializer type "pickle" in a serializer description (known types: json, v8, compressed)',
    );
    throwsSerialization(() => serializerFromDescription("json"), 'Invalid serializer description: expected an object, got "json"');
    throwsSerialization(() => serializerFromDescription({ type: "compressed", format: "gzip" }), /needs its inner "serializer"/);
  });
});

describe("the persisted document", () => {
  const packageVersion = JSON.parse(fs.readFileSync(path.join(process.cwd(), "package.json"), "utf8")).version;

  it("has serializer, data and flowsmithVersion; json data is readable UTF-8 text", () => {
    const doc = JSON.parse(encodeDocument({ rows: 3 }, new JSONSerializer()).toString("utf8"));
    assert.deepEqual(doc, { serializer: { type: "json" }, encoding: "utf8", data: '{"rows":3}', flowsmithVersion: packageVersion });
    assert.equal(flowsmithVersion(), packageVersion);
  });

  it("stores other serializers' bytes as base64 and decodes them back", () => {
    for (const name of ["v8", "compressed/json", "compressed/v8"] as const) {
      const s = resolveSerializer(name);
      const value = name.endsWith("v8") ? new Map([[1, new Date(0)]]) : { list: [1, 2] };
      const buf = encodeDocument(value, s);
      const doc = JSON.parse(buf.toString("utf8"));
      assert.equal(doc.encoding, "base64");
      assert.deepEqual(doc.serializer, s.describe());
      assert.deepEqual(decodeDocument(buf, "test"), value);
    }
  });

  it("decodes with the document's own serializer, whatever the reader would have written with", () => {
    const buf = encodeDocument(new Set([1]), resolveSerializer("compressed/v8"));
    assert.deepEqual(decodeDocument(buf, "test", new JSONSerializer()), new Set([1]));
  });

  it("lets a custom serializer read its own documents", () => {
    const upper: Serializer = {
      type: "upper",
      serialize: (v) => Buffer.from(String(v).toUpperCase()),
      deserialize: (b) => b.toString().toLowerCase(),
      describe: () => ({ type: "upper" }),
    };
    const buf = encodeDocument("hello", upper);
    assert.equal(decodeDocument(buf, "custom.json", upper), "hello");
    assert.throws(() => decodeDocument(buf, "custom.json"), {
      name: "ResultError",
      message: 'Cannot read the result in custom.json: Unknown serializer type "upper" in a serializer description (known types: json, v8, compressed)',
    });
  });

  it("reports corrupt and foreign documents as a ResultError naming the origin", () => {
    const cases: Array<[string, string]> = [
      ["{not json", "/x/a.json is not a flowsmith result document: not JSON ("],
      ['{"hello":"world"}', '/x/a.json is not a flowsmith result document: missing "serializer" (an object with a "type")'],
      ['{"serializer":{"type":"json"},"data":"1"}', '/x/a.json is not a flowsmith result document: missing "flowsmithVersion"'],
      ['{"serializer":{"type":"v8"},"data":"@@@","flowsmithVersion":"0"}', '/x/a.json is not a flowsmith result document: "data" is not valid base64'],
      ['{"serializer":{"type":"json"},"encoding":"utf8","data":"{broken","flowsmithVersion":"0"}', "Cannot read the result in /x/a.json: json serializer cannot deserialize the data: "],
    ];
    for (const [text, start] of cases) {
      assert.throws(() => decodeDocument(Buffer.from(text), "/x/a.json"), (err: unknown) => {
        assert.ok(err instanceof ResultError, String(err));
        assert.ok(err.message.startsWith(start), err.message);
        return true;
      });
    }
  });
});
