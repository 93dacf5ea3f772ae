import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { fork } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { CacheStore, toDocument, JSONSerializer, V8Serializer, type CacheEntry, type Serializer } from "../../lib/results";
import { captureLogs } from "./fixtures/log-capture";
import { listFiles, tempDirs, tempFiles } from "./fixtures/temp-dir";

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const fresh = tempDirs("cache-store");

const entry = (key: string, value: unknown, expiresAt: number | null = null): CacheEntry => ({
  key, taskName: "t", createdAt: Date.now(), expiresAt, document: toDocument(value, new JSONSerializer()),
});

describe("CacheStore", () => {
  it("puts and gets entries, one file per key named by the key's sha256", async () => {
    const dir = fresh();
    const store = new CacheStore(dir);
    assert.equal(await store.get("k"), undefined);
    await store.put("k", entry("k", { a: 1 }));
    const got = await store.get("k");
    assert.equal(got?.key, "k");
    assert.equal(got?.taskName, "t");
    assert.deepEqual((await store.getValue("k"))?.value, { a: 1 });
    assert.deepEqual(listFiles(dir), [path.basename(store.fileFor("k"))]);
    assert.match(path.basename(store.fileFor("k")), /^[0-9a-f]{64}\.json$/);
    assert.match(path.basename(store.fileFor("../../evil key/with slashes")), /^[0-9a-f]{64}\.json$/);
  });

  it("replaces an entry and round-trips any serializer through putValue", async () => {
    const store = new CacheStore(fresh());
    await store.putValue("k", 1, { taskName: "t" });
    const e = await store.putValue("k", new Map([[1, new Set([2])]]), { taskName: "t2", serializer: "compressed/v8" });
    assert.equal(e.expiresAt, null);
    const got = await store.getValue("k");
    assert.deepEqual(got?.value, new Map([[1, new Set([2])]]));
    assert.equal(got?.entry.taskName, "t2");
  });

  it("hides an expired entry and prunes it", async () => {
    const store = new CacheStore(fresh());
    await store.putValue("old", "v", { taskName: "t", ttl: 1_000, now: 1_000 });
    await store.putValue("new", "v", { taskName: "t", ttl: 1_000 });
    await store.putValue("forever", "v", { taskName: "t" });
    assert.equal((await store.get("old"))?.expiresAt, undefined);
    assert.equal(await store.get("old"), undefined);
    assert.equal(await store.getValue("old"), undefined);
    assert.ok(await store.get("old", 1_500), "still valid before its expiry");
    assert.ok(await store.get("new"));
    assert.equal(await store.prune(), 1);
    assert.ok(await store.get("forever"));
    assert.equal(await store.prune(Number.MAX_SAFE_INTEGER), 1, "an entry without expiry is never pruned");
  });

  it("deletes entries", async () => {
    const store = new CacheStore(fresh());
    await store.putValue("k", 1, { taskName: "t" });
    assert.equal(await store.delete("k"), true);
    assert.equal(await store.delete("k"), false);
    assert.equal(await store.get("k"), undefined);
  });

  describe("an entry that cannot be read is a miss, with a warning naming the file", () => {
    const warning = (file: string, key: string, why: string) =>
      `Ignoring the cache entry ${file} (key "${key}"), which cannot be read: it counts as a miss and the next value cached under its key replaces it. ${why}`;
    const v8Doc = toDocument(new Map([[1, 2]]), new V8Serializer());
    const corruptions: Array<{ what: string; text: (file: string) => string; why: (file: string) => string | RegExp }> = [
      {
        what: "truncated",
        text: () => JSON.stringify(entry("k", { a: 1 })).slice(0, 40),
        why: (file) => new RegExp(`^The cache entry ${escape(file)} is corrupt: not JSON \\(`),
      },
      { what: "not JSON at all", text: () => "\u0000\u0001garbage", why: (file) => new RegExp(`^The cache entry ${escape(file)} is corrupt: not JSON \\(`) },
      {
        what: "a bad field",
        text: () => JSON.stringify({ key: "k", taskName: "t", createdAt: "yesterday", expiresAt: null }),
        why: (file) => `The cache entry ${file} is corrupt: "createdAt" must be a number (ms since the epoch)`,
      },
      {
        what: "no result document",
        text: () => JSON.stringify({ key: "k", taskName: "t", createdAt: 1, expiresAt: null, document: { nope: 1 } }),
        why: (file) => `${file} (the entry's "document") is not a flowsmith result document: missing "serializer" (an object with a "type")`,
      },
      {
        what: "another key's entry",
        text: () => JSON.stringify(entry("other", 1)),
        why: (file) => `The cache entry ${file} is corrupt: it holds the key "other", not "k"`,
      },
      {
        what: "data its serializer cannot decode",
        text: () => JSON.stringify({ ...entry("k", 1), document: { ...v8Doc, data: Buffer.from("not v8 at all").toString("base64") } }),
        why: (file) => new RegExp(`^Cannot read the result in ${escape(file)}: v8 serializer cannot deserialize the data: `),
      },
      {
        what: "an unknown serializer",
        text: () => JSON.stringify({ ...entry("k", 1), document: { ...v8Doc, serializer: { type: "pickle" } } }),
        why: (file) => `Cannot read the result in ${file}: Unknown serializer type "pickle" in a serializer description (known types: json, v8, compressed)`,
      },
    ];
    for (const c of corruptions) {
      it(`${c.what}: getValue misses and warns; the next put replaces the entry atomically`, async () => {
        const dir = fresh();
        const store = new CacheStore(dir);
        const file = store.fileFor("k");
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(file, c.text(file));
        const { value: got, lines } = await captureLogs(() => store.getValue("k"));
        assert.equal(got, undefined);
        assert.equal(lines.length, 1, JSON.stringify(lines));
        assert.equal(lines[0]!.level, 40);
        assert.equal(lines[0]!.name, "flowsmith.cache");
        assert.equal(lines[0]!.file, file);
        assert.equal(lines[0]!.key, "k");
        const why = c.why(file);
        const prefix = warning(file, "k", "");
        assert.ok(lines[0]!.msg.startsWith(prefix), lines[0]!.msg);
        if (typeof why === "string") assert.equal(lines[0]!.msg, warning(file, "k", why));
        else assert.match(lines[0]!.msg.slice(prefix.length), why);

        await store.putValue("k", { fresh: true }, { taskName: "t" });
        assert.deepEqual((await store.getValue("k"))?.value, { fresh: true });
        assert.deepEqual(listFiles(dir), [path.basename(file)]);
      });
    }

    it("get misses too, and prune reports a corrupt entry without failing or removing it", async () => {
      const dir = fresh();
      const store = new CacheStore(dir);
      await store.putValue("old", 1, { taskName: "t", ttl: 1, now: 1 });
      const file = store.fileFor("k");
      fs.writeFileSync(file, "{");
      const { value, lines } = await captureLogs(async () => [await store.get("k"), await store.prune()] as const);
      assert.deepEqual(value, [undefined, 1]);
      assert.equal(lines.length, 2);
      assert.match(lines[1]!.msg, new RegExp(`^Ignoring the cache entry ${escape(file)}, which cannot be read: `));
      assert.deepEqual(listFiles(dir), [path.basename(file)]);
    });

    it("an error reading the file (not its content) is still an error", async () => {
      const dir = fresh();
      const store = new CacheStore(dir);
      fs.mkdirSync(store.fileFor("k")); // a directory where the entry file should be: EISDIR
      await assert.rejects(store.getValue("k"), { name: "ResultError", message: new RegExp(`^Cannot read the result at ${escape(store.fileFor("k"))}: EISDIR`) });
    });

    it("a custom serializer's entry is read back with the serializer given to getValue", async () => {
      const store = new CacheStore(fresh());
      const upper: Serializer = {
        type: "upper",
        serialize: (v) => Buffer.from(String(v).toUpperCase()),
        deserialize: (b) => b.toString().toLowerCase(),
        describe: () => ({ type: "upper" }),
      };
      await store.putValue("k", "abc", { taskName: "t", serializer: upper });
      assert.equal((await store.getValue("k", Date.now(), upper))?.value, "abc");
      const { value, lines } = await captureLogs(() => store.getValue("k"));
      assert.equal(value, undefined, "without it, the description alone cannot rebuild the serializer");
      assert.equal(lines.length, 1);
    });
  });

  it("refuses bad keys and entries", async () => {
    const store = new CacheStore(fresh());
    await assert.rejects(store.put("a", entry("b", 1)), { name: "ResultError", message: 'Cannot put the cache entry for key "a": the entry\'s own key is "b"' });
    await assert.rejects(store.put("a", { ...entry("a", 1), expiresAt: "soon" as unknown as number }), {
      message: 'Cannot put the cache entry for key "a": "expiresAt" must be a number (ms since the epoch) or null',
    });
    await assert.rejects(store.get(""), { message: 'A cache key must be a non-empty string (got the string "")' });
  });

  describe("default directory", () => {
    let saved: string | undefined;
    beforeEach(() => { saved = process.env.FLOWSMITH_HOME; });
    afterEach(() => {
      if (saved === undefined) delete process.env.FLOWSMITH_HOME;
      else process.env.FLOWSMITH_HOME = saved;
    });
    it("is $FLOWSMITH_HOME/cache", () => {
      const home = fresh();
      process.env.FLOWSMITH_HOME = home;
      assert.equal(new CacheStore().dir, path.join(home, "cache"));
    });
  });

  it("stays consistent when several processes put and get the same keys at once", async () => {
    const dir = fresh();
    const worker = path.join(__dirname, "fixtures", "cache-worker.js");
    const workers = 4;
    const iterations = 150;
    const runs = Array.from({ length: workers }, (_, id) =>
      new Promise<{ code: number | null; stats?: { reads: number; hits: number }; stderr: string }>((resolve, reject) => {
        const child = fork(worker, [dir, String(id), String(iterations), "3"], { stdio: ["ignore", "ignore", "pipe", "ipc"] });
        let stderr = "";
        let stats: { reads: number; hits: number } | undefined;
        child.stderr?.on("data", (d) => { stderr += String(d); });
        child.on("message", (msg) => { stats = msg as { reads: number; hits: number }; });
        child.on("error", reject);
        child.on("exit", (code) => resolve({ code, stats, stderr }));
      }));
    const results = await Promise.all(runs);
    for (const r of results) {
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stats?.reads, iterations);
      assert.ok((r.stats?.hits ?? 0) > 0);
    }
    assert.deepEqual(tempFiles(dir), []);
    const store = new CacheStore(dir);
    for (const key of ["key-0", "key-1", "key-2"]) {
      const got = await store.getValue(key);
      assert.equal((got?.value as { key: string }).key, key);
    }
    assert.equal(listFiles(dir).length, 3);
  });
});
