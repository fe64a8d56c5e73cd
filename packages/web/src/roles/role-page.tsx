import { ApiRoutes, apiPath, type RoleDetailsDto } from "@fawkes/protocol";
import { Fragment } from "react";
import { commands } from "../api/commands.ts";
import { useIsAdmin } from "../auth/permissions.ts";
import { affects } from "../live/event-match.ts";
import { useResource } from "../live/use-resource.ts";
import { Link } from "../router/link.tsx";
import { navigate } from "../router/navigation.ts";
import { href } from "../router/routes.ts";
import { ConfirmButton } from "../ui/confirm-button.tsx";
import { DateTime } from "../ui/date-time.tsx";
import { TagList } from "../ui/tag-list.tsx";
import { Loading, LoadError } from "../ui/page-states.tsx";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import { AttachedPoliciesSection } from "./attached-policies-section.tsx";
import { IamNav } from "./iam-nav.tsx";
import { InlinePoliciesSection } from "./inline-policies-section.tsx";
import { RoleSessionsSection } from "./role-sessions-section.tsx";
import { TrustPolicySection } from "./trust-policy-section.tsx";
import "./roles.css";

/** One role: who may assume it (trust policy), what it allows (inline and attached policies), where it is used. */
export function RolePage({ role }: { role: string }) {
  useDocumentTitle(`Role ${role}`);
  const admin = useIsAdmin();
  const { data, error, reload } = useResource<RoleDetailsDto>(
    apiPath(ApiRoutes.role, { role }),
    affects.nothing,
  );
  return (
    <>
      <div className="page-heading">
        <h1>
          <Link href={href.roles()}>Roles</Link> / {role}
        </h1>
        {data !== undefined && admin && (
          <ConfirmButton
            label={`Delete role ${data.name}`}
            title={`Delete role ${data.name}?`}
            body={
              <p>
                Jobs and agents using it get no credentials any more. A role with policies or in an instance
                profile cannot be deleted: remove those first.
              </p>
            }
            confirmLabel="Delete"
            action={() => commands.deleteRole(data.name)}
            done={`Deleted role ${data.name}`}
            onDone={() => navigate(href.roles())}
          >
            Delete
          </ConfirmButton>
        )}
      </div>
      <IamNav current="roles" />
      {error !== undefined && <LoadError error={error} what={`role ${role}`} />}
      {data === undefined && error === undefined && <Loading what="the role" />}
      {data !== undefined && (
        <>
          <RoleFacts role={data} />
          <TrustPolicySection role={data} onChanged={reload} />
          <InlinePoliciesSection role={data} onChanged={reload} />
          <AttachedPoliciesSection role={data} onChanged={reload} />
          {admin && <RoleSessionsSection role={data} />}
        </>
      )}
    </>
  );
}

function RoleFacts({ role }: { role: RoleDetailsDto }) {
  return (
    <dl className="facts">
      <dt>ARN</dt>
      <dd>
        <code>{role.arn}</code>
      </dd>
      <dt>Role id</dt>
      <dd>
        <code>{role.roleId}</code>
      </dd>
      {role.description !== null && (
        <>
          <dt>Description</dt>
          <dd>{role.description}</dd>
        </>
      )}
      <dt>Longest session</dt>
      <dd>{role.maxSessionDurationSeconds} s</dd>
      <dt>Permissions boundary</dt>
      <dd data-testid="permissions-boundary">
        {role.permissionsBoundaryArn === null ? (
          <span className="muted">None</span>
        ) : (
          <code>{role.permissionsBoundaryArn}</code>
        )}
      </dd>
      <dt>Tags</dt>
      <dd>
        <TagList tags={Object.entries(role.tags)} />
      </dd>
      <dt>Created</dt>
      <dd>
        <DateTime time={role.createdAt} />
      </dd>
      <dt>Instance profiles</dt>
      <dd data-testid="role-instance-profiles">
        {role.instanceProfiles.length === 0 ? (
          <span className="muted">None</span>
        ) : (
          role.instanceProfiles.map((profile, index) => (
            <Fragment key={profile}>
              {index > 0 && ", "}
              <Link href={href.instanceProfiles()}>{profile}</Link>
            </Fragment>
          ))
        )}
      </dd>
    </dl>
  );
}
