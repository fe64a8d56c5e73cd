/**
 * The one agents write the token cache applies in place: dispatch and completion set an agent's current job
 * (`UPDATE agents SET current_job_run_id = ? WHERE id = ?`, nothing else). Recognised by the statement's
 * shape, so a step that writes anything more about an agent still drops the cache.
 */
import type { RootOperationNode } from "kysely";
import type { AgentRecord } from "../store/records.ts";
import type { RowPatch } from "./step-watched-cache.ts";

interface Node {
  kind?: string;
  [key: string]: unknown;
}

const nameOf = (column: unknown): unknown => ((column as Node)?.column as Node)?.name;

export function currentJobPatch(root: RootOperationNode): RowPatch<AgentRecord> | undefined {
  if (root.kind !== "UpdateQueryNode") return undefined;
  const node = root as unknown as Node;
  const updates = node.updates as Node[] | undefined;
  const where = (node.where as Node | undefined)?.where as Node | undefined;
  if (node.from !== undefined || node.joins !== undefined || node.returning !== undefined) return undefined;
  if (updates?.length !== 1 || where?.kind !== "BinaryOperationNode") return undefined;
  const [update] = updates as [Node];
  const value = update.value as Node;
  const left = where.leftOperand as Node;
  const right = where.rightOperand as Node;
  if (nameOf(update.column) !== "current_job_run_id" || value.kind !== "ValueNode") return undefined;
  if (left.kind !== "ReferenceNode" || nameOf(left.column) !== "id") return undefined;
  if ((where.operator as Node).operator !== "=" || right.kind !== "ValueNode") return undefined;
  const jobRunId = value.value;
  const agentId = right.value;
  if ((jobRunId !== null && typeof jobRunId !== "number") || typeof agentId !== "string") return undefined;
  return (row) => (row.id === agentId ? { ...row, currentJobRunId: jobRunId } : row);
}
