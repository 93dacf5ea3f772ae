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
 * inside `dir` (what `write` returns) is accepted. Symbolic links are not resolved here: see
 * {@link resolveRealInside}.
 */
export function resolveInside(dir: string, location: string): string {
  const full = path.resolve(dir, location);
  if (!isStrictlyInside(dir, full)) throw new ResultError(m.locationOutsideDir(location, dir));
  return full;
}

function isStrictlyInside(dir: string, full: string): boolean {
  const rel = path.relative(dir, full);
  return !(rel === "" || rel === ".." || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel));
}

/** Where {@link resolveRealInside} found a location. */
export interface ResolvedLocation {
  /** The location as an absolute path under the configured directory (what results report). */
  file: string;
  /** The same file with every symbolic link followed (where the bytes are read and written). */
  real: string;
}

/**
 * {@link resolveInside}, then the same check on real paths: symbolic links in the directories
 * between `dir` and the file, and a file that is itself a link, are followed, and a location whose
 * real path is not inside the real `dir` is a {@link ResultError} naming the location and where it
 * resolves. `dir` itself may be a link (a results directory on another disk). Parts of the path
 * that do not exist yet are taken as they are: they will be created as plain directories.
 * An error resolving the path (a link loop, a permission) is thrown as the file system reports it.
 */
export async function resolveRealInside(dir: string, location: string): Promise<ResolvedLocation> {
  const file = resolveInside(dir, location);
  const realDir = await realPathOf(dir);
  const real = await realPathOf(file);
  if (!isStrictlyInside(realDir, real)) throw new ResultError(m.locationLinksOutside(location, real, dir, realDir));
  return { file, real };
}

/** How many links {@link realPathOf} follows by hand before it gives up (as the kernel's ELOOP). */
const MAX_LINKS = 40;

/**
 * `realpath(p)`, also for a path that does not exist (yet): its longest existing ancestor is
 * resolved and the rest appended; a dangling link is followed by its text.
 */
async function realPathOf(p: string, hops = 0): Promise<string> {
  try {
    return await fsp.realpath(p);
  } catch (err) {
    const code = errorCode(err);
    if (code !== "ENOENT" && code !== "ENOTDIR") throw err;
  }
  const parent = path.dirname(p);
  if (parent === p) return p;
  let link: string | undefined;
  try {
    if ((await fsp.lstat(p)).isSymbolicLink()) link = await fsp.readlink(p);
  } catch (err) {
    const code = errorCode(err);
    if (code !== "ENOENT" && code !== "ENOTDIR") throw err;
  }
  if (link !== undefined) {
    if (hops >= MAX_LINKS) throw Object.assign(new Error(`too many symbolic links (ELOOP): ${p}`), { code: "ELOOP" });
    return realPathOf(path.resolve(parent, link), hops + 1);
  }
  return path.join(await realPathOf(parent, hops), path.basename(p));
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

  /**
   * Serializes `value` into a document at the formatted location; a copy with `value` and the
   * absolute `location`. A location that leaves `dir`, also through a symbolic link, is a
   * {@link ResultError} and nothing is written.
   */
  async write(value: T, formatArgs: FormatArgs = {}): Promise<LocalResult<T>> {
    const location = this.format(formatArgs);
    const file = resolveInside(this.dir, location);
    const data = encodeDocument(value, this.serializer); // a SerializationError propagates as is: the caller names the task
    try {
      const { real } = await resolveRealInside(this.dir, location);
      await writeFileAtomic(real, data);
    } catch (err) {
      if (err instanceof ResultError) throw err;
      throw new ResultError(m.writeFailed(file, (err as Error).message), { cause: err });
    }
    return this.copy({ value, location: file });
  }

  /**
   * Reads the document at `location` (relative to `dir`, or absolute inside it); a copy with
   * `value` set. A location that leaves `dir`, also through a symbolic link, is a {@link ResultError}.
   */
  async read(location: string): Promise<LocalResult<T>> {
    const file = resolveInside(this.dir, location);
    let buf: Buffer;
    try {
      const { real } = await resolveRealInside(this.dir, location);
      buf = await fsp.readFile(real);
    } catch (err) {
      if (err instanceof ResultError) throw err;
      if (errorCode(err) === "ENOENT") throw new ResultError(m.resultMissing(file), { cause: err });
      throw new ResultError(m.readFailed(file, (err as Error).message), { cause: err });
    }
    const value = decodeDocument(buf, file, this.serializer) as T;
    return this.copy({ value, location: file });
  }

  /**
   * Whether a file exists at `location` (formatted with `formatArgs` when given) inside `dir`. A
   * location that leaves `dir`, also through a symbolic link, is a {@link ResultError}.
   */
  async exists(location: string, formatArgs?: FormatArgs): Promise<boolean> {
    const loc = formatArgs === undefined ? location : formatTemplate(location, formatArgs);
    const file = resolveInside(this.dir, loc);
    try {
      const { real } = await resolveRealInside(this.dir, loc);
      await fsp.access(real);
      return true;
    } catch (err) {
      if (err instanceof ResultError) throw err;
      const code = errorCode(err);
      if (code === "ENOENT" || code === "ENOTDIR") return false;
      throw new ResultError(m.readFailed(file, (err as Error).message), { cause: err });
    }
  }

  protected override describeParts(): string[] {
    return [`dir=${JSON.stringify(this.dir)}`, ...super.describeParts()];
  }
}
