/**
 * Results, serializers and caching: everything public about persisting task values.
 * @module
 */
export {
  CompressedSerializer, JSONSerializer, V8Serializer,
  compressionFormats, jsonProblem, resolveSerializer, sameDescription, sameSerializer,
  serializerFromDescription, serializerNames, serializerTypes,
} from "./serializers";
export type {
  CompressedSerializerOptions, CompressionFormat, Serializer, SerializerDescription, SerializerName,
} from "./serializers";
export { formatTemplate, resolveLocation } from "./template";
export {
  Result, checkDocument, decodeDocument, encodeDocument, fromDocument, parseDocument, serializerLabel, toDocument,
} from "./result";
export type { FormatArgs, LocationTemplate, ResultDocument, ResultOptions, ResultOverrides } from "./result";
export { LocalResult, resolveInside, resolveRealInside, writeFileAtomic } from "./local-result";
export type { LocalResultOptions, ResolvedLocation } from "./local-result";
export { ConstantResult, InlineResult } from "./inline-result";
export type { ConstantResultOptions, InlineResultOptions } from "./inline-result";
export { CacheStore } from "./cache-store";
export type { CacheEntry, CachedValue, PutValueOptions } from "./cache-store";
export { RunJournal, defaultRunsDir } from "./run-journal";
export type { JournalEntry, JournalRecord } from "./run-journal";
export { flowsmithHome, flowsmithVersion } from "./home";
export {
  allInputs, allParameters, cacheValidators, durationOnly, neverUse, partialInputsOnly, partialParametersOnly,
  stableHash, taskInputHash,
} from "../engine/cache-validators";
export type { CacheValidator } from "../engine/cache-validators";
