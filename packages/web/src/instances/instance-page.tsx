import { ApiRoutes, apiPath, type InstanceConsoleDto, type InstanceDto } from "@fawkes/protocol";
import { commands } from "../api/commands.ts";
import { useCanOperateGlobally } from "../auth/permissions.ts";
import { affects } from "../live/event-match.ts";
import { useResource } from "../live/use-resource.ts";
import { Link } from "../router/link.tsx";
import { href } from "../router/routes.ts";
import { instanceDisplayState, isInstanceLive } from "../stacks/stack-states.ts";
import { ConfirmButton } from "../ui/confirm-button.tsx";
import { DateTime } from "../ui/date-time.tsx";
import { TagList } from "../ui/tag-list.tsx";
import { Loading, LoadError } from "../ui/page-states.tsx";
import { StateBadge } from "../ui/state-badge.tsx";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import { InstanceStack } from "./instance-stack.tsx";
import { useRefreshWhile } from "./use-refresh.ts";
import "../stacks/stacks.css";

/** One phoenix instance: its facts and console output, refreshed while it runs; Terminate for operators. */
export function InstancePage({ instance }: { instance: string }) {
  useDocumentTitle(`Instance ${instance}`);
  const canOperate = useCanOperateGlobally();
  const details = useResource<InstanceDto>(apiPath(ApiRoutes.instance, { instance }), affects.nothing);
  const output = useResource<InstanceConsoleDto>(
    apiPath(ApiRoutes.instanceConsole, { instance }),
    affects.nothing,
  );
  const data = details.data;
  const changing = data !== undefined && (isInstanceLive(data.state) || data.state === "shutting-down");
  useRefreshWhile(changing, details.reload);
  useRefreshWhile(data !== undefined && isInstanceLive(data.state), output.reload);
  return (
    <>
      <div className="page-heading">
        <h1>
          <Link href={href.instances()}>Instances</Link> / {instance}
        </h1>
        {data !== undefined && <StateBadge state={instanceDisplayState(data.state)} label={data.state} />}
        {data !== undefined && canOperate && isInstanceLive(data.state) && (
          <ConfirmButton
            label={`Terminate instance ${instance}`}
            title={`Terminate instance ${instance}?`}
            body={
              <p>
                Its processes are killed and its disk is deleted: nothing on it survives.
                {data.stackName !== null && (
                  <>
                    {" "}
                    Stack <code>{data.stackName}</code> made it and does not replace it.
                  </>
                )}
              </p>
            }
            confirmLabel="Terminate"
            action={() => commands.terminateInstance(instance)}
            done={`Terminating instance ${instance}`}
            onDone={details.reload}
          >
            Terminate
          </ConfirmButton>
        )}
      </div>
      {details.error !== undefined && <LoadError error={details.error} what={`instance ${instance}`} />}
      {data === undefined && details.error === undefined && <Loading what="the instance" />}
      {data !== undefined && <InstanceFacts instance={data} />}
      {data !== undefined && (
        <section aria-labelledby="instance-console-heading">
          <h2 id="instance-console-heading">Console output</h2>
          {output.error !== undefined && <LoadError error={output.error} what="the console output" />}
          {output.data === undefined && output.error === undefined && <Loading what="the console output" />}
          {output.data !== undefined &&
            (output.data.output === "" ? (
              <p className="empty">No output yet.</p>
            ) : (
              <pre className="instance-console" aria-label="Console output" tabIndex={0}>
                {output.data.output}
              </pre>
            ))}
        </section>
      )}
    </>
  );
}

function InstanceFacts({ instance }: { instance: InstanceDto }) {
  return (
    <dl className="facts">
      {instance.stateReason !== null && (
        <>
          <dt>State reason</dt>
          <dd>{instance.stateReason}</dd>
        </>
      )}
      <dt>Private IP</dt>
      <dd>
        <code>{instance.privateIp}</code>
      </dd>
      <dt>Public IP</dt>
      <dd>
        {instance.publicIp === null ? <span className="muted">None</span> : <code>{instance.publicIp}</code>}
      </dd>
      <dt>Hostname</dt>
      <dd>
        <code>{instance.hostname}</code>
      </dd>
      <dt>Stack</dt>
      <dd>
        <InstanceStack instance={instance} />
      </dd>
      <dt>Role</dt>
      <dd>
        {instance.roleArn === null ? <span className="muted">None</span> : <code>{instance.roleArn}</code>}
      </dd>
      <dt>Image / type</dt>
      <dd>
        <code>{instance.imageId}</code> / <code>{instance.instanceType}</code>
      </dd>
      <dt>Launched</dt>
      <dd>
        <DateTime time={instance.launchedAt} />
      </dd>
      {instance.terminatedAt !== null && (
        <>
          <dt>Terminated</dt>
          <dd>
            <DateTime time={instance.terminatedAt} />
          </dd>
        </>
      )}
      <dt>Tags</dt>
      <dd>
        <TagList tags={Object.entries(instance.tags)} />
      </dd>
    </dl>
  );
}
