import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ResultError, SerializationError } from "../../lib/errors";
import { LocalResult, writeFileAtomic, type Serializer } from "../../lib/results";
import { listFiles, tempDirs, tempFiles } from "./fixtures/temp-dir";

const fresh = tempDirs("local-result");

describe("LocalResult", () => {
  it("writes at a templated location and returns a copy with value and absolute location", async () => {
    const dir = fresh();
    const result = new LocalResult({ dir, location: "{flowName}/{taskName}-{mapIndex}.json" });
    const written = await result.write({ rows: [1, 2] }, { flowName: "etl", taskName: "load", mapIndex: 2 });
    assert.equal(written.location, path.join(dir, "etl", "load-2.json"));
    assert.deepEqual(written.value, { rows: [1, 2] });
    assert.ok(written instanceof LocalResult);
    assert.notEqual(written, result);
    assert.equal(result.value, undefined, "write does not change the configured result");
    assert.equal(result.location, "{flowName}/{taskName}-{mapIndex}.json");
    const doc = JSON.parse(fs.readFileSync(written.location!, "utf8"));
    assert.deepEqual(Object.keys(doc).sort(), ["data", "encoding", "flowsmithVersion", "serializer"]);
  });

  it("reads back from the relative or the absolute location", async () => {
    const dir = fresh();
    const result = new LocalResult({ dir, location: "a/{x}.json", serializer: "v8" });
    const value = new Map([["k", new Date(5)]]);
    const written = await result.write(value, { x: "one" });
    for (const loc of ["a/one.json", written.location!]) {
      const read = await result.read(loc);
      assert.deepEqual(read.value, value);
      assert.equal(read.location, path.join(dir, "a", "one.json"));
    }
  });

  it("tells whether a location exists, formatting it when arguments are given", async () => {
    const dir = fresh();
    const result = new LocalResult({ dir });
    await new LocalResult({ dir, location: "t-{n}.json" }).write(1, { n: 1 });
    assert.equal(await result.exists("t-1.json"), true);
    assert.equal(await result.exists("t-{n}.json", { n: 1 }), true);
    assert.equal(await result.exists("t-{n}.json", { n: 2 }), false);
    assert.equal(await result.exists("nope/deeper.json"), false);
  });

  it("writes a fresh YYYY/MM/DD/<uuid>.json location when there is no template", async () => {
    const dir = fresh();
    const result = new LocalResult({ dir });
    const a = await result.write("a");
    const b = await result.write("b");
    const rel = path.relative(dir, a.location!);
    assert.match(rel, /^\d{4}\/\d{2}\/\d{2}\/[0-9a-f-]{36}\.json$/);
    assert.notEqual(a.location, b.location);
    assert.equal((await result.read(rel)).value, "a");
  });

  it("round-trips undefined, compressed values and a custom serializer", async () => {
    const dir = fresh();
    assert.equal((await new LocalResult({ dir }).read((await new LocalResult({ dir }).write(undefined)).location!)).value, undefined);
    const gz = new LocalResult({ dir, serializer: "compressed/json", location: "c.json" });
    await gz.write({ big: "x".repeat(10_000) });
    assert.ok(fs.statSync(path.join(dir, "c.json")).size < 1000);
    assert.deepEqual((await gz.read("c.json")).value, { big: "x".repeat(10_000) });
    const custom: Serializer = { type: "csv", serialize: (v) => Buffer.from((v as number[]).join(",")), deserialize: (b) => b.toString().split(",").map(Number), describe: () => ({ type: "csv" }) };
    const csv = new LocalResult({ dir, serializer: custom, location: "n.csv.json" });
    await csv.write([1, 2, 3]);
    assert.deepEqual((await csv.read("n.csv.json")).value, [1, 2, 3]);
  });

  it("refuses a location that escapes the directory, on write, read and exists", async () => {
    const dir = fresh();
    const result = new LocalResult({ dir: path.join(dir, "results"), location: "{name}.json" });
    const escape = path.join(dir, "results");
    await assert.rejects(result.write(1, { name: "../../x" }), {
      name: "ResultError",
      message: `The result location "../../x.json" resolves outside the result directory ${JSON.stringify(escape)}; a location must stay inside it`,
    });
    await assert.rejects(new LocalResult({ dir: escape, location: "/etc/passwd-{n}" }).write(1, { n: 1 }), {
      message: `The result location "/etc/passwd-1" resolves outside the result directory ${JSON.stringify(escape)}; a location must stay inside it`,
    });
    await assert.rejects(result.read("../secret.json"), { name: "ResultError", message: /^The result location "..\/secret.json" resolves outside/ });
    await assert.rejects(result.read(path.join(dir, "other.json")), { message: /resolves outside the result directory/ });
    await assert.rejects(result.exists("{p}", { p: "../../../etc/passwd" }), { message: /resolves outside the result directory/ });
    await assert.rejects(result.read("."), { message: /^The result location "." resolves outside/ });
    assert.deepEqual(listFiles(dir).filter((f) => !f.startsWith("results")), []);
  });

  describe("symbolic links", () => {
    const linksOutside = (location: string, real: string, dir: string, realDir?: string) =>
      `The result location ${JSON.stringify(location)} resolves through a symbolic link to ${JSON.stringify(real)}, ` +
      `outside the result directory ${JSON.stringify(dir)}${realDir ? ` (${JSON.stringify(realDir)})` : ""}; a location must stay inside it`;

    /** A results dir and a sibling `outside` dir holding a result document `secret.json`. */
    async function layout() {
      const root = fs.realpathSync(fresh());
      const dir = path.join(root, "results");
      const outside = path.join(root, "outside");
      fs.mkdirSync(dir);
      const secret = await new LocalResult({ dir: outside, location: "secret.json" }).write("secret");
      return { root, dir, outside, secret: secret.location! };
    }

    it("a linked subdirectory pointing outside: write, read and exists refuse, naming the location and where it resolves", async () => {
      const { root, dir, outside, secret } = await layout();
      fs.symlinkSync(outside, path.join(dir, "sub"));
      const result = new LocalResult({ dir, location: "sub/{name}.json" });
      await assert.rejects(result.write("x", { name: "new" }), {
        name: "ResultError",
        message: linksOutside("sub/new.json", path.join(outside, "new.json"), dir),
      });
      await assert.rejects(result.write("x", { name: "a/b/deep" }), {
        message: linksOutside("sub/a/b/deep.json", path.join(outside, "a", "b", "deep.json"), dir),
      });
      await assert.rejects(result.write("x", { name: "secret" }), { message: linksOutside("sub/secret.json", secret, dir) });
      await assert.rejects(result.read("sub/secret.json"), { name: "ResultError", message: linksOutside("sub/secret.json", secret, dir) });
      await assert.rejects(result.read(path.join(dir, "sub", "secret.json")), {
        message: linksOutside(path.join(dir, "sub", "secret.json"), secret, dir),
      });
      await assert.rejects(result.exists("sub/{name}.json", { name: "secret" }), { message: linksOutside("sub/secret.json", secret, dir) });
      assert.deepEqual(listFiles(outside), ["secret.json"], "nothing was written outside");
      assert.equal((await new LocalResult({ dir: outside }).read("secret.json")).value, "secret");
      assert.deepEqual(fs.readdirSync(root).sort(), ["outside", "results"]);
    });

    it("a linked file pointing outside (existing or dangling): write, read and exists refuse, and the target is untouched", async () => {
      const { dir, outside, secret } = await layout();
      fs.symlinkSync(secret, path.join(dir, "link.json"));
      fs.symlinkSync(path.join(outside, "not-yet.json"), path.join(dir, "dangling.json"));
      const result = new LocalResult({ dir });
      const before = fs.readFileSync(secret, "utf8");
      await assert.rejects(result.copy({ locationTemplate: "link.json" }).write("overwritten"), { message: linksOutside("link.json", secret, dir) });
      await assert.rejects(result.read("link.json"), { message: linksOutside("link.json", secret, dir) });
      await assert.rejects(result.exists("link.json"), { message: linksOutside("link.json", secret, dir) });
      const notYet = path.join(outside, "not-yet.json");
      await assert.rejects(result.copy({ locationTemplate: "dangling.json" }).write("x"), { message: linksOutside("dangling.json", notYet, dir) });
      await assert.rejects(result.exists("dangling.json"), { message: linksOutside("dangling.json", notYet, dir) });
      assert.equal(fs.readFileSync(secret, "utf8"), before);
      assert.equal(fs.existsSync(notYet), false);
      assert.equal(fs.lstatSync(path.join(dir, "link.json")).isSymbolicLink(), true, "the link itself is not replaced either");
    });

    it("a result dir that is itself a link keeps working; locations are reported under the configured dir", async () => {
      const { root, outside } = await layout();
      const linked = path.join(root, "linked-results");
      fs.symlinkSync(outside, linked);
      const result = new LocalResult({ dir: linked, location: "{a}/{b}.json" });
      const written = await result.write({ ok: 1 }, { a: "x", b: "y" });
      assert.equal(written.location, path.join(linked, "x", "y.json"));
      assert.ok(fs.existsSync(path.join(outside, "x", "y.json")));
      assert.deepEqual((await result.read(written.location!)).value, { ok: 1 });
      assert.deepEqual((await result.read("x/y.json")).value, { ok: 1 });
      assert.equal(await result.exists("x/y.json"), true);
      assert.equal(await result.exists("x/z.json"), false);
      // A link inside it that leaves it is still refused, and the message shows the dir's real path.
      fs.symlinkSync(root, path.join(outside, "up"));
      await assert.rejects(result.read("up/results/anything.json"), {
        message: linksOutside("up/results/anything.json", path.join(root, "results", "anything.json"), linked, outside),
      });
    });

    it("links that stay inside the dir are followed", async () => {
      const { dir } = await layout();
      fs.mkdirSync(path.join(dir, "data"));
      fs.symlinkSync(path.join(dir, "data"), path.join(dir, "alias"));
      const result = new LocalResult({ dir, location: "alias/{n}.json" });
      const written = await result.write(42, { n: "v" });
      assert.equal(written.location, path.join(dir, "alias", "v.json"));
      assert.ok(fs.existsSync(path.join(dir, "data", "v.json")));
      fs.symlinkSync(path.join(dir, "data", "v.json"), path.join(dir, "v-link.json"));
      assert.equal((await result.read("v-link.json")).value, 42);
    });
  });

  it("names the file when it is missing, corrupt or not a result document", async () => {
    const dir = fresh();
    const result = new LocalResult({ dir });
    const missing = path.join(dir, "missing.json");
    await assert.rejects(result.read("missing.json"), { name: "ResultError", message: `No result at ${missing}: the file does not exist` });
    fs.writeFileSync(path.join(dir, "corrupt.json"), '{"serializer":{"type":"json"},"enc');
    await assert.rejects(result.read("corrupt.json"), (err: unknown) => {
      assert.ok(err instanceof ResultError);
      assert.ok(err.message.startsWith(`${path.join(dir, "corrupt.json")} is not a flowsmith result document: not JSON (`), err.message);
      return true;
    });
    fs.writeFileSync(path.join(dir, "package.json"), '{"name":"someone-else"}');
    await assert.rejects(result.read("package.json"), {
      message: `${path.join(dir, "package.json")} is not a flowsmith result document: missing "serializer" (an object with a "type")`,
    });
  });

  it("leaves no temp file behind on success", async () => {
    const dir = fresh();
    const result = new LocalResult({ dir, location: "{i}.json" });
    await Promise.all(Array.from({ length: 20 }, (_, i) => result.write({ i }, { i: i % 3 })));
    assert.deepEqual(tempFiles(dir), []);
    assert.deepEqual(listFiles(dir), ["0.json", "1.json", "2.json"]);
  });

  it("leaves nothing behind when the serializer throws", async () => {
    const dir = fresh();
    await assert.rejects(new LocalResult({ dir, location: "f.json" }).write({ f: () => 1 } as unknown), SerializationError);
    const failing: Serializer = { type: "boom", serialize: () => { throw new Error("boom"); }, deserialize: () => 0, describe: () => ({ type: "boom" }) };
    await assert.rejects(new LocalResult({ dir, location: "g.json", serializer: failing }).write(1), { message: "boom" });
    assert.deepEqual(listFiles(dir), []);
  });

  it("removes its temp file and reports the path when the final rename fails", async () => {
    const dir = fresh();
    fs.mkdirSync(path.join(dir, "taken.json"));
    fs.writeFileSync(path.join(dir, "taken.json", "inside"), "x"); // a non-empty directory cannot be renamed over
    await assert.rejects(new LocalResult({ dir, location: "taken.json" }).write(1), (err: unknown) => {
      assert.ok(err instanceof ResultError);
      assert.ok(err.message.startsWith(`Cannot write the result to ${path.join(dir, "taken.json")}: `), err.message);
      return true;
    });
    assert.deepEqual(tempFiles(dir), []);
    assert.deepEqual(listFiles(dir), ["taken.json/inside"]);
  });

  it("replaces an existing target atomically (a reader holding the old file still sees all of it)", async () => {
    const dir = fresh();
    const result = new LocalResult({ dir, location: "same.json" });
    const first = await result.write({ version: 1, pad: "a".repeat(50_000) });
    const oldFd = fs.openSync(first.location!, "r");
    try {
      await result.write({ version: 2 });
      const oldText = fs.readFileSync(oldFd, "utf8");
      assert.equal(JSON.parse(JSON.parse(oldText).data).version, 1, "the old file was replaced, not rewritten in place");
    } finally {
      fs.closeSync(oldFd);
    }
    assert.deepEqual((await result.read("same.json")).value, { version: 2 });
    assert.deepEqual(listFiles(dir), ["same.json"]);
  });

  it("copies, attaches values and describes itself", () => {
    const result = new LocalResult({ dir: "/tmp/r", location: "{x}.json", serializer: "compressed/v8" });
    const withValue = result.fromValue(42);
    assert.equal(withValue.value, 42);
    assert.equal(withValue.location, undefined);
    assert.equal(withValue.locationTemplate, "{x}.json");
    assert.equal(withValue.dir, "/tmp/r");
    assert.ok(withValue instanceof LocalResult);
    assert.equal(result.copy({ location: "/tmp/r/a.json" }).location, "/tmp/r/a.json");
    assert.equal(result.format({ x: "y" }), "y.json");
    assert.equal(result.describe(), 'LocalResult(dir="/tmp/r", location="{x}.json", serializer=compressed/v8(gzip))');
  });

  it("refuses a bad dir", () => {
    assert.throws(() => new LocalResult({ dir: "" }), { name: "ResultError", message: 'LocalResult: "dir" must be a non-empty string (got the string "")' });
  });

  describe("without a dir", () => {
    let saved: string | undefined;
    beforeEach(() => { saved = process.env.FLOWSMITH_HOME; });
    afterEach(() => {
      if (saved === undefined) delete process.env.FLOWSMITH_HOME;
      else process.env.FLOWSMITH_HOME = saved;
    });

    it("writes under $FLOWSMITH_HOME/results, read when used (not when created)", async () => {
      const result = new LocalResult({ location: "x.json" });
      const home = fresh();
      process.env.FLOWSMITH_HOME = home;
      assert.equal(result.dir, path.join(home, "results"));
      const w = await result.write("v");
      assert.equal(w.location, path.join(home, "results", "x.json"));
    });

    it("defaults to .flowsmith/results in the working directory", () => {
      delete process.env.FLOWSMITH_HOME;
      assert.equal(new LocalResult().dir, path.resolve(".flowsmith", "results"));
    });
  });
});

describe("writeFileAtomic", () => {
  it("creates parent directories and leaves only the target", async () => {
    const dir = fresh();
    await writeFileAtomic(path.join(dir, "a", "b", "c.txt"), "hello");
    assert.equal(fs.readFileSync(path.join(dir, "a", "b", "c.txt"), "utf8"), "hello");
    assert.deepEqual(listFiles(dir), ["a/b/c.txt"]);
  });
});
