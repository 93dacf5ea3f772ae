import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { fork } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ResultError } from "../../lib/errors";
import { CacheStore, toDocument, JSONSerializer, type CacheEntry } from "../../lib/results";
import { listFiles, tempDirs, tempFiles } from "./fixtures/temp-dir";

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

  it("reports a corrupt entry file, naming it", async () => {
    const store = new CacheStore(fresh());
    const file = store.fileFor("k");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '{"key":"k","taskN');
    await assert.rejects(store.get("k"), (err: unknown) => {
      assert.ok(err instanceof ResultError);
      assert.ok(err.message.startsWith(`The cache entry ${file} is corrupt: not JSON (`), err.message);
      return true;
    });
    fs.writeFileSync(file, JSON.stringify({ key: "k", taskName: "t", createdAt: "yesterday", expiresAt: null }));
    await assert.rejects(store.get("k"), { message: `The cache entry ${file} is corrupt: "createdAt" must be a number (ms since the epoch)` });
    fs.writeFileSync(file, JSON.stringify({ key: "k", taskName: "t", createdAt: 1, expiresAt: null, document: { nope: 1 } }));
    await assert.rejects(store.get("k"), { message: `${file} (the entry's "document") is not a flowsmith result document: missing "serializer" (an object with a "type")` });
    fs.writeFileSync(file, JSON.stringify(entry("other", 1)));
    await assert.rejects(store.get("k"), { message: `The cache entry ${file} is corrupt: it holds the key "other", not "k"` });
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
