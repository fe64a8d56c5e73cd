/** DTO fixtures shaped exactly as the protocol schemas say (they are validated by the client). */
import type { PipelineRunDto, PipelineStatusDto } from "@fawkes/protocol";

export function runFixture(
  counter: number,
  result: PipelineRunDto["result"],
  stages: PipelineRunDto["stages"],
): PipelineRunDto {
  return {
    counter,
    label: `1.${counter}`,
    result,
    trigger: { kind: "material", user: "changes" },
    stages,
    awaitingApproval: null,
    materials: [{ material: "app", type: "git", revision: "abc123", description: "Add it", changed: true }],
    createdAt: 1_700_000_000_000 + counter,
  };
}

export function stageFixture(
  name: string,
  result: PipelineRunDto["result"],
  jobs: {
    name: string;
    state: PipelineRunDto["stages"][number]["jobs"][number]["state"];
    result: PipelineRunDto["stages"][number]["jobs"][number]["result"];
  }[],
  counter = 1,
): PipelineRunDto["stages"][number] {
  return {
    name,
    counter,
    result,
    approvalType: "success",
    approvedBy: "changes",
    rerunOfCounter: null,
    scheduledAt: 1,
    completedAt: result === "building" ? null : 2,
    jobs: jobs.map((job) => ({
      ...job,
      agent: "host-1",
      waitingReason: null,
      scheduledAt: 1,
      assignedAt: job.state === "scheduled" ? null : 1,
      completedAt: job.state === "completed" ? 2 : null,
    })),
  };
}

export const statusFixture: PipelineStatusDto = {
  pipeline: "dummy-application",
  group: "examples",
  paused: false,
  pauseReason: null,
  locked: false,
  triggerVariables: [],
  // Deliberately oldest first: the CLI must print newest first.
  runs: [
    runFixture(1, "failed", [
      stageFixture("test", "failed", [{ name: "test", state: "completed", result: "failed" }]),
    ]),
    runFixture(2, "building", [
      stageFixture("test", "passed", [{ name: "test", state: "completed", result: "passed" }]),
      stageFixture("package", "building", [{ name: "package", state: "building", result: "unknown" }]),
    ]),
  ],
};
