/**
 * {@link LocalResult}: values persisted as documents in files under one directory, written
 * atomically, and {@link writeFileAtomic}, the write-temp-then-rename helper it shares with the
 * cache store.
 * @module
 */
import { randomBytes } from "node:crypto";
import * as fsp from "node:fs/promises";
import * as path from "node:path";
import { ResultError } from "../errors";
import { flowsmithHome } from "./home";
import { resultMessages as m } from "./messages";
import { decodeDocument, encodeDocument, Result, type FormatArgs, type ResultOptions } from "./result";
import { formatTemplate } from "./template";

/**
 * Writes `data` to `file` so that no reader ever sees a partial file and a crash never leaves
 * one: the bytes go to a uniquely named temp file in the same directory (same file system, so the
 * rename is atomic), are fsynced, then renamed over `file`. On any error the temp file is removed
 * and the error is rethrown. Parent directories are created.
 */
export async function writeFileAtomic(file: string, data: Buffer | string): Promise<void> {
  const dir = path.dirname(file);
  await fsp.mkdir(dir, { recursive: true });
  // pid + random: unique across concurrent writers in this and other processes; the leading dot
  // and the .tmp suffix keep it out of anyone's way; the clipped base name keeps it under NAME_MAX.
  const tmp = path.join(dir, `.${path.basename(file).slice(0, 120)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(tmp, "wx");
    await fh.writeFile(data);
    await fh.sync(); // the data is on disk before the rename makes it visible
    await fh.close();
    fh = undefined;
    await fsp.rename(tmp, file);
  } catch (err) {
    await fh?.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  await syncDir(dir);
}

/** fsync a directory so a rename in it survives a power loss; not every platform allows it. */
async function syncDir(dir: string): Promise<void> {
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(dir, "r");
    await fh.sync();
  } catch {
    // best effort: some platforms and file systems refuse to fsync a directory
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

/**
 * The absolute path of `location` under `dir`. A location that resolves to `dir` itself or
 * outside it (`../../x`, an absolute path elsewhere) is a {@link ResultError} naming both: a
 * templated location filled from a parameter must never write anywhere else. An absolute path
 * inside `dir` (what `write` returns) is accepted. Symbolic links are not resolved.
 */
export function resolveInside(dir: string, location: string): string {
  const full = path.resolve(dir, location);
  const rel = path.relative(dir, full);
  if (rel === "" || rel === ".." || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
    throw new ResultError(m.locationOutsideDir(location, dir));
  }
  return full;
}

/** Options of {@link LocalResult}. */
export interface LocalResultOptions<T = unknown> extends ResultOptions<T> {
  /** The directory results are written under (resolved against the working directory). @default `<flowsmithHome()>/results` */
  dir?: string;
}

const errorCode = (err: unknown) => (err as NodeJS.ErrnoException | null)?.code;

/**
 * Values persisted as result documents in local files (Prefect 1's `LocalResult`). `write`
 * resolves a location template inside {@link LocalResult.dir}, writes atomically, and returns a
 * copy whose `location` is the absolute path; `read` accepts that path or one relative to `dir`.
 */
export class LocalResult<T = unknown> extends Result<T> {
  private readonly dirOption: string | undefined;

  constructor(opts: LocalResultOptions<T> = {}) {
    super(opts);
    if (opts.dir !== undefined && (typeof opts.dir !== "string" || opts.dir.length === 0)) {
      throw new ResultError(m.badDir("LocalResult", opts.dir));
    }
    this.dirOption = opts.dir === undefined ? undefined : path.resolve(opts.dir);
  }

  /** The directory results live in. Without a `dir` option it follows `FLOWSMITH_HOME` at each use. */
  get dir(): string {
    return this.dirOption ?? path.join(flowsmithHome(), "results");
  }

  /** Serializes `value` into a document at the formatted location; a copy with `value` and the absolute `location`. */
  async write(value: T, formatArgs: FormatArgs = {}): Promise<LocalResult<T>> {
    const dir = this.dir;
    const file = resolveInside(dir, this.format(formatArgs));
    const data = encodeDocument(value, this.serializer); // a SerializationError propagates as is: the caller names the task
    try {
      await writeFileAtomic(file, data);
    } catch (err) {
      throw new ResultError(m.writeFailed(file, (err as Error).message), { cause: err });
    }
    return this.copy({ value, location: file });
  }

  /** Reads the document at `location` (relative to `dir`, or absolute inside it); a copy with `value` set. */
  async read(location: string): Promise<LocalResult<T>> {
    const file = resolveInside(this.dir, location);
    let buf: Buffer;
    try {
      buf = await fsp.readFile(file);
    } catch (err) {
      if (errorCode(err) === "ENOENT") throw new ResultError(m.resultMissing(file), { cause: err });
      throw new ResultError(m.readFailed(file, (err as Error).message), { cause: err });
    }
    const value = decodeDocument(buf, file, this.serializer) as T;
    return this.copy({ value, location: file });
  }

  /** Whether a file exists at `location` (formatted with `formatArgs` when given) inside `dir`. */
  async exists(location: string, formatArgs?: FormatArgs): Promise<boolean> {
    const loc = formatArgs === undefined ? location : formatTemplate(location, formatArgs);
    const file = resolveInside(this.dir, loc);
    try {
      await fsp.access(file);
      return true;
    } catch (err) {
      const code = errorCode(err);
      if (code === "ENOENT" || code === "ENOTDIR") return false;
      throw new ResultError(m.readFailed(file, (err as Error).message), { cause: err });
    }
  }

  protected override describeParts(): string[] {
    return [`dir=${JSON.stringify(this.dir)}`, ...super.describeParts()];
  }
}
