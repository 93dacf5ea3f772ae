/**
 * Every message the results layer (serializers, results, cache store, run journal, cache
 * validators) shows a user, in one place, so wording stays consistent and tests can assert whole
 * messages. Kept apart from `lib/messages.ts` so the results layer owns its own wording.
 * @internal
 * @module
 */
const q = (s: unknown) => JSON.stringify(String(s));

/** Shortens a long culprit (an inline result's JSON, a huge value) so a message stays readable. */
export const clip = (s: string, max = 80) => (s.length > max ? `${s.slice(0, max)}... (${s.length} chars)` : s);

/** @internal Messages of the results layer. */
export const resultMessages = {
  // serializers
  cannotSerialize: (serializer: string, reason: string) => `${serializer} serializer cannot serialize the value: ${reason}`,
  cannotDeserialize: (serializer: string, reason: string) => `${serializer} serializer cannot deserialize the data: ${reason}`,
  unknownSerializerName: (name: unknown, known: readonly string[]) =>
    `Unknown serializer ${q(name)}: use one of ${known.map((k) => q(k)).join(", ")} or a Serializer instance`,
  notASerializer: (value: unknown) =>
    `Not a serializer: ${describeValue(value)} (a serializer has a string "type" and serialize, deserialize and describe methods)`,
  unknownSerializerType: (type: unknown, known: readonly string[]) =>
    `Unknown serializer type ${q(type)} in a serializer description (known types: ${known.join(", ")})`,
  badSerializerDescription: (why: string) => `Invalid serializer description: ${why}`,
  unknownCompression: (format: unknown, known: readonly string[]) =>
    `Unknown compression format ${q(format)} for the compressed serializer (use ${known.map((k) => q(k)).join(", ")})`,
  // documents
  notADocument: (origin: string, why: string) => `${origin} is not a flowsmith result document: ${why}`,
  cannotDecode: (origin: string, why: string) => `Cannot read the result in ${origin}: ${why}`,
  // templates and locations
  missingTemplateKey: (key: string, template: string) =>
    `Cannot format the location template ${q(template)}: no value for {${key}}`,
  badTemplate: (template: string, why: string) => `Invalid location template ${q(template)}: ${why}`,
  badLocationFunction: (returned: unknown) =>
    `A location function must return a non-empty string (it returned ${describeValue(returned)})`,
  locationOutsideDir: (location: string, dir: string) =>
    `The result location ${q(location)} resolves outside the result directory ${q(dir)}; a location must stay inside it`,
  locationLinksOutside: (location: string, real: string, dir: string, realDir: string) =>
    `The result location ${q(location)} resolves through a symbolic link to ${q(real)}, outside the result directory ${q(dir)}` +
    `${realDir === dir ? "" : ` (${q(realDir)})`}; a location must stay inside it`,
  // results
  badDir: (owner: string, dir: unknown) => `${owner}: "dir" must be a non-empty string (got ${describeValue(dir)})`,
  resultMissing: (file: string) => `No result at ${file}: the file does not exist`,
  writeFailed: (file: string, why: string) => `Cannot write the result to ${file}: ${why}`,
  readFailed: (file: string, why: string) => `Cannot read the result at ${file}: ${why}`,
  inlineNeedsJson: (type: string) => `InlineResult keeps its value in the state as JSON: it takes only the "json" serializer (got ${q(type)})`,
  inlineBadJson: (location: string, why: string) => `The inline result ${q(clip(location))} is not valid JSON: ${why}`,
  constantNoSerializer: () => "ConstantResult does not take a serializer: its value is never serialized",
  constantWrite: () => "ConstantResult cannot be written: its value is fixed when it is created",
  // cache store
  cacheKeyMismatch: (key: string, entryKey: string) =>
    `Cannot put the cache entry for key ${q(key)}: the entry's own key is ${q(entryKey)}`,
  cacheEntryInvalid: (key: string, why: string) => `Cannot put the cache entry for key ${q(key)}: ${why}`,
  cacheEntryCorrupt: (file: string, why: string) => `The cache entry ${file} is corrupt: ${why}`,
  cacheEntryUnreadable: (file: string, key: string | undefined, why: string) =>
    `Ignoring the cache entry ${file}${key === undefined ? "" : ` (key ${q(key)})`}, which cannot be read: it counts as a miss and the next value cached under its key replaces it. ${why}`,
  cacheBadKey: (key: unknown) => `A cache key must be a non-empty string (got ${describeValue(key)})`,
  // run journal
  badRunId: (runId: unknown) =>
    `Invalid run id ${q(runId)}: a run id names a journal file, so it must be a non-empty string without "/", "\\", NUL, and not "." or ".."`,
  badJournalEntry: (runId: string, why: string) => `Cannot record in the journal of run ${q(runId)}: ${why}`,
  journalLineCorrupt: (file: string, line: number, why: string) => `The run journal ${file} is corrupt at line ${line}: ${why}`,
  journalReadOnly: () => "it was opened for reading only (RunJournal.reader); the run that writes it opens it with RunJournal.open",
  runLocked: (runId: string, pid: number | undefined, lockPath: string) =>
    `Flow run ${q(runId)} is already running: its journal is locked by ${pid === undefined ? "a process the lock file does not name" : `process ${pid}`} (lock file ${lockPath}). ` +
    "Two runs with one run id would write one journal: wait for that run to end, use another run id, or delete the lock file if no such run is alive",
  lockFailed: (lockPath: string, why: string) => `Cannot take the run journal's lock ${lockPath}: ${why}`,
  // cache validators
  badValidateOn: (validator: string, value: unknown) =>
    `${validator}(keys): keys must be an array of strings (got ${describeValue(value)})`,
} as const;

/** A short description of any value, for messages ("a function", "the number 3", ...). */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "function") return `a function${value.name ? ` ${value.name}` : ""}`;
  if (typeof value === "string") return `the string ${q(clip(value, 40))}`;
  if (typeof value === "object") return `an object ${Object.prototype.toString.call(value)}`;
  return `${typeof value} ${clip(String(value), 40)}`;
}
