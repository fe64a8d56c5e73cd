import { ApiRoutes, type UserDto, type UserListDto } from "@fawkes/protocol";
import { useState } from "react";
import { errorMessage } from "../api/http.ts";
import { users } from "../api/users.ts";
import { useMe } from "../auth/permissions.ts";
import { affects } from "../live/event-match.ts";
import { useResource } from "../live/use-resource.ts";
import { Link } from "../router/link.tsx";
import { href } from "../router/routes.ts";
import { ActionButton } from "../ui/action-button.tsx";
import { ConfirmButton } from "../ui/confirm-button.tsx";
import { DateTime } from "../ui/date-time.tsx";
import { ListHeading, ResourceTable } from "../ui/resource-table.tsx";
import { SecretOnce } from "../ui/secret-once.tsx";
import { useCommandDialog } from "../ui/use-command-dialog.ts";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import { useSubmit } from "../ui/use-submit.ts";
import { CreateUserDialog } from "./create-user-dialog.tsx";
import { isRefused, NotAllowed, useNotAdmin } from "./not-allowed.tsx";
import { RoleSelect } from "./role-select.tsx";
import "./users.css";

/** The server's users (an administrator's page): create, change role, disable or enable, delete. */
export function UsersPage() {
  useDocumentTitle("Users");
  const me = useMe();
  const refusedByRole = useNotAdmin();
  const { data, error, reload } = useResource<UserListDto>(
    refusedByRole ? null : ApiRoutes.users,
    affects.nothing,
  );
  const dialog = useCommandDialog();
  const [created, setCreated] = useState<{ user: string; password: string } | undefined>();
  if (refusedByRole || isRefused(error)) return <NotAllowed what="users" />;
  return (
    <>
      <ListHeading title="Users" count={data?.users.length} noun={["user", "users"]}>
        <button type="button" className="button button-primary" onClick={dialog.show}>
          Create user
        </button>
      </ListHeading>
      {created !== undefined && (
        <SecretOnce label={`The password of ${created.user}.`} value={created.password} />
      )}
      <ResourceTable
        items={data?.users}
        error={error}
        what="the users"
        empty="No user."
        caption="Users"
        className="users-table"
        columns={["Name", "Role", "Group grants", "Status", "Created", ""]}
        row={(user) => (
          <UserRow
            key={user.name}
            user={user}
            self={me?.bootstrap === false ? me.user : undefined}
            onChanged={reload}
          />
        )}
      />
      <CreateUserDialog
        dialog={dialog}
        onCreated={(user, password) => {
          setCreated(password === undefined ? undefined : { user, password });
          reload();
        }}
      />
    </>
  );
}

/** A user's row; `self` is the logged-in user's name (none for the bootstrap administrator, who is no user). */
function UserRow({ user, self, onChanged }: { user: UserDto; self: string | undefined; onChanged(): void }) {
  const grants = Object.entries(user.groups);
  return (
    <tr data-user={user.name}>
      <th scope="row">
        <Link href={href.user(user.name)}>{user.name}</Link>
      </th>
      <td>
        <UserRoleSelect user={user} self={user.name === self} onChanged={onChanged} />
      </td>
      <td>
        {grants.length === 0 ? (
          <span className="muted">None</span>
        ) : (
          grants.map(([group, role]) => `${group}: ${role}`).join(", ")
        )}
      </td>
      <td data-testid="user-status">{user.disabled ? "Disabled" : "Active"}</td>
      <td>
        <DateTime time={user.createdAt} />
      </td>
      <td className="row-actions">
        <ActionButton
          label={`${user.disabled ? "Enable" : "Disable"} ${user.name}`}
          disabled={user.name === self}
          title={user.name === self ? "You cannot disable yourself" : undefined}
          action={async () => {
            await users.update(user.name, { disabled: !user.disabled });
            onChanged();
          }}
          done={`${user.disabled ? "Enabled" : "Disabled"} ${user.name}`}
        >
          {user.disabled ? "Enable" : "Disable"}
        </ActionButton>
        {user.name !== self && (
          <ConfirmButton
            label={`Delete user ${user.name}`}
            title={`Delete user ${user.name}?`}
            body={<p>Their API tokens and web sessions stop working at once. This cannot be undone.</p>}
            confirmLabel="Delete"
            action={() => users.delete(user.name)}
            done={`Deleted user ${user.name}`}
            onDone={onChanged}
          >
            Delete
          </ConfirmButton>
        )}
      </td>
    </tr>
  );
}

/** The global role, changed as soon as another is picked. */
function UserRoleSelect({ user, self, onChanged }: { user: UserDto; self: boolean; onChanged(): void }) {
  const { busy, error, run } = useSubmit();
  return (
    <>
      <RoleSelect
        label={`Role of ${user.name}`}
        value={user.role}
        busy={busy}
        disabled={self}
        title={self ? "You cannot change your own role" : undefined}
        onChange={(role) =>
          void run(async () => {
            await users.update(user.name, { role });
            onChanged();
          })
        }
      />
      {error !== undefined && (
        <span className="field-error" role="alert">
          {errorMessage(error)}
        </span>
      )}
    </>
  );
}
