/**
 * Phoenix instances in the server: launched for stacks (`AWS::EC2::Instance`), stored (migration 017) and moved
 * through `instanceMachine` (`@fawkes/core`), one transaction per state change, fenced on the state it read.
 * The running sandboxes (`launchInstance` of `@fawkes/cloud`) are kept in memory; each serves its own metadata
 * endpoint with its instance profile role's session. A server that starts again boots every instance that was
 * pending or running from scratch (same id and address, fresh root, user data run again), as a replaced phoenix
 * server would be; closing the server stops them and leaves them `running` in the store for that.
 */
import { randomInt } from "node:crypto";
import path from "node:path";
import {
  allocateAddress,
  HOSTS_PER_NETWORK,
  listeningAddresses,
  removeInstanceDirs,
  type BootResult,
  type CloudLogger,
  type NetworkDirectory,
  type RoleDefinition,
} from "@fawkes/cloud";
import { instanceMachine, transition, type EventOf, type InstanceState } from "@fawkes/core";
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import type { Kysely } from "kysely";
import { SYSTEM_ACTOR } from "../http/actor.ts";
import { isUniqueViolation } from "../identity/iam-names.ts";
import { auditTarget, recordAudit, type AuditOrigin } from "../services/audit.ts";
import type { Executor } from "../store/executor.ts";
import {
  findInstance,
  insertInstance,
  listInstances,
  liveInstanceAddresses,
  setInstancePublicIp,
  updateInstance,
  type InstanceRecord,
} from "../store/instances-repo.ts";
import type { Database } from "../store/schema.ts";
import { instanceIdentityKey } from "./identity.ts";
import { openPorts, type LaunchPlan } from "./launch-plan.ts";
import { newInstanceRecord, startSandbox, type LiveInstance, type SandboxDeps } from "./sandbox.ts";

export type { InstanceRecord };

/** How long DescribeInstances and `list` still show a terminated instance (EC2: about an hour). */
export const TERMINATED_VISIBLE_MS = 60 * 60_000;

/** What starting sandboxes needs (sandbox.ts: region, account, sessions, endpoints), and: */
export interface InstancesOptions extends Omit<SandboxDeps, "identityKey" | "instancesDir"> {
  db: Kysely<Database>;
  /** Instance directories live in `<dataDir>/instances/<id>`. */
  dataDir: string;
  log: CloudLogger;
  /** Revokes one of an instance's sessions when it terminates (its credentials die with it). */
  revokeSession(accessKeyId: string, origin: AuditOrigin): Promise<void>;
  /** The role of an instance being relaunched (it may have changed or gone since). */
  findRole(arn: string): Promise<RoleDefinition | undefined>;
  /** The recorded security groups (the stack engine's records): the ports a relaunch exposes. */
  network: NetworkDirectory;
  /** Time an instance's processes get between SIGTERM and SIGKILL. @default 2000 */
  terminateGraceMs?: number;
}

export interface LaunchInput {
  /** `i-…` (the stack engine chose and stored it first). */
  instanceId: string;
  stackId: string | null;
  logicalId: string | null;
  plan: LaunchPlan;
  origin: AuditOrigin;
}

/** A listener run while an instance is `shutting-down`, before its processes are stopped. */
export type TerminatingListener = (instance: InstanceRecord) => Promise<void>;

const CONSOLES_KEPT = 100;

export class Instances {
  readonly #o: InstancesOptions;
  readonly #identityKey: Buffer;
  readonly #live = new Map<string, LiveInstance>();
  /** Launches and terminations under way, so that a second call waits for the first. */
  readonly #launching = new Map<string, Promise<InstanceRecord>>();
  readonly #terminating = new Map<string, Promise<InstanceRecord>>();
  readonly #listeners: TerminatingListener[] = [];
  /** The last console output of instances terminated since the server started (GetConsoleOutput). */
  readonly #consoles = new Map<string, Buffer>();
  #closed = false;

  constructor(options: InstancesOptions) {
    this.#o = options;
    this.#identityKey = instanceIdentityKey(options.dataKey);
  }

  get instancesDir(): string {
    return path.join(this.#o.dataDir, "instances");
  }

  /** Registers a listener run when an instance starts shutting down (the address worker drains connections). */
  onTerminating(listener: TerminatingListener): void {
    this.#listeners.push(listener);
  }

  /**
   * Stores the instance `pending` at a fresh address, boots it and stores it `running` once its sandbox is up
   * (user data then runs in the background: `booted`). Launching an id that exists waits for that one.
   */
  launch(input: LaunchInput): Promise<InstanceRecord> {
    const existing = this.#launching.get(input.instanceId);
    if (existing) return existing;
    const launching = this.#launchNew(input).finally(() => this.#launching.delete(input.instanceId));
    this.#launching.set(input.instanceId, launching);
    return launching;
  }

  async #launchNew(input: LaunchInput): Promise<InstanceRecord> {
    this.#assertOpen();
    const known = await findInstance(this.#o.db, input.instanceId);
    if (known) {
      if (known.state === "running" && this.#live.has(known.instanceId)) return known;
      if (known.state === "terminated" || known.state === "shutting-down")
        throw new FawkesError(ErrorCode.instanceNotRunning, `instance ${known.instanceId} is ${known.state}`);
      return this.#boot(known);
    }
    const { plan } = input;
    const now = this.#o.now();
    let record: InstanceRecord | undefined;
    for (let attempt = 0; record === undefined; attempt++) {
      // Another server on this host (its own data directory) allocates from the same network: skip its addresses.
      const elsewhere = listeningAddresses("127.100.");
      try {
        record = await this.#step(async (db) => {
          const address = allocateAddress(
            new Set([...(await liveInstanceAddresses(db)), ...elsewhere]),
            randomInt(HOSTS_PER_NETWORK),
          );
          const made = newInstanceRecord(input, address, now, this.#o.dataKey);
          await insertInstance(db, made);
          await recordAudit(db, {
            actor: input.origin.actor,
            sourceIp: input.origin.sourceIp,
            action: "instance.launch",
            target: auditTarget.instance(made.instanceId),
            details: {
              privateIp: made.privateIp,
              stackId: made.stackId,
              logicalId: made.logicalId,
              roleArn: made.roleArn,
            },
            at: now,
          });
          return made;
        });
      } catch (error) {
        // Two launches picked one address at once: the index refused the second, which picks again.
        if (!isUniqueViolation(error) || attempt >= 5) throw error;
      }
    }
    return this.#boot(record, plan.profile?.role ?? null, plan.exposedPorts);
  }

  /**
   * Boots a `pending` instance (a new one, or one a restart relaunches) and moves it to `running`; a sandbox
   * that cannot start terminates it with the reason, and throws.
   */
  async #boot(
    record: InstanceRecord,
    knownRole?: RoleDefinition | null,
    exposedPorts?: readonly number[],
  ): Promise<InstanceRecord> {
    const id = record.instanceId;
    let role = knownRole ?? null;
    if (knownRole === undefined && record.roleArn !== null) {
      role = (await this.#o.findRole(record.roleArn)) ?? null;
      if (role === null)
        this.#o.log.warn(
          { instanceId: id, roleArn: record.roleArn },
          "instance role is gone: no credentials",
        );
    }
    let live: LiveInstance;
    try {
      this.#assertOpen();
      live = await startSandbox(record, role, exposedPorts ?? (await this.#portsOf(record)), {
        ...this.#o,
        identityKey: this.#identityKey,
        instancesDir: this.instancesDir,
      });
    } catch (error) {
      const reason = `Server.InternalError: the instance could not start: ${(error as Error).message}`;
      await this.#finish(record, reason).catch((failure: unknown) =>
        this.#o.log.error({ err: failure, instanceId: id }, "could not record a failed launch"),
      );
      throw error;
    }
    const started = live;
    if (this.#closed) {
      await started.running.terminate({ graceMs: 0 });
      throw new FawkesError(ErrorCode.instanceNotRunning, "the server is closing");
    }
    this.#live.set(id, started);
    void started.running.exited.then(() => {
      if (this.#live.get(id) === started && !this.#terminating.has(id) && !this.#closed)
        this.#o.log.warn({ instanceId: id }, "instance exited on its own");
    });
    return this.#move(record, "boot", null);
  }

  /** The ports a relaunched instance's security groups open (read again: they may have changed). */
  async #portsOf(record: InstanceRecord): Promise<number[]> {
    const groups = await this.#o.network.records("AWS::EC2::SecurityGroup");
    return openPorts(
      groups.filter((group) => record.securityGroupIds.includes(group.id)),
      await this.#o.network.records("AWS::EC2::SecurityGroupIngress"),
    );
  }

  /**
   * The boot's result: resolves when the user data finished (or could not run). FAWKES_INSTANCE_NOT_RUNNING
   * when the instance is not running in this server.
   */
  booted(instanceId: string): Promise<BootResult> {
    const live = this.#live.get(instanceId);
    if (!live)
      return Promise.reject(
        new FawkesError(ErrorCode.instanceNotRunning, `instance ${instanceId} is not running`),
      );
    return live.running.ready;
  }

  /** Makes more of the app's ports reachable at the instance's address (the address worker's listeners). */
  async exposePorts(instanceId: string, ports: readonly number[]): Promise<void> {
    const live = this.#live.get(instanceId);
    if (!live) throw new FawkesError(ErrorCode.instanceNotRunning, `instance ${instanceId} is not running`);
    const added = ports.filter((port) => !live.exposedPorts.includes(port));
    if (added.length === 0) return;
    await live.running.exposePorts(added);
    live.exposedPorts.push(...added);
  }

  /**
   * `shutting-down` → the `onTerminating` listeners → its processes stopped and its disk deleted →
   * `terminated`. An instance already terminated is returned as it is; FAWKES_INSTANCE_NOT_FOUND for none.
   */
  terminate(instanceId: string, origin: AuditOrigin): Promise<InstanceRecord> {
    const existing = this.#terminating.get(instanceId);
    if (existing) return existing;
    const terminating = this.#terminateNow(instanceId, origin).finally(() =>
      this.#terminating.delete(instanceId),
    );
    this.#terminating.set(instanceId, terminating);
    return terminating;
  }

  async #terminateNow(instanceId: string, origin: AuditOrigin): Promise<InstanceRecord> {
    await this.#launching.get(instanceId)?.catch(() => {});
    const record = await this.find(instanceId);
    if (record.state === "terminated") return record;
    const reason = "Client.UserInitiatedShutdown: User initiated shutdown";
    const shutting =
      record.state === "shutting-down"
        ? record
        : await this.#move(record, "terminate", reason, async (db) => {
            await recordAudit(db, {
              actor: origin.actor,
              sourceIp: origin.sourceIp,
              action: "instance.terminate",
              target: auditTarget.instance(instanceId),
              details: { privateIp: record.privateIp, stackId: record.stackId },
              at: this.#o.now(),
            });
          });
    for (const listener of this.#listeners)
      await listener(shutting).catch((error: unknown) =>
        this.#o.log.error({ err: error, instanceId }, "terminating listener failed"),
      );
    return this.#finish(shutting, reason, origin);
  }

  /** Stops what runs of the instance and stores it `terminated` (from `pending` through `shutting-down`). */
  async #finish(
    record: InstanceRecord,
    reason: string,
    origin: AuditOrigin = { actor: SYSTEM_ACTOR },
  ): Promise<InstanceRecord> {
    const live = this.#live.get(record.instanceId);
    if (live) {
      this.#keepConsole(record.instanceId, await live.running.console().catch(() => Buffer.alloc(0)));
      await live.running.terminate({ graceMs: this.#o.terminateGraceMs ?? 2_000 });
      this.#live.delete(record.instanceId);
      for (const accessKeyId of live.sessions)
        await this.#o
          .revokeSession(accessKeyId, origin)
          .catch((error: unknown) =>
            this.#o.log.error(
              { err: error, instanceId: record.instanceId },
              "revoking an instance session failed",
            ),
          );
    }
    const shutting =
      record.state === "shutting-down" ? record : await this.#move(record, "terminate", reason);
    return this.#move(shutting, "terminated", reason, undefined, { terminatedAt: this.#o.now() });
  }

  #keepConsole(instanceId: string, output: Buffer): void {
    this.#consoles.set(instanceId, output);
    while (this.#consoles.size > CONSOLES_KEPT) this.#consoles.delete(this.#consoles.keys().next().value!);
  }

  /** FAWKES_INSTANCE_NOT_FOUND when there is no such instance. */
  async find(instanceId: string): Promise<InstanceRecord> {
    const record = await findInstance(this.#o.db, instanceId);
    if (!record) throw instanceNotFound(instanceId);
    return record;
  }

  /** Instances not terminated, oldest first; `all` adds those terminated in the last hour. */
  list(options: { all?: boolean } = {}): Promise<InstanceRecord[]> {
    return listInstances(
      this.#o.db,
      options.all ? { terminatedSince: this.#o.now() - TERMINATED_VISIBLE_MS } : {},
    );
  }

  /** Console output (the last MiB): a running instance's so far, or a terminated one's last. */
  async console(instanceId: string): Promise<Buffer> {
    const live = this.#live.get(instanceId);
    if (live) return live.running.console();
    await this.find(instanceId);
    return this.#consoles.get(instanceId) ?? Buffer.alloc(0);
  }

  /** Host PID of the instance's init (PID 1 inside); undefined when it does not run here. */
  hostPid(instanceId: string): number | undefined {
    return this.#live.get(instanceId)?.running.pid;
  }

  /** The ports exposed at the instance's address; empty when it does not run here. */
  exposedPorts(instanceId: string): readonly number[] {
    return this.#live.get(instanceId)?.exposedPorts ?? [];
  }

  /** The elastic address worker's associate (an address) and disassociate (null). */
  async setPublicIp(instanceId: string, publicIp: string | null): Promise<void> {
    const changed = await setInstancePublicIp(this.#o.db, instanceId, publicIp);
    if (!changed) {
      await this.find(instanceId);
      throw new FawkesError(ErrorCode.instanceNotRunning, `instance ${instanceId} is terminated`);
    }
    const live = this.#live.get(instanceId);
    if (live) live.publicIp = publicIp;
  }

  /**
   * Removes what a killed server left on disk, finishes terminations it left, and boots every instance it left
   * pending or running from scratch. An instance that cannot boot again is terminated with the reason.
   */
  async start(): Promise<void> {
    await removeInstanceDirs(this.instancesDir);
    const left = await listInstances(this.#o.db);
    await Promise.all(
      left.map(async (record) => {
        try {
          if (record.state === "shutting-down") {
            await this.#finish(
              record,
              record.stateReason ?? "Client.UserInitiatedShutdown: User initiated shutdown",
            );
            return;
          }
          const pending =
            record.state === "running"
              ? await this.#move(
                  record,
                  "relaunch",
                  "Server.Restart: the server started again: booting a fresh instance",
                )
              : record;
          const booting = this.#boot(pending).finally(() => this.#launching.delete(record.instanceId));
          this.#launching.set(record.instanceId, booting);
          await booting;
        } catch (error) {
          this.#o.log.error({ err: error, instanceId: record.instanceId }, "instance relaunch failed");
        }
      }),
    );
  }

  /** Stops every running instance; their state stays `running`, so the next start boots them again. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#launching.values(), ...this.#terminating.values()]);
    await Promise.allSettled([...this.#live.values()].map((live) => live.running.terminate({ graceMs: 0 })));
    this.#live.clear();
  }

  #assertOpen(): void {
    if (this.#closed) throw new FawkesError(ErrorCode.instanceNotRunning, "the server is closing");
  }

  /** One instance transition (and `also`), in one transaction, fenced on the state it read. */
  async #move(
    record: InstanceRecord,
    event: EventOf<typeof instanceMachine>,
    reason: string | null,
    also?: (db: Executor) => Promise<void>,
    extra: { terminatedAt?: number } = {},
  ): Promise<InstanceRecord> {
    const from: InstanceState = record.state;
    const to = transition(instanceMachine, from, event);
    await this.#step(async (db) => {
      const moved = await updateInstance(db, record.instanceId, from, {
        state: to,
        stateReason: reason,
        ...extra,
      });
      if (!moved)
        throw new FawkesError(
          ErrorCode.instanceNotRunning,
          `instance ${record.instanceId} is no longer ${from}: another operation moved it`,
        );
      await also?.(db);
    });
    return { ...record, state: to, stateReason: reason, ...extra };
  }

  #step<T>(fn: (db: Executor) => Promise<T>): Promise<T> {
    return this.#o.db.transaction().execute(fn);
  }
}

export const instanceNotFound = (instanceId: string): FawkesError =>
  new FawkesError(ErrorCode.instanceNotFound, `The instance ID '${instanceId}' does not exist`);
