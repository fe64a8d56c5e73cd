import { ApiRoutes, type ManagedPolicyDto, type ManagedPolicyListDto } from "@fawkes/protocol";
import { iam } from "../api/iam.ts";
import { errorMessage } from "../api/http.ts";
import { useIsAdmin } from "../auth/permissions.ts";
import { affects } from "../live/event-match.ts";
import { useResource } from "../live/use-resource.ts";
import { Link } from "../router/link.tsx";
import { navigate } from "../router/navigation.ts";
import { href } from "../router/routes.ts";
import { ConfirmButton } from "../ui/confirm-button.tsx";
import { DateTime } from "../ui/date-time.tsx";
import { jsonText } from "../ui/json-text.ts";
import { ResourceTable } from "../ui/resource-table.tsx";
import { useCommandDialog } from "../ui/use-command-dialog.ts";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import { CreatePolicyDialog } from "./create-policy-dialog.tsx";
import { IamListHeading } from "./iam-nav.tsx";
import { useRolesAttaching } from "./policy-roles.ts";
import "./roles.css";

/** Managed policies: listed, created from JSON, opened (document and the roles attaching it), deleted. */
export function PoliciesPage({ selected }: { selected: string | undefined }) {
  useDocumentTitle(selected === undefined ? "Managed policies" : `Policy ${selected}`);
  const admin = useIsAdmin();
  const { data, error, reload } = useResource<ManagedPolicyListDto>(ApiRoutes.policies, affects.nothing);
  const dialog = useCommandDialog();
  const open = data?.policies.find((policy) => policy.name === selected);
  return (
    <>
      <IamListHeading
        title="Managed policies"
        count={data?.policies.length}
        noun={["policy", "policies"]}
        current="policies"
        createLabel="Create policy"
        onCreate={dialog.show}
      />
      <ResourceTable
        items={data?.policies}
        error={error}
        what="the managed policies"
        empty={
          <>
            No managed policy yet. One document can be attached to many roles:{" "}
            <code>fawkes policies create NAME FILE</code>.
          </>
        }
        caption="Managed policies"
        className="policies-table"
        columns={["Name", "ARN", "Used by", "Created"]}
        row={(policy) => (
          <tr
            key={policy.policyId}
            data-policy={policy.name}
            aria-current={policy.name === selected ? "true" : undefined}
          >
            <th scope="row">
              <Link href={href.policies(policy.name)}>{policy.name}</Link>
            </th>
            <td>
              <code>{policy.arn}</code>
            </td>
            <td>{usage(policy)}</td>
            <td>
              <DateTime time={policy.createdAt} />
            </td>
          </tr>
        )}
      />
      {selected !== undefined && data !== undefined && open === undefined && (
        <p className="notice notice-error" role="alert">
          No managed policy named {selected}.
        </p>
      )}
      {open !== undefined && <PolicyDetails key={open.arn} policy={open} onDeleted={reload} />}
      {admin && <CreatePolicyDialog dialog={dialog} onCreated={reload} />}
    </>
  );
}

function usage(policy: ManagedPolicyDto): string {
  const parts = [`${policy.attachmentCount} role${policy.attachmentCount === 1 ? "" : "s"}`];
  if (policy.permissionsBoundaryUsageCount > 0)
    parts.push(`boundary of ${policy.permissionsBoundaryUsageCount}`);
  return parts.join(", ");
}

function PolicyDetails({ policy, onDeleted }: { policy: ManagedPolicyDto; onDeleted(): void }) {
  const admin = useIsAdmin();
  const { roles, error } = useRolesAttaching(policy.arn, policy.attachmentCount);
  return (
    <section
      className="role-section policy-details"
      aria-labelledby="policy-heading"
      data-open-policy={policy.name}
    >
      <div className="section-heading">
        <h2 id="policy-heading">{policy.name}</h2>
        {admin && (
          <ConfirmButton
            label={`Delete policy ${policy.name}`}
            title={`Delete policy ${policy.name}?`}
            body={
              <p>A policy attached to a role, or a role's boundary, cannot be deleted: detach it first.</p>
            }
            confirmLabel="Delete"
            action={() => iam.deletePolicy(policy.name)}
            done={`Deleted policy ${policy.name}`}
            onDone={() => {
              navigate(href.policies());
              onDeleted();
            }}
          >
            Delete
          </ConfirmButton>
        )}
      </div>
      {policy.description !== null && <p>{policy.description}</p>}
      <h3>Attached to</h3>
      {error !== undefined && <p className="muted">The roles could not be read: {errorMessage(error)}</p>}
      {roles === undefined && error === undefined && <p className="muted">Reading the roles…</p>}
      {roles !== undefined && roles.length === 0 && <p className="muted">No role.</p>}
      {roles !== undefined && roles.length > 0 && (
        <ul className="plain-list" data-testid="policy-roles">
          {roles.map((role) => (
            <li key={role}>
              <Link href={href.role(role)}>{role}</Link>
            </li>
          ))}
        </ul>
      )}
      <h3>Document ({policy.defaultVersionId})</h3>
      <pre className="policy-document" data-testid="policy-document">
        {jsonText(policy.document)}
      </pre>
    </section>
  );
}
