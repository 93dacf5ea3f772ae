import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { Flow, task } from "../../lib/index";
import { configureLogging } from "../../lib/engine/logging";

/** Captures pino's JSON lines. */
function capture(): { lines: Array<Record<string, unknown>>; stream: Writable } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split("\n")) if (l.trim()) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { lines, stream };
}

describe("logStdout", () => {
  after(() => configureLogging({ level: "warn" }));

  it("console.log inside a logStdout task goes to the task's logger at info; other output does not", async () => {
    const { lines, stream } = capture();
    configureLogging({ level: "info", destination: stream });
    const printed: string[] = [];
    const chatty = task({ name: "chatty", logStdout: true }, () => {
      console.log("hello from run");
      console.log("");
      console.log("second line");
      return 1;
    });
    const quiet = task({ name: "quiet" }, () => {
      // Captured here by a local spy so the test's own output stays clean.
      const original = process.stdout.write;
      process.stdout.write = ((c: string) => (printed.push(String(c)), true)) as typeof process.stdout.write;
      try {
        console.log("plain stdout");
      } finally {
        process.stdout.write = original;
      }
      return 2;
    });
    const flow = Flow.build("stdout", () => {
      chatty.call();
      quiet.call();
    });
    const state = await flow.run();
    assert.equal(state.isSuccessful(), true);
    const fromChatty = lines.filter((l) => l.task === "chatty" && l.level === 30).map((l) => l.msg);
    assert.ok(fromChatty.includes("hello from run"));
    assert.ok(fromChatty.includes("second line"));
    assert.ok(!fromChatty.includes(""));
    assert.deepEqual(printed, ["plain stdout\n"]);
    assert.equal(lines.some((l) => l.msg === "plain stdout"), false);
  });
});
