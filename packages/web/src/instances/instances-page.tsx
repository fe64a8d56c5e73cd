import { ApiRoutes, type InstanceListDto } from "@fawkes/protocol";
import { affects } from "../live/event-match.ts";
import { useResource } from "../live/use-resource.ts";
import { Link } from "../router/link.tsx";
import { href } from "../router/routes.ts";
import { instanceDisplayState } from "../stacks/stack-states.ts";
import { DateTime } from "../ui/date-time.tsx";
import { ListHeading, ResourceTable } from "../ui/resource-table.tsx";
import { StateBadge } from "../ui/state-badge.tsx";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import { InstanceStack } from "./instance-stack.tsx";
import { useRefreshWhile } from "./use-refresh.ts";
import "../stacks/stacks.css";

/** Phoenix instances (terminated ones too with "Show terminated"); refreshed while one is changing state. */
export function InstancesPage({ all }: { all: boolean }) {
  useDocumentTitle("Instances");
  const { data, error, reload } = useResource<InstanceListDto>(
    all ? `${ApiRoutes.instances}?all=true` : ApiRoutes.instances,
    affects.nothing,
  );
  const changing = data?.instances.some((i) => i.state === "pending" || i.state === "shutting-down") ?? false;
  useRefreshWhile(changing, reload);
  return (
    <>
      <ListHeading title="Instances" count={data?.instances.length} noun={["instance", "instances"]}>
        <Link href={href.instances(!all)} className="button button-secondary">
          {all ? "Hide terminated" : "Show terminated"}
        </Link>
      </ListHeading>
      <ResourceTable
        items={data?.instances}
        error={error}
        what="the instances"
        empty={
          <>
            No instance yet. Stacks launch them: a template with an <code>AWS::EC2::Instance</code>, created
            with <code>fawkes stack create NAME --template template.yaml</code> or{" "}
            <code>
              aws cloudformation create-stack --stack-name NAME --template-body file://template.yaml
            </code>
            .
          </>
        }
        caption="Instances"
        className="instances-table"
        columns={["Instance id", "State", "Private IP", "Public IP", "Stack / logical id", "Launched"]}
        row={(instance) => (
          <tr key={instance.instanceId} data-instance={instance.instanceId} data-state={instance.state}>
            <th scope="row">
              <Link href={href.instance(instance.instanceId)}>{instance.instanceId}</Link>
            </th>
            <td>
              <StateBadge state={instanceDisplayState(instance.state)} label={instance.state} />
            </td>
            <td>
              <code>{instance.privateIp}</code>
            </td>
            <td>{instance.publicIp === null ? "" : <code>{instance.publicIp}</code>}</td>
            <td>
              <InstanceStack instance={instance} />
            </td>
            <td>
              <DateTime time={instance.launchedAt} />
            </td>
          </tr>
        )}
      />
    </>
  );
}
