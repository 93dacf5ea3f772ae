/**
 * One task run at the boundary between the coordinator and an executor.
 *
 * The coordinator (the TaskRunner, driven by the FlowRunner) has decided that the task runs: it
 * is Running, its trigger passed, no cache or target answered for it. What is left happens where
 * the code lives: {@link runBody} calls `run` (with its timeout and `logStdout`), turns what it
 * returns or throws into a state, and writes the value where a feature needs it. The coordinator
 * then takes that state through the handlers, caching, retries and looping.
 *
 * {@link LocalTaskRun} is what an executor is given. In this process it calls `runBody` directly;
 * elsewhere it becomes a plain-data request, which {@link executeRequest} answers in a worker.
 * @module
 */
import { randomUUID } from "node:crypto";
import { container as rootContainer } from "tsyringe";
import type { Logger } from "pino";
import type { Flow } from "../core/flow";
import type { AnyTask } from "../core/task";
import { PARAMETERS_CONVERTED } from "../core/parameter";
import { FlowsmithError, NotSerializableError } from "../errors";
import type { ContextFacts, TaskRun, TaskRunReply, TaskRunRequest } from "../executors/executor";
import { messages } from "../messages";
import type { Result } from "../results/result";
import type { Serializer } from "../results/serializers";
import { decodeState, decodeValue, encodeState, encodeValue, TRANSPORT_SERIALIZER } from "./codec";
import { installLazySignal, RUN_SIGNAL, runWithContext, taskSignal, type RunContext } from "./context";
import { resolveTask, type FlowRef } from "./flow-locator";
import { redirectStdoutOfLoggingTasks, rootLogger } from "./logging";
import { resultOfTask, usesPersistence, writeResult, type PersistenceContext } from "./persistence";
import { then, type Sync } from "./handlers";
import { ENDRUN, StateSignal } from "./signals";
import { Cached, Failed, Running, Skipped, State, Success, TimedOut } from "./state";
import { dateContext } from "./templates";

const TIMED_OUT = Symbol("timed out");

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === "object" || typeof v === "function") && typeof (v as PromiseLike<unknown>).then === "function";
}

/**
 * Runs the task's body once: `run(inputs)` with the task's timeout, its outcome as a state (a
 * signal's state, `TimedOut`, `Failed` for an error, else `Success`), and a successful value
 * written where a feature needs it. Synchronous for a synchronous task with nothing to write.
 */
export function runBody(task: AnyTask, inputs: Record<string, unknown>, ctx: RunContext, persistence: PersistenceContext | undefined): Sync<State> {
  const outcome = callRun(task, inputs, ctx);
  if (!persistence) return outcome;
  return then(outcome, (o) => (o instanceof Success && !(o instanceof Skipped) && !(o instanceof Cached) ? writeResult(o, persistence) : o));
}

function callRun(task: AnyTask, inputs: Record<string, unknown>, ctx: RunContext): Sync<State> {
  const timeout = task.timeout;
  let controller: AbortController | undefined;
  if (timeout !== undefined) {
    controller = new AbortController();
    ctx.signal = taskSignal(ctx, controller.signal);
  }
  if (task.logStdout) {
    ctx._logStdout = true;
    redirectStdoutOfLoggingTasks();
  }
  let value: unknown;
  try {
    value = task.run(inputs as never);
  } catch (err) {
    return outcomeOfError(err, ctx, timeout);
  }
  if (!isThenable(value)) return new Success({ message: "Task run succeeded.", result: value });
  const awaited = timeout === undefined ? Promise.resolve(value) : withTimeout(value, timeout, controller!);
  return awaited.then(
    (v) => new Success({ message: "Task run succeeded.", result: v }),
    (err) => outcomeOfError(err, ctx, timeout),
  );
}

/** What an error thrown by `run` (or the timeout) makes of the run. */
function outcomeOfError(err: unknown, ctx: RunContext, timeout: number | undefined): State {
  if (err === TIMED_OUT) return timedOut(ctx.taskFullName ?? "?", timeout!);
  if (err instanceof StateSignal || err instanceof ENDRUN) return err.state;
  return new Failed({ message: `Error during execution of task: ${describe(err)}`, result: err as Error });
}

/** The state of a run that took longer than its `timeout`. */
export function timedOut(taskFullName: string, timeout: number): TimedOut {
  return new TimedOut({
    message: `Task timed out during execution (after ${timeout} ms).`,
    result: new FlowsmithError(`Task '${taskFullName}' timed out after ${timeout} ms`),
  });
}

/** `Name: message` of anything thrown. */
export function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

function withTimeout(p: PromiseLike<unknown>, ms: number, controller: AbortController): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      controller.abort(new Error(`timed out after ${ms} ms`));
      reject(TIMED_OUT);
    }, ms);
    p.then(
      (v) => { clearTimeout(timer); resolve(v); },
      (e) => { clearTimeout(timer); reject(e); },
    );
  });
}

/** The serializer a task run's values travel with: the task's (or flow's) result serializer, else V8's. */
export function transportSerializer(task: AnyTask, flowResult: Result | undefined): Serializer {
  return (task.result ?? flowResult)?.serializer ?? TRANSPORT_SERIALIZER;
}

/**
 * Context keys rebuilt on the other side (from the facts, the task and the worker's own
 * services), so they never travel as values.
 */
const REBUILT_KEYS = new Set([
  "flowName", "flowRunId", "flowRunName", "flowRunCount", "parameters", "checkpointing", "taskName", "taskFullName", "taskRunId",
  "taskRunName", "taskSlug", "taskTags", "mapIndex", "taskRunCount", "taskLoopCount", "taskLoopResult", "resume",
  "date", "today", "yesterday", "tomorrow", "todayNodash", "yesterdayNodash", "tomorrowNodash", "scheduledStartTime",
  "logger", "signal", "container",
]);

/** The task run the coordinator hands to an executor. */
export class LocalTaskRun implements TaskRun {
  readonly slug: string;
  readonly mapIndex: number | undefined;
  readonly fullName: string;
  readonly signal: AbortSignal | undefined;

  constructor(
    readonly task: AnyTask,
    /** @internal */ readonly inputs: Record<string, unknown>,
    /** @internal */ readonly ctx: RunContext,
    /** @internal */ readonly persistence: PersistenceContext | undefined,
    /** @internal */ readonly flowResult: Result | undefined,
    /** @internal How the flow is found elsewhere (undefined outside a flow run). */
    readonly flowRef: FlowRef | undefined,
  ) {
    this.slug = ctx.taskSlug ?? task.name;
    this.mapIndex = ctx.mapIndex;
    this.fullName = ctx.taskFullName ?? task.name;
    this.signal = ctx[RUN_SIGNAL] as AbortSignal | undefined;
  }

  runHere(): Sync<State> {
    return runBody(this.task, this.inputs, this.ctx, this.persistence);
  }

  request(): TaskRunRequest {
    const { task, ctx } = this;
    if (!this.flowRef) throw new NotSerializableError(messages.standaloneCannotLeave(this.fullName));
    const serializer = transportSerializer(task, this.flowResult);
    const extra: Record<string, unknown> = {};
    // eslint-disable-next-line guard-for-in
    for (const key in ctx) {
      if (REBUILT_KEYS.has(key) || key.startsWith("_")) continue;
      extra[key] = ctx[key];
    }
    const encode = (what: string, value: unknown) => {
      try {
        return encodeValue(value, serializer);
      } catch (err) {
        throw new NotSerializableError(messages.notTransferable(this.fullName, what, (err as Error).message), { cause: err });
      }
    };
    for (const key of Object.keys(extra)) encode(`context key ${JSON.stringify(key)}`, extra[key]);
    const inputs = this.inputs;
    for (const key of Object.keys(inputs)) encode(`input ${JSON.stringify(key)}`, inputs[key]);
    const facts: ContextFacts = {
      flowName: ctx.flowName,
      flowRunId: ctx.flowRunId,
      flowRunName: ctx.flowRunName,
      flowRunCount: ctx.flowRunCount,
      taskRunId: ctx.taskRunId ?? randomUUID(),
      taskRunName: ctx.taskRunName,
      mapIndex: ctx.mapIndex,
      taskRunCount: ctx.taskRunCount ?? 1,
      taskLoopCount: ctx.taskLoopCount,
      resume: ctx.resume,
      checkpointing: ctx.checkpointing === true,
      parametersConverted: ctx[PARAMETERS_CONVERTED] === true,
      date: (ctx.date ?? new Date()).getTime(),
      scheduledStartTime: ctx.scheduledStartTime?.getTime(),
      values: encode("the run's parameters or loop result", { parameters: ctx.parameters ?? {}, taskLoopResult: ctx.taskLoopResult, extra }),
    };
    return {
      contract: 1,
      flow: this.flowRef,
      slug: this.slug,
      state: encodeState(new Running("Starting task run."), serializer),
      inputs: encode("its inputs", inputs),
      context: facts,
      target: this.persistence?.memo.target ?? undefined,
      cacheKey: this.persistence?.memo.cacheKey ?? undefined,
    };
  }

  accept(reply: TaskRunReply): State {
    const task = this.task;
    return decodeState(reply.state, {
      serializer: transportSerializer(task, this.flowResult),
      persistedReader: resultOfTask(task, this.flowResult),
      knownErrors: task.retryOn ?? [],
    });
  }
}

/** The services a worker gives the task runs it executes. */
export interface WorkerServices {
  /** The logger task runs log to (a child per run is made with the run's bindings). @default the root logger */
  logger?: Logger;
}

/**
 * Answers a request where the task's code lives (a worker thread, a queue worker): loads the flow,
 * rebuilds the context from the facts, runs the body and encodes the outcome. Never rejects: a
 * failure to load or decode is the run's Failed state, naming the task run and the cause.
 */
export async function executeRequest(request: TaskRunRequest, services: WorkerServices = {}): Promise<TaskRunReply> {
  const name = request.context.mapIndex === undefined ? request.slug : `${request.slug}[${request.context.mapIndex}]`;
  let flow: Flow | undefined;
  let task: AnyTask | undefined;
  let serializer: Serializer = TRANSPORT_SERIALIZER;
  try {
    ({ flow, task } = await resolveTask(request.flow, request.slug));
    serializer = transportSerializer(task, flow.options.result);
    const inputs = decodeValue(request.inputs, serializer) as Record<string, unknown>;
    const ctx = contextFromFacts(request, flow, task, serializer, services);
    const persistence: PersistenceContext | undefined = usesPersistence(task, new Running(), ctx)
      ? { task, ctx, inputs, flowResult: flow.options.result, memo: { target: request.target, cacheKey: request.cacheKey } }
      : undefined;
    const state = await runWithContext(ctx, () => runBody(task!, inputs, ctx, persistence));
    return replyOf(state, serializer, ctx.taskFullName ?? name);
  } catch (err) {
    const failed = new Failed({ message: `Task '${task?.name ?? name}': could not run in this worker: ${describe(err)}`, result: err as Error });
    return { contract: 1, state: encodeState(failed, serializer) };
  }
}

/** The reply for a state; a value that cannot travel back fails the run, naming it. */
function replyOf(state: State, serializer: Serializer, fullName: string): TaskRunReply {
  try {
    return { contract: 1, state: encodeState(state, serializer) };
  } catch (err) {
    const error = new NotSerializableError(messages.notTransferable(fullName, "its result", (err as Error).message), { cause: err });
    return { contract: 1, state: encodeState(new Failed({ message: error.message, result: error }), serializer) };
  }
}

/** The task run's context in a worker: the facts, plus the worker's logger, a container and a signal. */
function contextFromFacts(request: TaskRunRequest, flow: Flow, task: AnyTask, serializer: Serializer, services: WorkerServices): RunContext {
  const f = request.context;
  const values = decodeValue(f.values, serializer) as { parameters: Record<string, unknown>; taskLoopResult: unknown; extra: Record<string, unknown> };
  const fullName = f.mapIndex === undefined ? task.name : `${task.name}[${f.mapIndex}]`;
  const ctx: RunContext = {
    ...values.extra,
    ...dateContext(new Date(f.date)),
    flowName: f.flowName ?? flow.name,
    flowRunId: f.flowRunId,
    flowRunName: f.flowRunName,
    flowRunCount: f.flowRunCount,
    parameters: values.parameters,
    checkpointing: f.checkpointing,
    scheduledStartTime: f.scheduledStartTime === undefined ? undefined : new Date(f.scheduledStartTime),
    taskName: task.name,
    taskFullName: fullName,
    taskRunId: f.taskRunId,
    taskSlug: request.slug,
    taskTags: task.tags,
    taskRunCount: f.taskRunCount,
    container: rootContainer.createChildContainer(),
    logger: (services.logger ?? rootLogger()).child({ flow: f.flowName, flowRun: f.flowRunName, task: fullName }),
  };
  if (f.taskRunName !== undefined) ctx.taskRunName = f.taskRunName;
  if (f.mapIndex !== undefined) ctx.mapIndex = f.mapIndex;
  if (f.taskLoopCount !== undefined) {
    ctx.taskLoopCount = f.taskLoopCount;
    ctx.taskLoopResult = values.taskLoopResult;
  }
  if (f.resume) ctx.resume = true;
  if (f.parametersConverted) ctx[PARAMETERS_CONVERTED] = true;
  installLazySignal(ctx);
  return ctx;
}
