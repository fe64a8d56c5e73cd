import type { UserDto, UserRole } from "@fawkes/protocol";
import { useState } from "react";
import { users } from "../api/users.ts";
import { ConfirmButton } from "../ui/confirm-button.tsx";
import { ProblemNotice } from "../ui/error-notice.tsx";
import { TextField } from "../ui/fields.tsx";
import { useSubmit } from "../ui/use-submit.ts";
import { RoleSelect } from "./role-select.tsx";

/**
 * A user's roles in pipeline groups (GoCD's model: the permission on a pipeline is the higher of the global role
 * and its group's grant): listed with Remove, and granted by group name.
 */
export function GroupGrants({ user, onChanged }: { user: UserDto; onChanged(): void }) {
  const [group, setGroup] = useState("");
  const [role, setRole] = useState<UserRole>("operator");
  const { busy, error, run } = useSubmit();
  const grants = Object.entries(user.groups);
  const grant = () =>
    void run(async () => {
      await users.grant(user.name, group.trim(), role);
      setGroup("");
      onChanged();
    });
  return (
    <>
      {grants.length === 0 ? (
        <p className="muted">No group grant: the global role ({user.role}) applies to every pipeline.</p>
      ) : (
        <ul className="plain-list">
          {grants.map(([name, granted]) => (
            <li key={name} data-grant={name}>
              <strong>{name}</strong>: {granted}{" "}
              <ConfirmButton
                variant="secondary"
                label={`Remove ${user.name}'s grant in ${name}`}
                title={`Remove ${user.name}'s ${granted} grant in ${name}?`}
                body={<p>The global role ({user.role}) applies to the group's pipelines again.</p>}
                confirmLabel="Remove"
                action={() => users.removeGrant(user.name, name)}
                done={`Removed the grant in ${name}`}
                onDone={onChanged}
              >
                Remove
              </ConfirmButton>
            </li>
          ))}
        </ul>
      )}
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          grant();
        }}
      >
        <TextField label="Pipeline group" required maxLength={255} value={group} onChange={setGroup} />
        <RoleSelect label="Role in the group" value={role} onChange={setRole} />
        <button type="submit" className="button button-primary" disabled={busy} aria-busy={busy}>
          Grant
        </button>
      </form>
      <ProblemNotice error={error} />
    </>
  );
}
