/**
 * EC2's instance actions over the phoenix instances the server runs: DescribeInstances (reservations and
 * instances as EC2 2016-11-15 answers them, `InstanceId.N`, `Filter.N`; terminated instances stay visible for
 * a while, as on EC2), GetConsoleOutput (base64) and TerminateInstances (state changes). Each is authorised
 * with the caller's key: `ec2:DescribeInstances` on `*`, the other two on the instance's ARN.
 */
import { AwsError } from "../aws-error.ts";
import type { QueryCaller, QueryRequest } from "../query/service.ts";
import { el, text } from "../s3/xml.ts";
import { filtersOf, item, matches, tagSet } from "./filters.ts";
import type { NetworkDirectory } from "./service.ts";

export type Ec2InstanceState = "pending" | "running" | "shutting-down" | "terminated";

/** One instance as EC2 describes it. */
export interface Ec2Instance {
  instanceId: string;
  state: Ec2InstanceState;
  /** EC2's state reason (`Client.UserInitiatedShutdown: User initiated shutdown`), or null. */
  stateReason: string | null;
  privateIp: string;
  /** The elastic address, or the instance's own address (reachable from the host) without one. */
  publicIp: string;
  privateDnsName: string;
  publicDnsName: string;
  imageId: string;
  instanceType: string;
  keyName: string | null;
  subnetId: string | null;
  securityGroupIds: string[];
  instanceProfileArn: string | null;
  launchedAt: number;
  terminatedAt: number | null;
  tags: Record<string, string>;
}

export interface InstanceSource {
  /** Instances not terminated and those terminated recently, oldest first. */
  list(): Promise<Ec2Instance[]>;
  /** Console output so far (running) or last (terminated); FAWKES_INSTANCE_NOT_FOUND-style errors throw. */
  console(instanceId: string): Promise<Buffer>;
  /** Terminates (idempotent) as `caller`; resolves with the state it was in and the state it is in now. */
  terminate(
    instanceId: string,
    caller: QueryCaller,
  ): Promise<{ previous: Ec2InstanceState; current: Ec2InstanceState }>;
}

/** EC2's state codes. */
const STATE_CODES: Record<Ec2InstanceState, number> = {
  pending: 0,
  running: 16,
  "shutting-down": 32,
  terminated: 48,
};

const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;
/** EC2 returns the most recent 64 KiB of console output. */
const CONSOLE_BYTES = 64 * 1024;

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, ".000Z");

const stateXml = (name: string, state: Ec2InstanceState): string =>
  el(name, text("code", STATE_CODES[state]), text("name", state));

/** `r-…`: one reservation per instance, derived from its id (stable across calls). */
const reservationOf = (instanceId: string): string => `r-${instanceId.slice(2).padEnd(17, "0")}`;

function instanceIds(request: QueryRequest): string[] {
  const ids = request.params.list("InstanceId", { member: false });
  for (const id of ids)
    if (!INSTANCE_ID.test(id)) throw new AwsError("InvalidInstanceID.Malformed", 400, `Invalid id: "${id}"`);
  return ids;
}

function notFound(ids: readonly string[]): AwsError {
  return ids.length === 1
    ? new AwsError("InvalidInstanceID.NotFound", 400, `The instance ID '${ids[0]}' does not exist`)
    : new AwsError("InvalidInstanceID.NotFound", 400, `The instance IDs '${ids.join(", ")}' do not exist`);
}

/** The instances named by `InstanceId.N`, every one of which must exist. */
async function named(source: InstanceSource, ids: readonly string[]): Promise<Ec2Instance[]> {
  const all = await source.list();
  const missing = ids.filter((id) => !all.some((instance) => instance.instanceId === id));
  if (missing.length > 0) throw notFound(missing);
  return all.filter((instance) => ids.includes(instance.instanceId));
}

type Action = (request: QueryRequest, caller: QueryCaller) => Promise<string>;

export function instanceActions(
  source: InstanceSource,
  network: NetworkDirectory,
  options: { owner: string; region: string },
): Record<string, Action> {
  const arn = (id: string) => `arn:aws:ec2:${options.region}:${options.owner}:instance/${id}`;
  const zone = `${options.region}a`;

  async function groupNames(): Promise<Map<string, { name: string; vpcId: string }>> {
    const groups = await network.records("AWS::EC2::SecurityGroup");
    return new Map(
      groups.map((group) => [
        group.id,
        {
          name: String(group.properties.GroupName ?? group.id),
          vpcId: String(group.properties.VpcId ?? ""),
        },
      ]),
    );
  }

  async function vpcOfSubnets(): Promise<Map<string, string>> {
    const subnets = await network.records("AWS::EC2::Subnet");
    return new Map(subnets.map((subnet) => [subnet.id, String(subnet.properties.VpcId ?? "")]));
  }

  return {
    async DescribeInstances(request, caller) {
      caller.authorize("ec2:DescribeInstances", "*");
      const ids = instanceIds(request);
      const filters = filtersOf(request.params);
      const [groups, vpcs] = await Promise.all([groupNames(), vpcOfSubnets()]);
      const candidates = ids.length > 0 ? await named(source, ids) : await source.list();
      const record = (instance: Ec2Instance) => ({ id: instance.instanceId, tags: instance.tags, instance });
      const vpcOf = (instance: Ec2Instance) =>
        instance.subnetId === null ? "" : (vpcs.get(instance.subnetId) ?? "");
      const found = candidates.map(record).filter((r) =>
        matches(r, filters, ({ instance }) => ({
          "instance-id": [instance.instanceId],
          "instance-state-name": [instance.state],
          "instance-state-code": [String(STATE_CODES[instance.state])],
          "ip-address": [instance.publicIp],
          "private-ip-address": [instance.privateIp],
          "private-dns-name": [instance.privateDnsName],
          "dns-name": [instance.publicDnsName],
          "image-id": [instance.imageId],
          "instance-type": [instance.instanceType],
          "key-name": instance.keyName === null ? [] : [instance.keyName],
          "subnet-id": instance.subnetId === null ? [] : [instance.subnetId],
          "vpc-id": [vpcOf(instance)].filter(Boolean),
          "availability-zone": [zone],
          "instance.group-id": instance.securityGroupIds,
          "group-id": instance.securityGroupIds,
          "instance.group-name": instance.securityGroupIds.map((id) => groups.get(id)?.name ?? id),
          "group-name": instance.securityGroupIds.map((id) => groups.get(id)?.name ?? id),
          "iam-instance-profile.arn":
            instance.instanceProfileArn === null ? [] : [instance.instanceProfileArn],
          "reservation-id": [reservationOf(instance.instanceId)],
          "owner-id": [options.owner],
        })),
      );
      return el(
        "reservationSet",
        ...found.map(({ instance }) =>
          item(
            text("reservationId", reservationOf(instance.instanceId)),
            text("ownerId", options.owner),
            el("groupSet"),
            el("instancesSet", renderInstance(instance, groups, vpcOf(instance), zone)),
          ),
        ),
      );
    },

    async GetConsoleOutput(request, caller) {
      const id = request.params.get("InstanceId");
      if (!id)
        throw new AwsError("MissingParameter", 400, "The request must contain the parameter InstanceId");
      if (!INSTANCE_ID.test(id))
        throw new AwsError("InvalidInstanceID.Malformed", 400, `Invalid id: "${id}"`);
      caller.authorize("ec2:GetConsoleOutput", arn(id));
      await named(source, [id]);
      const output = await source.console(id);
      const recent = output.length > CONSOLE_BYTES ? output.subarray(output.length - CONSOLE_BYTES) : output;
      return (
        text("instanceId", id) +
        text("timestamp", iso(Date.now())) +
        text("output", recent.toString("base64"))
      );
    },

    async TerminateInstances(request, caller) {
      const ids = instanceIds(request);
      if (ids.length === 0)
        throw new AwsError("MissingParameter", 400, "The request must contain the parameter InstanceId");
      // Every instance must exist and be allowed before any is terminated.
      await named(source, ids);
      for (const id of ids) caller.authorize("ec2:TerminateInstances", arn(id));
      const changes = [];
      for (const id of ids) changes.push({ id, ...(await source.terminate(id, caller)) });
      return el(
        "instancesSet",
        ...changes.map((change) =>
          item(
            text("instanceId", change.id),
            stateXml("currentState", change.current),
            stateXml("previousState", change.previous),
          ),
        ),
      );
    },
  };
}

function renderInstance(
  instance: Ec2Instance,
  groups: ReadonlyMap<string, { name: string; vpcId: string }>,
  vpcId: string,
  zone: string,
): string {
  const terminated = instance.state === "terminated" || instance.state === "shutting-down";
  const reasonCode = instance.stateReason?.split(":")[0];
  return item(
    text("instanceId", instance.instanceId),
    text("imageId", instance.imageId),
    stateXml("instanceState", instance.state),
    // EC2 clears the DNS names and addresses of a terminated instance.
    text("privateDnsName", terminated ? "" : instance.privateDnsName),
    text("dnsName", terminated ? "" : instance.publicDnsName),
    text(
      "reason",
      instance.terminatedAt !== null
        ? `User initiated (${new Date(instance.terminatedAt).toISOString().slice(0, 19).replace("T", " ")} GMT)`
        : "",
    ),
    text("keyName", instance.keyName ?? undefined),
    text("amiLaunchIndex", 0),
    el("productCodes"),
    text("instanceType", instance.instanceType),
    text("launchTime", iso(instance.launchedAt)),
    el("placement", text("availabilityZone", zone), el("groupName"), text("tenancy", "default")),
    el("monitoring", text("state", "disabled")),
    text("subnetId", instance.subnetId ?? undefined),
    vpcId ? text("vpcId", vpcId) : "",
    terminated ? "" : text("privateIpAddress", instance.privateIp),
    terminated ? "" : text("ipAddress", instance.publicIp),
    text("sourceDestCheck", true),
    el(
      "groupSet",
      ...instance.securityGroupIds.map((id) =>
        item(text("groupId", id), text("groupName", groups.get(id)?.name ?? id)),
      ),
    ),
    instance.stateReason
      ? el("stateReason", text("code", reasonCode), text("message", instance.stateReason))
      : "",
    text("architecture", "x86_64"),
    text("rootDeviceType", "ebs"),
    text("rootDeviceName", "/dev/xvda"),
    el("blockDeviceMapping"),
    text("virtualizationType", "hvm"),
    el("clientToken"),
    tagSet(instance.tags),
    text("hypervisor", "xen"),
    instance.instanceProfileArn
      ? el("iamInstanceProfile", text("arn", instance.instanceProfileArn), text("id", profileId(instance)))
      : "",
    text("ebsOptimized", false),
  );
}

/** A stable `AIPA…` id for the profile (EC2 shows one; the ARN is what scripts use). */
function profileId(instance: Ec2Instance): string {
  const name = (instance.instanceProfileArn ?? "").split("/").pop() ?? "";
  return `AIPA${Buffer.from(name).toString("hex").toUpperCase().padEnd(17, "0").slice(0, 17)}`;
}
