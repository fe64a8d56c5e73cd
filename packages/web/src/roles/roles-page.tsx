import { ApiRoutes, type RoleListDto } from "@fawkes/protocol";
import { useIsAdmin } from "../auth/permissions.ts";
import { affects } from "../live/event-match.ts";
import { useResource } from "../live/use-resource.ts";
import { Link } from "../router/link.tsx";
import { href } from "../router/routes.ts";
import { DateTime } from "../ui/date-time.tsx";
import { ResourceTable } from "../ui/resource-table.tsx";
import { useCommandDialog } from "../ui/use-command-dialog.ts";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import { CreateRoleDialog } from "./create-role-dialog.tsx";
import { IamListHeading } from "./iam-nav.tsx";
import "./roles.css";

/** IAM roles; each opens its trust and permission policies. */
export function RolesPage() {
  useDocumentTitle("Roles");
  const admin = useIsAdmin();
  const { data, error, reload } = useResource<RoleListDto>(ApiRoutes.roles, affects.nothing);
  const dialog = useCommandDialog();
  return (
    <>
      <IamListHeading
        title="Roles"
        count={data?.roles.length}
        noun={["role", "roles"]}
        current="roles"
        createLabel="Create role"
        onCreate={dialog.show}
      />
      <ResourceTable
        items={data?.roles}
        error={error}
        what="the roles"
        empty={
          <>
            No role yet. A job gets cloud credentials only through a role:{" "}
            <code>fawkes roles create NAME --trust-pipeline PIPELINE</code>.
          </>
        }
        caption="Roles"
        className="roles-table"
        columns={["Name", "ARN", "Longest session", "Created"]}
        row={(role) => (
          <tr key={role.roleId} data-role={role.name}>
            <th scope="row">
              <Link href={href.role(role.name)}>{role.name}</Link>
            </th>
            <td>
              <code>{role.arn}</code>
            </td>
            <td>{role.maxSessionDurationSeconds / 3600} h</td>
            <td>
              <DateTime time={role.createdAt} />
            </td>
          </tr>
        )}
      />
      {admin && <CreateRoleDialog dialog={dialog} onCreated={reload} />}
    </>
  );
}
