/**
 * {@link RunJournal}: an append-only log of the values a flow run's tasks produced, so a run that
 * crashed (even by SIGKILL) can resume without redoing finished work. A header line written when
 * the run starts, then one JSON line per finished task run, appended and fsynced before `record`
 * returns. A lock file next to the journal keeps a second live run with the same id out.
 * @module
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ResultError, RunLockedError } from "../errors";
import { flowsmithHome, flowsmithVersion } from "./home";
import { resultMessages as m } from "./messages";
import { checkDocument, fromDocument, toDocument, type ResultDocument } from "./result";
import { resolveSerializer, type Serializer, type SerializerName } from "./serializers";

/** What {@link RunJournal.record} takes: which task run finished, and its value as a document. */
export interface JournalRecord {
  /** The task's slug in the flow. */
  slug: string;
  /** The child's index, for a mapped child. */
  mapIndex?: number;
  /** The value, as a result document. */
  document: ResultDocument;
}

/** One line of the journal, as {@link RunJournal.load} returns it. */
export interface JournalEntry extends JournalRecord {
  /** When it was recorded, in milliseconds since the epoch. */
  recordedAt: number;
}

/**
 * The first line of a journal, written when the run starts, so a run killed before any task
 * finished still has a journal to resume from. Journals written before the header existed have
 * none; both load.
 */
export interface JournalHeader {
  /** The journal format version (1). */
  flowsmithJournal: 1;
  /** The run the journal belongs to. */
  runId: string;
  /** When the journal was created, in milliseconds since the epoch. */
  createdAt: number;
  /** The flowsmith version that created it. */
  flowsmithVersion: string;
}

/** What a lock file holds: who owns the journal. */
interface LockOwner {
  pid: number;
  hostname?: string;
  runId?: string;
  createdAt?: number;
}

/** The default directory of run journals, `<flowsmithHome()>/runs`. */
export function defaultRunsDir(): string {
  return path.join(flowsmithHome(), "runs");
}

/** Throws a {@link ResultError} naming `runId` unless it can safely name a file. */
function checkRunId(runId: unknown): asserts runId is string {
  if (
    typeof runId !== "string" || runId.length === 0 || runId.length > 200 || runId === "." || runId === ".." ||
    /[/\\\0]/.test(runId)
  ) {
    throw new ResultError(m.badRunId(runId));
  }
}

/** Lock files held by journals open in this process (see {@link RunJournal.lockPath}). */
const locksHeldHere = new Set<string>();

/**
 * The journal of one flow run: `<dir>/<runId>.jsonl`, written by one run at a time. The run that
 * writes it holds `<dir>/<runId>.lock` (the owner's pid) from {@link RunJournal.open} until
 * {@link RunJournal.close}; a second writer is refused with a {@link RunLockedError}.
 */
export class RunJournal {
  /** The run this journal belongs to. */
  readonly runId: string;
  /** The journal file. */
  readonly path: string;
  /** The lock file a writer holds while the journal is open. */
  readonly lockPath: string;
  /** Whether this journal may only be read ({@link RunJournal.reader}). */
  readonly readOnly: boolean;
  private fd: number | undefined;

  private constructor(runId: string, dir: string, readOnly: boolean) {
    this.runId = runId;
    this.path = path.join(dir, `${runId}.jsonl`);
    this.lockPath = path.join(dir, `${runId}.lock`);
    this.readOnly = readOnly;
  }

  /**
   * Opens the journal of `runId` in `dir` for the run that writes it: takes the run's lock and
   * creates the journal with its header line at once (so the run can be resumed even if it is
   * killed before any task finishes), or reopens an existing one to append to it (a resumed run).
   *
   * - Another live process (or another open journal in this process) holding the lock is a
   *   {@link RunLockedError} naming the run id, its pid and the lock file. A lock left by a
   *   process that no longer exists is taken over.
   * - An invalid run id (empty, with a path separator, `.`/`..`) is a {@link ResultError}.
   *
   * {@link close} releases the lock.
   */
  static open(runId: string, dir: string = defaultRunsDir()): RunJournal {
    checkRunId(runId);
    const journal = new RunJournal(runId, path.resolve(dir), false);
    journal.ensureOpen();
    return journal;
  }

  /**
   * The journal of `runId` in `dir` for reading only ({@link load}, {@link value}): no lock is
   * taken and nothing is created, so it can be read while its run is writing it.
   */
  static reader(runId: string, dir: string = defaultRunsDir()): RunJournal {
    checkRunId(runId);
    return new RunJournal(runId, path.resolve(dir), true);
  }

  /** Whether a journal exists for `runId` in `dir` (that is, the run can be resumed). */
  static exists(runId: string, dir: string = defaultRunsDir()): boolean {
    checkRunId(runId);
    return fs.existsSync(path.join(path.resolve(dir), `${runId}.jsonl`));
  }

  /** The key {@link load} files an entry under: `slug`, or `slug[mapIndex]` for a mapped child. */
  static keyOf(slug: string, mapIndex?: number): string {
    return mapIndex === undefined ? slug : `${slug}[${mapIndex}]`;
  }

  /**
   * Appends one entry and fsyncs it before returning, so a crash right after `record` loses
   * nothing. Synchronous on purpose: the engine records a task's value before it moves on.
   * After {@link close}, the lock is taken again first.
   */
  record(entry: JournalRecord): void {
    const bad = (why: string): never => { throw new ResultError(m.badJournalEntry(this.runId, why)); };
    if (this.readOnly) bad(m.journalReadOnly());
    if (typeof entry?.slug !== "string" || entry.slug.length === 0) bad('"slug" must be a non-empty string');
    if (entry.mapIndex !== undefined && !(Number.isInteger(entry.mapIndex) && entry.mapIndex >= 0)) {
      bad(`"mapIndex" must be a non-negative integer (got ${String(entry.mapIndex)})`);
    }
    checkDocument(entry.document, `the document recorded for ${JSON.stringify(RunJournal.keyOf(entry.slug, entry.mapIndex))} in ${this.path}`);
    const line: JournalEntry = { slug: entry.slug, document: entry.document, recordedAt: Date.now() };
    if (entry.mapIndex !== undefined) line.mapIndex = entry.mapIndex;
    appendLine(this.ensureOpen(), line);
  }

  /** Serializes `value` (JSON by default) and {@link record}s it. */
  recordValue(slug: string, value: unknown, opts: { mapIndex?: number; serializer?: Serializer | SerializerName } = {}): void {
    this.record({ slug, mapIndex: opts.mapIndex, document: toDocument(value, resolveSerializer(opts.serializer)) });
  }

  /**
   * Every entry, keyed by {@link keyOf} (a later entry for the same key wins). The header line
   * is not an entry (a journal without one, from an earlier version, loads the same). A final
   * line without its newline is a write torn by a crash: `record` never returned for it, so it
   * is ignored. Any other bad line is a {@link ResultError} naming the file and the line number.
   */
  load(): Map<string, JournalEntry> {
    const entries = new Map<string, JournalEntry>();
    let text: string;
    try {
      text = fs.readFileSync(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return entries;
      throw new ResultError(m.readFailed(this.path, (err as Error).message), { cause: err });
    }
    const lines = text.split("\n");
    lines.pop(); // "" when the file ends with a newline, else the torn last line
    lines.forEach((line, i) => {
      const entry = this.parseLine(line, i + 1);
      if (entry) entries.set(RunJournal.keyOf(entry.slug, entry.mapIndex), entry);
    });
    return entries;
  }

  /** The value an entry holds (a {@link ResultError} naming this journal if it cannot be decoded). */
  value(entry: JournalEntry): unknown {
    return fromDocument(entry.document, `${this.path} (${RunJournal.keyOf(entry.slug, entry.mapIndex)})`);
  }

  /** Closes the file and releases the run's lock (a later `record` takes both again). */
  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try {
      fs.closeSync(fd);
    } finally {
      releaseLock(this.lockPath);
    }
  }

  /**
   * Closes and deletes the journal: the run finished and will not be resumed. The lock is held
   * until the file is gone (taken again if the journal was closed), so a run starting with the
   * same id never has its new journal deleted.
   */
  discard(): void {
    if (this.readOnly) throw new ResultError(m.badJournalEntry(this.runId, m.journalReadOnly()));
    if (this.fd === undefined) {
      acquireLock(this.runId, this.lockPath);
    } else {
      const fd = this.fd;
      this.fd = undefined;
      fs.closeSync(fd);
    }
    try {
      fs.rmSync(this.path, { force: true });
    } finally {
      releaseLock(this.lockPath);
    }
  }

  /** The header, or undefined for an entry line; a bad line is a ResultError naming the file and line. */
  private parseLine(line: string, lineNo: number): JournalEntry | undefined {
    const bad = (why: string, cause?: unknown): never => {
      throw new ResultError(m.journalLineCorrupt(this.path, lineNo, why), cause === undefined ? undefined : { cause });
    };
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (err) {
      return bad(`not JSON (${(err as Error).message})`, err);
    }
    const e = raw as Partial<JournalEntry & JournalHeader> | null;
    if (typeof e !== "object" || e === null || Array.isArray(e)) return bad("expected a JSON object");
    if (lineNo === 1 && e.flowsmithJournal !== undefined) {
      if (e.flowsmithJournal !== 1) return bad(`unknown journal format ${JSON.stringify(e.flowsmithJournal)} (this flowsmith reads format 1)`);
      return undefined;
    }
    if (typeof e.slug !== "string" || e.slug.length === 0) return bad('"slug" must be a non-empty string');
    if (e.mapIndex !== undefined && !(Number.isInteger(e.mapIndex) && e.mapIndex >= 0)) return bad('"mapIndex" must be a non-negative integer');
    if (typeof e.recordedAt !== "number") return bad('"recordedAt" must be a number');
    try {
      checkDocument(e.document, "its document");
    } catch (err) {
      return bad((err as Error).message, err);
    }
    return e as JournalEntry;
  }

  /**
   * Takes the lock and opens the file for appending, creating it with its header. A journal left
   * by a crash may end in a torn line; it is cut off first, or the next line would be glued to
   * it and the journal would be corrupt mid-file.
   */
  private ensureOpen(): number {
    if (this.fd !== undefined) return this.fd;
    const dir = path.dirname(this.path);
    try {
      fs.mkdirSync(dir, { recursive: true });
    } catch (err) {
      throw new ResultError(m.writeFailed(this.path, (err as Error).message), { cause: err });
    }
    acquireLock(this.runId, this.lockPath);
    try {
      let size = 0;
      try {
        const text = fs.readFileSync(this.path);
        size = text.length;
        if (size > 0 && text[size - 1] !== 0x0a) fs.truncateSync(this.path, (size = text.lastIndexOf(0x0a) + 1));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      }
      const fd = fs.openSync(this.path, "a");
      try {
        if (size === 0) {
          const header: JournalHeader = { flowsmithJournal: 1, runId: this.runId, createdAt: Date.now(), flowsmithVersion: flowsmithVersion() };
          appendLine(fd, header);
          syncDirSync(dir); // so the new file's name survives a power loss, not only its bytes
        }
      } catch (err) {
        fs.closeSync(fd);
        throw err;
      }
      this.fd = fd;
      return fd;
    } catch (err) {
      releaseLock(this.lockPath);
      if (err instanceof ResultError) throw err;
      throw new ResultError(m.writeFailed(this.path, (err as Error).message), { cause: err });
    }
  }
}

/** Writes one JSON line as one buffer (so one line is one write) and fsyncs it. */
function appendLine(fd: number, line: object): void {
  const buf = Buffer.from(`${JSON.stringify(line)}\n`, "utf8");
  for (let off = 0; off < buf.length; ) off += fs.writeSync(fd, buf, off, buf.length - off);
  fs.fsyncSync(fd);
}

/** The file's text, or undefined when it does not exist (any other error is thrown). */
function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/** The owner a lock file names, or undefined when its text is not a lock (being written, or damaged). */
function parseLock(text: string): LockOwner | undefined {
  try {
    const raw = JSON.parse(text) as Partial<LockOwner> | null;
    return raw && Number.isSafeInteger(raw.pid) && raw.pid! > 0 ? (raw as LockOwner) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the process named in a lock is gone. Signal 0 checks that a process exists without
 * touching it: ESRCH means it does not; EPERM means it exists (another user's). A lock naming
 * this process but not held by a journal of this process was left by an earlier process that had
 * the same pid (a restarted container).
 */
function isStale(owner: LockOwner, lockPath: string): boolean {
  if (owner.pid === process.pid) return !locksHeldHere.has(lockPath);
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/**
 * Creates `lockPath` exclusively (`wx`) holding this process's pid. When it exists: a live owner
 * is a {@link RunLockedError}; a dead owner's lock is removed (only if it still holds what was
 * read, so two processes taking over one stale lock do not remove each other's new lock) and
 * creation is tried again.
 */
function acquireLock(runId: string, lockPath: string): void {
  const fail = (err: unknown): never => {
    throw new ResultError(m.lockFailed(lockPath, (err as Error).message), { cause: err });
  };
  let owner: LockOwner | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    let fd: number;
    try {
      fd = fs.openSync(lockPath, "wx");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") return fail(err);
      let text: string | undefined;
      try {
        text = readIfExists(lockPath);
      } catch (readErr) {
        return fail(readErr);
      }
      if (text === undefined) continue; // released in the meantime: try again
      owner = parseLock(text);
      if (!owner || !isStale(owner, lockPath)) throw new RunLockedError(m.runLocked(runId, owner?.pid, lockPath), runId, owner?.pid, lockPath);
      try {
        if (readIfExists(lockPath) === text) fs.rmSync(lockPath, { force: true });
      } catch (rmErr) {
        return fail(rmErr);
      }
      continue;
    }
    try {
      const mine: LockOwner = { pid: process.pid, hostname: os.hostname(), runId, createdAt: Date.now() };
      appendLine(fd, mine);
    } catch (err) {
      fs.closeSync(fd);
      fs.rmSync(lockPath, { force: true });
      return fail(err);
    }
    fs.closeSync(fd);
    locksHeldHere.add(lockPath);
    return;
  }
  // Five rounds of other processes taking and dropping the lock: someone else is starting this run.
  throw new RunLockedError(m.runLocked(runId, owner?.pid, lockPath), runId, owner?.pid, lockPath);
}

/** Removes a lock this process holds. */
function releaseLock(lockPath: string): void {
  if (!locksHeldHere.delete(lockPath)) return;
  fs.rmSync(lockPath, { force: true });
}

function syncDirSync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, "r");
    fs.fsyncSync(fd);
  } catch {
    // best effort: not every platform can fsync a directory
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
