/**
 * Stable (elastic) addresses: allocated from `127.101.0.0/16`, stored (migration 018), and served by one address
 * proxy each (`@fawkes/cloud`'s startAddressProxy) while associated. Associating moves new connections to the
 * instance at once; connections already open stay on the old instance until it terminates, and its termination
 * waits for them to drain (`onTerminating`), so a phoenix switch loses no request. Listeners come back on
 * `start()` (addresses survive restarts) and stop on `close()`.
 */
import { randomBytes, randomInt } from "node:crypto";
import {
  allocateElasticAddress,
  HOSTS_PER_NETWORK,
  listeningAddresses,
  startAddressProxy,
  type AddressProxy,
  type CloudLogger,
  type IngressRule,
} from "@fawkes/cloud";
import { addressMachine, transition, type AddressState } from "@fawkes/core";
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import type { Kysely } from "kysely";
import {
  addressesOfInstance,
  deleteAddress,
  findAddress,
  insertAddress,
  listAddresses,
  setAssociation,
  type AddressRecord,
} from "../store/addresses-repo.ts";
import type { Database } from "../store/schema.ts";

export interface LookedUpInstance {
  instanceId: string;
  privateIp: string;
  /** EC2's instance state: `pending`, `running`, `shutting-down`, `terminated`… */
  state: string;
  securityGroupIds: string[];
  /** Ports the instance's app is reachable on: where a `-1` or wide rule gets listeners. @default [] */
  exposedPorts?: number[];
}

/** What addresses need of instances (the Instances service provides it). */
export interface InstanceLookup {
  find(id: string): Promise<LookedUpInstance | undefined>;
  /** The instance's public IP (its metadata's `public-ipv4`, DescribeInstances' `ipAddress`), or none. */
  setPublicIp(id: string, ip: string | null): Promise<void>;
  /** Called before an instance is killed; it waits for the listener's promise. */
  onTerminating(listener: (instance: { instanceId: string; privateIp: string }) => Promise<void>): void;
}

/** The instances service as it is shaped (`find` throws for an unknown id; exposed ports asked apart). */
export interface InstanceService {
  find(id: string): Promise<Omit<LookedUpInstance, "exposedPorts">>;
  exposedPorts(id: string): readonly number[];
  setPublicIp(id: string, ip: string | null): Promise<void>;
  onTerminating(listener: (instance: { instanceId: string; privateIp: string }) => Promise<void>): void;
}

/** An InstanceLookup over the instances service: an unknown instance is `undefined`. */
export function instanceLookup(instances: InstanceService): InstanceLookup {
  return {
    find: (id) =>
      instances.find(id).then(
        (found) => ({
          instanceId: found.instanceId,
          privateIp: found.privateIp,
          state: found.state,
          securityGroupIds: found.securityGroupIds,
          exposedPorts: [...instances.exposedPorts(id)],
        }),
        () => undefined,
      ),
    setPublicIp: (id, ip) => instances.setPublicIp(id, ip),
    onTerminating: (listener) => instances.onTerminating(listener),
  };
}

/** The ingress rules of security groups (the stack engine's records of `AWS::EC2::SecurityGroup`). */
export interface SecurityGroupRules {
  rulesOf(groupIds: readonly string[]): Promise<IngressRule[]>;
}

export interface AddressesOptions {
  db: Kysely<Database>;
  instances: InstanceLookup;
  groups: SecurityGroupRules;
  now?: () => number;
  log?: CloudLogger;
  /** Picks the address to allocate. @default the lowest free of 127.101.0.0/16 */
  pickIp?: (inUse: ReadonlySet<string>) => string;
  /** How long a terminating instance's open connections may take to end before they are closed. @default 30000 */
  drainTimeoutMs?: number;
}

export interface AllocateInput {
  /** The public IP to take (chosen earlier by `reserveIp`). @default a free one */
  publicIp?: string;
  /** @default "vpc" */
  domain?: string;
  stackId?: string;
  logicalId?: string;
  tags?: Record<string, string>;
}

export interface AssociateInput {
  /** The address: its allocation id (`eipalloc-…`) or public IP. */
  address: string;
  instanceId: string;
  /** @default a new `eipassoc-…` */
  associationId?: string;
  /** When false, an address associated with another instance is refused (EC2's AllowReassociation). @default true */
  allowReassociation?: boolean;
}

const SILENT: CloudLogger = { info: () => {}, warn: () => {}, error: () => {} };
const hexId = (prefix: string): string => `${prefix}-${randomBytes(9).toString("hex").slice(0, 17)}`;
export const newAllocationId = (): string => hexId("eipalloc");
export const newAssociationId = (): string => hexId("eipassoc");

/** The address's state (addressMachine): associated while it has an association id. */
export const addressState = (address: Pick<AddressRecord, "associationId">): AddressState =>
  address.associationId === null ? "allocated" : "associated";

const notFound = (address: string): FawkesError =>
  new FawkesError(ErrorCode.addressNotFound, `The address '${address}' does not exist`);

/** A free elastic address from a random host number: two servers on one host rarely pick the same at once. */
const randomElasticAddress = (inUse: ReadonlySet<string>): string =>
  allocateElasticAddress(inUse, randomInt(HOSTS_PER_NETWORK));

export class Addresses {
  readonly #o: AddressesOptions;
  readonly #log: CloudLogger;
  readonly #proxies = new Map<string, AddressProxy>();
  /** Public IPs in use or reserved, so `reserveIp` can answer at once. */
  readonly #taken = new Set<string>();
  /** One change at a time: moves, releases and drains never interleave. */
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(options: AddressesOptions) {
    this.#o = options;
    this.#log = options.log ?? SILENT;
    options.instances.onTerminating((instance) => this.#retire(instance));
  }

  /** Listens again on every associated address. */
  async start(): Promise<void> {
    for (const address of await listAddresses(this.#o.db)) {
      this.#taken.add(address.publicIp);
      if (address.instanceId !== null) await this.#serve(address);
    }
  }

  /** Stops every listener and closes every connection (the rows stay). */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#queue.catch(() => {});
    await Promise.all([...this.#proxies.values()].map((proxy) => proxy.close()));
    this.#proxies.clear();
  }

  /** A free public IP, held for `allocate` (a stack resource's physical id is chosen before it is made). */
  reserveIp(): string {
    // Another server's elastic addresses on this host (tests run several) are taken too.
    const ip = (this.#o.pickIp ?? randomElasticAddress)(
      new Set([...this.#taken, ...listeningAddresses("127.101.")]),
    );
    this.#taken.add(ip);
    return ip;
  }

  list(): Promise<AddressRecord[]> {
    return listAddresses(this.#o.db);
  }

  find(address: string): Promise<AddressRecord | undefined> {
    return findAddress(this.#o.db, address);
  }

  /** Allocates an address; allocating a reserved IP again returns what the first call made. */
  allocate(input: AllocateInput = {}): Promise<AddressRecord> {
    return this.#serially(async () => {
      if (input.publicIp !== undefined) {
        const existing = await findAddress(this.#o.db, input.publicIp);
        if (existing) return existing;
      }
      const address: AddressRecord = {
        allocationId: newAllocationId(),
        publicIp: input.publicIp ?? this.reserveIp(),
        domain: input.domain ?? "vpc",
        associationId: null,
        instanceId: null,
        privateIp: null,
        stackId: input.stackId ?? null,
        logicalId: input.logicalId ?? null,
        tags: input.tags ?? {},
        createdAt: (this.#o.now ?? Date.now)(),
      };
      this.#taken.add(address.publicIp);
      await insertAddress(this.#o.db, address);
      this.#log.info({ allocationId: address.allocationId, publicIp: address.publicIp }, "address allocated");
      return address;
    });
  }

  /** Releases an address (disassociating it first); one already gone is no error. */
  release(address: string): Promise<void> {
    return this.#serially(async () => {
      const found = await findAddress(this.#o.db, address);
      if (!found) {
        if (!address.startsWith("eipalloc-")) this.#taken.delete(address);
        return;
      }
      if (found.associationId !== null) await this.#disassociate(found, found.associationId);
      transition(addressMachine, "allocated", "release");
      await deleteAddress(this.#o.db, found.allocationId);
      await this.#proxies.get(found.publicIp)?.close();
      this.#proxies.delete(found.publicIp);
      this.#taken.delete(found.publicIp);
      this.#log.info({ allocationId: found.allocationId }, "address released");
    });
  }

  /**
   * Associates the address with a running (or pending) instance: new connections go to it from the next accept,
   * open ones stay where they are. Associating it again under the same association id changes nothing.
   */
  associate(input: AssociateInput): Promise<AddressRecord> {
    return this.#serially(async () => {
      const address = await findAddress(this.#o.db, input.address);
      if (!address) throw notFound(input.address);
      if (input.associationId !== undefined && address.associationId === input.associationId) return address;
      transition(addressMachine, addressState(address), "associate");
      if (
        input.allowReassociation === false &&
        address.instanceId !== null &&
        address.instanceId !== input.instanceId
      )
        throw new FawkesError(
          ErrorCode.addressInUse,
          `The address '${address.publicIp}' is already associated with ${address.instanceId}`,
        );
      const instance = await this.#o.instances.find(input.instanceId);
      if (!instance || (instance.state !== "running" && instance.state !== "pending"))
        throw new FawkesError(
          ErrorCode.addressInUse,
          `The instance '${input.instanceId}' is not in a valid state for this operation`,
        );
      const association = {
        associationId: input.associationId ?? newAssociationId(),
        instanceId: instance.instanceId,
        privateIp: instance.privateIp,
      };
      if (!(await setAssociation(this.#o.db, address.allocationId, association, address.associationId)))
        throw new FawkesError(ErrorCode.addressInUse, `The address '${address.publicIp}' changed meanwhile`);
      const moved = { ...address, ...association };
      await this.#serve(moved, instance);
      if (address.instanceId !== null && address.instanceId !== instance.instanceId)
        await this.#tellPublicIp(address.instanceId, null);
      await this.#tellPublicIp(instance.instanceId, address.publicIp);
      this.#log.info(
        { allocationId: address.allocationId, instanceId: instance.instanceId, from: address.instanceId },
        "address associated",
      );
      return moved;
    });
  }

  /**
   * Ends the association `associationId`. One that is no longer current (the address moved on, or is gone) is
   * a no-op, so retiring an old build never detaches the address from the new one. Returns whether it ended one.
   */
  disassociate(associationId: string): Promise<boolean> {
    return this.#serially(async () => {
      const address = (await listAddresses(this.#o.db)).find((a) => a.associationId === associationId);
      if (!address) return false;
      return this.#disassociate(address, associationId);
    });
  }

  /** Reads the security group rules of every associated address again: listeners follow. */
  refreshRules(): Promise<void> {
    return this.#serially(async () => {
      for (const address of await listAddresses(this.#o.db))
        if (this.#proxies.has(address.publicIp) && address.instanceId !== null) await this.#serve(address);
    });
  }

  /** Connections open through any address to `ip` (an instance's address). */
  openConnections(ip: string): number {
    return [...this.#proxies.values()].reduce((sum, proxy) => sum + proxy.openConnections(ip), 0);
  }

  /** The ports an address listens on now (none when it is not served). */
  ports(publicIp: string): number[] {
    return this.#proxies.get(publicIp)?.ports() ?? [];
  }

  async #disassociate(address: AddressRecord, associationId: string): Promise<boolean> {
    transition(addressMachine, addressState(address), "disassociate");
    if (!(await setAssociation(this.#o.db, address.allocationId, null, associationId))) return false;
    await this.#proxies.get(address.publicIp)?.moveTo(undefined);
    if (address.instanceId !== null) await this.#tellPublicIp(address.instanceId, null);
    this.#log.info({ allocationId: address.allocationId, associationId }, "address disassociated");
    return true;
  }

  /** Points the address's proxy at its instance (starting the proxy if needed), with its groups' rules. */
  async #serve(address: AddressRecord, known?: LookedUpInstance): Promise<void> {
    if (this.#closed || address.instanceId === null || address.privateIp === null) return;
    const instance = known ?? (await this.#o.instances.find(address.instanceId));
    const rules = await this.#o.groups.rulesOf(instance?.securityGroupIds ?? []);
    const target = { ip: address.privateIp, exposedPorts: instance?.exposedPorts ?? [] };
    let proxy = this.#proxies.get(address.publicIp);
    if (!proxy) {
      proxy = await startAddressProxy({ address: address.publicIp, rules, target, log: this.#log });
      this.#proxies.set(address.publicIp, proxy);
      return;
    }
    await proxy.setRules(rules);
    await proxy.moveTo(target);
  }

  /** Before an instance is killed: its addresses leave it, then its open connections drain. */
  async #retire(instance: { instanceId: string; privateIp: string }): Promise<void> {
    await this.#serially(async () => {
      for (const address of await addressesOfInstance(this.#o.db, instance.instanceId))
        if (address.associationId !== null) await this.#disassociate(address, address.associationId);
    });
    const timeoutMs = this.#o.drainTimeoutMs ?? 30_000;
    const results = await Promise.all(
      [...this.#proxies.values()].map((proxy) => proxy.drain(instance.privateIp, { timeoutMs })),
    );
    const closed = results.reduce((sum, result) => sum + result.closed, 0);
    if (closed > 0)
      this.#log.warn(
        { instanceId: instance.instanceId, closed },
        "connections closed after the drain timeout",
      );
  }

  /** The association (stored, served) is the truth: an instance that cannot be told (terminated) is logged. */
  async #tellPublicIp(instanceId: string, ip: string | null): Promise<void> {
    try {
      await this.#o.instances.setPublicIp(instanceId, ip);
    } catch (error) {
      this.#log.warn({ instanceId, err: error }, "instance not told its public ip");
    }
  }

  #serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(work);
    this.#queue = next.catch(() => {});
    return next;
  }
}
