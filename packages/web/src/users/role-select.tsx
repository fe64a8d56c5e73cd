import { UserRole } from "@fawkes/protocol";

const described: Record<UserRole, string> = {
  viewer: "viewer (view)",
  operator: "operator (view, trigger, approve…)",
  admin: "admin (everything)",
};

/** A user's role: viewer, operator or admin (GoCD's view / operate / administer). */
export function RoleSelect({
  id,
  label,
  value,
  busy,
  disabled,
  title,
  onChange,
}: {
  id?: string;
  label?: string;
  value: UserRole;
  busy?: boolean;
  disabled?: boolean;
  title?: string;
  onChange(role: UserRole): void;
}) {
  return (
    <select
      id={id}
      aria-label={label}
      value={value}
      disabled={busy === true || disabled === true}
      title={title}
      aria-busy={busy}
      onChange={(event) => onChange(event.target.value as UserRole)}
    >
      {UserRole.options.map((role) => (
        <option key={role} value={role}>
          {described[role]}
        </option>
      ))}
    </select>
  );
}
