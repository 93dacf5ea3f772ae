import { ConcurrentExecutor } from "../../lib/index";
import { configureLogging } from "../../lib/engine/logging";
import { conformance } from "./conformance";

configureLogging({ level: "silent" });
conformance("ConcurrentExecutor", () => new ConcurrentExecutor(), { crossesBoundary: false, hardTimeouts: false });
