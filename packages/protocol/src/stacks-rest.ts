/**
 * REST DTOs of stacks (CloudFormation's model) and phoenix instances (`/api/v1/stacks`, `/api/v1/instances`):
 * what `fawkes stack …`, `fawkes instances …` and the Stacks and Instances pages use. Statuses are
 * CloudFormation's and EC2's own names; times are epoch milliseconds. NoEcho parameter values are `****`.
 */
import { z } from "zod";

export const StackTagDto = z.object({ key: z.string(), value: z.string() });
export type StackTagDto = z.infer<typeof StackTagDto>;

export const StackOutputDto = z.object({
  key: z.string(),
  value: z.string(),
  description: z.string().nullable(),
  exportName: z.string().nullable(),
});
export type StackOutputDto = z.infer<typeof StackOutputDto>;

/** One stack as lists show it. `status` is e.g. `CREATE_COMPLETE`, `ROLLBACK_IN_PROGRESS`. */
export const StackSummaryDto = z.object({
  stackId: z.string(),
  name: z.string(),
  status: z.string(),
  statusReason: z.string().nullable(),
  description: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.number().int(),
  updatedAt: z.number().int().nullable(),
  deletedAt: z.number().int().nullable(),
});
export type StackSummaryDto = z.infer<typeof StackSummaryDto>;

/** GET /api/v1/stacks?all=true: deleted stacks of the last 90 days too, as ListStacks. */
export const StackListQuery = z.strictObject({ all: z.enum(["true", "false"]).optional() });
export type StackListQuery = z.infer<typeof StackListQuery>;

/** GET /api/v1/stacks?all=true (deleted stacks too, as ListStacks). */
export const StackListDto = z.object({ stacks: z.array(StackSummaryDto) });
export type StackListDto = z.infer<typeof StackListDto>;

/** GET /api/v1/stacks/:stack (name or stack id): the stack with its parameters and outputs. */
export const StackDetailsDto = StackSummaryDto.extend({
  parameters: z.record(z.string(), z.string()),
  outputs: z.array(StackOutputDto),
  capabilities: z.array(z.string()),
  tags: z.array(StackTagDto),
  disableRollback: z.boolean(),
});
export type StackDetailsDto = z.infer<typeof StackDetailsDto>;

export const StackEventDto = z.object({
  /** Increasing within a stack: `?after=ID` returns the newer ones (live pages, `--wait`). */
  id: z.number().int(),
  eventId: z.string(),
  logicalId: z.string(),
  physicalId: z.string().nullable(),
  type: z.string(),
  status: z.string(),
  statusReason: z.string().nullable(),
  at: z.number().int(),
});
export type StackEventDto = z.infer<typeof StackEventDto>;

/** GET /api/v1/stacks/:stack/events?after=ID: only the events newer than event ID. */
export const StackEventsQuery = z.strictObject({
  after: z
    .string()
    .regex(/^(0|[1-9][0-9]{0,15})$/, "must be an event id (a non-negative integer)")
    .optional(),
});
export type StackEventsQuery = z.infer<typeof StackEventsQuery>;

/** GET /api/v1/stacks/:stack/events?after=ID → oldest first. */
export const StackEventListDto = z.object({ events: z.array(StackEventDto) });
export type StackEventListDto = z.infer<typeof StackEventListDto>;

export const StackResourceDto = z.object({
  logicalId: z.string(),
  physicalId: z.string().nullable(),
  type: z.string(),
  status: z.string(),
  statusReason: z.string().nullable(),
  updatedAt: z.number().int(),
});
export type StackResourceDto = z.infer<typeof StackResourceDto>;

/** GET /api/v1/stacks/:stack/resources. */
export const StackResourceListDto = z.object({ resources: z.array(StackResourceDto) });
export type StackResourceListDto = z.infer<typeof StackResourceListDto>;

/** POST /api/v1/stacks (create) and PUT /api/v1/stacks/:stack (update). */
export const StackRequest = z.object({
  name: z.string().min(1).max(128),
  templateBody: z.string().min(1),
  parameters: z.record(z.string(), z.string()).default({}),
  capabilities: z.array(z.string()).default([]),
  disableRollback: z.boolean().optional(),
  tags: z.array(StackTagDto).optional(),
});
export type StackRequest = z.infer<typeof StackRequest>;

/** One phoenix instance. `state`: `pending`, `running`, `shutting-down`, `terminated`. */
export const InstanceDto = z.object({
  instanceId: z.string(),
  state: z.string(),
  stateReason: z.string().nullable(),
  /** `127.100.x.y`: PrivateIpAddress. */
  privateIp: z.string(),
  /** The elastic address associated with it, or its own address (PublicIp). */
  publicIp: z.string().nullable(),
  hostname: z.string(),
  imageId: z.string(),
  instanceType: z.string(),
  /** The stack and logical id that made it, when a stack did. */
  stackName: z.string().nullable(),
  logicalId: z.string().nullable(),
  /** The instance profile's role ARN, or null. */
  roleArn: z.string().nullable(),
  tags: z.record(z.string(), z.string()),
  launchedAt: z.number().int(),
  terminatedAt: z.number().int().nullable(),
});
export type InstanceDto = z.infer<typeof InstanceDto>;

/** GET /api/v1/instances?all=true: terminated instances too. */
export const InstanceListQuery = z.strictObject({ all: z.enum(["true", "false"]).optional() });
export type InstanceListQuery = z.infer<typeof InstanceListQuery>;

/** GET /api/v1/instances?all=true (terminated ones too). */
export const InstanceListDto = z.object({ instances: z.array(InstanceDto) });
export type InstanceListDto = z.infer<typeof InstanceListDto>;

/** GET /api/v1/instances/:instance/console: the boot output so far (EC2's GetConsoleOutput, not base64). */
export const InstanceConsoleDto = z.object({
  instanceId: z.string(),
  output: z.string(),
  at: z.number().int(),
});
export type InstanceConsoleDto = z.infer<typeof InstanceConsoleDto>;
