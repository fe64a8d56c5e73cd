import { ApiRoutes, type AgentDto, type AgentListDto } from "@fawkes/protocol";
import { useCallback, useState } from "react";
import { commands } from "../api/commands.ts";
import { affects } from "../live/event-match.ts";
import { useResource } from "../live/use-resource.ts";
import { Dialog } from "../ui/dialog.tsx";
import { Loading, LoadError } from "../ui/page-states.tsx";
import { useCommandDialog } from "../ui/use-command-dialog.ts";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import { AgentRow } from "./agent-row.tsx";

export function AgentsPage() {
  useDocumentTitle("Agents");
  const { data, error } = useResource<AgentListDto>(ApiRoutes.agents, affects.agents);
  const [deleting, setDeleting] = useState<AgentDto | undefined>();
  const dialog = useCommandDialog();
  const { show } = dialog;
  const confirmDelete = useCallback(
    (agent: AgentDto) => {
      setDeleting(agent);
      show();
    },
    [show],
  );
  const pending = data?.agents.filter((agent) => agent.state === "pending").length ?? 0;

  return (
    <>
      <div className="page-heading">
        <h1>Agents</h1>
        {data !== undefined && (
          <span className="muted">
            {data.agents.length} agent{data.agents.length === 1 ? "" : "s"}
            {pending > 0 && `, ${pending} waiting to be enabled`}
          </span>
        )}
      </div>
      {error !== undefined && <LoadError error={error} what="the agents" />}
      {data === undefined && error === undefined && <Loading what="agents" />}
      {data !== undefined && data.agents.length === 0 && (
        <p className="empty">
          No agent has registered. Start one with <code>fawkes agent --server URL --key KEY</code>.
        </p>
      )}
      {data !== undefined && data.agents.length > 0 && (
        <div className="table-scroll">
          <table className="data-table agents-table">
            <caption className="visually-hidden">Agents</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">State</th>
                <th scope="col">Host</th>
                <th scope="col">Resources</th>
                <th scope="col">Current job</th>
                <th scope="col">Last heartbeat</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.agents.map((agent) => (
                <AgentRow key={agent.id} agent={agent} onDelete={confirmDelete} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Dialog
        open={dialog.open}
        title={`Delete ${deleting?.name ?? "agent"}?`}
        onClose={dialog.close}
        onSubmit={() => {
          if (deleting !== undefined)
            void dialog.run(() => commands.deleteAgent(deleting.name), `Deleted ${deleting.name}`);
        }}
        submitLabel="Delete"
        submitVariant="danger"
        busy={dialog.busy}
      >
        <p>
          The agent is removed from the server. If its process is still running it registers again as pending.
        </p>
        {dialog.error !== undefined && (
          <p className="notice notice-error" role="alert">
            {dialog.error}
          </p>
        )}
      </Dialog>
    </>
  );
}
