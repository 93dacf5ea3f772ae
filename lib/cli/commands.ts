/**
 * Every subcommand of `flowsmith`, in the order `--help` lists them. A subcommand is a function
 * that adds itself to the program.
 * @internal
 * @module
 */
import type { Command } from "commander";

/** Adds one subcommand to the program. */
export type RegisterCommand = (program: Command) => void;

export const COMMANDS: RegisterCommand[] = [];
