import { WorkerThreadsExecutor } from "../../lib/index";
import { configureLogging } from "../../lib/engine/logging";
import { conformance } from "./conformance";

configureLogging({ level: "silent" });
conformance("WorkerThreadsExecutor", () => new WorkerThreadsExecutor({ maxWorkers: 2 }), { crossesBoundary: true, hardTimeouts: true });
