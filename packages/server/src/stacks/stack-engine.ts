/**
 * The stack engine: CloudFormation's create and delete (with rollback) over the template engine of
 * `@fawkes/cloud` and the resource providers of `providers.ts`. Every status change of a stack or a resource
 * goes through its machine in `@fawkes/core` and is one transaction together with its event; the operation
 * itself runs in the background (as CloudFormation's does) and independent resources are made in parallel.
 * A server that stops mid-operation finishes it on its next start: a create fails cleanly (and rolls back), a
 * rollback or a delete carries on. Nothing is cached: every step reads what it needs from the store.
 */
import { randomUUID } from "node:crypto";
import {
  nextState,
  resourceMachine,
  settledStackStatuses,
  stackMachine,
  transition,
  type ResourceStatus,
  type StackStatus,
} from "@fawkes/core";
import {
  dependencyGraph,
  evaluateConditions,
  outputs as templateOutputs,
  parseTemplate,
  resolveParameters,
  resolveValue,
  TemplateValidationError,
  validateTemplate,
  type CloudLogger,
  type EvalContext,
  type NetworkRecord,
  type ParsedTemplate,
  type ResourceTypeRegistry,
  type TemplateSummary,
} from "@fawkes/cloud";
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import type { Kysely } from "kysely";
import { openSecret, sealSecret } from "../cloud/secret-box.ts";
import type { Executor } from "../store/executor.ts";
import type { Database } from "../store/schema.ts";
import {
  findStack,
  insertStack,
  insertStackEvent,
  insertStackResource,
  listStacks,
  liveResourcesOfType,
  stackEvents,
  stackResources,
  updateStack,
  updateStackResource,
  type StackEventRecord,
  type StackOutputRecord,
  type StackPatch,
  type StackRecord,
  type StackResourcePatch,
  type StackResourceRecord,
} from "../store/stacks-repo.ts";
import {
  refreshAttributes,
  SYSTEM_CALLER,
  type ProviderContext,
  type ProviderRegistry,
  type ResourceProperties,
  type StackCaller,
} from "./providers.ts";
import { StackSignals } from "./signals.ts";
import { resumeUpdate, runUpdate, type LoadedTemplate, type UpdateOps } from "./stack-update.ts";
import { canonicalJson, openTemplate, sealTemplate } from "./stored-template.ts";

const STACK_TYPE = "AWS::CloudFormation::Stack";

export interface StackEngineOptions {
  db: Kysely<Database>;
  dataKey: Buffer;
  providers: ProviderRegistry;
  types: ResourceTypeRegistry;
  region: string;
  accountId: string;
  now(): number;
  log: CloudLogger;
  /** Told after every committed status change (live pages and `--wait`). */
  changed?(stack: { stackId: string; name: string }): void;
}

export interface CreateStackInput {
  name: string;
  templateBody: string;
  parameters: Record<string, string>;
  capabilities: readonly string[];
  disableRollback?: boolean;
  tags?: { key: string; value: string }[];
  /** Who asked: each resource is made with the caller's rights, and `created_by` names it. */
  caller: StackCaller;
}

export interface UpdateStackInput {
  /** The stack's name or ARN. */
  name: string;
  /** The new template; absent with `usePreviousTemplate`. */
  templateBody?: string;
  /** Keep the stack's current template (UsePreviousTemplate). */
  usePreviousTemplate?: boolean;
  /** New parameter values; a parameter neither here nor in `usePreviousValues` takes its default. */
  parameters: Record<string, string>;
  /** Parameters that keep their current value (UsePreviousValue). */
  usePreviousValues?: readonly string[];
  capabilities: readonly string[];
  caller: StackCaller;
}

const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;

export class StackEngine {
  readonly #o: StackEngineOptions;
  readonly #running = new Map<string, Promise<void>>();
  /** The caller of each running operation (a resumed one runs as the server). */
  readonly #callers = new Map<string, StackCaller>();
  readonly #closing = new AbortController();
  /** Resource signals: what a resource with a creation policy (or a wait condition) waits for. */
  readonly signals: StackSignals;

  constructor(options: StackEngineOptions) {
    this.#o = options;
    this.signals = new StackSignals({ ...options, changed: (stack) => this.#changed(stack) });
  }

  /** ValidateTemplate: the template's description, parameters and the capability it needs. */
  validate(templateBody: string): TemplateSummary {
    return invalidTemplateAsFawkes(() =>
      validateTemplate(parseTemplate(templateBody, "TemplateBody"), this.#o.types),
    );
  }

  async create(input: CreateStackInput): Promise<StackRecord> {
    if (!STACK_NAME.test(input.name))
      throw new FawkesError(
        ErrorCode.templateInvalid,
        `1 validation error detected: Value '${input.name}' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*`,
      );
    const stackId = `arn:aws:cloudformation:${this.#o.region}:${this.#o.accountId}:stack/${input.name}/${randomUUID()}`;
    // Everything that can be refused is checked before anything is written.
    const { summary, resolved, noEcho } = invalidTemplateAsFawkes(() => {
      const parsed = parseTemplate(input.templateBody, "TemplateBody");
      const summary = validateTemplate(parsed, this.#o.types);
      const params = resolveParameters(parsed, input.parameters);
      const loaded = this.#plan(parsed, params.values, { stackId, name: input.name });
      return { summary, resolved: { ...loaded, strings: params.strings }, noEcho: [...params.noEcho] };
    });
    const missing = missingCapability(summary, input.capabilities);
    if (missing)
      throw new FawkesError(
        ErrorCode.insufficientCapabilities,
        `Requires capabilities : [${missing}]${summary.CapabilitiesReason ? ` (${summary.CapabilitiesReason})` : ""}`,
      );
    const now = this.#o.now();
    const stack: StackRecord = {
      stackId,
      name: input.name,
      status: stackMachine.initial[0],
      statusReason: "User Initiated",
      description: summary.Description ?? null,
      templateSealed: sealSecret(this.#o.dataKey, input.templateBody, `${stackId}:template`),
      parametersSealed: sealSecret(
        this.#o.dataKey,
        JSON.stringify(resolved.strings),
        `${stackId}:parameters`,
      ),
      noEcho,
      previousTemplateSealed: null,
      previousParametersSealed: null,
      capabilities: [...input.capabilities],
      tags: input.tags ?? [],
      outputs: [],
      disableRollback: input.disableRollback ?? false,
      createdBy: input.caller.origin.actor.name,
      createdAt: now,
      updatedAt: null,
      deletedAt: null,
    };
    await this.#step(async (db) => {
      if (await findStack(db, input.name))
        throw new FawkesError(ErrorCode.stackAlreadyExists, `Stack [${input.name}] already exists`);
      await insertStack(db, stack);
      await this.#event(db, stack, "stack", stack.status, "User Initiated");
    });
    this.#changed(stack);
    this.#start(stackId, input.caller, () => this.#runCreate(stack, resolved));
    return stack;
  }

  /**
   * UpdateStack: the new template (or the current one) with its values (or the current ones), checked as a
   * create's are, in a stack no operation is running in and whose last operation did not fail. Nothing changing
   * is refused (AWS's "No updates are to be performed."). The update itself runs in the background.
   */
  async update(input: UpdateStackInput): Promise<StackRecord> {
    const stack = await findStack(this.#o.db, input.name);
    if (!stack || stack.status === "DELETE_COMPLETE") throw stackNotFound(input.name);
    if (nextState(stackMachine, stack.status, "update") === undefined)
      throw new FawkesError(
        ErrorCode.stackBusy,
        `Stack:${stack.stackId} is in ${stack.status} state and can not be updated.`,
      );
    const current = openTemplate(this.#o.dataKey, stack, "current");
    if (input.usePreviousTemplate === (input.templateBody !== undefined))
      throw new FawkesError(
        ErrorCode.templateInvalid,
        "Exactly one of TemplateBody and UsePreviousTemplate must be given",
      );
    const body = input.templateBody ?? current.body;
    const given: Record<string, string> = { ...input.parameters };
    for (const name of input.usePreviousValues ?? []) {
      if (!(name in current.parameters))
        throw new FawkesError(
          ErrorCode.templateInvalid,
          `Invalid input for parameter key ${name}. Cannot specify usePreviousValue as true for a parameter key not in the previous template`,
        );
      given[name] = current.parameters[name]!;
    }
    const { summary, resolved, noEcho, strings } = invalidTemplateAsFawkes(() => {
      const parsed = parseTemplate(body, "TemplateBody");
      const summary = validateTemplate(parsed, this.#o.types);
      const params = resolveParameters(parsed, given);
      const resolved = this.#plan(parsed, params.values, stack);
      return { summary, resolved, noEcho: [...params.noEcho], strings: params.strings };
    });
    const missing = missingCapability(summary, input.capabilities);
    if (missing)
      throw new FawkesError(
        ErrorCode.insufficientCapabilities,
        `Requires capabilities : [${missing}]${summary.CapabilitiesReason ? ` (${summary.CapabilitiesReason})` : ""}`,
      );
    const sameTemplate =
      body === current.body ||
      canonicalJson(parseTemplate(current.body, "TemplateBody").body) === canonicalJson(resolved.parsed.body);
    if (sameTemplate && canonicalJson(strings) === canonicalJson(current.parameters))
      throw new FawkesError(ErrorCode.stackNoUpdates, "No updates are to be performed.");
    await this.#moveStack(stack, "update", "User Initiated", {
      ...sealTemplate(this.#o.dataKey, stack.stackId, "current", body, strings),
      ...sealTemplate(this.#o.dataKey, stack.stackId, "previous", current.body, current.parameters),
      noEcho,
    });
    const settled = { capabilities: [...input.capabilities], description: summary.Description ?? null };
    this.#start(stack.stackId, input.caller, () => runUpdate(this.#updateOps, stack, resolved, settled));
    return stack;
  }

  /** What the update (stack-update.ts) runs on: the engine's store, providers and transitions. */
  get #updateOps(): UpdateOps {
    return {
      dataKey: this.#o.dataKey,
      providers: this.#o.providers,
      log: this.#o.log,
      closing: this.#closing.signal,
      db: this.#o.db,
      plan: (parsed, parameters, stack) => this.#plan(parsed, parameters, stack),
      evalContext: (stack, template, made) => this.#evalContext(stack, template, made),
      createResource: (stack, logicalId, definition, ctx, made) =>
        this.#createResource(stack, logicalId, definition, ctx, made),
      deleteResource: (stack, resource) => this.#deleteResource(stack, resource),
      moveStack: (stack, event, reason, extra) => this.#moveStack(stack, event, reason, extra),
      moveResource: (stack, resource, event, reason, extra) =>
        this.#moveResource(stack, resource, event, reason, extra),
      providerContext: (stack, logicalId) => this.#providerContext(stack, logicalId),
      properties: (resource) => this.properties(resource),
    };
  }

  /** DeleteStack: like CloudFormation's, deleting a stack that does not exist (or is deleted) succeeds. */
  async delete(nameOrId: string, caller: StackCaller): Promise<void> {
    const stack = await findStack(this.#o.db, nameOrId);
    if (!stack || stack.status === "DELETE_COMPLETE") return;
    if (!settledStackStatuses.includes(stack.status))
      throw new FawkesError(
        ErrorCode.stackBusy,
        `Stack [${stack.name}] is in ${stack.status} state and can not be deleted now: wait for its operation to end`,
      );
    await this.#moveStack(stack, "delete", "User Initiated");
    this.#start(stack.stackId, caller, () => this.#runDelete(stack.stackId));
  }

  async describe(nameOrId: string): Promise<StackRecord> {
    const stack = await findStack(this.#o.db, nameOrId);
    if (!stack) throw stackNotFound(nameOrId);
    return stack;
  }

  list(options: { deletedSince?: number } = {}): Promise<StackRecord[]> {
    return listStacks(this.#o.db, options);
  }

  async events(nameOrId: string, afterId?: number): Promise<StackEventRecord[]> {
    const stack = await this.describe(nameOrId);
    return stackEvents(this.#o.db, stack.stackId, afterId === undefined ? {} : { afterId });
  }

  async resources(nameOrId: string): Promise<StackResourceRecord[]> {
    const stack = await this.describe(nameOrId);
    return stackResources(this.#o.db, stack.stackId);
  }

  /** The resolved properties of a resource (unsealed: for the server's own lookups, never for logs). */
  properties(resource: StackResourceRecord): ResourceProperties {
    return JSON.parse(
      openSecret(
        this.#o.dataKey,
        resource.propertiesSealed,
        `${resource.stackId}:resource:${resource.logicalId}`,
      ),
    ) as ResourceProperties;
  }

  /**
   * The made resources of `type` in live stacks, with their properties and tags (the template's `Tags` plus the
   * `aws:cloudformation:*` tags CloudFormation puts on what it makes): EC2's Describe* of recorded types.
   */
  async recordsOf(type: string): Promise<NetworkRecord[]> {
    return (await liveResourcesOfType(this.#o.db, type)).flatMap((resource) => {
      if (resource.physicalId === null) return [];
      const properties = this.properties(resource);
      const tags: Record<string, string> = {
        "aws:cloudformation:stack-name": resource.stackName,
        "aws:cloudformation:stack-id": resource.stackId,
        "aws:cloudformation:logical-id": resource.logicalId,
      };
      if (Array.isArray(properties.Tags))
        for (const tag of properties.Tags as { Key?: unknown; Value?: unknown }[])
          if (typeof tag.Key === "string") tags[tag.Key] = String(tag.Value ?? "");
      return [{ id: resource.physicalId, properties, attributes: resource.attributes, tags }];
    });
  }

  /** GetTemplate: the template text as it was given. */
  async template(nameOrId: string): Promise<string> {
    const stack = await this.describe(nameOrId);
    return openSecret(this.#o.dataKey, stack.templateSealed, `${stack.stackId}:template`);
  }

  /** The parameter values of the stack's current template, NoEcho ones masked. */
  parameters(stack: StackRecord): Record<string, string> {
    const values = JSON.parse(
      openSecret(this.#o.dataKey, stack.parametersSealed, `${stack.stackId}:parameters`),
    ) as Record<string, string>;
    for (const name of stack.noEcho) if (name in values) values[name] = "****";
    return values;
  }

  /** Resolves once the stack's running operation (if any) has ended. */
  async settled(stackId: string): Promise<void> {
    await this.#running.get(stackId);
  }

  /** Finishes what a stopped server left in progress (a create fails and rolls back; the rest carries on). */
  async start(): Promise<void> {
    for (const stack of await listStacks(this.#o.db)) {
      if (stack.status === "CREATE_IN_PROGRESS")
        this.#start(stack.stackId, SYSTEM_CALLER, () => this.#recoverCreate(stack));
      else if (stack.status === "ROLLBACK_IN_PROGRESS")
        this.#start(stack.stackId, SYSTEM_CALLER, () => this.#runRollback(stack.stackId));
      else if (stack.status === "DELETE_IN_PROGRESS")
        this.#start(stack.stackId, SYSTEM_CALLER, () => this.#runDelete(stack.stackId));
      else {
        const resume = resumeUpdate(this.#updateOps, stack);
        if (resume) this.#start(stack.stackId, SYSTEM_CALLER, resume);
      }
    }
  }

  /** Stops starting work and waits for what runs (providers see the abort; the next start resumes). */
  async close(): Promise<void> {
    this.#closing.abort();
    await Promise.allSettled(this.#running.values());
  }

  #start(stackId: string, caller: StackCaller, operation: () => Promise<void>): void {
    this.#callers.set(stackId, caller);
    const running = operation()
      .catch((error: unknown) => this.#o.log.error({ err: error, stackId }, "stack operation failed"))
      .finally(() => {
        if (this.#running.get(stackId) !== running) return;
        this.#running.delete(stackId);
        this.#callers.delete(stackId);
      });
    this.#running.set(stackId, running);
  }

  #plan(
    parsed: ParsedTemplate,
    parameters: Record<string, string | readonly string[]>,
    stack: { stackId: string; name: string },
  ): LoadedTemplate {
    const conditions = evaluateConditions(parsed, { parameters, pseudo: this.#pseudo(stack) });
    const graph = dependencyGraph(parsed, conditions);
    return { parsed, parameters, conditions, dependsOn: graph.dependsOn };
  }

  #pseudo(stack: { stackId: string; name: string }) {
    return {
      stackName: stack.name,
      stackId: stack.stackId,
      region: this.#o.region,
      accountId: this.#o.accountId,
      partition: "aws",
      urlSuffix: "amazonaws.com",
      notificationArns: [],
    };
  }

  /** Loads a stored stack's template and values again (a resumed operation, a rollback). */
  #load(stack: StackRecord): LoadedTemplate {
    const parsed = parseTemplate(
      openSecret(this.#o.dataKey, stack.templateSealed, `${stack.stackId}:template`),
      "TemplateBody",
    );
    const strings = JSON.parse(
      openSecret(this.#o.dataKey, stack.parametersSealed, `${stack.stackId}:parameters`),
    ) as Record<string, string>;
    const params = resolveParameters(parsed, strings);
    return this.#plan(parsed, params.values, { stackId: stack.stackId, name: stack.name });
  }

  async #runCreate(stack: StackRecord, template: LoadedTemplate): Promise<void> {
    const made = new Map<string, { physicalId: string; attributes: Record<string, unknown> }>();
    const ctx = await this.#evalContext(stack, template, made);
    const failures: string[] = [];
    const waiting = new Set(template.dependsOn.keys());
    const inFlight = new Map<string, Promise<void>>();
    const resources = template.parsed.body.Resources ?? {};
    while (waiting.size > 0 || inFlight.size > 0) {
      if (failures.length === 0 && !this.#closing.signal.aborted)
        for (const logicalId of [...waiting]) {
          const needs = template.dependsOn.get(logicalId) ?? new Set();
          if (![...needs].every((id) => made.has(id))) continue;
          waiting.delete(logicalId);
          const work = this.#createResource(stack, logicalId, resources[logicalId]!, ctx, made)
            .catch((error: unknown) => {
              failures.push(logicalId);
              this.#o.log.warn({ err: error, stack: stack.name, logicalId }, "stack resource failed");
            })
            .finally(() => inFlight.delete(logicalId));
          inFlight.set(logicalId, work);
        }
      if (inFlight.size === 0) break;
      await Promise.race(inFlight.values());
    }
    // The server is closing: what is in progress stays so, and the next start finishes it.
    if (this.#closing.signal.aborted) return;
    if (failures.length > 0) {
      const reason = `The following resource(s) failed to create: [${failures.sort().join(", ")}]. `;
      if (stack.disableRollback) {
        await this.#moveStack(stack, "fail", `${reason}Rollback disabled.`);
        return;
      }
      await this.#moveStack(stack, "rollback", `${reason}Rollback requested by user.`);
      await this.#runRollback(stack.stackId);
      return;
    }
    await refreshAttributes(this.#o.providers, resources, made, this.#o.region);
    const outputs = invalidTemplateAsFawkes(() => templateOutputs(template.parsed, ctx)).map(
      (output): StackOutputRecord => ({
        key: output.key,
        value: output.value,
        ...(output.description !== undefined && { description: output.description }),
        ...(output.exportName !== undefined && { exportName: output.exportName }),
      }),
    );
    await this.#moveStack(stack, "created", null, { outputs });
  }

  async #createResource(
    stack: StackRecord,
    logicalId: string,
    definition: {
      Type?: string;
      Properties?: Record<string, unknown>;
      DeletionPolicy?: string;
      CreationPolicy?: unknown;
    },
    ctx: EvalContext,
    made: Map<string, { physicalId: string; attributes: Record<string, unknown> }>,
  ): Promise<void> {
    const type = definition.Type ?? "";
    const provider = this.#o.providers.get(type);
    const bound = `${stack.stackId}:resource:${logicalId}`;
    const base = {
      stackId: stack.stackId,
      logicalId,
      type,
      attributes: {},
      deletionPolicy: definition.DeletionPolicy === "Retain" ? ("Retain" as const) : ("Delete" as const),
    };
    let props: ResourceProperties = {};
    let physicalId: string | null = null;
    let failure: string | undefined;
    try {
      props = invalidTemplateAsFawkes(
        () => (resolveValue(definition.Properties ?? {}, ctx) ?? {}) as ResourceProperties,
      );
      if (!provider) throw new Error(`no provider creates ${type} resources here`);
      physicalId = provider.physicalId(props, this.#providerContext(stack, logicalId));
    } catch (error) {
      failure = (error as Error).message;
    }
    const now = this.#o.now();
    const id = await this.#step(async (db) => {
      const id = await insertStackResource(db, {
        ...base,
        physicalId,
        status: resourceMachine.initial[0],
        statusReason: null,
        propertiesSealed: sealSecret(this.#o.dataKey, JSON.stringify(props), bound),
        updatedAt: now,
      });
      await this.#event(db, stack, { logicalId, physicalId, type }, "CREATE_IN_PROGRESS", null);
      return id;
    });
    this.#changed(stack);
    if (failure === undefined && provider && physicalId !== null) {
      try {
        const providerCtx = this.#providerContext(stack, logicalId);
        const attributes = {
          ...(await provider.create(physicalId, props, providerCtx)),
          ...(await this.signals.awaitCreation(
            stack,
            { logicalId, physicalId, type },
            definition.CreationPolicy,
            props,
            provider,
            providerCtx,
          )),
        };
        await this.#moveResource(
          stack,
          { id, logicalId, physicalId, type, status: "CREATE_IN_PROGRESS" },
          "created",
          null,
          {
            attributes,
          },
        );
        made.set(logicalId, { physicalId, attributes });
        return;
      } catch (error) {
        if (this.#closing.signal.aborted) throw error;
        failure = (error as Error).message;
      }
    }
    await this.#moveResource(
      stack,
      { id, logicalId, physicalId, type, status: "CREATE_IN_PROGRESS" },
      "fail",
      failure ?? "failed",
    );
    throw new Error(failure);
  }

  /** A create a stopped server left: what was being made is failed, and the stack rolls back (or fails). */
  async #recoverCreate(stack: StackRecord): Promise<void> {
    const interrupted = (await stackResources(this.#o.db, stack.stackId)).filter(
      (resource) => resource.status === "CREATE_IN_PROGRESS",
    );
    for (const resource of interrupted)
      await this.#moveResource(
        stack,
        resource,
        "fail",
        "The server stopped while the resource was being created",
      );
    const reason = "The server stopped during the stack's creation. ";
    if (stack.disableRollback) await this.#moveStack(stack, "fail", `${reason}Rollback disabled.`);
    else {
      await this.#moveStack(stack, "rollback", `${reason}Rolling back what was created.`);
      await this.#runRollback(stack.stackId);
    }
  }

  async #runRollback(stackId: string): Promise<void> {
    const stack = await findStack(this.#o.db, stackId);
    if (!stack) return;
    const failed = await this.#deleteResources(stack);
    if (this.#closing.signal.aborted) return;
    await this.#moveStack(
      stack,
      failed.length === 0 ? "rolledBack" : "fail",
      failed.length === 0 ? null : `The following resource(s) failed to delete: [${failed.join(", ")}]. `,
    );
  }

  async #runDelete(stackId: string): Promise<void> {
    const stack = await findStack(this.#o.db, stackId);
    if (!stack) return;
    const failed = await this.#deleteResources(stack);
    if (this.#closing.signal.aborted) return;
    if (failed.length === 0) await this.#moveStack(stack, "deleted", null, { deletedAt: this.#o.now() });
    else
      await this.#moveStack(
        stack,
        "fail",
        `The following resource(s) failed to delete: [${failed.join(", ")}]. `,
      );
  }

  /**
   * Deletes the stack's resources, each once every resource that depends on it is gone, independent ones in
   * parallel. Returns the logical ids that failed (their dependencies are then left in place).
   */
  async #deleteResources(stack: StackRecord): Promise<string[]> {
    const rows = await stackResources(this.#o.db, stack.stackId);
    // By row: after an update, a resource a cleanup failed to delete may share its logical id with the current one.
    const live = new Map(
      rows
        .filter((row) => row.status !== "DELETE_COMPLETE" && row.status !== "DELETE_SKIPPED")
        .map((row) => [row.id, row]),
    );
    let dependsOn: Map<string, Set<string>>;
    try {
      dependsOn = this.#load(stack).dependsOn;
    } catch {
      // The stored template no longer loads (a type removed since): newest first is the safest order.
      dependsOn = new Map(
        rows.map((row, index) => [row.logicalId, new Set(rows.slice(0, index).map((r) => r.logicalId))]),
      );
    }
    const failed: string[] = [];
    const inFlight = new Map<number, Promise<void>>();
    const hasDependents = (logicalId: string) =>
      [...live.values()].some(
        (other) => other.logicalId !== logicalId && dependsOn.get(other.logicalId)?.has(logicalId),
      );
    while (live.size > 0 && !this.#closing.signal.aborted) {
      for (const [id, resource] of live) {
        const { logicalId } = resource;
        if (inFlight.has(id) || hasDependents(logicalId)) continue;
        const work = this.#deleteResource(stack, resource)
          .then(() => {
            live.delete(id);
          })
          .catch((error: unknown) => {
            failed.push(logicalId);
            live.delete(id);
            // What it depends on stays: deleting it could break the resource that failed.
            for (const [other, row] of live)
              if (dependsOn.get(logicalId)?.has(row.logicalId)) live.delete(other);
            this.#o.log.warn({ err: error, stack: stack.name, logicalId }, "stack resource delete failed");
          })
          .finally(() => inFlight.delete(id));
        inFlight.set(id, work);
      }
      if (inFlight.size === 0) break;
      await Promise.race(inFlight.values());
    }
    await Promise.allSettled(inFlight.values());
    return failed.sort();
  }

  async #deleteResource(stack: StackRecord, resource: StackResourceRecord): Promise<void> {
    let current = resource;
    if (current.status === "CREATE_IN_PROGRESS")
      current = await this.#moveResource(stack, current, "fail", "Resource creation cancelled");
    if (current.deletionPolicy === "Retain" && current.status !== "CREATE_FAILED") {
      await this.#moveResource(stack, current, "retain", null);
      return;
    }
    if (current.status !== "DELETE_IN_PROGRESS")
      current = await this.#moveResource(stack, current, "delete", null);
    const provider = this.#o.providers.get(current.type);
    try {
      if (current.physicalId !== null && provider)
        await provider.delete(
          current.physicalId,
          this.properties(current),
          this.#providerContext(stack, current.logicalId),
        );
    } catch (error) {
      if (!this.#closing.signal.aborted)
        await this.#moveResource(stack, current, "fail", (error as Error).message);
      throw error;
    }
    await this.#moveResource(stack, current, "deleted", null);
  }

  async #evalContext(
    stack: StackRecord,
    template: LoadedTemplate,
    made: Map<string, { physicalId: string; attributes: Record<string, unknown> }>,
  ): Promise<EvalContext> {
    const exports = new Map<string, string>();
    for (const other of await listStacks(this.#o.db))
      for (const output of other.outputs) if (output.exportName) exports.set(output.exportName, output.value);
    const resource = (logicalId: string) => {
      const found = made.get(logicalId);
      if (!found) throw new Error(`resource ${logicalId} is not created yet`);
      return found;
    };
    return {
      parameters: template.parameters,
      pseudo: this.#pseudo(stack),
      conditions: template.conditions,
      mappings: template.parsed.body.Mappings ?? {},
      ref: (logicalId) => resource(logicalId).physicalId,
      getAtt: (logicalId, attribute) => {
        const value = resource(logicalId).attributes[attribute];
        if (value === undefined) throw new Error(`${logicalId} has no attribute ${attribute}`);
        return value;
      },
      importValue: (name) => {
        const value = exports.get(name);
        if (value === undefined) throw new Error(`No export named ${name} found.`);
        return value;
      },
      azs: (region) => ["a", "b", "c"].map((zone) => `${region || this.#o.region}${zone}`),
      template: template.parsed,
    };
  }

  #providerContext(stack: StackRecord, logicalId: string): ProviderContext {
    return {
      stackId: stack.stackId,
      stackName: stack.name,
      logicalId,
      region: this.#o.region,
      accountId: this.#o.accountId,
      signal: this.#closing.signal,
      log: this.#o.log,
      caller: this.#callers.get(stack.stackId) ?? SYSTEM_CALLER,
    };
  }

  /** One stack transition and its event, in one transaction, fenced on the status it read. */
  async #moveStack(
    stack: StackRecord,
    event: Parameters<typeof transition<typeof stackMachine>>[2],
    reason: string | null,
    extra: Omit<StackPatch, "status" | "statusReason" | "updatedAt"> = {},
  ): Promise<void> {
    const from = stack.status;
    const to = transition(stackMachine, from, event);
    await this.#step(async (db) => {
      const moved = await updateStack(db, stack.stackId, from, {
        status: to,
        statusReason: reason,
        updatedAt: this.#o.now(),
        ...extra,
      });
      if (!moved)
        throw new FawkesError(
          ErrorCode.stackBusy,
          `stack ${stack.name} is no longer ${from}: another operation moved it`,
        );
      await this.#event(db, stack, "stack", to, reason);
    });
    stack.status = to;
    stack.statusReason = reason;
    this.#changed(stack);
  }

  /** One resource transition and its event, in one transaction; returns the resource as it now is. */
  async #moveResource<
    R extends Pick<StackResourceRecord, "id" | "logicalId" | "physicalId" | "type" | "status">,
  >(
    stack: StackRecord,
    resource: R,
    event: Parameters<typeof transition<typeof resourceMachine>>[2],
    reason: string | null,
    extra: Pick<StackResourcePatch, "attributes" | "propertiesSealed" | "deletionPolicy"> = {},
  ): Promise<R> {
    const to = transition(resourceMachine, resource.status, event);
    const updatedAt = this.#o.now();
    await this.#step(async (db) => {
      const moved = await updateStackResource(db, resource.id, resource.status, {
        status: to,
        statusReason: reason,
        updatedAt,
        ...extra,
      });
      if (!moved) throw new Error(`resource ${resource.logicalId} is no longer ${resource.status}`);
      await this.#event(db, stack, resource, to, reason);
    });
    this.#changed(stack);
    return { ...resource, status: to, statusReason: reason, updatedAt, ...extra };
  }

  /** One event: of the stack itself (its name and ARN as the resource) or of one of its resources. */
  async #event(
    db: Executor,
    stack: StackRecord,
    subject: { logicalId: string; physicalId: string | null; type: string } | "stack",
    status: StackStatus | ResourceStatus,
    reason: string | null,
  ): Promise<void> {
    const { logicalId, physicalId, type } =
      subject === "stack" ? { logicalId: stack.name, physicalId: stack.stackId, type: STACK_TYPE } : subject;
    await insertStackEvent(db, {
      eventId: randomUUID(),
      stackId: stack.stackId,
      stackName: stack.name,
      logicalId,
      physicalId,
      type,
      status,
      statusReason: reason,
      at: this.#o.now(),
    });
  }

  #step<T>(fn: (db: Executor) => Promise<T>): Promise<T> {
    return this.#o.db.transaction().execute(fn);
  }

  #changed(stack: { stackId: string; name: string }): void {
    try {
      this.#o.changed?.(stack);
    } catch (error) {
      this.#o.log.error({ err: error }, "stack change listener failed");
    }
  }
}

export const stackNotFound = (nameOrId: string): FawkesError =>
  new FawkesError(ErrorCode.stackNotFound, `Stack with id ${nameOrId} does not exist`);

/** The capability the template needs that the request did not acknowledge (NAMED_IAM covers IAM). */
function missingCapability(summary: TemplateSummary, given: readonly string[]): string | undefined {
  for (const needed of summary.Capabilities) {
    const covered =
      given.includes(needed) || (needed === "CAPABILITY_IAM" && given.includes("CAPABILITY_NAMED_IAM"));
    if (!covered) return needed;
  }
  return undefined;
}

/** Template errors as the API's error: each `source:line:column: message` in `errors`. */
function invalidTemplateAsFawkes<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof TemplateValidationError)
      throw new FawkesError(ErrorCode.templateInvalid, error.message, {
        errors: error.errors.map((e) => ({
          file: error.source,
          path: e.path,
          line: e.line,
          column: e.column,
          message: e.message,
        })),
      });
    throw error;
  }
}
