import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fork } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ResultError } from "../../lib/errors";
import { RunJournal, toDocument, V8Serializer } from "../../lib/results";
import { tempDirs } from "./fixtures/temp-dir";

const fresh = tempDirs("run-journal");

describe("RunJournal", () => {
  it("records entries and loads them keyed by slug or slug[mapIndex], later entries winning", () => {
    const dir = fresh();
    const journal = RunJournal.open("run-1", dir);
    assert.equal(journal.runId, "run-1");
    assert.equal(journal.path, path.join(dir, "run-1.jsonl"));
    assert.equal(RunJournal.exists("run-1", dir), false);
    assert.deepEqual([...journal.load()], []);
    journal.recordValue("extract", [1, 2, 3]);
    journal.recordValue("transform", { n: 1 }, { mapIndex: 0 });
    journal.recordValue("transform", { n: 2 }, { mapIndex: 1 });
    journal.record({ slug: "load", document: toDocument(new Map([["a", 1]]), new V8Serializer()) });
    journal.recordValue("extract", [4]);
    assert.equal(RunJournal.exists("run-1", dir), true);

    const loaded = RunJournal.open("run-1", dir).load();
    assert.deepEqual([...loaded.keys()].sort(), ["extract", "load", "transform[0]", "transform[1]"]);
    assert.deepEqual(journal.value(loaded.get("extract")!), [4]);
    assert.deepEqual(journal.value(loaded.get("transform[1]")!), { n: 2 });
    assert.equal(loaded.get("transform[1]")!.mapIndex, 1);
    assert.deepEqual(journal.value(loaded.get("load")!), new Map([["a", 1]]));
    assert.equal(typeof loaded.get("load")!.recordedAt, "number");
    journal.close();
  });

  it("ignores a torn last line, and cuts it off before recording more", () => {
    const dir = fresh();
    const journal = RunJournal.open("torn", dir);
    journal.recordValue("a", 1);
    journal.close();
    fs.appendFileSync(journal.path, '{"slug":"b","document":{"seria'); // a crash mid-write
    assert.deepEqual([...journal.load().keys()], ["a"]);

    const resumed = RunJournal.open("torn", dir);
    resumed.recordValue("c", 3);
    resumed.close();
    assert.deepEqual([...resumed.load().keys()], ["a", "c"]);
    assert.equal(fs.readFileSync(journal.path, "utf8").split("\n").length, 3);
  });

  it("reports a corrupt line in the middle, naming the file and the line", () => {
    const dir = fresh();
    const journal = RunJournal.open("bad", dir);
    journal.recordValue("a", 1);
    journal.close();
    fs.appendFileSync(journal.path, "garbage\n");
    journal.recordValue("b", 2);
    journal.close();
    assert.throws(() => journal.load(), (err: unknown) => {
      assert.ok(err instanceof ResultError);
      assert.ok(err.message.startsWith(`The run journal ${journal.path} is corrupt at line 2: not JSON (`), err.message);
      return true;
    });
    fs.writeFileSync(journal.path, `${JSON.stringify({ slug: "a", recordedAt: 1, document: { serializer: { type: "json" } } })}\n`);
    assert.throws(() => journal.load(), {
      message: `The run journal ${journal.path} is corrupt at line 1: its document is not a flowsmith result document: missing "data" (a string)`,
    });
  });

  it("validates the run id and entries", () => {
    for (const bad of ["", "../x", "a/b", "a\\b", "..", "."]) {
      assert.throws(() => RunJournal.open(bad, fresh()), { name: "ResultError", message: /^Invalid run id / }, bad);
    }
    assert.throws(() => RunJournal.exists("a/b"), {
      message: 'Invalid run id "a/b": a run id names a journal file, so it must be a non-empty string without "/", "\\", NUL, and not "." or ".."',
    });
    const journal = RunJournal.open("ok", fresh());
    assert.throws(() => journal.recordValue("", 1), { message: 'Cannot record in the journal of run "ok": "slug" must be a non-empty string' });
    assert.throws(() => journal.recordValue("s", 1, { mapIndex: -1 }), { message: 'Cannot record in the journal of run "ok": "mapIndex" must be a non-negative integer (got -1)' });
    assert.throws(() => journal.record({ slug: "s", document: {} as never }), { message: /^the document recorded for "s" in .* is not a flowsmith result document: / });
    assert.equal(fs.existsSync(journal.path), false);
  });

  it("discards a finished run's journal", () => {
    const dir = fresh();
    const journal = RunJournal.open("done", dir);
    journal.recordValue("a", 1);
    journal.discard();
    assert.equal(RunJournal.exists("done", dir), false);
  });

  it("loses nothing recorded before a SIGKILL", async () => {
    const dir = fresh();
    const child = fork(path.join(__dirname, "fixtures", "journal-worker.js"), [dir, "killed", "50"], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
    const recorded = await new Promise<number>((resolve, reject) => {
      child.once("message", (msg) => resolve((msg as { recorded: number }).recorded));
      child.once("error", reject);
      child.once("exit", (code) => reject(new Error(`worker exited early with ${code}`)));
    });
    child.removeAllListeners("exit");
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    const loaded = RunJournal.open("killed", dir).load();
    assert.equal(loaded.size, recorded);
    assert.deepEqual(RunJournal.open("killed", dir).value(loaded.get("task[49]")!), { i: 49 });
  });
});
