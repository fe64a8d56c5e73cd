import { ApiRoutes, type StackListDto } from "@fawkes/protocol";
import { affects } from "../live/event-match.ts";
import { useResource } from "../live/use-resource.ts";
import { Link } from "../router/link.tsx";
import { href } from "../router/routes.ts";
import { DateTime } from "../ui/date-time.tsx";
import { ListHeading, ResourceTable } from "../ui/resource-table.tsx";
import { StateBadge } from "../ui/state-badge.tsx";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import { stackDisplayState } from "./stack-states.ts";
import "./stacks.css";

/** Stacks, newest first (deleted ones too with "Show deleted"); kept current by the event stream. */
export function StacksPage({ all }: { all: boolean }) {
  useDocumentTitle("Stacks");
  const { data, error } = useResource<StackListDto>(
    all ? `${ApiRoutes.stacks}?all=true` : ApiRoutes.stacks,
    affects.stacks,
  );
  return (
    <>
      <ListHeading title="Stacks" count={data?.stacks.length} noun={["stack", "stacks"]}>
        <Link href={href.stacks(!all)} className="button button-secondary">
          {all ? "Hide deleted" : "Show deleted"}
        </Link>
      </ListHeading>
      <ResourceTable
        items={data?.stacks}
        error={error}
        what="the stacks"
        empty={
          <>
            No stack yet. Create one from a CloudFormation template:{" "}
            <code>fawkes stack create NAME --template template.yaml</code>, or with the AWS CLI:{" "}
            <code>
              aws cloudformation create-stack --stack-name NAME --template-body file://template.yaml
            </code>
            .
          </>
        }
        caption="Stacks"
        className="stacks-table"
        columns={["Name", "Status", "Created", "Reason"]}
        row={(stack) => (
          <tr key={stack.stackId} data-stack={stack.name} data-status={stack.status}>
            <th scope="row">
              <Link href={href.stack(stack.deletedAt === null ? stack.name : stack.stackId)}>
                {stack.name}
              </Link>
              {stack.description !== null && (
                <div className="muted stack-description">{stack.description}</div>
              )}
            </th>
            <td>
              <StateBadge state={stackDisplayState(stack.status)} label={stack.status} />
            </td>
            <td>
              <DateTime time={stack.createdAt} /> <span className="muted">by {stack.createdBy}</span>
            </td>
            <td className="stack-reason">{stack.statusReason ?? ""}</td>
          </tr>
        )}
      />
    </>
  );
}
