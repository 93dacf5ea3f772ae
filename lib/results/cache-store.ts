/**
 * {@link CacheStore}: the persistent, cross-run cache behind a task's `cacheKeyFn`. One JSON file
 * per key (named by the key's sha256, so any key is a safe file name) holding the cached value's
 * result document inline: an entry is self-contained, and replacing it is one atomic rename.
 * Several processes may share one store: writers never corrupt it and a reader sees either the
 * old or the new entry. An entry that cannot be read (truncated, not JSON, data its serializer
 * cannot decode) is a miss, logged as a warning naming the file: the task runs again and the
 * next `put` replaces the entry.
 * @module
 */
import { createHash } from "node:crypto";
import * as fsp from "node:fs/promises";
import * as path from "node:path";
import { ResultError, SerializationError } from "../errors";
import { getLogger } from "../engine/logging";
import { flowsmithHome } from "./home";
import { writeFileAtomic } from "./local-result";
import { resultMessages as m } from "./messages";
import { checkDocument, fromDocument, toDocument, type ResultDocument } from "./result";
import { resolveSerializer, type Serializer, type SerializerName } from "./serializers";

/** One cached value. */
export interface CacheEntry {
  /** The cache key (as returned by the task's `cacheKeyFn`). */
  key: string;
  /** The task that computed the value (for humans and logs). */
  taskName: string;
  /** When the entry was made, in milliseconds since the epoch. */
  createdAt: number;
  /** When the entry stops being valid, in milliseconds since the epoch; `null`: never. */
  expiresAt: number | null;
  /** The cached value, as a result document. */
  document: ResultDocument;
}

/** What {@link CacheStore.getValue} returns: the decoded value and its entry. */
export interface CachedValue {
  /** The cached value, deserialized. */
  value: unknown;
  /** The entry it came from. */
  entry: CacheEntry;
}

/** Options of {@link CacheStore.putValue}. */
export interface PutValueOptions {
  /** The task that computed the value. */
  taskName: string;
  /** How many milliseconds the entry stays valid (`cacheExpiration`). @default never expires */
  ttl?: number;
  /** How the value is serialized. @default "json" */
  serializer?: Serializer | SerializerName;
  /** The creation time (for tests). @default Date.now() */
  now?: number;
}

const isFiniteNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** A persistent cache of task values keyed by string, shared by every run and process using `dir`. */
export class CacheStore {
  /** The directory of entry files. */
  readonly dir: string;

  /** @param dir the directory of entry files (created on first `put`). @default `<flowsmithHome()>/cache` */
  constructor(dir: string = path.join(flowsmithHome(), "cache")) {
    if (typeof dir !== "string" || dir.length === 0) throw new ResultError(m.badDir("CacheStore", dir));
    this.dir = path.resolve(dir);
  }

  /** The file that holds `key`'s entry. */
  fileFor(key: string): string {
    checkKey(key);
    return path.join(this.dir, `${createHash("sha256").update(key, "utf8").digest("hex")}.json`);
  }

  /**
   * The entry for `key`, or `undefined` if there is none, it has expired, or it cannot be read.
   * An expired entry is left in place (deleting it could race with a process writing a fresh
   * one): see {@link prune}. A file that is not a valid entry (or holds another key) is logged as
   * a warning naming it and counts as a miss, so the next `put` replaces it; an error reading
   * the file (permissions, I/O) is a {@link ResultError}.
   */
  async get(key: string, now: number = Date.now()): Promise<CacheEntry | undefined> {
    const file = this.fileFor(key);
    let text: string;
    try {
      text = await fsp.readFile(file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new ResultError(m.readFailed(file, (err as Error).message), { cause: err });
    }
    let entry: CacheEntry;
    try {
      entry = parseEntry(text, file);
      if (entry.key !== key) throw new ResultError(m.cacheEntryCorrupt(file, `it holds the key ${JSON.stringify(entry.key)}, not ${JSON.stringify(key)}`));
    } catch (err) {
      return unreadable(file, key, err);
    }
    return isExpired(entry, now) ? undefined : entry;
  }

  /**
   * The value cached under `key` with its entry, or `undefined` (see {@link get}). An entry whose
   * data cannot be decoded is a miss too, logged as a warning. `serializer` is the one the value
   * was stored with, when the document's description alone cannot rebuild it (a custom serializer).
   */
  async getValue(key: string, now: number = Date.now(), serializer?: Serializer): Promise<CachedValue | undefined> {
    const entry = await this.get(key, now);
    if (!entry) return undefined;
    const file = this.fileFor(key);
    try {
      return { value: fromDocument(entry.document, file, serializer), entry };
    } catch (err) {
      return unreadable(file, key, err);
    }
  }

  /** Stores `entry` under `key`, atomically replacing any previous entry. */
  async put(key: string, entry: CacheEntry): Promise<void> {
    const file = this.fileFor(key);
    if (entry?.key !== key) throw new ResultError(m.cacheKeyMismatch(key, String(entry?.key)));
    const problem = entryProblem(entry);
    if (problem) throw new ResultError(m.cacheEntryInvalid(key, problem));
    checkDocument(entry.document, `the "document" of the cache entry for key ${JSON.stringify(key)}`);
    try {
      await writeFileAtomic(file, JSON.stringify(entry));
    } catch (err) {
      throw new ResultError(m.writeFailed(file, (err as Error).message), { cause: err });
    }
  }

  /** Serializes `value` and stores it under `key`; resolves to the stored entry. */
  async putValue(key: string, value: unknown, opts: PutValueOptions): Promise<CacheEntry> {
    const createdAt = opts.now ?? Date.now();
    const entry: CacheEntry = {
      key,
      taskName: opts.taskName,
      createdAt,
      expiresAt: opts.ttl === undefined ? null : createdAt + opts.ttl,
      document: toDocument(value, resolveSerializer(opts.serializer)),
    };
    await this.put(key, entry);
    return entry;
  }

  /** Removes `key`'s entry; resolves to whether there was one. */
  async delete(key: string): Promise<boolean> {
    const file = this.fileFor(key);
    try {
      await fsp.unlink(file);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw new ResultError(m.writeFailed(file, (err as Error).message), { cause: err });
    }
  }

  /**
   * Removes every expired entry; resolves to how many were removed. Corrupt entries are reported
   * (a warning naming the file), not removed. Run it when no process is writing (an entry
   * refreshed between the read and the unlink here would be lost).
   */
  async prune(now: number = Date.now()): Promise<number> {
    let names: string[];
    try {
      names = await fsp.readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return 0;
      throw err;
    }
    let removed = 0;
    for (const name of names) {
      if (!/^[0-9a-f]{64}\.json$/.test(name)) continue; // temp files and anything else are not ours to judge
      const file = path.join(this.dir, name);
      let text: string;
      try {
        text = await fsp.readFile(file, "utf8");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
        throw err;
      }
      let entry: CacheEntry;
      try {
        entry = parseEntry(text, file);
      } catch (err) {
        unreadable(file, undefined, err);
        continue;
      }
      if (isExpired(entry, now)) {
        await fsp.rm(file, { force: true });
        removed++;
      }
    }
    return removed;
  }
}

/**
 * An entry that cannot be read is a miss: warn, naming the file, and let the task run and the next
 * `put` replace it. Only damage to the entry's content counts; anything else is rethrown.
 */
function unreadable(file: string, key: string | undefined, err: unknown): undefined {
  if (!(err instanceof ResultError || err instanceof SerializationError)) throw err;
  getLogger("cache").warn({ file, key, err }, m.cacheEntryUnreadable(file, key, err.message));
  return undefined;
}

function checkKey(key: unknown): asserts key is string {
  if (typeof key !== "string" || key.length === 0) throw new ResultError(m.cacheBadKey(key));
}

function isExpired(entry: CacheEntry, now: number): boolean {
  return entry.expiresAt !== null && entry.expiresAt <= now;
}

function parseEntry(text: string, file: string): CacheEntry {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ResultError(m.cacheEntryCorrupt(file, `not JSON (${(err as Error).message})`), { cause: err });
  }
  const problem = entryProblem(raw);
  if (problem) throw new ResultError(m.cacheEntryCorrupt(file, problem));
  checkDocument((raw as CacheEntry).document, `${file} (the entry's "document")`);
  return raw as CacheEntry;
}

/** What is wrong with the shape of an entry (its document is checked by `checkDocument`), if anything. */
function entryProblem(raw: unknown): string | undefined {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return "expected a JSON object";
  const e = raw as Partial<CacheEntry>;
  if (typeof e.key !== "string" || e.key.length === 0) return '"key" must be a non-empty string';
  if (typeof e.taskName !== "string") return '"taskName" must be a string';
  if (!isFiniteNumber(e.createdAt)) return '"createdAt" must be a number (ms since the epoch)';
  if (e.expiresAt !== null && !isFiniteNumber(e.expiresAt)) return '"expiresAt" must be a number (ms since the epoch) or null';
  return undefined;
}
