import { configureLogging } from "../../lib/engine/logging";
import { CloningExecutor } from "./cloning-executor";
import { conformance } from "./conformance";

configureLogging({ level: "silent" });
conformance("a cloning executor (every request and reply through structuredClone and JSON)", () => new CloningExecutor(), { crossesBoundary: true, hardTimeouts: false });
