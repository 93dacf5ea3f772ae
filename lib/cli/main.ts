/**
 * The `flowsmith` command: one entry point and one argument parser (commander) for every
 * subcommand. Each subcommand lives in `commands/<name>.ts` and registers itself on the program.
 * Exit status: 0 on success, 1 when a flow (or the command's work) fails, 2 for bad usage.
 * @internal
 * @module
 */
import "reflect-metadata";
import { Command, CommanderError } from "commander";
import { COMMANDS } from "./commands";

/** Exit statuses of every subcommand. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A usage error a command found itself (a bad option value): exit status 2 with its message. */
export class UsageError extends Error {}

/** The program with every subcommand registered (exported for tests). */
export function program(): Command {
  const p = new Command("flowsmith")
    .description("Run, draw and serve flowsmith flows")
    .version(require("../../../package.json").version as string)
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({ outputError: (text, write) => write(text) });
  for (const register of COMMANDS) register(p);
  return p;
}

/** Runs the command line; resolves to the exit status. */
export async function main(argv: string[] = process.argv): Promise<number> {
  try {
    const p = program();
    await p.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end "with an error" whose exit code is 0.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`error: ${(err as Error)?.stack ?? String(err)}\n`);
    return EXIT.failed;
  }
}

if (require.main === module) {
  main().then((code) => {
    process.exitCode = code;
  });
}
