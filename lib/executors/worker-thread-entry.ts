/**
 * The code a {@link WorkerThreadsExecutor} thread runs: it answers one task-run request at a time
 * with `executeRequest`, and sends its task runs' log lines to the main thread, which writes them
 * to the run's log.
 * @internal
 * @module
 */
import "reflect-metadata";
import { BroadcastChannel, workerData } from "node:worker_threads";
import { Writable } from "node:stream";
import pino from "pino";
import type { TaskRunReply, TaskRunRequest } from "./executor";
import { executeRequest } from "../engine/task-run";
import { configureLogging } from "../engine/logging";

const data = workerData as { logChannel: string; logLevel: string };
const channel = new BroadcastChannel(data.logChannel);
// The channel must not keep an idle thread alive.
(channel as unknown as { unref(): void }).unref();
const lines = new Writable({
  write(chunk, _enc, cb) {
    channel.postMessage(String(chunk));
    cb();
  },
});
const logger = configureLogging(pino({ name: "flowsmith", level: data.logLevel, base: undefined }, lines));

/** Answers one request (piscina calls this for each task run). */
export default function run(request: TaskRunRequest): Promise<TaskRunReply> {
  return executeRequest(request, { logger });
}
