/**
 * The server's instances (`CloudRuntime.instances`) as the instance routes see them ({@link InstanceDirectory}):
 * records become DTOs, a record's stack id becomes the stack's name (a stack's name never changes, so names are
 * remembered), the console's bytes become text, and an unknown id (a 404 error) becomes `undefined`.
 */
import { FawkesError, type InstanceDto } from "@fawkes/protocol";
import type { CloudRuntime } from "../cloud/runtime.ts";
import type { AuditOrigin } from "../services/audit.ts";
import type { InstanceRecord } from "../instances/instances.ts";
import type { InstanceDirectory } from "./api-instances.ts";

/** What the adapter reads of a stored instance. */
export type InstanceRecordLike = Pick<
  InstanceRecord,
  | "instanceId"
  | "state"
  | "stateReason"
  | "privateIp"
  | "publicIp"
  | "hostname"
  | "imageId"
  | "instanceType"
  | "roleArn"
  | "stackId"
  | "logicalId"
  | "tags"
  | "launchedAt"
  | "terminatedAt"
>;

/** What the adapter needs of the server's instances. */
export interface InstanceSource {
  /** Throws a 404 FawkesError for an unknown id. */
  find(instanceId: string): Promise<InstanceRecordLike>;
  list(options: { all?: boolean }): Promise<InstanceRecordLike[]>;
  console(instanceId: string): Promise<Buffer | string>;
  terminate(instanceId: string, origin: AuditOrigin): Promise<unknown>;
}

/** The stack name of a stack id (deleted stacks included); undefined when the server has no such stack. */
export type StackNames = (stackId: string) => Promise<string | undefined>;

const notFound = (error: unknown): boolean => error instanceof FawkesError && error.status === 404;

export function instanceDirectory(source: InstanceSource, stackName: StackNames): InstanceDirectory {
  // The lookup itself is remembered, so a list of one stack's instances asks once; a miss is asked again later.
  const names = new Map<string, Promise<string | undefined>>();
  const nameOf = async (stackId: string | null): Promise<string | null> => {
    if (stackId === null) return null;
    let name = names.get(stackId);
    if (name === undefined) {
      name = stackName(stackId);
      names.set(stackId, name);
    }
    const found = await name.catch((error: unknown) => {
      names.delete(stackId);
      throw error;
    });
    if (found === undefined) names.delete(stackId);
    return found ?? null;
  };
  const dto = async (record: InstanceRecordLike): Promise<InstanceDto> => ({
    instanceId: record.instanceId,
    state: record.state,
    stateReason: record.stateReason,
    privateIp: record.privateIp,
    publicIp: record.publicIp,
    hostname: record.hostname,
    imageId: record.imageId,
    instanceType: record.instanceType,
    stackName: await nameOf(record.stackId),
    logicalId: record.logicalId,
    roleArn: record.roleArn,
    tags: { ...record.tags },
    launchedAt: record.launchedAt,
    terminatedAt: record.terminatedAt,
  });
  return {
    async list({ all }) {
      const records = await source.list({ all });
      // Newest first, as the other lists.
      const sorted = [...records].sort((a, b) => b.launchedAt - a.launchedAt);
      return Promise.all(sorted.map(dto));
    },
    async find(instanceId) {
      try {
        return await dto(await source.find(instanceId));
      } catch (error) {
        if (notFound(error)) return undefined;
        throw error;
      }
    },
    async console(instanceId) {
      const output = await source.console(instanceId);
      return typeof output === "string" ? output : output.toString("utf8");
    },
    async terminate(instanceId, origin) {
      await source.terminate(instanceId, origin);
    },
  };
}

/** The server's own instances (`CloudRuntime.instances`), read at request time; undefined without a cloud. */
export function cloudInstanceDirectory(
  cloud: () => CloudRuntime | undefined,
): () => InstanceDirectory | undefined {
  let made: { runtime: CloudRuntime; directory: InstanceDirectory } | undefined;
  return () => {
    const runtime = cloud();
    if (!runtime) return undefined;
    if (made?.runtime !== runtime)
      made = {
        runtime,
        directory: instanceDirectory(runtime.instances, async (stackId) => {
          try {
            return (await runtime.stacks.describe(stackId)).name;
          } catch (error) {
            if (notFound(error)) return undefined;
            throw error;
          }
        }),
      };
    return made.directory;
  };
}
