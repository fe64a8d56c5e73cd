import type { AgentDto } from "@fawkes/protocol";
import { memo } from "react";
import { commands } from "../api/commands.ts";
import { useIsAdmin } from "../auth/permissions.ts";
import { agentStateText } from "../format/states.ts";
import { Link } from "../router/link.tsx";
import { jobLocatorHref } from "../router/routes.ts";
import { ActionButton } from "../ui/action-button.tsx";
import { TimeAgo } from "../ui/time-ago.tsx";
import { ResourcesEditor } from "./resources-editor.tsx";

const stateSymbol: Record<AgentDto["state"], string> = {
  pending: "?",
  idle: "○",
  building: "◐",
  lost: "!",
  disabled: "⊘",
};

export const AgentRow = memo(function AgentRow({
  agent,
  onDelete,
}: {
  agent: AgentDto;
  onDelete(agent: AgentDto): void;
}) {
  const jobHref = agent.currentJob === null ? undefined : jobLocatorHref(agent.currentJob);
  const enabled = agent.state !== "pending" && agent.state !== "disabled";
  // Enabling, disabling, deleting agents and their resources are an administrator's.
  const isAdmin = useIsAdmin();
  return (
    <tr data-agent={agent.name} data-state={agent.state}>
      <th scope="row">{agent.name}</th>
      <td>
        <span className={`badge agent-${agent.state}`} data-state={agent.state}>
          <span aria-hidden="true" className="badge-symbol">
            {stateSymbol[agent.state]}
          </span>
          {agentStateText[agent.state]}
        </span>
      </td>
      <td className="mono">{agent.hostname}</td>
      <td>
        <ResourcesEditor agent={agent.name} resources={agent.resources} editable={isAdmin} />
      </td>
      <td>
        {agent.currentJob === null ? (
          <span className="muted">—</span>
        ) : jobHref === undefined ? (
          agent.currentJob
        ) : (
          <Link href={jobHref}>{agent.currentJob}</Link>
        )}
      </td>
      <td>
        {agent.lastHeartbeatAt === null ? (
          <span className="muted">never</span>
        ) : (
          <TimeAgo time={agent.lastHeartbeatAt} />
        )}
      </td>
      <td>
        {isAdmin && (
          <div className="row-actions">
            {enabled ? (
              <ActionButton
                action={() => commands.disableAgent(agent.name)}
                done={`Disabled ${agent.name}`}
                label={`Disable ${agent.name}`}
              >
                Disable
              </ActionButton>
            ) : (
              <ActionButton
                variant="primary"
                action={() => commands.enableAgent(agent.name)}
                done={`Enabled ${agent.name}`}
                label={`Enable ${agent.name}`}
              >
                Enable
              </ActionButton>
            )}
            <button
              type="button"
              className="button button-danger"
              onClick={() => onDelete(agent)}
              aria-label={`Delete ${agent.name}`}
            >
              Delete
            </button>
          </div>
        )}
      </td>
    </tr>
  );
});
