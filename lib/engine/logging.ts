/**
 * Logging with pino. One root logger, created on first use: JSON lines by default, human-readable
 * (pino-pretty) when writing to a terminal, level from `FLOWSMITH_LOG_LEVEL` (default `info`),
 * written to `FLOWSMITH_LOG_FILE` when that is set. Each flow run gets a child logger, and each
 * task run a child of that, created only when something actually logs.
 * @module
 */
import pino, { Logger, LoggerOptions, DestinationStream } from "pino";
import { currentContext } from "./context";

let root: Logger | undefined;
const named = new Map<string, Logger>();

/** Options of {@link configureLogging}. */
export interface LoggingOptions {
  /** pino level: `trace`, `debug`, `info`, `warn`, `error`, `fatal` or `silent`. @default FLOWSMITH_LOG_LEVEL or "info" */
  level?: string;
  /** Where lines go. @default FLOWSMITH_LOG_FILE if set, else standard output */
  destination?: DestinationStream | string;
  /** Human-readable lines instead of JSON. @default true when standard output is a terminal and no file is set */
  pretty?: boolean;
}

function build(opts: LoggingOptions = {}): Logger {
  const level = opts.level ?? process.env.FLOWSMITH_LOG_LEVEL ?? "info";
  const file = typeof opts.destination === "string" ? opts.destination : opts.destination ? undefined : process.env.FLOWSMITH_LOG_FILE;
  const base: LoggerOptions = { name: "flowsmith", level, base: undefined };
  if (opts.destination && typeof opts.destination !== "string") return pino(base, opts.destination);
  if (file) return pino(base, pino.destination({ dest: file, sync: true, mkdir: true }));
  const pretty = opts.pretty ?? Boolean(process.stdout.isTTY);
  if (pretty) {
    // Loaded only when wanted: pino-pretty is a formatter, not needed for JSON output.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const prettyFactory = require("pino-pretty") as (o: object) => DestinationStream;
    return pino(base, prettyFactory({
      sync: true,
      colorize: true,
      translateTime: "SYS:HH:MM:ss.l",
      // One line per record: "flow › task | message"; the run's keys are in the prefix, not repeated below.
      ignore: "pid,hostname,name,flow,flowRun,task",
      messageFormat: (log: Record<string, unknown>, messageKey: string) => {
        const where = [log.flow, log.task].filter((v) => v !== undefined).join(" › ");
        return where ? `${where} | ${String(log[messageKey])}` : String(log[messageKey]);
      },
    }));
  }
  return pino(base, pino.destination({ dest: 1, sync: true }));
}

/** The root logger (`flowsmith`). */
export function rootLogger(): Logger {
  return (root ??= build());
}

/** Replaces the root logger: pass options, or your own pino logger. Returns the new root. */
export function configureLogging(optsOrLogger: LoggingOptions | Logger = {}): Logger {
  named.clear();
  root = typeof (optsOrLogger as Logger).child === "function" ? (optsOrLogger as Logger) : build(optsOrLogger as LoggingOptions);
  return root;
}

/**
 * A logger: inside a task or flow run, that run's logger (with `name` as a child if given);
 * elsewhere the root logger or its child `flowsmith.<name>`.
 */
export function getLogger(name?: string): Logger {
  const ctxLogger = currentContext()?.logger as Logger | undefined;
  if (ctxLogger) return name ? ctxLogger.child({ name }) : ctxLogger;
  if (!name) return rootLogger();
  let l = named.get(name);
  if (!l) named.set(name, (l = rootLogger().child({ name: `flowsmith.${name}` })));
  return l;
}

let stdoutRedirected = false;

/**
 * @internal Routes `process.stdout` writes made inside a run of a task with `logStdout: true` to
 * that task's logger at `info` (blank lines dropped). Installed once, the first time such a task
 * runs; writes outside those runs go to standard output untouched.
 */
export function redirectStdoutOfLoggingTasks(): void {
  if (stdoutRedirected) return;
  stdoutRedirected = true;
  const original = process.stdout.write.bind(process.stdout) as (...args: unknown[]) => boolean;
  process.stdout.write = function write(chunk: unknown, ...rest: unknown[]): boolean {
    const ctx = currentContext();
    if (!ctx || ctx._logStdout !== true) return original(chunk, ...rest);
    const text = typeof chunk === "string" ? chunk : Buffer.isBuffer(chunk) ? chunk.toString("utf8") : String(chunk);
    const logger = (ctx.logger as Logger | undefined) ?? rootLogger();
    for (const line of text.split("\n")) if (line.trim()) logger.info(line);
    const cb = rest.find((r) => typeof r === "function") as (() => void) | undefined;
    if (cb) process.nextTick(cb);
    return true;
  } as typeof process.stdout.write;
}
