import { ApiRoutes, apiPath, type RoleDetailsDto } from "@fawkes/protocol";
import { Fragment } from "react";
import { commands } from "../api/commands.ts";
import { formatDateTime } from "../format/time.ts";
import { useResource } from "../live/use-resource.ts";
import { Link } from "../router/link.tsx";
import { navigate } from "../router/navigation.ts";
import { href } from "../router/routes.ts";
import { ActionButton } from "../ui/action-button.tsx";
import { Loading, LoadError } from "../ui/page-states.tsx";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import "./roles.css";

const noServerEvents = (): boolean => false;
const json = (document: unknown): string => JSON.stringify(document, null, 2);

/** One role: who may assume it (trust policy), what it allows (inline and attached policies), where it is used. */
export function RolePage({ role }: { role: string }) {
  useDocumentTitle(`Role ${role}`);
  const { data, error } = useResource<RoleDetailsDto>(apiPath(ApiRoutes.role, { role }), noServerEvents);
  return (
    <>
      <div className="page-heading">
        <h1>
          <Link href={href.roles()}>Roles</Link> / {role}
        </h1>
        {data !== undefined && (
          <ActionButton
            variant="danger"
            action={async () => {
              await commands.deleteRole(data.name);
              navigate(href.roles());
            }}
            done={`Deleted role ${data.name}`}
            label={`Delete role ${data.name}`}
          >
            Delete
          </ActionButton>
        )}
      </div>
      {error !== undefined && <LoadError error={error} what={`role ${role}`} />}
      {data === undefined && error === undefined && <Loading what="the role" />}
      {data !== undefined && (
        <>
          <dl className="role-facts">
            <dt>ARN</dt>
            <dd>
              <code>{data.arn}</code>
            </dd>
            <dt>Role id</dt>
            <dd>
              <code>{data.roleId}</code>
            </dd>
            {data.description !== null && (
              <>
                <dt>Description</dt>
                <dd>{data.description}</dd>
              </>
            )}
            <dt>Longest session</dt>
            <dd>{data.maxSessionDurationSeconds} s</dd>
            {data.permissionsBoundaryArn !== null && (
              <>
                <dt>Permissions boundary</dt>
                <dd>
                  <code>{data.permissionsBoundaryArn}</code>
                </dd>
              </>
            )}
            {Object.entries(data.tags).map(([key, value]) => (
              <Fragment key={key}>
                <dt>Tag {key}</dt>
                <dd>{value}</dd>
              </Fragment>
            ))}
            <dt>Created</dt>
            <dd>{formatDateTime(data.createdAt)}</dd>
            {data.instanceProfiles.length > 0 && (
              <>
                <dt>Instance profiles</dt>
                <dd>{data.instanceProfiles.join(", ")}</dd>
              </>
            )}
          </dl>
          <section className="role-section" aria-labelledby="trust-heading">
            <h2 id="trust-heading">Trust policy</h2>
            <pre className="policy-document" data-testid="trust-policy">
              {json(data.trustPolicy)}
            </pre>
          </section>
          <section className="role-section" aria-labelledby="inline-heading">
            <h2 id="inline-heading">Inline policies</h2>
            {data.inlinePolicies.length === 0 && (
              <p className="muted">
                None. Add one with <code>fawkes roles put-policy {data.name} NAME FILE</code>.
              </p>
            )}
            {data.inlinePolicies.map((policy) => (
              <div key={policy.name} data-inline-policy={policy.name}>
                <h3>{policy.name}</h3>
                <pre className="policy-document">{json(policy.document)}</pre>
              </div>
            ))}
          </section>
          <section className="role-section" aria-labelledby="attached-heading">
            <h2 id="attached-heading">Attached policies</h2>
            {data.attachedPolicies.length === 0 ? (
              <p className="muted">None.</p>
            ) : (
              <ul>
                {data.attachedPolicies.map((policy) => (
                  <li key={policy.arn} data-attached-policy={policy.name}>
                    {policy.name} <code className="muted">{policy.arn}</code>
                  </li>
                ))}
              </ul>
            )}
          </section>
        </>
      )}
    </>
  );
}
