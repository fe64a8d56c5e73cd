/** An instance directory in memory, for the instance routes' and pages' tests (the real one launches them). */
import type { InstanceDto } from "@fawkes/protocol";
import type { InstanceDirectory } from "../../src/http/api-instances.ts";

export const instanceDto = (instanceId: string, fields: Partial<InstanceDto> = {}): InstanceDto => ({
  instanceId,
  state: "running",
  stateReason: null,
  privateIp: "127.100.0.2",
  publicIp: null,
  hostname: "ip-127-100-0-2",
  imageId: "ami-0abcdef1234567890",
  instanceType: "t3.micro",
  stackName: null,
  logicalId: null,
  roleArn: null,
  tags: {},
  launchedAt: Date.UTC(2026, 11, 7, 20, 0),
  terminatedAt: null,
  ...fields,
});

/** Terminating an instance makes it `shutting-down`; the test finishes it (or not). */
export class FakeInstances implements InstanceDirectory {
  readonly instances = new Map<string, InstanceDto>();
  readonly consoles = new Map<string, string>();
  readonly terminated: string[] = [];

  add(instanceId: string, fields: Partial<InstanceDto> = {}): void {
    this.instances.set(instanceId, instanceDto(instanceId, fields));
  }
  set(instanceId: string, fields: Partial<InstanceDto>): void {
    const found = this.instances.get(instanceId);
    if (!found) throw new Error(`no instance ${instanceId} in the fake`);
    this.instances.set(instanceId, { ...found, ...fields });
  }
  async list({ all }: { all: boolean }): Promise<InstanceDto[]> {
    return [...this.instances.values()].filter((i) => all || i.state !== "terminated");
  }
  async find(instanceId: string): Promise<InstanceDto | undefined> {
    return this.instances.get(instanceId);
  }
  async console(instanceId: string): Promise<string> {
    return this.consoles.get(instanceId) ?? "";
  }
  async terminate(instanceId: string): Promise<void> {
    this.terminated.push(instanceId);
    if (this.instances.has(instanceId)) this.set(instanceId, { state: "shutting-down" });
  }
}
