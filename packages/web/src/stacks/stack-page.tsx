import type { StackDetailsDto, StackEventDto, StackResourceDto } from "@fawkes/protocol";
import type { ReactNode } from "react";
import { commands } from "../api/commands.ts";
import { useCanOperateGlobally } from "../auth/permissions.ts";
import { Link } from "../router/link.tsx";
import { href, type StackTab } from "../router/routes.ts";
import { ConfirmButton } from "../ui/confirm-button.tsx";
import { DateTime } from "../ui/date-time.tsx";
import { TagList } from "../ui/tag-list.tsx";
import { Loading, LoadError } from "../ui/page-states.tsx";
import { StateBadge } from "../ui/state-badge.tsx";
import { tabPanelProps, Tabs } from "../ui/tabs.tsx";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import { isInProgress, stackDisplayState } from "./stack-states.ts";
import { useStack, useTemplate, type StackView } from "./use-stack.ts";
import "./stacks.css";

const TAB_LABELS: Record<StackTab, string> = {
  events: "Events",
  parameters: "Parameters",
  outputs: "Outputs",
  resources: "Resources",
  template: "Template",
};

/**
 * One stack: its status and facts, and tabs for its events (followed live while an operation runs),
 * parameters (NoEcho ones as ****), outputs, resources and template; Delete for operators.
 */
export function StackPage({ stack, tab }: { stack: string; tab: StackTab }) {
  const view = useStack(stack);
  const { details, error } = view;
  const title = details?.name ?? stack;
  useDocumentTitle(`Stack ${title}`);
  const canOperate = useCanOperateGlobally();
  const deletable =
    details !== undefined && !isInProgress(details.status) && details.status !== "DELETE_COMPLETE";
  return (
    <>
      <div className="page-heading">
        <h1>
          <Link href={href.stacks()}>Stacks</Link> / {title}
        </h1>
        {details !== undefined && (
          <StateBadge state={stackDisplayState(details.status)} label={details.status} />
        )}
        {deletable && canOperate && (
          <ConfirmButton
            label={`Delete stack ${details.name}`}
            title={`Delete stack ${details.name}?`}
            body={
              <p>
                Every resource the stack made is deleted, in reverse order (those with{" "}
                <code>DeletionPolicy: Retain</code> are kept). This cannot be undone.
              </p>
            }
            confirmLabel="Delete"
            action={() => commands.deleteStack(details.stackId)}
            done={`Deleting stack ${details.name}`}
            onDone={view.reload}
          >
            Delete
          </ConfirmButton>
        )}
      </div>
      {error !== undefined && <LoadError error={error} what={`stack ${stack}`} />}
      {details === undefined && error === undefined && <Loading what="the stack" />}
      {details !== undefined && <StackBody details={details} view={view} tab={tab} />}
    </>
  );
}

function StackBody({ details, view, tab }: { details: StackDetailsDto; view: StackView; tab: StackTab }) {
  const handle = details.deletedAt === null ? details.name : details.stackId;
  const live = isInProgress(details.status);
  return (
    <>
      <StackFacts stack={details} />
      <p className="muted stack-live" role="status">
        {live ? `${details.status}: following its events live…` : ""}
      </p>
      <Tabs
        label="Stack details"
        idPrefix="stack"
        selected={tab}
        items={(Object.keys(TAB_LABELS) as StackTab[]).map((key) => ({
          key,
          label: key === "events" ? `Events (${view.events.length})` : TAB_LABELS[key],
          href: href.stack(handle, key),
        }))}
      />
      <div {...tabPanelProps("stack", tab)}>
        {tab === "events" && <EventsTable events={view.events} />}
        {tab === "parameters" && <ParametersTable parameters={details.parameters} />}
        {tab === "outputs" && <OutputsTable outputs={details.outputs} live={live} />}
        {tab === "resources" && <ResourcesTable resources={view.resources} />}
        {tab === "template" && <TemplateText stackId={details.stackId} />}
      </div>
    </>
  );
}

function StackFacts({ stack }: { stack: StackDetailsDto }) {
  return (
    <dl className="facts">
      {stack.statusReason !== null && (
        <>
          <dt>Reason</dt>
          <dd data-testid="stack-reason">{stack.statusReason}</dd>
        </>
      )}
      {stack.description !== null && (
        <>
          <dt>Description</dt>
          <dd>{stack.description}</dd>
        </>
      )}
      <dt>Stack id</dt>
      <dd>
        <code>{stack.stackId}</code>
      </dd>
      <dt>Created</dt>
      <dd>
        <DateTime time={stack.createdAt} /> by {stack.createdBy}
      </dd>
      {stack.updatedAt !== null && (
        <>
          <dt>Updated</dt>
          <dd>
            <DateTime time={stack.updatedAt} />
          </dd>
        </>
      )}
      {stack.deletedAt !== null && (
        <>
          <dt>Deleted</dt>
          <dd>
            <DateTime time={stack.deletedAt} />
          </dd>
        </>
      )}
      <dt>Capabilities</dt>
      <dd>
        {stack.capabilities.length === 0 ? (
          <span className="muted">None</span>
        ) : (
          stack.capabilities.join(", ")
        )}
      </dd>
      <dt>Rollback on failure</dt>
      <dd>{stack.disableRollback ? "No (disabled)" : "Yes"}</dd>
      <dt>Tags</dt>
      <dd>
        <TagList tags={stack.tags.map((tag) => [tag.key, tag.value] as const)} />
      </dd>
    </dl>
  );
}

function Table({ caption, columns, children }: { caption: string; columns: string[]; children: ReactNode }) {
  return (
    <div className="table-scroll">
      <table className="data-table stack-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/** Newest first, as CloudFormation's console shows them. */
function EventsTable({ events }: { events: StackEventDto[] }) {
  if (events.length === 0) return <p className="empty">No event yet.</p>;
  return (
    <Table caption="Events, newest first" columns={["Time", "Logical id", "Type", "Status", "Reason"]}>
      {[...events].reverse().map((event) => (
        <tr key={event.id} data-event={event.id} data-logical-id={event.logicalId} data-status={event.status}>
          <td>
            <DateTime time={event.at} />
          </td>
          <th scope="row">{event.logicalId}</th>
          <td>
            <code>{event.type}</code>
          </td>
          <td>
            <StateBadge state={stackDisplayState(event.status)} label={event.status} />
          </td>
          <td className="stack-reason">{event.statusReason ?? ""}</td>
        </tr>
      ))}
    </Table>
  );
}

function ParametersTable({ parameters }: { parameters: Record<string, string> }) {
  const entries = Object.entries(parameters);
  if (entries.length === 0) return <p className="empty">The template has no parameters.</p>;
  return (
    <Table caption="Parameters" columns={["Key", "Value"]}>
      {entries.map(([key, value]) => (
        <tr key={key} data-parameter={key}>
          <th scope="row">{key}</th>
          <td>
            {value === "****" ? (
              <span aria-label="hidden (NoEcho)" title="NoEcho: the value is never shown">
                ****
              </span>
            ) : (
              <code>{value}</code>
            )}
          </td>
        </tr>
      ))}
    </Table>
  );
}

function OutputsTable({ outputs, live }: { outputs: StackDetailsDto["outputs"]; live: boolean }) {
  if (outputs.length === 0)
    return (
      <p className="empty">
        {live ? "No output yet: outputs are set once the stack is created." : "The stack has no outputs."}
      </p>
    );
  return (
    <Table caption="Outputs" columns={["Key", "Value", "Description", "Export name"]}>
      {outputs.map((output) => (
        <tr key={output.key} data-output={output.key}>
          <th scope="row">{output.key}</th>
          <td>
            <code>{output.value}</code>
          </td>
          <td>{output.description ?? ""}</td>
          <td>{output.exportName === null ? "" : <code>{output.exportName}</code>}</td>
        </tr>
      ))}
    </Table>
  );
}

function ResourcesTable({ resources }: { resources: StackResourceDto[] | undefined }) {
  if (resources === undefined) return <Loading what="the resources" />;
  if (resources.length === 0) return <p className="empty">No resource yet.</p>;
  return (
    <Table caption="Resources" columns={["Logical id", "Physical id", "Type", "Status", "Reason"]}>
      {resources.map((resource) => (
        <tr key={resource.logicalId} data-resource={resource.logicalId} data-status={resource.status}>
          <th scope="row">{resource.logicalId}</th>
          <td>
            <PhysicalId resource={resource} />
          </td>
          <td>
            <code>{resource.type}</code>
          </td>
          <td>
            <StateBadge state={stackDisplayState(resource.status)} label={resource.status} />
          </td>
          <td className="stack-reason">{resource.statusReason ?? ""}</td>
        </tr>
      ))}
    </Table>
  );
}

/** Pages of Fawkes that show what a resource is: its bucket, role or instance. */
const PAGE_OF_TYPE: Record<string, (physicalId: string) => string> = {
  "AWS::S3::Bucket": (id) => href.bucket(id),
  "AWS::IAM::Role": (id) => href.role(id),
  "AWS::EC2::Instance": (id) => href.instance(id),
};

function PhysicalId({ resource }: { resource: StackResourceDto }) {
  if (resource.physicalId === null) return null;
  const page = PAGE_OF_TYPE[resource.type];
  const id = <code>{resource.physicalId}</code>;
  // Not once it is gone: the link would lead to a "not found".
  if (page === undefined || resource.status === "DELETE_COMPLETE") return id;
  return <Link href={page(resource.physicalId)}>{id}</Link>;
}

function TemplateText({ stackId }: { stackId: string }) {
  const { text, error } = useTemplate(stackId);
  if (error !== undefined) return <LoadError error={error} what="the template" />;
  if (text === undefined) return <Loading what="the template" />;
  return (
    <pre className="stack-template" aria-label="Template (read-only)" tabIndex={0}>
      {text}
    </pre>
  );
}
