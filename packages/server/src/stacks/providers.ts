/**
 * What makes a stack's resources real. A provider chooses the physical id first (the stack engine stores it
 * before asking for the resource, so a create a crash interrupted can still be deleted), then creates and
 * deletes; both must be idempotent (create again what exists, delete what is already gone) because a restart
 * may repeat either. `Ref` gives the physical id; `Fn::GetAtt` the attributes `create` returns.
 */
import { randomBytes } from "node:crypto";
import type { CloudLogger } from "@fawkes/cloud";
import type { RolePasser } from "../identity/roles.ts";
import { SYSTEM_ACTOR } from "../http/actor.ts";
import type { AuditOrigin } from "../services/audit.ts";

export type ResourceProperties = Record<string, unknown>;

/**
 * Who the operation acts for. Each resource is made with the caller's own rights, as CloudFormation does
 * without a service role: `authorize` throws unless the caller may do `action` on `resource`.
 */
export interface StackCaller {
  origin: AuditOrigin;
  /** Who hands a role over (`iam:PassRole`): an instance profile's role. */
  passer: RolePasser;
  authorize(action: string, resource: string): void;
}

/** The server itself: what finishes an operation a stopped server left (its caller's rights are gone). */
export const SYSTEM_CALLER: StackCaller = {
  origin: { actor: SYSTEM_ACTOR },
  passer: SYSTEM_ACTOR,
  authorize: () => {},
};

export interface ProviderContext {
  stackId: string;
  stackName: string;
  logicalId: string;
  region: string;
  accountId: string;
  /** Aborted when the server closes: a provider stops waiting (the next start resumes the operation). */
  signal: AbortSignal;
  log: CloudLogger;
  caller: StackCaller;
}

export interface ResourceProvider {
  readonly type: string;
  physicalId(props: ResourceProperties, ctx: ProviderContext): string;
  /** Makes the resource (or finds it made) and returns its `Fn::GetAtt` attributes. */
  create(
    physicalId: string,
    props: ResourceProperties,
    ctx: ProviderContext,
  ): Promise<Record<string, unknown>>;
  /** Removes the resource; one already gone is no error. */
  delete(physicalId: string, props: ResourceProperties, ctx: ProviderContext): Promise<void>;
  /**
   * Resolves with a reason when the resource fails after its create returned (an instance whose user data
   * exits non-zero); never resolves otherwise. A CreationPolicy wait races it against the signals.
   */
  failure?(physicalId: string, ctx: ProviderContext): Promise<string>;
  /**
   * Changes the resource in place from `oldProps` to `newProps` (an update, or its rollback) and returns its
   * `Fn::GetAtt` attributes. Idempotent like the rest: a restart may repeat it, or ask it to bring back
   * `newProps` over a change it half made. A type without it is replaced when its properties change: a new
   * physical resource is made, its dependents move to it, and the old one is deleted in the update's cleanup.
   */
  update?(
    physicalId: string,
    oldProps: ResourceProperties,
    newProps: ResourceProperties,
    ctx: ProviderContext,
  ): Promise<Record<string, unknown>>;
  /**
   * Properties whose change needs a new physical resource even though `update` exists (what AWS's resource
   * reference calls "Update requires: Replacement").
   */
  readonly replacedBy?: readonly string[];
  /**
   * The resource's `Fn::GetAtt` attributes as they are now, read again when the stack's Outputs are resolved:
   * an instance's `PublicIp` is its elastic address once an `EIP` made after it is associated (as AWS reports
   * it). Attributes it does not return keep the values its create returned.
   */
  currentAttributes?(physicalId: string, region: string): Promise<Record<string, unknown> | undefined>;
}

/** Made resources' attributes re-read from their providers (`currentAttributes`) before Outputs are resolved. */
export async function refreshAttributes(
  providers: ProviderRegistry,
  resources: Readonly<Record<string, { Type?: string }>>,
  made: Map<string, { physicalId: string; attributes: Record<string, unknown> }>,
  region: string,
): Promise<void> {
  await Promise.all(
    [...made].map(async ([logicalId, resource]) => {
      const provider = providers.get(resources[logicalId]?.Type ?? "");
      const current = await provider?.currentAttributes?.(resource.physicalId, region);
      if (current) made.set(logicalId, { ...resource, attributes: { ...resource.attributes, ...current } });
    }),
  );
}

export type ProviderRegistry = ReadonlyMap<string, ResourceProvider>;

export const providerRegistry = (providers: readonly ResourceProvider[]): ProviderRegistry =>
  new Map(providers.map((provider) => [provider.type, provider]));

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** CloudFormation's generated names: `STACK-LOGICAL-RANDOM`, cut to `max` characters. */
export function generatedName(ctx: Pick<ProviderContext, "stackName" | "logicalId">, max = 128): string {
  const suffix = Array.from(randomBytes(13), (byte) => ALPHANUMERIC[byte % ALPHANUMERIC.length]).join("");
  const head = `${ctx.stackName}-${ctx.logicalId}`.slice(0, Math.max(1, max - suffix.length - 1));
  return `${head}-${suffix}`;
}

/** EC2-style ids: `PREFIX-` and 17 hex digits (`vpc-0a1b…`). */
export const ec2Id = (prefix: string): string => `${prefix}-${randomBytes(9).toString("hex").slice(0, 17)}`;
