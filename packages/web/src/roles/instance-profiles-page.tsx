import {
  ApiRoutes,
  type InstanceProfileDto,
  type InstanceProfileListDto,
  type RoleListDto,
} from "@fawkes/protocol";
import { useId, useState } from "react";
import { iam } from "../api/iam.ts";
import { useIsAdmin } from "../auth/permissions.ts";
import { affects } from "../live/event-match.ts";
import { useResource } from "../live/use-resource.ts";
import { Link } from "../router/link.tsx";
import { href } from "../router/routes.ts";
import { ActionButton } from "../ui/action-button.tsx";
import { ConfirmButton } from "../ui/confirm-button.tsx";
import { DateTime } from "../ui/date-time.tsx";
import { CommandDialogForm } from "../ui/command-dialog-form.tsx";
import { TextField } from "../ui/fields.tsx";
import { ResourceTable } from "../ui/resource-table.tsx";
import { useCommandDialog, type CommandDialog } from "../ui/use-command-dialog.ts";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import { IamListHeading } from "./iam-nav.tsx";
import { IamRoleSelect } from "./iam-role-select.tsx";
import "./roles.css";

/** Instance profiles: how a machine is given a role. Each holds at most one role. */
export function InstanceProfilesPage() {
  useDocumentTitle("Instance profiles");
  const admin = useIsAdmin();
  const roles = useResource<RoleListDto>(admin ? ApiRoutes.roles : null, affects.nothing).data?.roles.map(
    (role) => role.name,
  );
  const { data, error, reload } = useResource<InstanceProfileListDto>(
    ApiRoutes.instanceProfiles,
    affects.nothing,
  );
  const dialog = useCommandDialog();
  return (
    <>
      <IamListHeading
        title="Instance profiles"
        count={data?.instanceProfiles.length}
        noun={["instance profile", "instance profiles"]}
        current="instance-profiles"
        createLabel="Create instance profile"
        onCreate={dialog.show}
      />
      <ResourceTable
        items={data?.instanceProfiles}
        error={error}
        what="the instance profiles"
        empty="No instance profile yet. One gives a machine (an agent, a phoenix instance) a role."
        caption="Instance profiles"
        className="profiles-table"
        columns={admin ? ["Name", "ARN", "Role", "Created", ""] : ["Name", "ARN", "Role", "Created"]}
        row={(profile) => (
          <ProfileRow key={profile.instanceProfileId} profile={profile} roles={roles} onChanged={reload} />
        )}
      />
      {admin && <CreateProfileDialog dialog={dialog} roles={roles} onCreated={reload} />}
    </>
  );
}

function ProfileRow({
  profile,
  roles,
  onChanged,
}: {
  profile: InstanceProfileDto;
  /** The roles an administrator may put in it. */
  roles: readonly string[] | undefined;
  onChanged(): void;
}) {
  const admin = useIsAdmin();
  const [role, setRole] = useState("");
  const id = useId();
  return (
    <tr data-instance-profile={profile.name}>
      <th scope="row">{profile.name}</th>
      <td>
        <code>{profile.arn}</code>
      </td>
      <td>
        {profile.role !== null && (
          <>
            <Link href={href.role(profile.role)}>{profile.role}</Link>{" "}
            {admin && (
              <ConfirmButton
                variant="secondary"
                label={`Remove role ${profile.role} from ${profile.name}`}
                title={`Remove ${profile.role} from ${profile.name}?`}
                body={<p>Machines with this profile get no credentials from it any more.</p>}
                confirmLabel="Remove"
                action={() => iam.removeInstanceProfileRole(profile.name)}
                done={`Removed ${profile.role} from ${profile.name}`}
                onDone={onChanged}
              >
                Remove
              </ConfirmButton>
            )}
          </>
        )}
        {profile.role === null && !admin && <span className="muted">None</span>}
        {profile.role === null && admin && (
          <span className="inline-form">
            <IamRoleSelect
              roles={roles}
              id={`${id}-role`}
              value={role}
              onChange={setRole}
              label={`Role for ${profile.name}`}
            />
            <ActionButton
              disabled={role === ""}
              label={`Add role to ${profile.name}`}
              action={async () => {
                await iam.setInstanceProfileRole(profile.name, role);
                onChanged();
              }}
              done={`Added ${role} to ${profile.name}`}
            >
              Add
            </ActionButton>
          </span>
        )}
      </td>
      <td>
        <DateTime time={profile.createdAt} />
      </td>
      {admin && (
        <td>
          <ConfirmButton
            label={`Delete instance profile ${profile.name}`}
            title={`Delete instance profile ${profile.name}?`}
            body={<p>A profile that holds a role cannot be deleted: remove the role first.</p>}
            confirmLabel="Delete"
            action={() => iam.deleteInstanceProfile(profile.name)}
            done={`Deleted instance profile ${profile.name}`}
            onDone={onChanged}
          >
            Delete
          </ConfirmButton>
        </td>
      )}
    </tr>
  );
}

function CreateProfileDialog({
  dialog,
  roles,
  onCreated,
}: {
  dialog: CommandDialog;
  roles: readonly string[] | undefined;
  onCreated(): void;
}) {
  const [name, setName] = useState("");
  const [role, setRole] = useState("");
  const id = useId();
  return (
    <CommandDialogForm
      dialog={dialog}
      title="Create an instance profile"
      onSubmit={() =>
        void dialog.run(async () => {
          await iam.createInstanceProfile({ name: name.trim(), ...(role !== "" && { role }) });
          onCreated();
        }, `Created instance profile ${name.trim()}`)
      }
    >
      <TextField label="Name" required maxLength={128} value={name} onChange={setName} />
      <div className="field">
        <label htmlFor={`${id}-role`}>Role</label>
        <IamRoleSelect id={`${id}-role`} roles={roles} value={role} onChange={setRole} optional />
      </div>
    </CommandDialogForm>
  );
}
