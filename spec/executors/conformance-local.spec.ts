import { LocalExecutor } from "../../lib/index";
import { configureLogging } from "../../lib/engine/logging";
import { conformance } from "./conformance";

configureLogging({ level: "silent" });
conformance("LocalExecutor", () => new LocalExecutor(), { crossesBoundary: false, hardTimeouts: false });
