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
  onChange,
}: {
  id?: string;
  label?: string;
  value: UserRole;
  busy?: boolean;
  onChange(role: UserRole): void;
}) {
  return (
    <select
      id={id}
      aria-label={label}
      value={value}
      disabled={busy}
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
