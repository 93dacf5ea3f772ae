import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fork, spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ResultError, RunError, RunLockedError } from "../../lib/errors";
import { JSONSerializer, RunJournal, toDocument, V8Serializer } from "../../lib/results";
import { tempDirs } from "./fixtures/temp-dir";

const fresh = tempDirs("run-journal");
const worker = path.join(__dirname, "fixtures", "journal-worker.js");

/** Starts the journal worker: it opens `runId`'s journal in `dir`, records `count` entries, then waits to be killed. */
async function startWorker(dir: string, runId: string, count: number): Promise<{ child: ChildProcess; recorded: number }> {
  const child = fork(worker, [dir, runId, String(count)], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
  const recorded = await new Promise<number>((resolve, reject) => {
    child.once("message", (msg) => resolve((msg as { recorded: number }).recorded));
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`worker exited early with ${code}`)));
  });
  child.removeAllListeners("exit");
  return { child, recorded };
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}

/** The pid of a process that has exited (so no process has it, barring reuse within the test). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => child.once("exit", resolve));
  return child.pid!;
}

describe("RunJournal", () => {
  it("records entries and loads them keyed by slug or slug[mapIndex], later entries winning", () => {
    const dir = fresh();
    const journal = RunJournal.open("run-1", dir);
    assert.equal(journal.runId, "run-1");
    assert.equal(journal.path, path.join(dir, "run-1.jsonl"));
    assert.equal(RunJournal.exists("run-1", dir), true, "created when the run starts");
    assert.deepEqual([...journal.load()], []);
    journal.recordValue("extract", [1, 2, 3]);
    journal.recordValue("transform", { n: 1 }, { mapIndex: 0 });
    journal.recordValue("transform", { n: 2 }, { mapIndex: 1 });
    journal.record({ slug: "load", document: toDocument(new Map([["a", 1]]), new V8Serializer()) });
    journal.recordValue("extract", [4]);

    const loaded = RunJournal.reader("run-1", dir).load();
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
    assert.equal(fs.readFileSync(journal.path, "utf8").split("\n").length, 4, "the header, a, c and the final newline");
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
      assert.ok(err.message.startsWith(`The run journal ${journal.path} is corrupt at line 3: not JSON (`), err.message);
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
    assert.deepEqual([...journal.load()], [], "nothing was recorded");
    journal.close();
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
    const reader = RunJournal.reader("killed", dir);
    const loaded = reader.load();
    assert.equal(loaded.size, recorded);
    assert.deepEqual(reader.value(loaded.get("task[49]")!), { i: 49 });
  });

  describe("created when the run starts", () => {
    it("open writes the header line at once: a run killed before any task finished has a journal, with no entries", async () => {
      const dir = fresh();
      const { child, recorded } = await startWorker(dir, "early", 0);
      assert.equal(recorded, 0);
      await kill(child);
      assert.equal(RunJournal.exists("early", dir), true);
      const lines = fs.readFileSync(path.join(dir, "early.jsonl"), "utf8").split("\n");
      assert.equal(lines.length, 2);
      const header = JSON.parse(lines[0]!) as Record<string, unknown>;
      assert.deepEqual(Object.keys(header), ["flowsmithJournal", "runId", "createdAt", "flowsmithVersion"]);
      assert.equal(header.flowsmithJournal, 1);
      assert.equal(header.runId, "early");
      assert.deepEqual([...RunJournal.reader("early", dir).load()], []);
    });

    it("reopening appends after the header (one header, however often the run resumes)", () => {
      const dir = fresh();
      const first = RunJournal.open("again", dir);
      first.recordValue("a", 1);
      first.close();
      const second = RunJournal.open("again", dir);
      second.recordValue("b", 2);
      second.close();
      const lines = fs.readFileSync(second.path, "utf8").trim().split("\n");
      assert.deepEqual(lines.map((l) => Object.keys(JSON.parse(l) as object)[0]), ["flowsmithJournal", "slug", "slug"]);
      assert.deepEqual([...second.load().keys()], ["a", "b"]);
    });

    it("loads a journal written before the header existed", () => {
      const dir = fresh();
      const doc = toDocument([1, 2], new JSONSerializer());
      fs.writeFileSync(path.join(dir, "old.jsonl"), `${JSON.stringify({ slug: "a", document: doc, recordedAt: 1 })}\n`);
      const journal = RunJournal.open("old", dir);
      assert.deepEqual(journal.value(journal.load().get("a")!), [1, 2]);
      journal.recordValue("b", 3);
      journal.close();
      assert.deepEqual([...RunJournal.reader("old", dir).load().keys()], ["a", "b"]);
      assert.equal(fs.readFileSync(journal.path, "utf8").includes("flowsmithJournal"), false, "an old journal gets no header in the middle");
    });

    it("rewrites a header torn by a crash, and refuses a header of an unknown format", () => {
      const dir = fresh();
      const file = path.join(dir, "torn-header.jsonl");
      fs.writeFileSync(file, '{"flowsmithJournal":1,"runI');
      const journal = RunJournal.open("torn-header", dir);
      journal.recordValue("a", 1);
      journal.close();
      assert.deepEqual([...journal.load().keys()], ["a"]);
      assert.match(fs.readFileSync(file, "utf8"), /^\{"flowsmithJournal":1,"runId":"torn-header",/);

      fs.writeFileSync(file, `${JSON.stringify({ flowsmithJournal: 2, runId: "torn-header" })}\n`);
      assert.throws(() => journal.load(), {
        name: "ResultError",
        message: `The run journal ${file} is corrupt at line 1: unknown journal format 2 (this flowsmith reads format 1)`,
      });
    });

    it("a reader neither locks nor creates anything, and cannot record", () => {
      const dir = fresh();
      const reader = RunJournal.reader("r", dir);
      assert.deepEqual([...reader.load()], []);
      assert.equal(RunJournal.exists("r", dir), false);
      assert.throws(() => reader.recordValue("a", 1), {
        name: "ResultError",
        message: 'Cannot record in the journal of run "r": it was opened for reading only (RunJournal.reader); the run that writes it opens it with RunJournal.open',
      });
      assert.deepEqual(fs.readdirSync(dir), []);
    });
  });

  describe("lock", () => {
    const lockedMessage = (runId: string, pid: number | string, lockPath: string) =>
      `Flow run "${runId}" is already running: its journal is locked by ${typeof pid === "number" ? `process ${pid}` : pid} (lock file ${lockPath}). ` +
      "Two runs with one run id would write one journal: wait for that run to end, use another run id, or delete the lock file if no such run is alive";

    it("a second open while another process holds the journal is a RunLockedError naming the run, the pid and the lock file", async () => {
      const dir = fresh();
      const { child } = await startWorker(dir, "shared", 2);
      const lockPath = path.join(dir, "shared.lock");
      try {
        assert.throws(() => RunJournal.open("shared", dir), (err: unknown) => {
          assert.ok(err instanceof RunLockedError);
          assert.ok(err instanceof RunError);
          assert.equal(err.message, lockedMessage("shared", child.pid!, lockPath));
          assert.equal(err.runId, "shared");
          assert.equal(err.pid, child.pid);
          assert.equal(err.lockPath, lockPath);
          return true;
        });
        assert.equal(RunJournal.reader("shared", dir).load().size, 2, "the refused open changed nothing");
      } finally {
        await kill(child);
      }
      // The holder died without closing: its lock is stale and is taken over.
      const journal = RunJournal.open("shared", dir);
      assert.equal((JSON.parse(fs.readFileSync(lockPath, "utf8")) as { pid: number }).pid, process.pid);
      journal.recordValue("after", 1);
      journal.close();
      assert.equal(fs.existsSync(lockPath), false, "close releases the lock");
      assert.deepEqual([...journal.load().keys()], ["task[0]", "task[1]", "after"]);
    });

    it("two open journals of one run in one process: the second is refused until the first closes", () => {
      const dir = fresh();
      const first = RunJournal.open("twice", dir);
      const lockPath = path.join(dir, "twice.lock");
      assert.throws(() => RunJournal.open("twice", dir), { name: "RunLockedError", message: lockedMessage("twice", process.pid, lockPath) });
      first.close();
      const second = RunJournal.open("twice", dir);
      second.recordValue("x", 1);
      first.close(); // closing twice does not release someone else's lock
      assert.equal(fs.existsSync(lockPath), true);
      second.close();
      assert.equal(fs.existsSync(lockPath), false);
    });

    it("takes over a stale lock left by a process that no longer exists", async () => {
      const dir = fresh();
      const pid = await deadPid();
      assert.throws(() => process.kill(pid, 0), { code: "ESRCH" });
      const lockPath = path.join(dir, "stale.lock");
      fs.writeFileSync(lockPath, `${JSON.stringify({ pid, hostname: "elsewhere", runId: "stale", createdAt: 1 })}\n`);
      const journal = RunJournal.open("stale", dir);
      assert.equal((JSON.parse(fs.readFileSync(lockPath, "utf8")) as { pid: number }).pid, process.pid);
      journal.close();
      assert.equal(fs.existsSync(lockPath), false);
    });

    it("takes over a lock naming this process's pid that no journal here holds (left by an earlier process with the same pid)", () => {
      const dir = fresh();
      const lockPath = path.join(dir, "same-pid.lock");
      fs.writeFileSync(lockPath, `${JSON.stringify({ pid: process.pid })}\n`);
      RunJournal.open("same-pid", dir).close();
      assert.equal(fs.existsSync(lockPath), false);
    });

    it("a lock file that names no process is respected, and the message says so", () => {
      const dir = fresh();
      const lockPath = path.join(dir, "odd.lock");
      fs.writeFileSync(lockPath, "");
      assert.throws(() => RunJournal.open("odd", dir), (err: unknown) => {
        assert.ok(err instanceof RunLockedError);
        assert.equal(err.message, lockedMessage("odd", "a process the lock file does not name", lockPath));
        assert.equal(err.pid, undefined);
        return true;
      });
      assert.equal(RunJournal.exists("odd", dir), false, "a refused open creates no journal");
    });

    it("a record after close takes the lock again", () => {
      const dir = fresh();
      const journal = RunJournal.open("reopen", dir);
      journal.close();
      const other = RunJournal.open("reopen", dir);
      assert.throws(() => journal.recordValue("a", 1), { name: "RunLockedError" });
      other.close();
      journal.recordValue("a", 1);
      assert.equal(fs.existsSync(journal.lockPath), true);
      journal.discard();
      assert.equal(fs.existsSync(journal.lockPath), false);
      assert.equal(RunJournal.exists("reopen", dir), false);
    });

    it("discarding a closed journal takes the lock first: it never deletes the journal of a run that holds it", () => {
      const dir = fresh();
      const old = RunJournal.open("d", dir);
      old.close();
      const running = RunJournal.open("d", dir);
      running.recordValue("a", 1);
      assert.throws(() => old.discard(), { name: "RunLockedError" });
      assert.equal(running.load().size, 1);
      running.close();
      old.discard();
      assert.equal(RunJournal.exists("d", dir), false);
      assert.deepEqual(fs.readdirSync(dir), []);
    });
  });
});
