import { ApiRoutes, type RoleListDto } from "@fawkes/protocol";
import { formatDateTime } from "../format/time.ts";
import { useResource } from "../live/use-resource.ts";
import { Link } from "../router/link.tsx";
import { href } from "../router/routes.ts";
import { Loading, LoadError } from "../ui/page-states.tsx";
import { useCommandDialog } from "../ui/use-command-dialog.ts";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import { CreateRoleDialog } from "./create-role-dialog.tsx";
import "./roles.css";

/** Roles change through the IAM API too, which sends no server events: the page loads once and after its own changes. */
const noServerEvents = (): boolean => false;

/** IAM roles; each opens its trust and permission policies. */
export function RolesPage() {
  useDocumentTitle("Roles");
  const { data, error, reload } = useResource<RoleListDto>(ApiRoutes.roles, noServerEvents);
  const dialog = useCommandDialog();
  const count = data?.roles.length ?? 0;
  return (
    <>
      <div className="page-heading">
        <h1>Roles</h1>
        {data !== undefined && (
          <span className="muted" role="status">
            {count} role{count === 1 ? "" : "s"}
          </span>
        )}
        <button type="button" className="button button-primary" onClick={dialog.show}>
          Create role
        </button>
      </div>
      {error !== undefined && <LoadError error={error} what="the roles" />}
      {data === undefined && error === undefined && <Loading what="roles" />}
      {data !== undefined && count === 0 && (
        <p className="empty">
          No role yet. A job gets cloud credentials only through a role:{" "}
          <code>fawkes roles create NAME --trust-pipeline PIPELINE</code>.
        </p>
      )}
      {data !== undefined && count > 0 && (
        <div className="table-scroll">
          <table className="data-table roles-table">
            <caption className="visually-hidden">Roles</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">ARN</th>
                <th scope="col">Longest session</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {data.roles.map((role) => (
                <tr key={role.roleId} data-role={role.name}>
                  <th scope="row">
                    <Link href={href.role(role.name)}>{role.name}</Link>
                  </th>
                  <td>
                    <code>{role.arn}</code>
                  </td>
                  <td>{role.maxSessionDurationSeconds / 3600} h</td>
                  <td>
                    <time dateTime={new Date(role.createdAt).toISOString()}>
                      {formatDateTime(role.createdAt)}
                    </time>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <CreateRoleDialog dialog={dialog} onCreated={reload} />
    </>
  );
}
