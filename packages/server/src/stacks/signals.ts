/**
 * Resource signals: CloudFormation's `CreationPolicy` with `ResourceSignal`, and wait conditions. A resource
 * with a creation policy stays `CREATE_IN_PROGRESS` after its provider made it until `Count` SUCCESS signals
 * came (each UniqueId once), a FAILURE signal came, its `Timeout` passed, or its provider reports that it
 * failed (an instance's user data exited non-zero); the engine calls {@link StackSignals.awaitCreation} in one
 * place. Signals arrive by `SignalResource` (signed, or carrying the instance's identity) or by a `PUT` of a
 * wait condition handle's presigned URL; each is stored with its stack event in one transaction, so a signal
 * that came before the wait began still counts. Waiting ends when the server closes (the next start fails the
 * create and rolls it back, as for any create it left).
 */
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import {
  AwsError,
  parseTemplate,
  signalTimeoutMs,
  WAIT_CONDITION_PATH,
  type CloudLogger,
  type WaitConditionReceiver,
} from "@fawkes/cloud";
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import type { Kysely } from "kysely";
import { openSecret } from "../cloud/secret-box.ts";
import { instanceIdentityKey, verifiedInstanceId } from "../instances/identity.ts";
import type { Database } from "../store/schema.ts";
import { insertStackSignal, stackSignals, type StackSignalRecord } from "../store/stack-signals-repo.ts";
import { findStack, insertStackEvent, stackResources, type StackRecord } from "../store/stacks-repo.ts";
import type { ProviderContext, ResourceProperties, ResourceProvider } from "./providers.ts";

export const WAIT_CONDITION_TYPE = "AWS::CloudFormation::WaitCondition";
export const WAIT_CONDITION_HANDLE_TYPE = "AWS::CloudFormation::WaitConditionHandle";
/** A wait condition's longest `Timeout`, as AWS: 12 hours. */
const MAX_WAIT_SECONDS = 43_200;
/** `ResourceSignal.Timeout` when the policy names none, as AWS. */
const DEFAULT_SIGNAL_TIMEOUT_MS = 5 * 60_000;

export type SignalStatus = "SUCCESS" | "FAILURE";

/** The key of handles' URL tokens, derived from the data key (it survives restarts and is never stored). */
export const waitConditionKey = (dataKey: Buffer): Buffer =>
  createHmac("sha256", dataKey).update("fawkes wait condition handle v1").digest();

const handleToken = (key: Buffer, stackId: string, logicalId: string): string =>
  createHmac("sha256", key).update(`${stackId}\n${logicalId}`, "utf8").digest("base64url");

/** A handle's presigned URL (its physical id, what `Ref` gives): a `PUT` to it signals its wait condition. */
export function waitConditionHandleUrl(
  key: Buffer,
  endpointUrl: string,
  stackId: string,
  logicalId: string,
): string {
  const path = `${WAIT_CONDITION_PATH}${encodeURIComponent(stackId)}/${encodeURIComponent(logicalId)}`;
  return `${endpointUrl}${path}?Signature=${handleToken(key, stackId, logicalId)}`;
}

/** The stack and handle a URL's path and signature name, if the signature is the server's; else undefined. */
export function verifiedHandle(
  key: Buffer,
  rawPath: string,
  signature: string | undefined,
): { stackId: string; logicalId: string } | undefined {
  if (!rawPath.startsWith(WAIT_CONDITION_PATH) || signature === undefined) return undefined;
  const parts = rawPath.slice(WAIT_CONDITION_PATH.length).split("/");
  if (parts.length !== 2) return undefined;
  let stackId: string;
  let logicalId: string;
  try {
    stackId = decodeURIComponent(parts[0]!);
    logicalId = decodeURIComponent(parts[1]!);
  } catch {
    return undefined;
  }
  const expected = Buffer.from(handleToken(key, stackId, logicalId));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  return { stackId, logicalId };
}

/** `cfn-signal`'s (and curl's) JSON body of a handle `PUT`; anything else is a 400 naming the problem. */
export function parseHandleBody(body: string): {
  status: SignalStatus;
  uniqueId: string;
  reason: string;
  data: string;
} {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw badSignal(
      'the body must be JSON: {"Status":"SUCCESS|FAILURE","Reason":"…","UniqueId":"…","Data":"…"}',
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw badSignal("the body must be a JSON object with Status, UniqueId, Reason and Data");
  const { Status, UniqueId, Reason, Data } = value as Record<string, unknown>;
  if (Status !== "SUCCESS" && Status !== "FAILURE")
    throw badSignal(`Status must be SUCCESS or FAILURE, not ${JSON.stringify(Status ?? null)}`);
  if (typeof UniqueId !== "string" || UniqueId.length === 0 || UniqueId.length > 64)
    throw badSignal("UniqueId must be a string of 1 to 64 characters");
  for (const [name, field] of [
    ["Reason", Reason],
    ["Data", Data],
  ] as const)
    if (field !== undefined && typeof field !== "string") throw badSignal(`${name} must be a string`);
  return {
    status: Status,
    uniqueId: UniqueId,
    reason: (Reason as string | undefined) ?? "",
    data: (Data as string | undefined) ?? "",
  };
}

const badSignal = (message: string) => new AwsError("BadRequest", 400, `Invalid signal: ${message}`);

export interface ResourceSignalInput {
  /** The stack's name or ARN. */
  stack: string;
  logicalId: string;
  uniqueId: string;
  status: SignalStatus;
  reason?: string;
  data?: string;
  /**
   * An unsigned caller's instance identity (document and signature from its metadata endpoint): it may signal
   * only the resource that is that instance.
   */
  identity?: { document: string; signature: string };
}

export interface StackSignalsOptions {
  db: Kysely<Database>;
  dataKey: Buffer;
  now(): number;
  log: CloudLogger;
  /** Told after a signal's event is committed. */
  changed(stack: { stackId: string; name: string }): void;
}

interface Subject {
  logicalId: string;
  physicalId: string | null;
  type: string;
}

interface Wait {
  count: number;
  timeoutMs: number;
  /** Where the signals are stored: the resource's own logical id, or its wait condition handle's. */
  source: string;
  timeoutReason(received: number): string;
  failureReason(signal: StackSignalRecord): string;
}

export class StackSignals implements WaitConditionReceiver {
  readonly #o: StackSignalsOptions;
  readonly #key: Buffer;
  readonly #identityKey: Buffer;
  /** Checks to run when a signal for `stackId\nsource` is stored. */
  readonly #waiters = new Map<string, Set<() => void>>();
  /** The wait condition waiting on each handle (`stackId\nhandle`): a handle's signals are its events. */
  readonly #conditions = new Map<string, Subject>();

  constructor(options: StackSignalsOptions) {
    this.#o = options;
    this.#key = waitConditionKey(options.dataKey);
    this.#identityKey = instanceIdentityKey(options.dataKey);
  }

  /** `SignalResource`: a signal for a resource whose creation policy waits for it. */
  async signalResource(input: ResourceSignalInput): Promise<void> {
    if (input.uniqueId.length === 0 || input.uniqueId.length > 64)
      throw refused("UniqueId must be 1 to 64 characters");
    const instanceId =
      input.identity &&
      (verifiedInstanceId(this.#identityKey, input.identity.document, input.identity.signature) ?? forged());
    const stack = await findStack(this.#o.db, input.stack);
    if (!stack) throw new FawkesError(ErrorCode.stackNotFound, `Stack with id ${input.stack} does not exist`);
    const resource = (await stackResources(this.#o.db, stack.stackId))
      .filter((row) => row.logicalId === input.logicalId)
      .at(-1);
    if (!resource) throw refused(`Resource ${input.logicalId} does not exist for stack ${stack.name}`);
    if (instanceId !== undefined && resource.physicalId !== instanceId)
      throw new FawkesError(
        ErrorCode.forbidden,
        `Instance ${instanceId} may signal only its own resource, and ${input.logicalId} of stack ${stack.name} is not it`,
      );
    if (resource.status !== "CREATE_IN_PROGRESS")
      throw refused(
        `Resource ${input.logicalId} of stack ${stack.name} is in ${resource.status} state and can not be signaled`,
      );
    if (creationPolicyOf(this.#definition(stack, input.logicalId)?.CreationPolicy) === undefined)
      throw refused(
        `Resource ${input.logicalId} of stack ${stack.name} has no CreationPolicy with ResourceSignal: it takes no signals`,
      );
    await this.#record(stack, resource, input.logicalId, {
      uniqueId: input.uniqueId,
      status: input.status,
      reason: input.reason ?? "",
      data: input.data ?? "",
    });
  }

  /** A `PUT` of a handle's URL (the cloud endpoint's unsigned route): 403 unless its signature is ours. */
  async receive(request: {
    rawPath: string;
    query: readonly { name: string; value: string }[];
    body: string;
  }): Promise<void> {
    const signature = request.query.find((p) => p.name === "Signature")?.value;
    const handle = verifiedHandle(this.#key, request.rawPath, signature);
    if (!handle) throw new AwsError("AccessDenied", 403, "Access Denied");
    const signal = parseHandleBody(request.body);
    const stack = await findStack(this.#o.db, handle.stackId);
    const row = stack
      ? (await stackResources(this.#o.db, stack.stackId))
          .filter((r) => r.logicalId === handle.logicalId && r.type === WAIT_CONDITION_HANDLE_TYPE)
          .at(-1)
      : undefined;
    if (!stack || !row || row.status.startsWith("DELETE_") || stack.status.startsWith("DELETE_"))
      throw new AwsError("AccessDenied", 403, "Access Denied: the wait condition handle no longer exists");
    const waiting = this.#conditions.get(`${stack.stackId}\n${handle.logicalId}`);
    await this.#record(stack, waiting ?? row, handle.logicalId, signal);
  }

  /**
   * After `provider` made the resource: waits for the signals its creation policy (or, for a wait condition,
   * its handle, `Count` and `Timeout`) asks for. Resolves with attributes to add (a wait condition's `Data`);
   * rejects with the reason the resource failed, or with the abort when the server closes.
   */
  async awaitCreation(
    stack: { stackId: string; name: string },
    resource: Subject,
    creationPolicy: unknown,
    props: ResourceProperties,
    provider: ResourceProvider,
    ctx: ProviderContext,
  ): Promise<Record<string, unknown>> {
    const wait = this.#waitOf(stack, resource, creationPolicy, props);
    if (!wait) return {};
    const conditionKey = `${stack.stackId}\n${wait.source}`;
    const isHandle = wait.source !== resource.logicalId;
    if (isHandle) this.#conditions.set(conditionKey, resource);
    const ended = new AbortController();
    const abort = () => ended.abort(ctx.signal.reason);
    ctx.signal.addEventListener("abort", abort, { once: true });
    try {
      const failure = provider.failure?.(resource.physicalId ?? "", {
        ...ctx,
        signal: ended.signal,
      });
      const signals = await this.#wait(stack.stackId, wait, ended.signal, failure);
      return resource.type === WAIT_CONDITION_TYPE
        ? { Data: JSON.stringify(Object.fromEntries(signals.map((s) => [s.uniqueId, s.data]))) }
        : {};
    } finally {
      ended.abort();
      ctx.signal.removeEventListener("abort", abort);
      if (isHandle && this.#conditions.get(conditionKey) === resource) this.#conditions.delete(conditionKey);
    }
  }

  #waitOf(
    stack: { stackId: string; name: string },
    resource: Subject,
    creationPolicy: unknown,
    props: ResourceProperties,
  ): Wait | undefined {
    const policy = creationPolicyOf(creationPolicy);
    if (policy)
      return {
        ...policy,
        source: resource.logicalId,
        timeoutReason: () =>
          `Failed to receive ${policy.count} resource signal(s) within the specified duration`,
        // CloudFormation's words, then the signal's reason (what failed) when it gave one.
        failureReason: (signal) =>
          `Received FAILURE signal with UniqueId ${signal.uniqueId}` +
          (signal.reason === "" ? "" : `: ${signal.reason}`),
      };
    if (resource.type !== WAIT_CONDITION_TYPE) return undefined;
    const url = typeof props.Handle === "string" ? URL.parse(props.Handle) : null;
    const handle =
      url && verifiedHandle(this.#key, url.pathname, url.searchParams.get("Signature") ?? undefined);
    if (!handle || handle.stackId !== stack.stackId)
      throw new Error("Handle must be the Ref of an AWS::CloudFormation::WaitConditionHandle of this stack");
    const seconds = Number(props.Timeout);
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_WAIT_SECONDS)
      throw new Error(`Timeout must be a whole number of seconds from 1 to ${MAX_WAIT_SECONDS}`);
    const count = props.Count === undefined ? 1 : Number(props.Count);
    if (!Number.isInteger(count) || count < 1) throw new Error("Count must be a whole number, at least 1");
    return {
      count,
      timeoutMs: seconds * 1000,
      source: handle.logicalId,
      timeoutReason: (received) =>
        `WaitCondition timed out. Received ${received} conditions when expecting ${count}`,
      failureReason: (signal) =>
        `WaitCondition received failed message: '${signal.reason}' for uniqueId: ${signal.uniqueId}`,
    };
  }

  /** Resolves with the SUCCESS signals once `count` came; rejects on a FAILURE, the timeout, or `failure`. */
  #wait(
    stackId: string,
    wait: Wait,
    signal: AbortSignal,
    failure: Promise<string> | undefined,
  ): Promise<StackSignalRecord[]> {
    const key = `${stackId}\n${wait.source}`;
    return new Promise((resolve, reject) => {
      let done = false;
      let checking = false;
      let again = false;
      let received = 0;
      const finish = (settle: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        this.#waiters.get(key)?.delete(check);
        if (this.#waiters.get(key)?.size === 0) this.#waiters.delete(key);
        settle();
      };
      const check = () => {
        if (checking) {
          again = true;
          return;
        }
        checking = true;
        void (async () => {
          try {
            do {
              again = false;
              const signals = await stackSignals(this.#o.db, stackId, wait.source);
              const failed = signals.find((s) => s.status === "FAILURE");
              if (failed) return finish(() => reject(new Error(wait.failureReason(failed))));
              const succeeded = signals.filter((s) => s.status === "SUCCESS");
              received = succeeded.length;
              if (succeeded.length >= wait.count) return finish(() => resolve(succeeded));
            } while (again && !done);
          } catch (error) {
            finish(() => reject(error as Error));
          } finally {
            checking = false;
          }
        })();
      };
      const onAbort = () => finish(() => reject(signal.reason as Error));
      const timer = setTimeout(
        () => finish(() => reject(new Error(wait.timeoutReason(received)))),
        wait.timeoutMs,
      );
      signal.addEventListener("abort", onAbort, { once: true });
      failure?.then(
        (reason) => finish(() => reject(new Error(reason))),
        () => {},
      );
      const checks = this.#waiters.get(key) ?? new Set();
      checks.add(check);
      this.#waiters.set(key, checks);
      check();
    });
  }

  /** Stores the signal and its event in one transaction (a repeated UniqueId: neither), then wakes waiters. */
  async #record(
    stack: StackRecord,
    subject: Subject,
    source: string,
    signal: { uniqueId: string; status: SignalStatus; reason: string; data: string },
  ): Promise<void> {
    const at = this.#o.now();
    const stored = await this.#o.db.transaction().execute(async (db) => {
      const inserted = await insertStackSignal(db, {
        stackId: stack.stackId,
        logicalId: source,
        at,
        ...signal,
      });
      if (inserted)
        await insertStackEvent(db, {
          eventId: randomUUID(),
          stackId: stack.stackId,
          stackName: stack.name,
          logicalId: subject.logicalId,
          physicalId: subject.physicalId,
          type: subject.type,
          status: "CREATE_IN_PROGRESS",
          statusReason: `Received ${signal.status} signal with UniqueId ${signal.uniqueId}`,
          at,
        });
      return inserted;
    });
    if (!stored) return;
    try {
      this.#o.changed(stack);
    } catch (error) {
      this.#o.log.error({ err: error }, "stack change listener failed");
    }
    for (const check of this.#waiters.get(`${stack.stackId}\n${source}`) ?? []) check();
  }

  /** The resource's definition in the stack's template (creation policies are read from it). */
  #definition(stack: StackRecord, logicalId: string): { CreationPolicy?: unknown } | undefined {
    const parsed = parseTemplate(
      openSecret(this.#o.dataKey, stack.templateSealed, `${stack.stackId}:template`),
      "TemplateBody",
    );
    const resources = parsed.body.Resources ?? {};
    return Object.hasOwn(resources, logicalId) ? resources[logicalId] : undefined;
  }
}

/** `CreationPolicy.ResourceSignal` with AWS's defaults (Count 1, Timeout PT5M); undefined without one. */
function creationPolicyOf(policy: unknown): { count: number; timeoutMs: number } | undefined {
  const signal = (policy as { ResourceSignal?: { Count?: unknown; Timeout?: unknown } } | undefined)
    ?.ResourceSignal;
  if (typeof signal !== "object" || signal === null) return undefined;
  return {
    count: signal.Count === undefined ? 1 : Number(signal.Count),
    timeoutMs:
      typeof signal.Timeout === "string" ? signalTimeoutMs(signal.Timeout) : DEFAULT_SIGNAL_TIMEOUT_MS,
  };
}

const forged = (): never => {
  throw new FawkesError(
    ErrorCode.forbidden,
    "The instance identity signature is not valid: send the document and signature exactly as the instance's metadata endpoint serves them",
  );
};

const refused = (message: string) => new FawkesError(ErrorCode.stackSignalRefused, message);
