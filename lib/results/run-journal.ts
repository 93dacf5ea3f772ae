/**
 * {@link RunJournal}: an append-only log of the values a flow run's tasks produced, so a run that
 * crashed (even by SIGKILL) can resume without redoing finished work. One JSON line per finished
 * task run, appended and fsynced before `record` returns.
 * @module
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ResultError } from "../errors";
import { flowsmithHome } from "./home";
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

/**
 * The journal of one flow run: `<dir>/<runId>.jsonl`. Not meant to be written by two processes
 * at once (one run has one flow runner).
 */
export class RunJournal {
  /** The run this journal belongs to. */
  readonly runId: string;
  /** The journal file. */
  readonly path: string;
  private fd: number | undefined;

  private constructor(runId: string, file: string) {
    this.runId = runId;
    this.path = file;
  }

  /**
   * The journal of `runId` in `dir` (nothing is created until the first {@link record}).
   * An invalid run id (empty, with a path separator, `.`/`..`) is a {@link ResultError}.
   */
  static open(runId: string, dir: string = defaultRunsDir()): RunJournal {
    checkRunId(runId);
    return new RunJournal(runId, path.join(path.resolve(dir), `${runId}.jsonl`));
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
   */
  record(entry: JournalRecord): void {
    const bad = (why: string): never => { throw new ResultError(m.badJournalEntry(this.runId, why)); };
    if (typeof entry?.slug !== "string" || entry.slug.length === 0) bad('"slug" must be a non-empty string');
    if (entry.mapIndex !== undefined && !(Number.isInteger(entry.mapIndex) && entry.mapIndex >= 0)) {
      bad(`"mapIndex" must be a non-negative integer (got ${String(entry.mapIndex)})`);
    }
    checkDocument(entry.document, `the document recorded for ${JSON.stringify(RunJournal.keyOf(entry.slug, entry.mapIndex))} in ${this.path}`);
    const line: JournalEntry = { slug: entry.slug, document: entry.document, recordedAt: Date.now() };
    if (entry.mapIndex !== undefined) line.mapIndex = entry.mapIndex;
    const buf = Buffer.from(`${JSON.stringify(line)}\n`, "utf8"); // one buffer, so one line is one write
    const fd = this.ensureOpen();
    for (let off = 0; off < buf.length; ) off += fs.writeSync(fd, buf, off, buf.length - off);
    fs.fsyncSync(fd);
  }

  /** Serializes `value` (JSON by default) and {@link record}s it. */
  recordValue(slug: string, value: unknown, opts: { mapIndex?: number; serializer?: Serializer | SerializerName } = {}): void {
    this.record({ slug, mapIndex: opts.mapIndex, document: toDocument(value, resolveSerializer(opts.serializer)) });
  }

  /**
   * Every entry, keyed by {@link keyOf} (a later entry for the same key wins). A final line
   * without its newline is a write torn by a crash: `record` never returned for it, so it is
   * ignored. Any other bad line is a {@link ResultError} naming the file and the line number.
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
      entries.set(RunJournal.keyOf(entry.slug, entry.mapIndex), entry);
    });
    return entries;
  }

  /** The value an entry holds (a {@link ResultError} naming this journal if it cannot be decoded). */
  value(entry: JournalEntry): unknown {
    return fromDocument(entry.document, `${this.path} (${RunJournal.keyOf(entry.slug, entry.mapIndex)})`);
  }

  /** Closes the file (a later `record` reopens it). */
  close(): void {
    if (this.fd !== undefined) {
      const fd = this.fd;
      this.fd = undefined;
      fs.closeSync(fd);
    }
  }

  /** Closes and deletes the journal: the run finished and will not be resumed. */
  discard(): void {
    this.close();
    fs.rmSync(this.path, { force: true });
  }

  private parseLine(line: string, lineNo: number): JournalEntry {
    const bad = (why: string, cause?: unknown): never => {
      throw new ResultError(m.journalLineCorrupt(this.path, lineNo, why), cause === undefined ? undefined : { cause });
    };
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (err) {
      return bad(`not JSON (${(err as Error).message})`, err);
    }
    const e = raw as Partial<JournalEntry> | null;
    if (typeof e !== "object" || e === null || Array.isArray(e)) return bad("expected a JSON object");
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
   * Opens the file for appending. A journal left by a crash may end in a torn line; it is cut
   * off first, or the next line would be glued to it and the journal would be corrupt mid-file.
   */
  private ensureOpen(): number {
    if (this.fd !== undefined) return this.fd;
    const dir = path.dirname(this.path);
    fs.mkdirSync(dir, { recursive: true });
    let created = false;
    try {
      const text = fs.readFileSync(this.path);
      if (text.length > 0 && text[text.length - 1] !== 0x0a) fs.truncateSync(this.path, text.lastIndexOf(0x0a) + 1);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw new ResultError(m.writeFailed(this.path, (err as Error).message), { cause: err });
      created = true;
    }
    this.fd = fs.openSync(this.path, "a");
    if (created) syncDirSync(dir); // so the new file's name survives a power loss, not only its bytes
    return this.fd;
  }
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
